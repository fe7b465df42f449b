// The kernel:: verbs the runtime calls, each forwarding to the run on this thread, and the
// process-wide handlers (std::terminate during teardown) that find that run.

#include "simulation.hpp"

namespace omega::sim {
namespace internal {

constinit thread_local Simulation* tls_current = nullptr;
Beacon* g_beacon = nullptr;
std::atomic<std::uint64_t> g_run_serial{0};

std::atomic<std::terminate_handler> g_previous_terminate{nullptr};

// Teardown's std::terminate handler: a fiber being unwound is abandoned (see
// Simulation::abandon_if_unwinding); anything else goes to the handler installed before ours.
[[noreturn]] void on_terminate() {
  if (tls_current != nullptr) tls_current->abandon_if_unwinding();  // returns unless it abandons
  const std::terminate_handler previous = g_previous_terminate.load();
  if (previous != nullptr && previous != &on_terminate) previous();
  std::abort();
}

// Checked before every teardown, not once: a program may install its own handler later, which
// we then chain to. Explorer workers get here concurrently: check-and-install is one section.
void install_terminate_handler() {
  if (std::get_terminate() == &on_terminate) return;
  static std::mutex install_mutex;
  std::lock_guard<std::mutex> lock(install_mutex);
  const std::terminate_handler now = std::get_terminate();
  if (now == &on_terminate) return;
  g_previous_terminate.store(now);
  std::set_terminate(&on_terminate);
}

void outside_simulation(const char* op) {
  throw UsageError(fmt::format("{} called outside a simulation: run it inside omega::sim::run(options, body)", op));
}

}  // namespace internal

using internal::sim;
using internal::tls_current;
using internal::g_beacon;

namespace detail {
const char* overflow_fiber_name(std::uintptr_t addr) noexcept {
  const char* name = tls_current ? tls_current->guard_hit(addr) : nullptr;
  if (name != nullptr && g_beacon != nullptr) g_beacon->overflow.store(1, std::memory_order_relaxed);
  return name;
}
}  // namespace detail

void install_beacon(Beacon* beacon) noexcept { g_beacon = beacon; }


std::string current_policy() { return sim("omega::sim::current_policy").policy_name(); }
const RepairChecks& repair_checks() { return sim("omega::sim::repair_checks").checks(); }

namespace kernel {

bool in_simulation() noexcept { return tls_current != nullptr; }
void require(std::string_view op) {
  if (tls_current == nullptr) sim(std::string(op).c_str());
}
bool tearing_down() noexcept { return tls_current && tls_current->tearing_down(); }
std::uint64_t run_serial() { return sim("omega::sim::kernel::run_serial").run_serial(); }
FiberId current_fiber() { return sim("omega::current").current(); }
std::uint64_t step() { return sim().step(); }
FiberInfo info(FiberId f) { return sim().info(f); }
SchedulerState scheduler() { return sim("omega::sim::kernel::scheduler").scheduler(); }
std::string label(FiberId f) { return sim().label(f); }
FiberId spawn(std::function<std::uint64_t()> body, std::string name, bool daemon,
              std::optional<std::set<std::string>> caps) {
  return sim("omega::spawn").spawn(std::move(body), std::move(name), daemon, std::move(caps));
}
void set_opaque(bool enter) { sim().set_opaque(enter); }
void enter_compound(std::uint32_t object) {
  if (tls_current != nullptr) tls_current->enter_compound(object);
}
void leave_compound() {
  if (tls_current != nullptr) tls_current->leave_compound();
}
std::optional<ev::OracleCall> replayed_oracle_call(std::uint32_t oracle, std::uint64_t key_hash) {
  return sim("omega::Oracle::call").replayed_oracle_call(oracle, key_hash);
}
void yield(const std::source_location& where) {
  if (tls_current == nullptr) [[unlikely]]
    sim("omega::yield");
  tls_current->yield(where);
}
void point() { sim().op_point(); }
void block(BlockReason reason, std::string_view on, BlockOn what) { sim().block(reason, on, what); }
bool block_until(BlockReason reason, std::string_view on, std::uint64_t deadline_ns, BlockOn what) {
  return sim().block_until(reason, on, deadline_ns, what);
}
void set_wait_holder(FiberId waiter, FiberId holder) { sim().set_wait_holder(waiter, holder); }
void sleep_until(std::uint64_t deadline_ns, std::string_view on) {
  sim("omega::sleep_for").sleep_until(deadline_ns, on);
}
std::uint64_t now_ns() { return sim("omega::now").now_ns(); }
Attached attach_for(const char* api, ObjectRef& ref, std::string_view kind, std::string_view name) {
  if (tls_current == nullptr) [[unlikely]]
    sim(api);
  internal::Simulation& s = *tls_current;
  if (s.tearing_down()) [[unlikely]] {
    s.op_point();  // does nothing, but notices a swallowed teardown unwind
    return Attached::inert;
  }
  if (ref.run == s.run_serial()) [[likely]]
    return Attached::already;
  return s.attach(ref, kind, name) ? Attached::attached_now : Attached::already;
}
void operation_point(const std::source_location& where, OpId op, std::uint32_t object) {
  if (tls_current == nullptr) [[unlikely]]
    sim();
  tls_current->operation_point(where, op, object);
}
void op(const ObjectRef& ref, OpCode code, std::uint64_t arg) { sim().op(ref, code, arg); }
void at(const std::source_location& where) noexcept {
  if (tls_current != nullptr) tls_current->at(where);
}
void wake(FiberId f) { sim().wake(f); }
void join(FiberId target) { sim("omega::join").join(target); }
std::uint64_t choose(ChoiceKind kind, std::uint64_t bound) { return sim().choose(kind, bound); }
void fail(std::string message) { sim("omega::check").fail(std::move(message)); }
void record(const Event& e) { sim().record(e); }

}  // namespace kernel
}  // namespace omega::sim
