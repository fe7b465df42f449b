#include <omega/shrink.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>

#include <rapidcheck.h>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <tuple>
#include <utility>
#include <algorithm>

namespace omega::prop {

namespace {

// One recorded decision, by identity: the fiber a scheduling decision chose (or "the default"),
// or the value of a data choice. Keyed by the deciding fiber and how many decisions it had made,
// so removing one decision does not shift the meaning of the others.
struct Step {
  bool schedule = false;
  bool take_default = false;
  FiberId chosen;
  std::uint64_t value = 0;
};
using Key = std::pair<std::uint32_t, std::uint64_t>;  // (deciding fiber, its k-th decision)
using Script = std::map<Key, Step>;

// Every decision of a run with its key, in ledger order (ready is empty for data choices).
// `may_preempt`: the deciding fiber could have gone on (it is ready and did not yield), so any
// other choice here is a preemption; elsewhere every alternative is free.
struct Decision {
  Key key;
  Step step;
  std::vector<FiberId> ready;
  bool may_preempt = false;

  bool preempts(FiberId alternative) const { return may_preempt && alternative.value != key.first; }
};

std::vector<Decision> decisions_of(const sim::Ledger& ledger) {
  std::vector<Decision> out;
  std::map<std::uint32_t, std::uint64_t> made;
  std::uint32_t current = 0;
  bool yielded = false;  // the event before was the current fiber's Yield
  for (const auto& e : ledger.events()) {
    const bool after_yield = std::exchange(yielded, false);
    if (const auto* s = std::get_if<sim::ev::ScheduleChoose>(&e)) {
      current = s->current.value;
      const bool current_ready = std::binary_search(s->ready.begin(), s->ready.end(), s->current);
      out.push_back({{current, made[current]++}, Step{true, s->choice == 0, s->chosen, 0}, s->ready,
                     current_ready && !after_yield});
      current = s->chosen.value;
    } else if (const auto* c = std::get_if<sim::ev::Choice>(&e)) {
      // A data choice belongs to the fiber running when it is drawn: the last one chosen, or
      // the one that acted last (forced switches leave no ScheduleChoose).
      out.push_back({{current, made[current]++}, Step{false, false, FiberId{}, c->value}, {}});
    } else if (const auto* op = std::get_if<sim::ev::Op>(&e)) {
      current = op->fiber.value;
    } else if (const auto* y = std::get_if<sim::ev::Yield>(&e)) {
      current = y->fiber.value;
      yielded = true;
    }
  }
  return out;
}

constexpr std::size_t kMaxPairPicks = 64;  // pairs of non-default decisions tried: at most 2 016

bool is_default(const Step& s) { return s.schedule ? s.take_default : s.value == 0; }
void to_default(Step& s) {
  if (s.schedule)
    s.take_default = true;
  else
    s.value = 0;
}

Script script_of(const sim::Ledger& ledger) {
  Script out;
  for (const Decision& d : decisions_of(ledger)) out[d.key] = d.step;
  return out;
}

// Follows a script by fiber identity: a decision picks the scripted fiber when it is runnable,
// otherwise the default; decisions the script does not know take the default.
class ScriptSource final : public sim::ChoiceSource {
 public:
  explicit ScriptSource(Script script) : script_(std::move(script)) {}
  std::optional<std::uint64_t> choose_fiber(const sim::ScheduleQuery& q) override {
    const Step* s = next(q.current);
    if (!s || !s->schedule || s->take_default) return 0;
    const std::size_t i = q.index_of(s->chosen);
    return i < q.size() ? i : 0;
  }
  std::optional<std::uint64_t> choose_data(const sim::DataQuery& q) override {
    const Step* s = next(q.current);
    return s && !s->schedule ? s->value : 0;
  }

 private:
  const Step* next(FiberId current) {
    auto it = script_.find({current.value, made_[current.value]++});
    return it == script_.end() ? nullptr : &it->second;
  }
  Script script_;
  std::map<std::uint32_t, std::uint64_t> made_;
};

// Lexicographic: preemptions, then non-zero choices, then length.
std::tuple<std::uint64_t, std::uint64_t, std::size_t> score(const sim::RunResult& r,
                                                           const std::vector<std::uint64_t>& choices) {
  std::uint64_t nonzero = 0;
  for (std::uint64_t c : choices) nonzero += c != 0;
  return {r.preemptions, nonzero, choices.size()};
}

}  // namespace

std::uint64_t auto_max_runs(std::size_t decisions) {
  return std::clamp<std::uint64_t>(std::uint64_t{kRunsPerDecision} * decisions, kMinAutoRuns, kMaxAutoRuns);
}

ShrinkResult shrink(const std::function<void()>& scenario, const std::vector<std::uint64_t>& failing,
                    const ShrinkOptions& options) {
  ShrinkResult out;
  const sim::RunBatch batch;
  auto run_vector = [&](const std::vector<std::uint64_t>& v) {
    sim::RunOptions o = options.base;
    o.policy = sim::vector_of(v);
    ++out.runs;
    return sim::run(o, scenario);
  };
  auto run_script = [&](Script script) {
    sim::RunOptions o = options.base;
    o.policy = sim::policy::Custom{"script", [script = std::move(script)](std::uint64_t) {
                                     return std::make_unique<ScriptSource>(script);
                                   }};
    ++out.runs;
    return sim::run(o, scenario);
  };

  // The bound on re-runs, or a stop request (Ctrl-C, --max-time): either way the best so far stands.
  std::uint64_t phase_until = ~std::uint64_t{0};  // a phase's share of the bound
  auto spent = [&] {
    if (out.runs >= out.max_runs || out.runs >= phase_until) return true;
    if (options.stop_requested && options.stop_requested()) out.interrupted = true;
    return out.interrupted;
  };

  out.original_run = run_vector(failing);
  if (out.original_run.passed())
    throw UsageError("shrink: the given choice vector does not fail, nothing to shrink");
  out.signature = sim::failure_signature(out.original_run.outcome, out.original_run.message);
  // Normalise to the choices the run consumed (reduced modulo the alternatives).
  out.original = out.original_run.choices();
  out.max_runs = options.max_runs != 0 ? options.max_runs : auto_max_runs(out.original.size());
  std::vector<std::uint64_t> best = out.original;
  sim::RunResult best_run = out.original_run;

  // Accepts a candidate run if it fails the same way and scores better; returns whether it did.
  auto accept = [&](sim::RunResult r) {
    if (r.passed() || sim::failure_signature(r.outcome, r.message) != out.signature) return false;
    std::vector<std::uint64_t> used = r.choices();
    if (score(r, used) >= score(best_run, best)) return false;
    best = std::move(used);
    best_run = std::move(r);
    return true;
  };
  auto try_candidate = [&](const std::vector<std::uint64_t>& candidate) { return accept(run_vector(candidate)); };

  // By identity: non-default decisions (a scheduling decision not taking the default, a data
  // choice not 0) go back to their defaults in chunks, halving the chunk size (ddmin), latest
  // first; a failing run with hundreds of preemptions then sheds most of them in a few re-runs.
  // Then each data choice to half its value. True when the best run improved.
  auto identity_pass = [&]() -> bool {
    bool improved = false;
    Script script = script_of(best_run.ledger);
    std::vector<Key> keys;  // ledger order, latest first
    {
      const std::vector<Decision> points = decisions_of(best_run.ledger);
      for (auto it = points.rbegin(); it != points.rend(); ++it)
        if (!is_default(it->step)) keys.push_back(it->key);
    }
    for (std::size_t chunk = keys.size(); chunk >= 1 && !spent(); chunk /= 2) {
      for (std::size_t first = 0; first < keys.size() && !spent(); first += chunk) {
        Script candidate = script;
        bool changed = false;
        for (std::size_t i = first; i < std::min(keys.size(), first + chunk); ++i) {
          const auto it = candidate.find(keys[i]);
          if (it == candidate.end() || is_default(it->second)) continue;
          to_default(it->second);
          changed = true;
        }
        if (changed && accept(run_script(std::move(candidate)))) {
          improved = true;
          script = script_of(best_run.ledger);
        }
      }
    }
    for (const Key& key : keys) {
      if (improved || spent()) break;
      const auto it = script.find(key);
      if (it == script.end() || it->second.schedule || it->second.value < 2) continue;
      Script candidate = script;
      candidate[key].value = it->second.value / 2;
      improved = accept(run_script(std::move(candidate)));
    }
    return improved;
  };

  // Small subsets of the best run's own non-default scheduling decisions, alone with its data
  // choices and every other decision at its default: one, then two (ddmin's other half, "keep a
  // chunk"). Removing decisions one chunk at a time can stop at a set where each is needed, while
  // a different, smaller set of the same decisions fails too. Pairs only while there are at most
  // kMaxPairPicks decisions to pick from (2 016 candidates).
  auto subsets_pass = [&]() -> bool {
    Script base;
    std::vector<std::pair<Key, Step>> picks;
    for (const Decision& d : decisions_of(best_run.ledger))
      if (!d.step.schedule)
        base[d.key] = d.step;
      else if (!d.step.take_default)
        picks.emplace_back(d.key, d.step);
    for (std::size_t size = 1; size <= 2 && best_run.preemptions > 1; ++size) {
      if (size == 2 && picks.size() > kMaxPairPicks) break;
      for (std::size_t i = 0; i < picks.size(); ++i) {
        for (std::size_t j = size == 1 ? i : i + 1; j < picks.size(); ++j) {
          if (spent()) return false;
          Script candidate = base;
          candidate[picks[i].first] = picks[i].second;
          candidate[picks[j].first] = picks[j].second;
          sim::RunResult r = run_script(std::move(candidate));
          if (!r.passed() && r.preemptions < best_run.preemptions && accept(std::move(r))) return true;
        }
      }
    }
    return false;
  };

  // RapidCheck's helpers over the choice vector: drop chunks, move values towards 0. They mostly
  // shorten the schedule and clear stray choices, one candidate at a time: stopped at `until` runs.
  auto vector_pass = [&](std::uint64_t until) -> bool {
    auto chunks = rc::shrink::removeChunks(best);
    while (!spent() && out.runs < until) {
      auto candidate = chunks.next();
      if (!candidate) break;
      if (try_candidate(*candidate)) return true;
    }
    auto towards_zero = rc::shrink::eachElement(best, [](std::uint64_t c) { return rc::shrink::towards<std::uint64_t>(c, 0); });
    while (!spent() && out.runs < until) {
      auto candidate = towards_zero.next();
      if (!candidate) break;
      if (try_candidate(*candidate)) return true;
    }
    return false;
  };

  // Identity moves and subsets first (few re-runs, most of the gain), then the vector helpers with
  // at most a third of the bound (all of it once went to shortening a 313-decision schedule while
  // 15 needless preemptions stayed), then the bounded search below with what is left.
  while (!spent() && (identity_pass() || subsets_pass())) {
  }
  const std::uint64_t vector_until = out.runs + (out.max_runs - std::min(out.max_runs, out.runs)) / 3;
  while (!spent() && out.runs < vector_until && vector_pass(vector_until)) {
    while (!spent() && (identity_pass() || subsets_pass())) {
    }
  }
  // Last, a preemption-bounded search (CHESS's iterative context bounding): schedules that differ
  // from the default one in at most d decisions, d = 1, 2, ..., with fewer preemptions than the
  // best found so far. Greedy moves can stop in a local minimum (two decisions that must change
  // together); this cannot, within its bound on re-runs. Only preemptive overrides count against
  // the bound: fewer preemptions can need more non-default choices at points where the deciding
  // fiber blocked, ended or yielded (a token ring's hand-offs), and those are free.
  // Scripts here state every override explicitly; unlisted scheduling decisions take the default,
  // data choices keep the best run's values.
  auto data_of_best = [&] {
    Script data;
    for (const auto& [key, step] : script_of(best_run.ledger))
      if (!step.schedule) data[key] = step;
    return data;
  };
  Script data_only = data_of_best();
  bool depth_cut = false;  // some branch stopped only for want of overrides: a larger d may find more
  // The fiber the failure happened in (its check failed, it threw): each round first tries only
  // overrides that run it, as its last override (a 101-fiber run's one needed switch, to the
  // reader, is found in hundreds of re-runs instead of after thousands of others), then all.
  FiberId focus;
  for (const auto& e : best_run.ledger.events())
    if (const auto* f = std::get_if<sim::ev::Failure>(&e)) focus = f->fiber;
  FiberId only;  // when valid: the last override must choose it
  std::function<bool(const Script&, const std::vector<Decision>&, std::size_t, std::size_t)> search =
      [&](const Script& script, const std::vector<Decision>& points, std::size_t first_point,
          std::size_t overrides_left) -> bool {
    std::uint64_t prefix_preemptions = 0;
    for (std::size_t i = 0; i < first_point && i < points.size(); ++i)
      prefix_preemptions += points[i].preempts(points[i].step.chosen);
    for (std::size_t i = first_point; i < points.size(); ++i) {
      if (prefix_preemptions >= best_run.preemptions) return false;  // every later override costs more
      for (FiberId alt : points[i].ready) {
        if (alt == points[i].step.chosen || (only.valid() && overrides_left == 1 && alt != only)) continue;
        if (prefix_preemptions + points[i].preempts(alt) >= best_run.preemptions) continue;
        if (spent()) return false;
        Script next = script;
        next[points[i].key] = Step{true, false, alt, 0};
        sim::RunResult r = run_script(next);
        if (!r.passed() && r.preemptions < best_run.preemptions && accept(std::move(r))) return true;
        if (overrides_left <= 1) {
          depth_cut = depth_cut || i + 1 < points.size();
          continue;
        }
        if (search(next, decisions_of(r.ledger), i + 1, overrides_left - 1)) return true;
      }
      prefix_preemptions += points[i].preempts(points[i].step.chosen);
    }
    return false;
  };
  phase_until = out.runs + (out.max_runs - std::min(out.max_runs, out.runs)) / 2;  // half of what is left
  bool search_complete = best_run.preemptions == 0;
  for (std::size_t d = 1; best_run.preemptions > 0 && !spent(); ++d) {
    depth_cut = false;
    const std::vector<Decision> base = decisions_of(run_script(data_only).ledger);
    only = focus;
    bool found = focus.valid() && search(data_only, base, 0, d);
    only = FiberId{};
    if (!found) {
      depth_cut = false;
      found = search(data_only, base, 0, d);
    }
    if (found) {
      d = 0;  // found fewer preemptions: search again below it
      data_only = data_of_best();
      search_complete = best_run.preemptions == 0;
      continue;
    }
    if (!depth_cut) {  // the whole space below the bound was searched
      search_complete = true;
      break;
    }
  }
  // Then the rest of the bound polishes what was found: shorter, fewer stray choices.
  phase_until = ~std::uint64_t{0};
  while (!spent() && vector_pass(out.max_runs)) {
    while (!spent() && (identity_pass() || subsets_pass())) {
    }
  }
  out.bound_reached = !out.interrupted && !search_complete;

  out.minimal = std::move(best);
  out.minimal_run = std::move(best_run);
  return out;
}

}  // namespace omega::prop
