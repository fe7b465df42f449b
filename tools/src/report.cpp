#include "report.hpp"
#include "log.hpp"

#include <omega/corpus/ledger_file.hpp>
#include <omega/corpus/store.hpp>

#include <omega/shrink.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/interleaving.hpp>

#include <fmt/format.h>


namespace omega::cli {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string reproduce_seed(const std::string& prog, const std::string& scenario, std::uint64_t seed,
                           const std::string& policy, std::uint64_t pct_steps) {
  std::string cmd = fmt::format("{} run --scenario {} --seed {} --policy {}", prog, shell_quote(scenario), seed, policy);
  if (policy.substr(0, 4) == "pct:") cmd += fmt::format(" --pct-steps {}", pct_steps);
  return cmd;
}

std::string choices_with_digest(const std::vector<std::uint64_t>& choices, std::uint64_t ledger_hash) {
  return fmt::format("{}@{:08x}", sim::encode_choices(choices), ledger_hash >> 32);
}

Shrunk shrunk_report(const Scenario& s, const std::vector<std::uint64_t>& failing, const ShrinkPrint& how,
                          const std::string& prog, const std::string& indent) {
  prop::ShrinkOptions o;
  o.max_runs = how.max_runs;
  o.stop_requested = how.stop_requested;
  spdlog::debug("shrink {}: from {} decisions", s.name, failing.size());
  const prop::ShrinkResult r = prop::shrink(s.body, failing, o);
  spdlog::info("shrink {}: preemptions {} -> {} in {} re-runs (bound {}){}", s.name, r.original_run.preemptions,
               r.minimal_run.preemptions, r.runs, r.max_runs, r.interrupted ? ", stopped early" : "");
  std::string note;
  if (r.bound_reached) note = fmt::format(" (bound of {} re-runs reached: may not be minimal)", r.max_runs);
  if (r.interrupted) note = " (stopped early: may not be minimal)";
  std::string out = fmt::format("{}shrunk: preemptions {} -> {}, decisions {} -> {}, {} re-runs{}\n", indent,
                                r.original_run.preemptions, r.minimal_run.preemptions, r.original.size(),
                                r.minimal.size(), r.runs, note);
  out += fmt::format("{}minimal: {}\n", indent, r.minimal_run.message);
  out += fmt::format("{}reproduce minimal: {} run --scenario {} --choices {}\n", indent, prog, shell_quote(s.name),
                     shell_quote(choices_with_digest(r.minimal, r.minimal_run.ledger.hash())));
  auto add_table = [&](const std::string& title, const sim::Ledger& ledger) {
    out += indent + title + "\n";
    const std::string table = sim::interleaving_table(ledger);
    std::size_t start = 0;
    while (start < table.size()) {
      const std::size_t end = table.find('\n', start);
      out += indent + "  " + table.substr(start, end - start) + "\n";
      start = end == std::string::npos ? table.size() : end + 1;
    }
  };
  add_table("interleaving (shrunk):", r.minimal_run.ledger);
  if (how.trace_full) add_table("interleaving (as found):", r.original_run.ledger);
  return {std::move(out), r.minimal};
}

// Saves a failing run to the corpus; returns what to print ("" when nothing was found to save).
// A passing run is saved only when `passing` says so (it carries a critic finding).
std::string save_to_corpus(const std::filesystem::path& dir, const Scenario& s, const sim::RunOptions& o,
                           bool passing) {
  try {
    const sim::RunResult r = sim::run(o, s.body);
    if (r.passed() && !passing) return "not saved: the schedule passed when re-run";
    const auto events = r.ledger.events();
    const corpus::Saved saved = corpus::save_case(dir, corpus::header_for(s.name, o, r), events);
    spdlog::info("corpus: {} {}", saved.written ? "wrote" : "kept", saved.path.string());
    if (saved.kept_shorter) return fmt::format("{} (a case of this failure with fewer decisions, kept)", saved.path.string());
    if (saved.replaced) return fmt::format("{} (replaces the longer {})", saved.path.string(), saved.replaced->string());
    return saved.path.string() + (saved.written ? "" : " (already there)");
  } catch (const std::exception& e) {  // a full disk must not end the exploration: the report still prints
    return fmt::format("NOT SAVED: {}", e.what());
  }
}

}  // namespace omega::cli
