#include "trace_out.hpp"

#include "cli_input.hpp"

#include <omega/sim/interleaving.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace omega::cli {

namespace {

using Json = nlohmann::ordered_json;
constexpr int kPid = 1;      // one process: the run
constexpr double kTick = 0.001;  // 1 ns, the finest time Perfetto keeps

// Step s spans [s, s + 1) us. Fibers switch at whole steps (the scheduling points); the events of a
// step are spread strictly inside it in ledger order, so each has its own place on the timeline.
std::vector<double> event_times(const std::vector<std::uint64_t>& steps) {
  std::vector<double> ts(steps.size());
  for (std::size_t first = 0; first < steps.size();) {
    std::size_t end = first;
    while (end < steps.size() && steps[end] == steps[first]) ++end;
    const double n = static_cast<double>(end - first);
    for (std::size_t k = first; k < end; ++k) {
      const double within = std::clamp(static_cast<double>(k - first + 1) / (n + 1), kTick, 1 - kTick);
      ts[k] = std::round((static_cast<double>(steps[k]) + within) * 1000) / 1000;
    }
    first = end;
  }
  return ts;
}

// The fiber an event shows running (executing the verb that recorded it), if any. A Timeout, or a
// Wake by a timer, is the kernel's doing while no fiber runs.
std::optional<std::uint32_t> runner_of(const sim::Event& e) {
  return std::visit(
      [](const auto& x) -> std::optional<std::uint32_t> {
        using T = std::decay_t<decltype(x)>;
        namespace ev = sim::ev;
        if constexpr (std::is_same_v<T, ev::Spawn>) {
          return x.parent.valid() ? x.parent.value : x.fiber.value;  // the root starts running
        } else if constexpr (std::is_same_v<T, ev::ScheduleChoose>) {
          return x.current.value;
        } else if constexpr (std::is_same_v<T, ev::Wake>) {
          if (x.by.valid()) return x.by.value;
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, ev::Yield> || std::is_same_v<T, ev::Block> ||
                             std::is_same_v<T, ev::Join> || std::is_same_v<T, ev::Done> ||
                             std::is_same_v<T, ev::Error> || std::is_same_v<T, ev::Op> ||
                             std::is_same_v<T, ev::OracleCall> || std::is_same_v<T, ev::Failure> ||
                             std::is_same_v<T, ev::Denied>) {
          return x.fiber.value;
        } else {
          return std::nullopt;
        }
      },
      e);
}

struct Slice {
  std::uint32_t fiber = 0;
  std::uint64_t from = 0, to = 0;  // steps: switched to at `from`, away at `to`
};

// Who runs when: the root from step 0; a decision's chosen fiber from its step. A fiber that
// blocked or ended with a single other fiber runnable hands over without a decision (no event):
// the other fiber then shows running, from the step after the last one the first acted in.
std::vector<Slice> running_slices(const std::vector<sim::Event>& events, const std::vector<std::uint64_t>& steps) {
  std::vector<Slice> slices;
  std::optional<std::uint32_t> running;
  std::uint64_t since = 0, last = 0;  // the running fiber's first and latest step
  auto switch_to = [&](std::uint32_t fiber, std::uint64_t at) {
    if (running == fiber) return;
    if (running && at > since) slices.push_back({*running, since, at});
    running = fiber;
    since = last = at;
  };
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (const auto fiber = runner_of(events[i])) switch_to(*fiber, running ? std::min(steps[i], last + 1) : steps[i]);
    if (const auto* c = std::get_if<sim::ev::ScheduleChoose>(&events[i])) switch_to(c->chosen.value, c->step);
    if (running && runner_of(events[i]) == running) last = std::max(last, steps[i]);
  }
  if (running) slices.push_back({*running, since, last + 1});
  return slices;
}

std::string hex(std::uint64_t v) { return fmt::format("{:016x}", v); }

// Names the ledger introduces as it goes: fibers, objects, source sites.
struct Names {
  std::map<std::uint32_t, std::string> fibers, sites;
  std::map<std::uint32_t, std::pair<std::string, std::string>> objects;  // kind, name
  std::string fiber(FiberId f) const {
    if (!f.valid()) return "-";
    const auto it = fibers.find(f.value);
    return it == fibers.end() ? std::to_string(f.value) : fmt::format("{} ({})", f.value, it->second);
  }
  std::string object(std::uint32_t id) const {
    const auto it = objects.find(id);
    return it == objects.end() ? std::to_string(id) : it->second.first + " " + it->second.second;
  }
};

// An event's fields, for the trace viewer's details pane.
Json event_args(const sim::Event& e, const Names& names) {
  namespace ev = sim::ev;
  Json args = std::visit(
      [&](const auto& x) -> Json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ev::Spawn>) {
          return {{"fiber", names.fiber(x.fiber)}, {"daemon", x.daemon}};
        } else if constexpr (std::is_same_v<T, ev::ScheduleChoose>) {
          Json ready = Json::array();
          for (const auto f : x.ready) ready.push_back(f.value);
          return {{"decision", x.decision_index}, {"choice", x.choice}, {"chosen", names.fiber(x.chosen)},
                  {"current", names.fiber(x.current)}, {"ready", ready}};
        } else if constexpr (std::is_same_v<T, ev::Block>) {
          Json j = {{"reason", sim::to_string(x.reason)}, {"on", x.on}};
          if (x.object != ev::Block::kNoObject) j["object"] = names.object(x.object);
          if (x.holder.valid()) j["holder"] = names.fiber(x.holder);
          return j;
        } else if constexpr (std::is_same_v<T, ev::Wake>) {
          return {{"fiber", names.fiber(x.fiber)}, {"by", x.by.valid() ? names.fiber(x.by) : "timer"}};
        } else if constexpr (std::is_same_v<T, ev::Join>) {
          return {{"target", names.fiber(x.target)}};
        } else if constexpr (std::is_same_v<T, ev::Done>) {
          return {{"value_hash", hex(x.value_hash)}};
        } else if constexpr (std::is_same_v<T, ev::Error> || std::is_same_v<T, ev::Failure>) {
          return {{"message", x.message}};
        } else if constexpr (std::is_same_v<T, ev::Choice>) {
          return {{"decision", x.decision_index}, {"kind", sim::to_string(x.kind)}, {"value", x.value},
                  {"bound", x.bound}};
        } else if constexpr (std::is_same_v<T, ev::Deadlock>) {
          return {{"waits", x.waits}};
        } else if constexpr (std::is_same_v<T, ev::BudgetExhausted>) {
          return {{"budget", x.budget}, {"limit", x.limit}};
        } else if constexpr (std::is_same_v<T, ev::Divergence>) {
          return {{"decision", x.decision_index}, {"message", x.message}};
        } else if constexpr (std::is_same_v<T, ev::Op>) {
          return {{"object", names.object(x.object)}, {"op", sim::to_string(x.op)}, {"arg", x.arg}};
        } else if constexpr (std::is_same_v<T, ev::TimeAdvance>) {
          return {{"now_ns", x.now_ns}};
        } else if constexpr (std::is_same_v<T, ev::Denied>) {
          return {{"op", x.op}, {"cap", x.cap}};
        } else if constexpr (std::is_same_v<T, ev::OracleCall>) {
          return {{"oracle", names.object(x.oracle)}, {"key_hash", hex(x.key_hash)}, {"latency_ns", x.latency_ns},
                  {"fault", x.fault}, {"executed", x.executed}};
        } else {
          return Json::object();
        }
      },
      e);
  if (const auto it = names.sites.find(sim::event_site(e)); it != names.sites.end()) args["site"] = it->second;
  return args;
}

// The table's "-- preempted --" and "-- time 1 ms --" read as plain names in a viewer.
std::string instant_name(std::string text) {
  if (text.starts_with("-- ") && text.ends_with(" --")) text = text.substr(3, text.size() - 6);
  return text;
}

class TraceBuilder {
 public:
  TraceBuilder(const sim::RunResult& r, const TraceAbout& about)
      : r_(r), about_(about), events_(r.ledger.events()), steps_(r.ledger.event_steps(events_)),
        ts_(event_times(steps_)) {}

  Json build() {
    std::vector<std::uint64_t> time_ns(events_.size());  // virtual time at each event
    std::uint64_t now = 0;
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (const auto* t = std::get_if<sim::ev::TimeAdvance>(&events_[i])) now = t->now_ns;
      time_ns[i] = now;
    }
    for (const Slice& s : running_slices(events_, steps_)) {
      slice_starts_[s.fiber].push_back(s.from);
      add(static_cast<double>(s.from), {{"name", "running"}, {"cat", "fiber"}, {"ph", "X"}, {"pid", kPid},
                                        {"tid", s.fiber}, {"ts", s.from}, {"dur", s.to - s.from},
                                        {"args", {{"from_step", s.from}, {"to_step", s.to}}}});
    }
    // Instants and arrows, walking the ledger once more, naming things as they are introduced.
    std::map<std::uint32_t, double> ended_at;            // fiber -> ts of its Done/Error
    std::map<std::uint32_t, sim::ev::Block> blocked_on;  // fiber -> its latest Block
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const sim::Event& e = events_[i];
      auto about_event = [&](Json args) {
        args["step"] = steps_[i];
        args["time_ns"] = time_ns[i];
        return args;
      };
      if (const auto* s = std::get_if<sim::ev::Spawn>(&e)) {
        names_.fibers[s->fiber.value] = s->name;
        if (s->parent.valid()) arrow("spawn", s->parent.value, ts_[i], s->fiber.value, after(s->fiber.value, ts_[i]));
      } else if (const auto* o = std::get_if<sim::ev::Object>(&e)) {
        names_.objects[o->object] = {o->kind, o->name};
      } else if (const auto* site = std::get_if<sim::ev::Site>(&e)) {
        names_.sites[site->site] = fmt::format("{}:{}", site->file, site->line);
      } else if (const auto* b = std::get_if<sim::ev::Block>(&e)) {
        blocked_on[b->fiber.value] = *b;
      } else if (std::holds_alternative<sim::ev::Done>(e) || std::holds_alternative<sim::ev::Error>(e)) {
        ended_at[*runner_of(e)] = ts_[i];
      } else if (const auto* j = std::get_if<sim::ev::Join>(&e)) {
        // Joining a fiber that already ended; otherwise its end wakes the joiner (below).
        if (const auto it = ended_at.find(j->target.value); it != ended_at.end())
          arrow("join", j->target.value, it->second, j->fiber.value, ts_[i]);
      } else if (const auto* w = std::get_if<sim::ev::Wake>(&e)) {
        const auto it = blocked_on.find(w->fiber.value);
        const bool join = it != blocked_on.end() && it->second.reason == sim::BlockReason::join &&
                          it->second.holder == w->by;
        if (w->by.valid()) arrow(join ? "join" : "wake", w->by.value, ts_[i], w->fiber.value, after(w->fiber.value, ts_[i]));
        instant(w->by.valid() ? w->by.value : w->fiber.value, ts_[i],
                w->by.valid() ? "wake " + names_.fiber(w->fiber) : "woken by the timer", about_event(event_args(e, names_)));
      } else if (const auto* c = std::get_if<sim::ev::ScheduleChoose>(&e)) {
        instant(c->chosen.value, ts_[i], fmt::format("decision {}: run {}", c->decision_index, names_.fiber(c->chosen)),
                about_event(event_args(e, names_)));
        if (c->chosen != c->current) {
          const double at = static_cast<double>(c->step);
          arrow(hand_off_kind(i, *c), c->current.value, at - kTick, c->chosen.value, at + kTick);
        }
      }
      // The table's rows of this event, as instants on their fiber's track (or the process's).
      while (next_row_ < rows_.size() && rows_[next_row_].event <= i) {
        const sim::InterleavingRow& row = rows_[next_row_++];
        Json args = event_args(events_[row.event], names_);
        args["step"] = row.step;
        args["time_ns"] = time_ns[row.event];
        if (!row.site.empty()) args["at"] = row.site;
        instant(row.fiber, ts_[row.event], instant_name(row.text), std::move(args), row.full_width ? "p" : "t");
      }
    }
    if (!r_.passed()) mark_failure();
    return document();
  }

 private:
  // Rows are in table order; a data choice's row may come just after a later event's (it moves
  // to the fiber that drew it). Sorting by event keeps the walk above in step with the ledger.
  std::vector<sim::InterleavingRow> sorted_rows() const {
    auto rows = sim::interleaving_rows(events_, steps_);
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.event < b.event; });
    return rows;
  }

  // A preemption takes the processor from a fiber that could go on; a yield gives it up; a fiber
  // that blocked or ended hands it over.
  std::string hand_off_kind(std::size_t i, const sim::ev::ScheduleChoose& c) const {
    const auto* y = i > 0 ? std::get_if<sim::ev::Yield>(&events_[i - 1]) : nullptr;
    if (y && y->fiber == c.current) return "yield";
    if (std::find(c.ready.begin(), c.ready.end(), c.current) != c.ready.end()) return "preemption";
    return "hand-off";
  }

  // Just inside the first running stretch of `fiber` that starts after `ts`, if it runs again.
  std::optional<double> after(std::uint32_t fiber, double ts) const {
    const auto it = slice_starts_.find(fiber);
    if (it == slice_starts_.end()) return std::nullopt;
    const auto start = std::find_if(it->second.begin(), it->second.end(),
                                    [&](std::uint64_t from) { return static_cast<double>(from) > ts; });
    if (start == it->second.end()) return std::nullopt;
    return static_cast<double>(*start) + kTick;
  }

  void add(double ts, Json event) { timed_.emplace_back(ts, std::move(event)); }

  void instant(std::uint32_t fiber, double ts, std::string name, Json args, const char* scope = "t") {
    add(ts, {{"name", std::move(name)}, {"cat", "op"}, {"ph", "i"}, {"s", scope}, {"pid", kPid}, {"tid", fiber},
             {"ts", ts}, {"args", std::move(args)}});
  }

  // A flow arrow: "s" binds to the slice around it on `from`'s track, "f" (binding point "e") to
  // the one around it on `to`'s. Dropped when the target never runs again.
  void arrow(const std::string& name, std::uint32_t from, double from_ts, std::uint32_t to, std::optional<double> to_ts) {
    if (!to_ts) return;
    const std::uint64_t id = next_flow_++;
    add(from_ts, {{"name", name}, {"cat", "flow"}, {"ph", "s"}, {"id", id}, {"pid", kPid}, {"tid", from}, {"ts", from_ts}});
    add(*to_ts, {{"name", name}, {"cat", "flow"}, {"ph", "f"}, {"bp", "e"}, {"id", id}, {"pid", kPid}, {"tid", to},
                 {"ts", *to_ts}});
  }

  // A global instant where the run ended: at the event that ended it, else at the last event.
  void mark_failure() {
    std::size_t at = events_.empty() ? 0 : events_.size() - 1;
    std::uint32_t fiber = 0;
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const sim::Event& e = events_[i];
      if (std::holds_alternative<sim::ev::Failure>(e) || std::holds_alternative<sim::ev::Deadlock>(e) ||
          std::holds_alternative<sim::ev::BudgetExhausted>(e) || std::holds_alternative<sim::ev::Denied>(e) ||
          std::holds_alternative<sim::ev::Divergence>(e))
        at = i;
    }
    if (!events_.empty())
      if (const auto f = runner_of(events_[at])) fiber = *f;
    const double ts = events_.empty() ? 0 : ts_[at];
    add(ts, {{"name", "failure: " + r_.message}, {"cat", "outcome"}, {"ph", "i"}, {"s", "g"}, {"pid", kPid},
             {"tid", fiber}, {"ts", ts},
             {"args", {{"outcome", sim::to_string(r_.outcome)}, {"message", r_.message},
                       {"step", events_.empty() ? 0 : steps_[at]}}}});
  }

  Json document() {
    Json trace = Json::array();
    // Metadata first: the process is the run, each fiber a thread (tid = fiber id) in id order.
    trace.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", 0},
                     {"args", {{"name", about_.scenario}}}});
    trace.push_back({{"name", "process_labels"}, {"ph", "M"}, {"pid", kPid}, {"tid", 0},
                     {"args", {{"labels", fmt::format("outcome: {}", sim::to_string(r_.outcome))}}}});
    for (const auto& [id, name] : names_.fibers) {
      trace.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", id},
                       {"args", {{"name", fmt::format("fiber {} ({})", id, name)}}}});
      trace.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", kPid}, {"tid", id},
                       {"args", {{"sort_index", id}}}});
    }
    std::stable_sort(timed_.begin(), timed_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [ts, event] : timed_) trace.push_back(std::move(event));
    return {{"traceEvents", std::move(trace)},
            {"displayTimeUnit", "ms"},
            {"otherData",
             {{"scenario", about_.scenario}, {"schedule", about_.how}, {"outcome", sim::to_string(r_.outcome)},
              {"message", r_.message}, {"steps", r_.steps}, {"decisions", r_.decisions},
              {"preemptions", r_.preemptions}, {"choices", about_.choices}, {"reproduce", about_.reproduce},
              {"clock", "ts: 1 us = 1 scheduling step (the kernel's step counter); virtual time in args.time_ns"}}}};
  }

  const sim::RunResult& r_;
  const TraceAbout& about_;
  const std::vector<sim::Event> events_;
  const std::vector<std::uint64_t> steps_;
  const std::vector<double> ts_;
  const std::vector<sim::InterleavingRow> rows_ = sorted_rows();
  std::size_t next_row_ = 0;
  Names names_;
  std::map<std::uint32_t, std::vector<std::uint64_t>> slice_starts_;  // fiber -> ascending steps
  std::vector<std::pair<double, Json>> timed_;
  std::uint64_t next_flow_ = 1;
};

}  // namespace

std::string chrome_trace(const sim::RunResult& r, const TraceAbout& about) {
  // Messages may carry bytes that are not UTF-8 (an exception's what()): replaced, not thrown on.
  return TraceBuilder(r, about).build().dump(-1, ' ', false, Json::error_handler_t::replace);
}

void check_trace_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path folder = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec))
    throw InputError(fmt::format("--trace-out {}: the folder {} does not exist", path, folder.string()));
  if (fs::is_directory(path, ec)) throw InputError(fmt::format("--trace-out {}: is a folder", path));
}

void write_chrome_trace(const std::string& path, const sim::RunResult& r, const TraceAbout& about) {
  namespace fs = std::filesystem;
  const std::string text = chrome_trace(r, about);
  const fs::path target(path);
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw InputError(fmt::format("--trace-out {}: cannot write the trace: {}", path, std::strerror(errno)));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  std::error_code ec;
  if (ok) fs::rename(tmp, target, ec);
  if (!ok || ec) {
    fs::remove(tmp, ec);
    throw InputError(fmt::format("--trace-out {}: cannot write the trace", path));
  }
}

}  // namespace omega::cli
