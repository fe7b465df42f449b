// Queries on the running run (FiberInfo, SchedulerState, labels), built only when asked for.

#include "simulation.hpp"

#include <charconv>

namespace omega::sim::internal {

FiberInfo Simulation::info(FiberId id) {
  const FiberRec& f = rec(id, "info");
  FiberInfo i{f.id, f.parent, f.name, f.status, f.reason, f.waits_on, f.daemon, {}, {}};
  for (const auto& g : fibers_)  // ascending ids: the order they were spawned in
    if (g->parent == id) i.children.push_back(g->id);
  if (f.status == FiberStatus::blocked) i.wait = wait_target(f);
  return i;
}

WaitTarget Simulation::wait_target(const FiberRec& f) const {
  WaitTarget w;
  w.kind = f.reason;
  if (f.join_target.valid()) {
    w.object_kind = "fiber";
    w.object_name = fibers_[f.join_target.value]->name;
    w.target = f.join_target;
  } else if (f.blocked_on.object < objects_.size()) {
    w.object_kind = objects_[f.blocked_on.object].kind;
    w.object_name = objects_[f.blocked_on.object].name;
    w.object_id = f.blocked_on.object;
  }
  if (f.blocked_on.holder.valid()) w.holder = f.blocked_on.holder;
  if (f.has_timer) w.deadline_ns = f.timer.deadline_ns;
  return w;
}

SchedulerState Simulation::scheduler() const {
  SchedulerState s;
  s.policy = describe(options_.policy);
  s.step = step_;
  s.decisions = decisions_;
  s.preemptions = preemptions_;
  s.now_ns = now_ns_;
  s.running = current_;
  for (const auto& f : fibers_) {
    switch (f->status) {
      case FiberStatus::ready: s.ready.push_back(f->id); break;
      case FiberStatus::running: break;  // only the current fiber runs
      case FiberStatus::blocked: s.blocked.push_back(f->id); break;
      case FiberStatus::done: s.done.push_back(f->id); break;
      case FiberStatus::error: s.failed.push_back(f->id); break;
    }
  }
  return s;
}

// "2 (worker)". Built on contended paths (a mutex's wait text): plain appends, not fmt.
std::string Simulation::label(FiberId id) const {
  std::string out;
  append_label(out, id);
  return out;
}

void Simulation::append_label(std::string& out, FiberId id) const {
  const std::string_view name = id.value < fibers_.size() ? std::string_view(fibers_[id.value]->name) : "?";
  char digits[16];
  const auto end = std::to_chars(digits, digits + sizeof digits, id.value).ptr;
  out.reserve(out.size() + static_cast<std::size_t>(end - digits) + name.size() + 3);
  out.append(digits, end).append(" (").append(name).push_back(')');
}

const char* Simulation::guard_hit(std::uintptr_t addr) const noexcept {
  if (current_.value >= fibers_.size()) return nullptr;
  const FiberRec& f = *fibers_[current_.value];
  if (f.stack.bottom == 0) return nullptr;
  const std::uintptr_t lo = f.stack.bottom - detail::guard_size();
  return addr >= lo && addr < f.stack.bottom ? f.name.c_str() : nullptr;
}

}  // namespace omega::sim::internal
