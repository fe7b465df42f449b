#include <omega/shrink.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>

#include <rapidcheck.h>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <tuple>

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
struct Decision {
  Key key;
  Step step;
  std::vector<FiberId> ready;
};

std::vector<Decision> decisions_of(const sim::Ledger& ledger) {
  std::vector<Decision> out;
  std::map<std::uint32_t, std::uint64_t> made;
  std::uint32_t current = 0;
  for (const auto& e : ledger.events()) {
    if (const auto* s = std::get_if<sim::ev::ScheduleChoose>(&e)) {
      current = s->current.value;
      out.push_back({{current, made[current]++}, Step{true, s->choice == 0, s->chosen, 0}, s->ready});
      current = s->chosen.value;
    } else if (const auto* c = std::get_if<sim::ev::Choice>(&e)) {
      // A data choice belongs to the fiber running when it is drawn: the last one chosen, or
      // the one that acted last (forced switches leave no ScheduleChoose).
      out.push_back({{current, made[current]++}, Step{false, false, FiberId{}, c->value}, {}});
    } else if (const auto* op = std::get_if<sim::ev::Op>(&e)) {
      current = op->fiber.value;
    } else if (const auto* y = std::get_if<sim::ev::Yield>(&e)) {
      current = y->fiber.value;
    }
  }
  return out;
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

ShrinkResult shrink(const std::function<void()>& scenario, const std::vector<std::uint64_t>& failing,
                    const ShrinkOptions& options) {
  ShrinkResult out;
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
  auto spent = [&] {
    if (out.runs >= options.max_runs) return true;
    if (options.stop_requested && options.stop_requested()) out.interrupted = true;
    return out.interrupted;
  };

  out.original_run = run_vector(failing);
  if (out.original_run.passed())
    throw UsageError("shrink: the given choice vector does not fail, nothing to shrink");
  out.signature = sim::failure_signature(out.original_run.outcome, out.original_run.message);
  // Normalise to the choices the run consumed (reduced modulo the alternatives).
  out.original = out.original_run.choices();
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

  bool improved = true;
  while (improved) {
    improved = false;
    // First by identity: each non-default scheduling decision, latest first, becomes the default.
    const Script script = script_of(best_run.ledger);
    for (auto it = script.rbegin(); it != script.rend() && !improved; ++it) {
      if (spent()) break;
      if (!it->second.schedule || it->second.take_default) continue;
      Script candidate = script;
      candidate[it->first].take_default = true;
      improved = accept(run_script(std::move(candidate)));
    }
    // Then RapidCheck's helpers over the choice vector: drop chunks, move values towards 0.
    auto chunks = rc::shrink::removeChunks(best);
    while (!improved) {
      if (spent()) break;
      auto candidate = chunks.next();
      if (!candidate) break;
      improved = try_candidate(*candidate);
    }
    auto towards_zero = rc::shrink::eachElement(best, [](std::uint64_t c) { return rc::shrink::towards<std::uint64_t>(c, 0); });
    while (!improved) {
      if (spent()) break;
      auto candidate = towards_zero.next();
      if (!candidate) break;
      improved = try_candidate(*candidate);
    }
    if (spent()) {
      out.bound_reached = !out.interrupted;
      break;
    }
  }
  // Last, a preemption-bounded search (as in CHESS): schedules that differ from the default one
  // in at most d decisions, d = 1, 2, ..., below the best preemption count found so far. Greedy
  // moves can stop in a local minimum (two preemptions that must move together); this cannot,
  // within its bound on re-runs.
  // Scripts here state every override explicitly; unlisted decisions take the default.
  std::function<bool(const Script&, std::size_t, std::size_t)> search =
      [&](const Script& script, std::size_t first_point, std::size_t overrides_left) -> bool {
    const std::vector<Decision> points = decisions_of(run_script(script).ledger);
    for (std::size_t i = first_point; i < points.size(); ++i) {
      for (FiberId alt : points[i].ready) {
        if (alt == points[i].step.chosen) continue;
        if (spent()) return false;
        Script next = script;
        next[points[i].key] = Step{true, false, alt, 0};
        sim::RunResult r = run_script(next);
        if (!r.passed() && r.preemptions < best_run.preemptions && accept(std::move(r))) return true;
        if (overrides_left > 1 && search(next, i + 1, overrides_left - 1)) return true;
      }
    }
    return false;
  };
  for (std::size_t d = 1; d < best_run.preemptions && !spent(); ++d) {
    if (search(Script{}, 0, d)) d = 0;  // found fewer preemptions: search again below it
  }
  if (out.runs >= options.max_runs) out.bound_reached = true;

  out.minimal = std::move(best);
  out.minimal_run = std::move(best_run);
  return out;
}

}  // namespace omega::prop
