#pragma once
// Ctrl-C (SIGINT) and SIGTERM during a long command: the first one asks the command to stop
// cleanly (it polls stop_signal(), reports what it found and exits 128 + the signal); a second
// one ends the process at once, as the default action would.

namespace omega::cli {

class InterruptGuard {
 public:
  InterruptGuard();   // installs the handlers and clears any earlier signal
  ~InterruptGuard();  // restores the previous handlers
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

int stop_signal() noexcept;  // 0 until SIGINT or SIGTERM arrives, then that signal's number

}  // namespace omega::cli
