#include <omega/prop.hpp>
#include <omega/sim/choice_text.hpp>
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

  CheckResult result;
  std::vector<std::uint64_t> last_failing;
  std::vector<std::any> last_inputs;
  std::vector<std::string> last_shown;

  auto property = [&] {
    const auto choices = *rc::gen::container<std::vector<std::uint64_t>>(
        rc::gen::inRange<std::uint64_t>(0, options.max_choice + 1));
    state = detail::DrawState{};
    state.active = true;
    sim::RunOptions o = options.base;
    o.policy = sim::vector_of(choices);
    const sim::RunResult r = sim::run(o, scenario);
    if (!r.passed()) {  // RapidCheck's last failing case is its minimal one
      last_failing = r.choices();
      last_inputs = state.values;
      last_shown = state.shown;
    }
    RC_ASSERT(r.passed());
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
