#include <omega/prop.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/policies.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/interleaving.hpp>
#include <omega/sim/kernel.hpp>

#include <fmt/format.h>

#include <sstream>

namespace omega::prop {

namespace detail {

DrawState& draw_state() {
  thread_local DrawState state;
  return state;
}

void require_root_before_spawn() {
  const DrawState& s = draw_state();
  if (!s.active) throw UsageError("omega::prop::draw called outside omega::prop::check");
  if (!sim::kernel::in_simulation() || sim::kernel::current_fiber() != FiberId{0} ||
      !sim::kernel::info(FiberId{0}).children.empty())
    throw UsageError(
        "omega::prop::draw: draw inputs in the root fiber before its first spawn (elsewhere draws "
        "would follow the schedule and go out of step while shrinking)");
}

}  // namespace detail

CheckResult check(const std::string& name, const std::function<void()>& scenario, const CheckOptions& options) {
  detail::DrawState& state = detail::draw_state();
  struct Active {
    detail::DrawState& s;
    ~Active() { s = detail::DrawState{}; }
  } active{state};

  const sim::RunBatch batch;
  CheckResult result;
  std::vector<std::uint64_t> last_failing;
  std::vector<std::any> last_inputs;
  std::vector<std::string> last_shown;

  const bool vectors = options.policy == "vector";
  if (!vectors) (void)sim::parse_policy(options.policy, 1);  // a bad policy fails before any run
  if (options.schedules_per_input < 1) throw UsageError("prop::check: schedules_per_input must be at least 1");
  auto property = [&] {
    state = detail::DrawState{};
    state.active = true;
    bool passed = true;
    // The first run draws the inputs; every later one (schedules, PCT's calibration) replays them.
    auto attempt = [&](const sim::RunOptions& o) {
      state.next = 0;
      const sim::RunResult r = sim::run(o, scenario);
      state.replaying = true;
      if (!r.passed() && passed) {  // RapidCheck's last failing case is its minimal one
        passed = false;
        last_failing = r.choices();
        last_inputs = state.values;
        last_shown = state.shown;
      }
    };
    sim::RunOptions o = options.base;
    if (vectors) {
      o.policy = sim::vector_of(*rc::gen::container<std::vector<std::uint64_t>>(
          rc::gen::inRange<std::uint64_t>(0, options.max_choice + 1)));
      attempt(o);
    } else {
      const auto first_seed = *rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << 32);
      std::uint64_t pct_steps = 1;
      if (sim::spec_uses_pct(options.policy)) {
        o.policy = sim::round_robin();
        attempt(o);
        if (passed) pct_steps = sim::calibrate_pct_steps(options.base, [&] {
          state.next = 0;
          scenario();
        });
      }
      for (int k = 0; k < options.schedules_per_input && passed; ++k) {
        o.seed = first_seed + static_cast<std::uint64_t>(k);
        o.policy = sim::parse_policy(options.policy, pct_steps);
        attempt(o);
      }
    }
    RC_ASSERT(passed);
  };
  rc::detail::TestParams params;
  params.maxSuccess = options.max_success;
  params.seed = options.seed;
  const auto outcome = rc::detail::checkProperty(rc::detail::toProperty(property), rc::detail::TestMetadata{}, params);
  if (outcome.template is<rc::detail::SuccessResult>()) return result;

  // Our schedule shrinking on top, with the minimal inputs replayed.
  state = detail::DrawState{};
  state.active = true;
  state.replaying = true;
  state.values = last_inputs;
  ShrinkOptions so;
  so.max_runs = options.max_shrink_runs;
  so.base = options.base;
  const std::function<void()> replayed = [&] {
    state.next = 0;
    scenario();
  };
  const ShrinkResult s = shrink(replayed, last_failing, so);

  result.passed = false;
  result.inputs = last_shown;
  result.choices = s.minimal;
  result.run = s.minimal_run;
  std::string inputs;
  for (const auto& v : last_shown) inputs += (inputs.empty() ? "" : ", ") + v;
  result.report = fmt::format(
"prop::check '{}' failed\n  inputs: [{}]\n  reproduce: CheckOptions::seed = {} (RapidCheck's seed)\n"
      "  choices: {} (preemptions {}, decisions {})\n  {}\n{}",
      name, inputs, options.seed,
      sim::encode_choices(s.minimal), s.minimal_run.preemptions, s.minimal.size(), s.minimal_run.message,
      sim::interleaving_table(s.minimal_run.ledger));
  return result;
}

}  // namespace omega::prop
