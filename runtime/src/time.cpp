#include <omega/time.hpp>

namespace omega {

std::chrono::nanoseconds now() {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(sim::kernel::now_ns()));
}

}  // namespace omega
