#include "interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace omega::cli {

namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the handler stores into it");
struct sigaction g_old_int, g_old_term;

void on_signal(int sig) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, sig)) {  // the second one: quit now
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  constexpr char kMessage[] = "\nomega: stopping: finishing the runs in flight (signal again to quit now)\n";
  const ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

int stop_signal() noexcept { return g_signal.load(std::memory_order_relaxed); }

}  // namespace omega::cli
