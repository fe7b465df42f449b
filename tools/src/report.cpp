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

std::string indent_lines(const std::string& text, const std::string& indent) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out += indent + text.substr(start, end - start) + "\n";
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
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

ShrinkFigures shrink_failure(const Scenario& s, const std::vector<std::uint64_t>& failing, const ShrinkPrint& how,
                             const std::string& prog) {
  prop::ShrinkOptions o;
  o.max_runs = how.max_runs;
  o.stop_requested = how.stop_requested;
  spdlog::debug("shrink {}: from {} decisions", s.name, failing.size());
  const prop::ShrinkResult r = prop::shrink(s.body, failing, o);
  spdlog::info("shrink {}: preemptions {} -> {} in {} re-runs (bound {}){}", s.name, r.original_run.preemptions,
               r.minimal_run.preemptions, r.runs, r.max_runs, r.interrupted ? ", stopped early" : "");
  ShrinkFigures f;
  f.preemptions_before = r.original_run.preemptions;
  f.preemptions_after = r.minimal_run.preemptions;
  f.decisions_before = r.original.size();
  f.runs = r.runs;
  f.max_runs = r.max_runs;
  f.bound_reached = r.bound_reached;
  f.interrupted = r.interrupted;
  f.minimal = r.minimal;
  f.message = r.minimal_run.message;
  f.choices = choices_with_digest(r.minimal, r.minimal_run.ledger.hash());
  f.reproduce = fmt::format("{} run --scenario {} --choices {}", prog, shell_quote(s.name), shell_quote(f.choices));
  f.interleaving = sim::interleaving_table(r.minimal_run.ledger);
  if (how.trace_full) f.interleaving_as_found = sim::interleaving_table(r.original_run.ledger);
  return f;
}

std::string shrink_text(const ShrinkOutcome& o, const std::string& indent) {
  if (!o.figures) return fmt::format("{}(not shrunk: {})\n", indent, o.not_shrunk);
  const ShrinkFigures& f = *o.figures;
  std::string note;
  if (f.bound_reached) note = fmt::format(" (bound of {} re-runs reached: may not be minimal)", f.max_runs);
  if (f.interrupted) note = " (stopped early: may not be minimal)";
  std::string out = fmt::format("{}shrunk: preemptions {} -> {}, decisions {} -> {}, {} re-runs{}\n", indent,
                                f.preemptions_before, f.preemptions_after, f.decisions_before, f.minimal.size(),
                                f.runs, note);
  out += fmt::format("{}minimal: {}\n", indent, f.message);
  out += fmt::format("{}reproduce minimal: {}\n", indent, f.reproduce);
  out += indent + "interleaving (shrunk):\n" + indent_lines(f.interleaving, indent + "  ");
  if (!f.interleaving_as_found.empty())
    out += indent + "interleaving (as found):\n" + indent_lines(f.interleaving_as_found, indent + "  ");
  return out;
}

CorpusSaved not_saved(const std::string& why) { return {"", "not saved: " + why}; }

CorpusSaved save_to_corpus(const std::filesystem::path& dir, const Scenario& s, const sim::RunOptions& o,
                           bool passing) {
  try {
    const sim::RunResult r = sim::run(o, s.body);
    if (r.passed() && !passing) return not_saved("the schedule passed when re-run");
    const auto events = r.ledger.events();
    const corpus::Saved saved = corpus::save_case(dir, corpus::header_for(s.name, o, r), events);
    spdlog::info("corpus: {} {}", saved.written ? "wrote" : "kept", saved.path.string());
    const std::string path = saved.path.string();
    if (saved.kept_shorter) return {path, path + " (a case of this failure with fewer decisions, kept)"};
    if (saved.replaced) return {path, fmt::format("{} (replaces the longer {})", path, saved.replaced->string())};
    return {path, path + (saved.written ? "" : " (already there)")};
  } catch (const std::exception& e) {  // a full disk must not end the exploration: the report still prints
    return {"", fmt::format("NOT SAVED: {}", e.what())};
  }
}

}  // namespace omega::cli
