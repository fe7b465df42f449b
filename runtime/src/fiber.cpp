#include <omega/check.hpp>
#include <omega/fiber.hpp>
#include <omega/random.hpp>

namespace omega {

void yield(std::source_location where) { sim::kernel::yield(where); }

FiberId current() { return sim::kernel::current_fiber(); }

FiberInfo info(FiberId f) {
  sim::kernel::require("omega::info");
  return sim::kernel::info(f);
}

SchedulerState scheduler_state() {
  sim::kernel::require("omega::scheduler_state");
  return sim::kernel::scheduler();
}

void check(bool condition, const std::string& message) {
  sim::kernel::require("omega::check");
  if (condition) return;
  if (sim::kernel::tearing_down()) {
    sim::kernel::point();  // does nothing, but notices a swallowed teardown unwind
    return;
  }
  sim::kernel::fail(message);
}

std::uint64_t random(std::uint64_t bound) {
  sim::kernel::require("omega::random");
  return sim::kernel::choose(sim::ChoiceKind::random, bound);
}

}  // namespace omega
