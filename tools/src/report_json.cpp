// The runner's reports as JSON: see report_json.hpp. Keys name the figures the text prints; a
// figure that does not apply (no seed for dfs, no corpus with --no-save) is null, never left out,
// so that a reader need not know which command wrote the document.

#include "report_json.hpp"

#include "critic_json.hpp"

#include <omega/sim/choice_text.hpp>

#include <cstdio>

namespace omega::cli {

namespace {

template <class T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// {"file": the case's file, null when nothing was saved; "text": what the text report says}
Json corpus_json(const std::optional<CorpusSaved>& c) {
  return c ? Json{{"file", text_or_null(c->path)}, {"text", c->text}} : Json(nullptr);
}

}  // namespace

// A scenario's messages are its own bytes: invalid UTF-8 is replaced (U+FFFD), not an exception.
std::string json_text(const Json& j, int indent) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

Json shrink_json(const ShrinkOutcome& o) {
  if (!o.figures) return {{"not_shrunk", o.not_shrunk}};
  const ShrinkFigures& f = *o.figures;
  return {{"preemptions_before", f.preemptions_before},
          {"preemptions_after", f.preemptions_after},
          {"decisions_before", f.decisions_before},
          {"decisions_after", f.minimal.size()},
          {"runs", f.runs},
          {"max_runs", f.max_runs},
          {"bound_reached", f.bound_reached},
          {"interrupted", f.interrupted},
          {"message", f.message},
          {"choices", f.choices},
          {"reproduce", f.reproduce},
          {"interleaving", f.interleaving},
          {"interleaving_as_found", text_or_null(f.interleaving_as_found)}};
}

ShrinkOutcome shrink_from_json(const Json& j) {
  ShrinkOutcome o;
  if (j.contains("not_shrunk")) {
    j.at("not_shrunk").get_to(o.not_shrunk);
    return o;
  }
  ShrinkFigures f;
  j.at("preemptions_before").get_to(f.preemptions_before);
  j.at("preemptions_after").get_to(f.preemptions_after);
  j.at("decisions_before").get_to(f.decisions_before);
  j.at("runs").get_to(f.runs);
  j.at("max_runs").get_to(f.max_runs);
  j.at("bound_reached").get_to(f.bound_reached);
  j.at("interrupted").get_to(f.interrupted);
  j.at("message").get_to(f.message);
  j.at("choices").get_to(f.choices);
  j.at("reproduce").get_to(f.reproduce);
  j.at("interleaving").get_to(f.interleaving);
  if (!j.at("interleaving_as_found").is_null()) j.at("interleaving_as_found").get_to(f.interleaving_as_found);
  f.minimal = sim::decode_choices(f.choices.substr(0, f.choices.find('@')));  // TEXT@DIGEST
  o.figures = std::move(f);
  return o;
}

Json run_json(const RunFigures& f) {
  const sim::RunResult& r = *f.result;
  Json j = {{"command", "run"},
            {"scenario", f.scenario},
            {"seed", or_null(f.seed)},
            {"policy", text_or_null(f.policy)},
            {"pct_steps", f.pct_steps ? Json(f.pct_steps) : Json(nullptr)},
            {"choices_given", text_or_null(f.choices_given)},
            {"outcome", sim::to_string(r.outcome)},
            {"passed", r.passed()},
            {"message", r.message},
            {"steps", r.steps},
            {"decisions", r.decisions},
            {"preemptions", r.preemptions},
            {"fibers", r.fibers},
            {"choices", f.choices},
            {"reproduce", f.reproduce},
            {"saved", f.saved ? Json{{"path", f.saved->path}, {"bytes", f.saved->bytes}, {"events", f.saved->events}}
                              : Json(nullptr)}};
  if (f.with_events) j["events"] = f.events;
  if (f.with_interleaving) j["interleaving"] = f.interleaving;
  return j;
}

Json shrink_document(const std::string& scenario, const std::string& how, const sim::RunResult& failing,
                     const std::string& reproduce, const ShrinkOutcome& shrunk) {
  return {{"command", "shrink"},
          {"scenario", scenario},
          {"schedule", how},
          {"outcome", sim::to_string(failing.outcome)},
          {"message", failing.message},
          {"preemptions", failing.preemptions},
          {"decisions", failing.decisions},
          {"reproduce", reproduce},
          {"shrink", shrink_json(shrunk)}};
}

Json failure_json(const FailureFigures& f) {
  return {{"signature", f.signature},
          {"outcome", sim::to_string(f.outcome)},
          {"message", f.message},
          {"count", f.count},
          {"first_seed", or_null(f.first_seed)},
          {"found_by", f.found_by},
          {"preemptions", or_null(f.preemptions)},
          {"reproduce", f.reproduce},
          {"choices", text_or_null(f.choices)},
          {"shrunk", f.shrink ? shrink_json(*f.shrink) : Json(nullptr)},
          {"corpus", corpus_json(f.corpus)}};
}

Json explore_json(const ExploreFigures& f) {
  const sim::ExploreReport& r = f.report;
  Json failures = Json::array(), nondeterminism = Json::array();
  for (const auto& x : f.failures) failures.push_back(failure_json(x));
  for (const auto& n : r.nondeterminism)
    nondeterminism.push_back({{"seed", n.seed}, {"policy", n.policy}, {"detail", n.detail}});
  Json critic = nullptr;
  if (f.critic) {
    critic = Json::array();
    for (const auto& k : *f.critic) {
      Json c = finding_json(k.seeded.finding);
      c["seed"] = k.seeded.seed;
      c["policy"] = k.seeded.policy;
      c["reproduce"] = k.reproduce;
      c["corpus"] = corpus_json(k.corpus);
      critic.push_back(std::move(c));
    }
  }
  Json interrupted = nullptr;
  if (!f.interrupted.empty())
    interrupted = {{"reason", f.interrupted}, {"up_to_seed", or_null(f.up_to_seed)}};
  return {{"scenario", f.scenario},
          {"schedules", r.schedules},
          {"seeds_total", f.seeds_total},
          {"distinct_schedules", r.distinct_schedules},
          {"distinct_approximate", r.distinct_approximate},
          {"failures", r.failures},
          {"seconds", r.seconds},
          {"schedules_per_second", r.seconds > 0 ? static_cast<double>(r.schedules) / r.seconds : 0.0},
          {"pct_steps", r.pct_steps ? Json(r.pct_steps) : Json(nullptr)},
          {"stopped_early", r.stopped_early},
          {"interrupted", std::move(interrupted)},
          {"signatures", std::move(failures)},
          {"signatures_dropped", r.signatures_dropped},
          {"nondeterminism", std::move(nondeterminism)},
          {"nondeterminism_dropped", r.nondeterminism_dropped},
          {"critic", std::move(critic)}};
}

Json dfs_json(const DfsFigures& f) {
  const sim::DfsReport& r = f.report;
  Json failures = Json::array();
  if (f.failure) failures.push_back(failure_json(*f.failure));
  return {{"scenario", f.scenario},
          {"search", f.search},
          {"preemption_bound", or_null(f.options.preemption_bound)},
          {"schedules", r.schedules},
          {"runs", r.runs},
          {"redundant", r.redundant},
          {"max_decision_points", r.max_depth},
          {"failures", r.failures},
          {"data_choices",
           {{"domain_max", f.options.data_domain_max},
            {"enumerated", r.data_points_enumerated},
            {"fixed", r.data_points_fixed}}},
          {"complete", r.complete},
          {"incomplete", text_or_null(f.incomplete)},
          {"signatures", std::move(failures)}};
}

Json rff_json(const RffFigures& f) {
  const sim::RffReport& r = f.report;
  Json failures = Json::array();
  for (const auto& x : f.failures) failures.push_back(failure_json(x));
  return {{"scenario", f.scenario},
          {"schedules", r.runs},
          {"epoch", f.epoch},
          {"reads_from_pairs", r.pairs},
          {"corpus_schedules", r.corpus},
          {"failures", r.failures},
          {"stopped_early", r.stopped_early},
          {"interrupted", r.interrupted},
          {"signatures", std::move(failures)}};
}

void print_run(const RunFigures& f, bool json) {
  std::fputs(json ? (json_text(run_json(f), 2) + "\n").c_str() : run_text(f).c_str(), stdout);
}

struct ExploreOutput::Document {
  Json scenarios = Json::array(), not_explored = Json::array();
  std::uint64_t schedules = 0, failures = 0, signatures = 0;

  void add(Json scenario, std::uint64_t scenario_schedules, std::uint64_t scenario_failures, std::size_t sigs) {
    scenarios.push_back(std::move(scenario));
    schedules += scenario_schedules;
    failures += scenario_failures;
    signatures += sigs;
  }
};

ExploreOutput::ExploreOutput(ExploreContext c) : context_(std::move(c)), document_(std::make_unique<Document>()) {}
ExploreOutput::~ExploreOutput() = default;

// Text goes out as each scenario ends (a long exploration shows its results as they come).
void ExploreOutput::add(const ExploreFigures& f) {
  if (json()) document_->add(explore_json(f), f.report.schedules, f.report.failures, f.failures.size());
  else std::fputs(explore_text(f, context_).c_str(), stdout);
  std::fflush(stdout);
}

void ExploreOutput::add(const DfsFigures& f) {
  if (json()) document_->add(dfs_json(f), f.report.schedules, f.report.failures, f.failure ? 1 : 0);
  else std::fputs(dfs_text(f).c_str(), stdout);
  std::fflush(stdout);
}

void ExploreOutput::add(const RffFigures& f) {
  if (json()) document_->add(rff_json(f), f.report.runs, f.report.failures, f.failures.size());
  else std::fputs(rff_text(f, context_).c_str(), stdout);
  std::fflush(stdout);
}

void ExploreOutput::not_explored(const std::string& scenario) { document_->not_explored.push_back(scenario); }

int ExploreOutput::finish(int status) {
  if (!json()) return status;
  const ExploreContext& c = context_;
  const Json doc = {
      {"command", "explore"},
      {"policy", c.policy},
      {"seeds", c.seeded ? Json{{"first", c.range.first}, {"last", c.range.last}} : Json(nullptr)},
      {"shard", {{"index", c.shard.index}, {"count", c.shard.count}}},
      {"stop_after", c.stop_after ? Json(c.stop_after) : Json(nullptr)},
      {"max_time", text_or_null(c.max_time)},
      {"scenarios", document_->scenarios},
      {"not_explored", document_->not_explored},
      {"totals",
       {{"scenarios", document_->scenarios.size()},
        {"schedules", document_->schedules},
        {"failures", document_->failures},
        {"signatures", document_->signatures}}},
      {"exit_status", status}};
  std::fputs((json_text(doc, 2) + "\n").c_str(), stdout);
  return status;
}

}  // namespace omega::cli
