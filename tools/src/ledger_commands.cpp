// show and stats: ledger files as text or JSON (nlohmann-json), fiber and object names resolved.

#include "ledger_commands.hpp"

#include <omega/corpus/store.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <type_traits>

namespace omega::cli {

namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Fiber and object names, from the Spawn and Object events seen so far. In text, a fiber is
// "2 (worker)" and an object "#3 (mutex accounts)"; in JSON, the id, with its name in a "_name" key.
struct Names {
  bool labels = true;
  std::map<std::uint32_t, std::string> fibers;
  std::map<std::uint32_t, std::string> objects;  // "mutex accounts"
  std::map<std::uint32_t, std::string> sites;    // "examples/pipeline.cpp:42"

  void learn(const sim::Event& e) {
    if (const auto* s = std::get_if<sim::ev::Spawn>(&e)) fibers[s->fiber.value] = s->name;
    if (const auto* s = std::get_if<sim::ev::Site>(&e)) sites[s->site] = fmt::format("{}:{}", s->file, s->line);
    if (const auto* o = std::get_if<sim::ev::Object>(&e)) objects[o->object] = o->kind + " " + o->name;
  }
  Json fiber_label(FiberId f) const {
    if (!f.valid()) return nullptr;
    const auto it = fibers.find(f.value);
    return it == fibers.end() ? Json(fmt::format("{}", f.value)) : Json(fmt::format("{} ({})", f.value, it->second));
  }
  Json object_label(std::uint32_t id) const {
    const auto it = objects.find(id);
    return it == objects.end() ? Json(fmt::format("#{}", id)) : Json(fmt::format("#{} ({})", id, it->second));
  }
  void put_fiber(Json& j, const char* key, FiberId f) const {
    if (labels) {
      j[key] = fiber_label(f);
      return;
    }
    j[key] = f.valid() ? Json(f.value) : Json(nullptr);
    if (const auto it = fibers.find(f.value); f.valid() && it != fibers.end()) j[std::string(key) + "_name"] = it->second;
  }
  void put_object(Json& j, const char* key, std::uint32_t id) const {
    if (labels) {
      j[key] = object_label(id);
      return;
    }
    j[key] = id;
    if (const auto it = objects.find(id); it != objects.end()) j[std::string(key) + "_name"] = it->second;
  }
};

const char* kind_name(const sim::Event& e) {
  static constexpr const char* kNames[] = {"Spawn", "ScheduleChoose", "Yield", "Block", "Wake", "Join", "Done",
                                           "Error", "Choice", "Deadlock", "Failure", "BudgetExhausted",
                                           "Divergence", "Object", "Op", "TimeAdvance", "Timeout", "Denied",
                                           "OracleCall", "Site"};
  static_assert(std::size(kNames) == std::variant_size_v<sim::Event>);
  return kNames[e.index()];
}

std::string hex64(std::uint64_t v) { return fmt::format("{:016x}", v); }

Json event_json(const sim::Event& e, const Names& n) {
  Json j;
  j["event"] = kind_name(e);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        namespace ev = sim::ev;
        if constexpr (std::is_same_v<T, ev::Spawn>) {
          n.put_fiber(j, "fiber", x.fiber);
          n.put_fiber(j, "parent", x.parent);
          j["daemon"] = x.daemon;
        } else if constexpr (std::is_same_v<T, ev::ScheduleChoose>) {
          j["step"] = x.step;
          j["decision"] = x.decision_index;
          n.put_fiber(j, "current", x.current);
          n.put_fiber(j, "chosen", x.chosen);
          j["choice"] = x.choice;
          Json ready = Json::array();
          for (FiberId f : x.ready) ready.push_back(n.labels ? n.fiber_label(f) : Json(f.value));
          j["ready"] = ready;
        } else if constexpr (std::is_same_v<T, ev::Block>) {
          n.put_fiber(j, "fiber", x.fiber);
          j["reason"] = sim::to_string(x.reason);
          j["on"] = x.on;
          if (x.object != ev::Block::kNoObject) n.put_object(j, "object", x.object);
          if (x.holder.valid()) n.put_fiber(j, "holder", x.holder);
        } else if constexpr (std::is_same_v<T, ev::Wake>) {
          n.put_fiber(j, "fiber", x.fiber);
          n.put_fiber(j, "by", x.by);
        } else if constexpr (std::is_same_v<T, ev::Join>) {
          n.put_fiber(j, "fiber", x.fiber);
          n.put_fiber(j, "target", x.target);
        } else if constexpr (std::is_same_v<T, ev::Done>) {
          n.put_fiber(j, "fiber", x.fiber);
          j["value_hash"] = hex64(x.value_hash);
        } else if constexpr (std::is_same_v<T, ev::Error> || std::is_same_v<T, ev::Failure>) {
          n.put_fiber(j, "fiber", x.fiber);
          j["message"] = x.message;
        } else if constexpr (std::is_same_v<T, ev::Choice>) {
          j["decision"] = x.decision_index;
          j["kind"] = sim::to_string(x.kind);
          j["bound"] = x.bound;
          j["value"] = x.value;
        } else if constexpr (std::is_same_v<T, ev::Deadlock>) {
          j["waits"] = x.waits;
        } else if constexpr (std::is_same_v<T, ev::BudgetExhausted>) {
          j["budget"] = x.budget;
          j["limit"] = x.limit;
        } else if constexpr (std::is_same_v<T, ev::Divergence>) {
          j["decision"] = x.decision_index;
          j["message"] = x.message;
        } else if constexpr (std::is_same_v<T, ev::Object>) {
          j["object"] = x.object;
          j["kind"] = x.kind;
          j["name"] = x.name;
        } else if constexpr (std::is_same_v<T, ev::Op>) {
          n.put_fiber(j, "fiber", x.fiber);
          n.put_object(j, "object", x.object);
          j["op"] = sim::to_string(x.op);
          j["arg"] = x.arg;
        } else if constexpr (std::is_same_v<T, ev::TimeAdvance>) {
          j["now_ns"] = x.now_ns;
        } else if constexpr (std::is_same_v<T, ev::Yield> || std::is_same_v<T, ev::Timeout>) {
          n.put_fiber(j, "fiber", x.fiber);
        } else if constexpr (std::is_same_v<T, ev::Denied>) {
          n.put_fiber(j, "fiber", x.fiber);
          j["op"] = x.op;
          j["cap"] = x.cap;
        } else if constexpr (std::is_same_v<T, ev::OracleCall>) {
          n.put_fiber(j, "fiber", x.fiber);
          n.put_object(j, "oracle", x.oracle);
          j["key_hash"] = hex64(x.key_hash);
          j["result_bytes"] = x.result.size();
          j["latency_ns"] = x.latency_ns;
          j["fault"] = x.fault;
          j["executed"] = x.executed;
        } else if constexpr (std::is_same_v<T, ev::Site>) {
          j["site"] = x.site;
          j["at"] = fmt::format("{}:{}", x.file, x.line);
        }
      },
      e);
  if (const auto it = n.sites.find(sim::event_site(e)); it != n.sites.end()) j["at"] = it->second;
  return j;
}

Json header_json(const corpus::LedgerFile& f) {
  const corpus::Header& h = f.header;
  Json j;
  j["scenario"] = h.scenario;
  j["omega_version"] = h.omega_version;
  j["format_version"] = corpus::kFormatVersion;
  j["policy"] = h.policy;
  if (h.policy != "vector" && h.policy != "replay") j["seed"] = h.seed;
  if (h.pct_steps) j["pct_steps"] = h.pct_steps;
  j["outcome"] = sim::to_string(h.outcome);
  j["message"] = h.message;
  j["steps"] = h.steps;
  j["decisions"] = h.decisions;
  j["preemptions"] = h.preemptions;
  j["fibers"] = h.fibers;
  j["events"] = h.events;  // the run's events; the file also holds its source sites (Site events)
  j["sites"] = std::count_if(f.events.begin(), f.events.end(),
                             [](const sim::Event& e) { return std::holds_alternative<sim::ev::Site>(e); });
  j["digest"] = hex64(h.digest);
  j["expectation"] = corpus::to_string(h.expectation);
  const sim::Budgets& b = h.budgets;
  j["budgets"] = {{"steps", b.steps_max},         {"fiber_steps", b.fiber_steps_max}, {"time_ns", b.time_max_ns},
                  {"spawns", b.spawns_max},       {"yields", b.yields_max},           {"mutex_ops", b.mutex_ops_max},
                  {"ivar_ops", b.ivar_ops_max}, {"oracle_calls", b.oracle_calls_max}};
  j["profile"] = h.profile;
  j["allowed"] = h.allowed ? Json(*h.allowed) : Json(nullptr);
  j["caps"] = h.caps ? Json(*h.caps) : Json(nullptr);
  j["stack_bytes"] = h.stack_bytes;
  j["file_bytes"] = f.file_bytes;
  j["content_bytes"] = f.raw_bytes;
  return j;
}

// "key=value" pairs; strings as they are, fibers and objects already labelled.
std::string text_line(const Json& j) {
  std::string line;
  for (const auto& [key, value] : j.items()) {
    if (key == "event") {
      line += value.get<std::string>();
      continue;
    }
    std::string v;
    if (value.is_string()) v = value.get<std::string>();
    else if (value.is_array()) {
      for (const auto& x : value) v += (v.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
      v = "{" + v + "}";
    } else v = value.dump();
    line += fmt::format(" {}={}", key, v);
  }
  return line;
}

std::vector<fs::path> ledger_paths(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec) && corpus::case_files({a}).empty())
      throw InputError(fmt::format("{}: no .omega files in this folder", a));
  }
  return corpus::case_files(args);
}

struct FileStats {
  std::map<std::string, std::uint64_t> per_kind;
  std::uint64_t events = 0, decisions = 0, preemptions = 0, fibers = 0, file_bytes = 0, content_bytes = 0,
                memory_bytes = 0;
  void add(const FileStats& o) {
    for (const auto& [k, v] : o.per_kind) per_kind[k] += v;
    events += o.events;
    decisions += o.decisions;
    preemptions += o.preemptions;
    fibers += o.fibers;
    file_bytes += o.file_bytes;
    content_bytes += o.content_bytes;
    memory_bytes += o.memory_bytes;
  }
  Json json() const {
    const auto per = [&](std::uint64_t bytes) -> Json {
      return decisions ? Json(static_cast<double>(bytes) / static_cast<double>(decisions)) : Json(nullptr);
    };
    Json j;
    j["events"] = events;
    j["decisions"] = decisions;
    j["preemptions"] = preemptions;
    j["fibers"] = fibers;
    j["file_bytes"] = file_bytes;
    j["content_bytes"] = content_bytes;
    j["memory_bytes"] = memory_bytes;
    j["file_bytes_per_decision"] = per(file_bytes);
    j["memory_bytes_per_decision"] = per(memory_bytes);
    j["compression_ratio"] = file_bytes ? static_cast<double>(content_bytes) / static_cast<double>(file_bytes) : 0.0;
    j["events_per_kind"] = per_kind;
    return j;
  }
  std::string text(const std::string& indent) const {
    std::string kinds;
    for (const auto& [k, v] : per_kind) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", k, v);
    const double d = decisions ? static_cast<double>(decisions) : 1.0;
    return fmt::format(
        "{0}{1} events ({2}), {3} fibers, {4} decisions, {5} preemptions\n"
        "{0}{6} bytes on disk ({7:.3f} per decision), {8} uncompressed ({9:.2f}x compression), {10} in memory "
        "({11:.2f} per decision)\n",
        indent, events, kinds, fibers, decisions, preemptions, file_bytes, static_cast<double>(file_bytes) / d,
        content_bytes, file_bytes ? static_cast<double>(content_bytes) / static_cast<double>(file_bytes) : 0.0,
        memory_bytes, static_cast<double>(memory_bytes) / d);
  }
};

FileStats stats_of(const corpus::LedgerFile& f) {
  FileStats s;
  for (const auto& e : f.events) ++s.per_kind[kind_name(e)];
  s.events = f.events.size();
  s.decisions = f.header.decisions;
  s.preemptions = f.header.preemptions;
  s.fibers = f.header.fibers;
  s.file_bytes = f.file_bytes;
  s.content_bytes = f.raw_bytes;
  s.memory_bytes = sim::encode(f.events).size();
  return s;
}

}  // namespace

void check_can_save(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec))
    throw InputError(fmt::format("{}: exists; not overwritten (remove it or choose another name)", path));
  const fs::path folder = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec)) throw InputError(fmt::format("{}: the folder {} does not exist", path, folder.string()));
}

std::string SavedLedger::text() const { return fmt::format("{} ({} bytes, {} events)", path, bytes, events); }

SavedLedger save_ledger(const std::string& path, const std::string& scenario, const sim::RunOptions& options,
                        const sim::RunResult& result) {
  const auto events = result.ledger.events();
  const auto bytes = corpus::encode_file(corpus::header_for(scenario, options, result), events);
  corpus::write_atomically(path, bytes);
  return {path, bytes.size(), events.size()};
}

int cmd_expect(const std::string& expectation, const std::vector<std::string>& files) {
  const auto e = expectation == "passes" ? corpus::Expectation::passes : corpus::Expectation::fails;
  for (const auto& f : files) {
    corpus::set_expectation(f, e);
    std::printf("%s: expects %s\n", f.c_str(), expectation.c_str());
  }
  return 0;
}

int cmd_show(const std::string& path, const std::string& format) {
  const corpus::LedgerFile f = corpus::read_file(path);
  Names names;
  if (format == "json") {
    names.labels = false;
    Json h;
    h["event"] = "Header";
    const Json fields = header_json(f);
    for (const auto& [key, value] : fields.items()) h[key] = value;
    std::printf("%s\n", h.dump().c_str());
    for (const auto& e : f.events) {
      names.learn(e);
      std::printf("%s\n", event_json(e, names).dump().c_str());
    }
    return 0;
  }
  const Json h = header_json(f);
  std::printf("%s: %s (%s, %s) — %s%s%s\n", path.c_str(), f.header.scenario.c_str(), f.header.policy.c_str(),
              h.contains("seed") ? fmt::format("seed {}", f.header.seed).c_str() : "choice vector",
              std::string(sim::to_string(f.header.outcome)).c_str(), f.header.message.empty() ? "" : ": ",
              f.header.message.c_str());
  std::printf("  steps %llu, decisions %llu, preemptions %llu, fibers %u, events %llu, digest %s\n",
              static_cast<unsigned long long>(f.header.steps), static_cast<unsigned long long>(f.header.decisions),
              static_cast<unsigned long long>(f.header.preemptions), f.header.fibers,
              static_cast<unsigned long long>(f.header.events), hex64(f.header.digest).c_str());
  std::printf("  expects %s when replayed\n", std::string(corpus::to_string(f.header.expectation)).c_str());
  std::printf("  written by Omega %s (format %u); profile %s; stack %llu KiB; %llu bytes on disk\n",
              f.header.omega_version.c_str(), corpus::kFormatVersion, f.header.profile.c_str(),
              static_cast<unsigned long long>(f.header.stack_bytes / 1024),
              static_cast<unsigned long long>(f.file_bytes));
  for (std::size_t i = 0; i < f.events.size(); ++i) {
    names.learn(f.events[i]);
    std::printf("  %5zu %s\n", i, text_line(event_json(f.events[i], names)).c_str());
  }
  return 0;
}

int cmd_stats(const std::vector<std::string>& args, const std::string& format) {
  const std::vector<fs::path> paths = ledger_paths(args);
  FileStats total;
  Json files = Json::array();
  std::string text;
  for (const auto& p : paths) {
    const corpus::LedgerFile f = corpus::read_file(p);
    const FileStats s = stats_of(f);
    total.add(s);
    Json j = s.json();
    j["file"] = p.string();
    j["scenario"] = f.header.scenario;
    j["outcome"] = sim::to_string(f.header.outcome);
    files.push_back(j);
    text += fmt::format("{}: {}, {}\n{}", p.string(), f.header.scenario, sim::to_string(f.header.outcome), s.text("  "));
  }
  if (format == "json") {
    Json out;
    out["files"] = files;
    out["total"] = total.json();
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::fputs(text.c_str(), stdout);
  if (paths.size() > 1) std::printf("total, %zu files:\n%s", paths.size(), total.text("  ").c_str());
  return 0;
}

}  // namespace omega::cli
