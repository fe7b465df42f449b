// Why our own allocator: Boost 1.74's pooled_fixedsize_stack has no guard page, and its
// protected_fixedsize_stack maps and unmaps on every fiber. We keep guard-paged mappings in a
// per-thread free list, so 1000 runs of 10 fibers map no more stacks than were alive at once.

#include "fiber_stack.hpp"

#include <omega/sim/run.hpp>
#include <omega/sim/stack_pool.hpp>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

// Under valgrind, a switch to a fiber moves the stack pointer by far more than a frame; memcheck
// takes that for a huge stack frame and reports thousands of false errors, unless the fiber
// stacks are registered. The client requests cost a few instructions outside valgrind.
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define OMEGA_VALGRIND 1
#else
#define OMEGA_VALGRIND 0
#endif

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace omega::sim {
namespace detail {

std::size_t page_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

std::size_t guard_size() noexcept { return kGuardPages * page_size(); }

namespace {

struct FreeStack {
  void* base;         // start of the mapping (the guard region)
  std::size_t usable; // bytes above the guard region
};

// Free stacks are few and thread-private; a vector searched by size is enough.
struct Pool {
  std::vector<FreeStack> free;
  StackPoolStats stats;
  static constexpr std::size_t kKeepMax = 4096;
#if OMEGA_VALGRIND
  // Under valgrind: (mapping base, valgrind stack id) of every stack mapped and not yet unmapped,
  // in use or pooled. A stack stays registered for the whole life of its mapping: pooled stacks
  // are not executed on, so registering them early is harmless, and the id is needed at unmap.
  std::vector<std::pair<void*, unsigned>> valgrind_ids;
#endif

  // A new mapping's usable range [bottom, bottom + usable) is a stack from now on.
  void mapped(void* base, std::uintptr_t bottom, std::size_t usable) {
#if OMEGA_VALGRIND
    if (RUNNING_ON_VALGRIND) {
      const unsigned id = VALGRIND_STACK_REGISTER(bottom, bottom + usable);
      try {
        valgrind_ids.emplace_back(base, id);
      } catch (...) {
        VALGRIND_STACK_DEREGISTER(id);
        throw;
      }
    }
#else
    (void)base, (void)bottom, (void)usable;
#endif
  }

  void unmap(void* base, std::size_t usable) noexcept {
#if OMEGA_VALGRIND
    auto it = std::find_if(valgrind_ids.begin(), valgrind_ids.end(),
                           [&](const auto& r) { return r.first == base; });
    if (it != valgrind_ids.end()) {
      VALGRIND_STACK_DEREGISTER(it->second);
      valgrind_ids.erase(it);
    }
#endif
    ::munmap(base, usable + guard_size());
  }

  ~Pool() {
    for (const FreeStack& s : free) unmap(s.base, s.usable);
  }
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

// A stack the kernel cannot map (RunOptions::stack_bytes is within bounds, but the system said
// no: address space, overcommit, vm.max_map_count). Still a std::bad_alloc, with a message that
// names the size and the knob instead of a bare "std::bad_alloc".
class StackMapError : public std::bad_alloc {
 public:
  StackMapError(std::size_t bytes, int error) {
    std::snprintf(text_, sizeof text_,
                  "cannot map a %zu KiB fiber stack (OMEGA_STACK_KB / RunOptions::stack_bytes): %s",
                  bytes / 1024, std::strerror(error));
  }
  const char* what() const noexcept override { return text_; }

 private:
  char text_[192];
};

}  // namespace

boost::context::stack_context PooledGuardedStack::allocate() {
  Pool& p = pool();
  const std::size_t page = page_size();
  const std::size_t usable = (size + page - 1) / page * page;
  void* base = nullptr;
  auto it = std::find_if(p.free.begin(), p.free.end(),
                         [&](const FreeStack& s) { return s.usable == usable; });
  if (it != p.free.end()) {
    base = it->base;
    p.free.erase(it);
  } else {
    const std::size_t guard = guard_size();
    base = ::mmap(nullptr, usable + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (base == MAP_FAILED) throw StackMapError(usable, errno);
    if (::mprotect(base, guard, PROT_NONE) != 0) {
      const int error = errno;
      ::munmap(base, usable + guard);
      throw StackMapError(usable, error);
    }
    try {
      p.mapped(base, reinterpret_cast<std::uintptr_t>(base) + guard, usable);
    } catch (...) {
      ::munmap(base, usable + guard);
      throw;
    }
    ++p.stats.mapped;
  }
  ++p.stats.in_use;
  p.stats.peak_in_use = std::max(p.stats.peak_in_use, p.stats.in_use);
  p.stats.pooled = p.free.size();
  const std::uintptr_t bottom = reinterpret_cast<std::uintptr_t>(base) + guard_size();
#if defined(__SANITIZE_ADDRESS__)
  // A mapping (or a pooled stack) can carry stale shadow poison: frames abandoned on it, or an
  // exited thread's stack that used the same addresses. A fiber starts with a clean stack.
  ASAN_UNPOISON_MEMORY_REGION(reinterpret_cast<void*>(bottom), usable);
#endif
  if (out) *out = StackRange{bottom, usable};
  boost::context::stack_context sctx;
  sctx.size = usable;
  sctx.sp = reinterpret_cast<void*>(bottom + usable);
  return sctx;
}

void PooledGuardedStack::deallocate(boost::context::stack_context& sctx) noexcept {
  Pool& p = pool();
  void* base = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(sctx.sp) - sctx.size - guard_size());
  --p.stats.in_use;
  if (p.free.size() < Pool::kKeepMax) {
    try {
      p.free.push_back(FreeStack{base, sctx.size});
    } catch (...) {
      p.unmap(base, sctx.size);
    }
  } else {
    p.unmap(base, sctx.size);
  }
  p.stats.pooled = p.free.size();
}

namespace {

struct sigaction g_previous_segv, g_previous_bus;

void write_all(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void on_fault(int sig, siginfo_t* info, void* uctx) {
  const char* name = overflow_fiber_name(reinterpret_cast<std::uintptr_t>(info->si_addr));
  if (name != nullptr) {
    write_all("stack overflow in fiber ");
    write_all(name);
    write_all(" (raise OMEGA_STACK_KB or RunOptions::stack_bytes)\n");
    ::signal(sig, SIG_DFL);  // returning re-faults and ends the process with the signal
    return;
  }
  // Not ours: hand over to whoever was installed before us (ASan, a crash reporter, the default).
  const struct sigaction& prev = sig == SIGSEGV ? g_previous_segv : g_previous_bus;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction != nullptr) return prev.sa_sigaction(sig, info, uctx);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler) {
    return prev.sa_handler(sig);
  }
  ::signal(sig, SIG_DFL);
}

}  // namespace

namespace {
constinit thread_local int tls_run_batch_depth = 0;  // sim::RunBatch nesting on this thread
}  // namespace

void install_overflow_handler() {
  if (tls_run_batch_depth > 0) return;  // checked when the batch began
  // Checked on every run, not once: test frameworks (doctest) install and later restore their own
  // handlers around each test, which would silently remove ours. The check is one read (no lock:
  // runs on many threads do not queue here); only a missing handler takes the lock, and
  // check-and-install is then one critical section, so `previous` is never ourselves.
  const auto ours = [] {
    struct sigaction now;
    return ::sigaction(SIGSEGV, nullptr, &now) == 0 && (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_fault;
  };
  if (!ours()) {
    static std::mutex install_mutex;
    std::lock_guard<std::mutex> lock(install_mutex);
    if (!ours()) {
      struct sigaction sa;
      std::memset(&sa, 0, sizeof sa);
      sa.sa_sigaction = on_fault;
      sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset(&sa.sa_mask);
      ::sigaction(SIGSEGV, &sa, &g_previous_segv);
      ::sigaction(SIGBUS, &sa, &g_previous_bus);
    }
  }
  // The handler must not run on the overflowed stack. Keep an existing alternate stack (ASan
  // installs its own); otherwise give this thread one for its lifetime.
  thread_local bool have_altstack = false;
  if (have_altstack) return;
  stack_t current;
  if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) {
    have_altstack = true;
    return;
  }
  struct AltStack {
    std::vector<char> memory = std::vector<char>(64 * 1024);
    ~AltStack() {  // unregister before the memory goes away at thread exit
      stack_t off;
      std::memset(&off, 0, sizeof off);
      off.ss_flags = SS_DISABLE;
      ::sigaltstack(&off, nullptr);
    }
  };
  thread_local AltStack alt;
  stack_t ss;
  std::memset(&ss, 0, sizeof ss);
  ss.ss_sp = alt.memory.data();
  ss.ss_size = alt.memory.size();
  ::sigaltstack(&ss, nullptr);
  have_altstack = true;
}

}  // namespace detail

StackPoolStats stack_pool_stats() noexcept { return detail::pool().stats; }

void reset_stack_pool_peak() noexcept {
  auto& s = detail::pool().stats;
  s.peak_in_use = s.in_use;
}

RunBatch::RunBatch() {
  detail::install_overflow_handler();  // the one check for the batch (a no-op in an outer batch)
  ++detail::tls_run_batch_depth;
}
RunBatch::~RunBatch() { --detail::tls_run_batch_depth; }

}  // namespace omega::sim
