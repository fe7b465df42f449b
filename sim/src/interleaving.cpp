#include <omega/sim/interleaving.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <type_traits>
#include <vector>

namespace omega::sim {

namespace {

constexpr std::size_t kCellMax = 44;

// A cell's text in lines of at most kCellMax characters, broken after a space where there is one:
// wide cells wrap onto continuation lines instead of losing their end (a deadlock's wait text).
std::vector<std::string> wrap(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (s.size() - start > kCellMax) {
    std::size_t cut = s.rfind(' ', start + kCellMax);
    cut = cut == std::string::npos || cut <= start ? start + kCellMax : cut + 1;
    std::string line = s.substr(start, cut - start);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
    start = cut;
  }
  lines.push_back(s.substr(start));
  return lines;
}

// Values of integer cells are recorded as themselves; larger args are hashes, not worth showing.
std::string value_suffix(std::uint64_t arg) { return arg < (1ull << 32) ? fmt::format("={}", arg) : ""; }

std::string op_text(const ev::Op& op, const std::string& object, const std::string& kind) {
  const bool cell = kind == "shared" || kind == "atomic";
  switch (op.op) {
    case OpCode::read: return "load " + object + (cell ? value_suffix(op.arg) : "");
    case OpCode::write: return "store " + object + (cell ? value_suffix(op.arg) : "");
    case OpCode::read_modify_write: return "update " + object + (cell ? value_suffix(op.arg) : "");
    default: return std::string(to_string(op.op)) + " " + object;
  }
}

// The fiber an event shows acting, if it names one (and adds a row for it).
std::optional<std::uint32_t> acting_fiber(const Event& e) {
  return std::visit(
      [](const auto& x) -> std::optional<std::uint32_t> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ev::Spawn>) {
          if (x.parent.valid()) return x.parent.value;
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, ev::Yield> || std::is_same_v<T, ev::Block> || std::is_same_v<T, ev::Join> ||
                             std::is_same_v<T, ev::Done> || std::is_same_v<T, ev::Error> || std::is_same_v<T, ev::Op> ||
                             std::is_same_v<T, ev::OracleCall> || std::is_same_v<T, ev::Timeout> ||
                             std::is_same_v<T, ev::Failure> || std::is_same_v<T, ev::Denied>) {
          return x.fiber.value;
        } else {
          return std::nullopt;
        }
      },
      e);
}

}  // namespace

std::string duration_text(std::uint64_t ns) {
  // The largest unit the value reaches, exact to the nanosecond: "1 ms", "1.5 s", "250 us", "7 ns".
  static constexpr std::pair<std::uint64_t, const char*> kUnits[] = {
      {1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}};  // decimal units only: 90 s, not 1.5 min
  for (const auto& [size, unit] : kUnits) {
    if (ns < size) continue;
    std::string fraction = fmt::format("{:0{}}", ns % size, fmt::format("{}", size - 1).size());
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    return fmt::format("{}{}{} {}", ns / size, fraction.empty() ? "" : ".", fraction, unit);
  }
  return fmt::format("{} ns", ns);
}

std::vector<InterleavingRow> interleaving_rows(const std::vector<Event>& events,
                                               const std::vector<std::uint64_t>& steps) {
  std::map<std::uint32_t, std::string> fiber_names;
  std::map<std::uint32_t, std::pair<std::string, std::string>> objects;  // id -> (kind, name)
  std::map<std::uint32_t, std::string> sites;                             // id -> "file.cpp:42"
  std::vector<InterleavingRow> rows;
  const Event* previous = nullptr;
  // A data choice carries no fiber: it belongs to the fiber of the next event that names one (a
  // forced switch leaves no decision behind), or the current fiber of the next decision.
  std::vector<std::pair<std::string, std::size_t>> choices;  // text, event
  auto flush_choices = [&](std::uint32_t fiber) {
    for (auto& [text, event] : choices) rows.push_back({steps[event], fiber, std::move(text), false, event, {}});
    choices.clear();
  };
  std::size_t at = 0;  // the event being walked
  auto add = [&](std::uint32_t fiber, std::string text, bool full_width = false) {
    rows.push_back({steps[at], fiber, std::move(text), full_width, at, {}});
  };

  for (; at < events.size(); ++at) {
    const Event& e = events[at];
    const std::size_t rows_before = rows.size();
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, ev::Spawn>) {
            fiber_names[x.fiber.value] = x.name;
            if (x.parent.valid()) add(x.parent.value, fmt::format("spawn {} ({})", x.fiber.value, x.name));
          } else if constexpr (std::is_same_v<T, ev::Choice>) {
            // Data choices steer the run as much as scheduling does (the shrinker moves them too).
            choices.emplace_back(fmt::format("choice {} {} of {}", to_string(x.kind), x.value, x.bound), at);
          } else if constexpr (std::is_same_v<T, ev::ScheduleChoose>) {
            flush_choices(x.current.value);
            const bool current_ready = std::find(x.ready.begin(), x.ready.end(), x.current) != x.ready.end();
            const auto* y = previous ? std::get_if<ev::Yield>(previous) : nullptr;
            const bool yielded = y && y->fiber == x.current;
            if (current_ready && !yielded && x.chosen != x.current)
              add(x.current.value, "-- preempted --");
          } else if constexpr (std::is_same_v<T, ev::Yield>) {
            add(x.fiber.value, "yield");
          } else if constexpr (std::is_same_v<T, ev::Block>) {
            add(x.fiber.value, "waits on " + x.on);
          } else if constexpr (std::is_same_v<T, ev::Join>) {
            add(x.fiber.value, fmt::format("join {}", x.target.value));
          } else if constexpr (std::is_same_v<T, ev::Done>) {
            add(x.fiber.value, "done");
          } else if constexpr (std::is_same_v<T, ev::Error>) {
            add(x.fiber.value, "threw " + x.message);
          } else if constexpr (std::is_same_v<T, ev::Object>) {
            objects[x.object] = {x.kind, x.name};
          } else if constexpr (std::is_same_v<T, ev::Site>) {
            // The file's name, not its folder: cells are narrow, and the name finds the line.
            const auto slash = x.file.rfind('/');
            sites[x.site] = fmt::format("{}:{}", slash == std::string::npos ? x.file : x.file.substr(slash + 1), x.line);
          } else if constexpr (std::is_same_v<T, ev::Op>) {
            const auto& [kind, name] = objects[x.object];
            add(x.fiber.value, op_text(x, name, kind));
          } else if constexpr (std::is_same_v<T, ev::OracleCall>) {
            const std::string name = objects[x.oracle].second;
            add(x.fiber.value, "oracle " + name + (x.fault == 1 ? " (error)" : x.fault == 2 ? " (timeout)" : x.fault == 3 ? " (failed)" : ""));
          } else if constexpr (std::is_same_v<T, ev::TimeAdvance>) {
            add(0, "-- time " + duration_text(x.now_ns) + " --", true);
          } else if constexpr (std::is_same_v<T, ev::Timeout>) {
            add(x.fiber.value, "timed out");
          } else if constexpr (std::is_same_v<T, ev::Failure>) {
            add(x.fiber.value, "!! check failed: " + x.message);
          } else if constexpr (std::is_same_v<T, ev::Deadlock>) {
            add(0, "!! deadlock: " + x.waits, true);
          } else if constexpr (std::is_same_v<T, ev::BudgetExhausted>) {
            add(0, fmt::format("!! budget exhausted: {} {}", x.budget, x.limit), true);
          } else if constexpr (std::is_same_v<T, ev::Denied>) {
            add(x.fiber.value, "!! denied " + x.op + (x.cap.empty() ? "" : " without " + x.cap));
          } else if constexpr (std::is_same_v<T, ev::Divergence>) {
            add(0, "!! " + x.message, true);
          } else if constexpr (std::is_same_v<T, ev::Wake>) {
            // A notify says whom it woke; other wakes are implied by the rows around them.
            if (!rows.empty() && rows.back().fiber == x.by.value && rows.back().text.starts_with("notify ")) {
              std::string& text = rows.back().text;
              text += text.find(" -> wakes ") == std::string::npos ? " -> wakes " : ", ";
              text += fmt::format("{} ({})", x.fiber.value, fiber_names[x.fiber.value]);
            }
          }
        },
        e);
    if (rows.size() > rows_before)
      if (const auto site = sites.find(event_site(e)); site != sites.end()) {
        // "join 3 @x.cpp:40" then "waits on join 3 (a)": the wait is at the line just shown.
        const bool repeated = std::holds_alternative<ev::Block>(e) && rows.size() >= 2 &&
                              rows[rows.size() - 2].fiber == rows.back().fiber &&
                              rows[rows.size() - 2].site == site->second;
        if (!repeated) rows.back().site = site->second;
      }
    if (!choices.empty() && !std::holds_alternative<ev::Choice>(e) && !std::holds_alternative<ev::ScheduleChoose>(e)) {
      // The row just added names the fiber that drew them: put them before it.
      if (const auto fiber = acting_fiber(e)) {
        InterleavingRow last = std::move(rows.back());
        rows.pop_back();
        flush_choices(*fiber);
        rows.push_back(std::move(last));
      }
    }
    previous = &e;
  }

  flush_choices(0);
  return rows;
}

std::string interleaving_table(const Ledger& ledger) {
  const std::vector<Event> events = ledger.events();
  const std::vector<InterleavingRow> rows = interleaving_rows(events, ledger.event_steps(events));
  std::map<std::uint32_t, std::string> fiber_names;
  for (const Event& e : events)
    if (const auto* spawn = std::get_if<ev::Spawn>(&e)) fiber_names[spawn->fiber.value] = spawn->name;

  // Layout: the step, then a column per fiber in id order.
  std::vector<std::uint32_t> columns;
  for (const auto& [id, name] : fiber_names) columns.push_back(id);
  std::map<std::uint32_t, std::size_t> width;
  for (std::uint32_t c : columns) width[c] = fmt::format("{} {}", c, fiber_names[c]).size();
  std::size_t number_width = 4;  // "step"
  for (const InterleavingRow& r : rows) {
    number_width = std::max(number_width, std::to_string(r.step).size());
    if (!r.full_width)
      for (const std::string& part : wrap(r.located_text())) width[r.fiber] = std::max(width[r.fiber], part.size());
  }

  std::string out = fmt::format("{:>{}}", "step", number_width);
  std::string rule(number_width, '-');
  for (std::uint32_t c : columns) {
    out += fmt::format(" | {:<{}}", fmt::format("{} {}", c, fiber_names[c]), width[c]);
    rule += "-+-" + std::string(width[c], '-');
  }
  out += "\n" + rule + "\n";
  for (const InterleavingRow& r : rows) {
    const std::vector<std::string> parts = r.full_width ? std::vector<std::string>{r.text} : wrap(r.located_text());
    for (std::size_t k = 0; k < parts.size(); ++k) {  // continuation lines carry no step
      std::string line = k == 0 ? fmt::format("{:>{}}", r.step, number_width) : std::string(number_width, ' ');
      if (r.full_width) {
        line += " | " + parts[k];
      } else {
        for (std::uint32_t c : columns) line += fmt::format(" | {:<{}}", c == r.fiber ? parts[k] : "", width[c]);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace omega::sim
