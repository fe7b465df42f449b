#pragma once
// omega::Semaphore: a counting semaphore. acquire blocks while no permit is left (waiters FIFO;
// release hands a permit straight to the first waiter); try_acquire never blocks.

#include <omega/detail/primitive.hpp>

#include <cstdint>
#include <string>

namespace omega {

class Semaphore : public detail::Primitive {
 public:
  explicit Semaphore(std::uint64_t permits, std::string name = {});

  void acquire(std::source_location where = std::source_location::current());
  bool try_acquire(std::source_location where = std::source_location::current());
  void release(std::uint64_t permits = 1, std::source_location where = std::source_location::current());
  std::uint64_t available() const noexcept { return stale() ? initial_ : permits_; }

 private:
  void reset() override;
  std::uint64_t initial_, permits_;
  detail::WaitQueue waiters_;
};

}  // namespace omega
