#pragma once
// Internal: the stack allocator handed to Boost.Context, and the stack-overflow handler.

#include <boost/context/stack_context.hpp>

#include <cstddef>
#include <cstdint>

namespace omega::sim::detail {

// Usable stack [bottom, bottom + size); the guard region (kGuardPages pages) sits just below bottom.
struct StackRange {
  std::uintptr_t bottom = 0;
  std::size_t size = 0;
};

// Boost.Context StackAllocator over the thread's pool. Records the range it hands out in *out.
struct PooledGuardedStack {
  std::size_t size;
  StackRange* out;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;
};

// Installs the SIGSEGV/SIGBUS handler (once per process, again whenever it was replaced) and an
// alternate signal stack (once per thread). The handler asks overflow_fiber_name() whether the
// fault hit the running fiber's guard. Does nothing inside a sim::RunBatch (checked when it began).
void install_overflow_handler();

// Implemented by the kernel: the running fiber's name if `addr` lies in its guard area, else
// nullptr (an overflow also flags an installed Beacon). Called from a signal handler: allocates
// nothing.
const char* overflow_fiber_name(std::uintptr_t addr) noexcept;

std::size_t page_size() noexcept;
// Below every fiber stack: PROT_NONE pages (address space only, no memory). One page is not
// enough: a frame with a large local (4 KiB and more, with ASan's redzones) can step over a single
// guard page into the mapping below, another fiber's stack, instead of faulting (a stack clash).
inline constexpr std::size_t kGuardPages = 16;
std::size_t guard_size() noexcept;

}  // namespace omega::sim::detail
