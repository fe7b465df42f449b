#include <omega/detail/primitive.hpp>

#include <algorithm>
#include <limits>

namespace omega::detail {

bool Primitive::attach(const char* api) {
  const sim::kernel::Attached a =
      sim::kernel::attach_for(api, ref_, kind_, named_ ? std::string_view(name_) : std::string_view());
  if (a == sim::kernel::Attached::inert) return false;
  if (a == sim::kernel::Attached::attached_now) {
    // An unnamed object is "<kind>#<id>" of this run: it depends only on this run's order of
    // first use, never on an earlier run.
    if (!named_) name_ = std::string(kind_) + "#" + std::to_string(ref_.id);
    reset();
  }
  return true;
}

std::string_view Primitive::wait_text(const char* suffix) {
  if (suffix != wait_suffix_ || ref_.run != wait_run_) {
    wait_text_.assign(kind_).append(" ").append(name_).append(suffix);
    wait_suffix_ = suffix;
    wait_run_ = ref_.run;  // an unnamed object's name changes between runs
  }
  return wait_text_;
}

bool Primitive::stale() const noexcept {
  return sim::kernel::in_simulation() && ref_.run != sim::kernel::run_serial();
}

const std::string& Primitive::unnamed() noexcept {
  static const std::string empty;  // immutable: shared by every run and thread
  return empty;
}

bool Primitive::begin(const char* api, sim::OpId op, const std::source_location& where) {
  if (!attach(api)) return false;
  sim::kernel::operation_point(where, op, object_id());
  return true;
}

bool Primitive::begin_without_point(const char* api) { return attach(api); }

std::string label(FiberId f) { return sim::kernel::label(f); }
FiberId me() { return sim::kernel::current_fiber(); }
std::uint64_t step() { return sim::kernel::step(); }

void WaitQueue::erase(FiberId f) {
  auto it = std::find(begin(), end(), f);
  if (it != end()) ids_.erase(it);
  if (empty()) clear();
}

std::uint64_t deadline_after(std::uint64_t ns) {
  const std::uint64_t now = sim::kernel::now_ns();
  return ns > std::numeric_limits<std::uint64_t>::max() - now ? std::numeric_limits<std::uint64_t>::max()
                                                              : now + ns;
}

}  // namespace omega::detail
