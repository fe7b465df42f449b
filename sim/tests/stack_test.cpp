// Fiber stacks: guard pages catch overflow with a named message; the per-thread pool reuses stacks.

#include <omega/omega.hpp>
#include <omega/sim/stack_pool.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <tuple>
#include <vector>

using namespace omega;

namespace {

int recurse(int n) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  if (n == 0) return 0;
  return recurse(n - 1) + frame[0];  // not a tail call: every level keeps its frame
}

// Frames larger than a page: each level steps more than one page down the stack.
int recurse_big(int n) {
  volatile char frame[6000];
  frame[0] = static_cast<char>(n);
  if (n == 0) return 0;
  return recurse_big(n - 1) + frame[0];
}

// Runs fn in a child process; returns (exit status, everything it wrote to stderr).
template <class Fn>
std::pair<int, std::string> in_subprocess(Fn fn) {
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipefd[1], STDERR_FILENO);
    ::close(pipefd[0]);
    fn();
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string err;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {status, err};
}

}  // namespace

TEST_CASE("a fiber that overflows its stack ends the process with 'stack overflow in fiber <name>'") {
  const auto [status, err] = in_subprocess([] {
    sim::RunOptions o;
    o.stack_bytes = 64 * 1024;
    sim::run(o, [] {
      auto f = spawn([] { return recurse(1'000'000); }, "deep-recursion");
      (void)join(f);
    });
  });
  CHECK_FALSE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK_MESSAGE(err.find("stack overflow in fiber deep-recursion") != std::string::npos, err);
}

namespace {

void foreign_handler(int) { ::_exit(42); }

// Installs foreign_handler for SIGSEGV as a test framework would, on the alternate signal stack
// (an overflowed stack has no room to run a handler).
void install_foreign_handler() {
  struct sigaction sa {};
  sa.sa_handler = foreign_handler;
  sa.sa_flags = SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, nullptr);
}

// A run whose fiber overflows; the named message says our handler caught it.
void overflowing_run() {
  sim::RunOptions o;
  o.stack_bytes = 64 * 1024;
  sim::run(o, [] {
    auto f = spawn([] { return recurse(1'000'000); }, "deep-recursion");
    (void)join(f);
  });
}

}  // namespace

TEST_CASE("RunBatch: the handler is checked when the batch begins, not per run, and per run again after it") {
  // A handler installed before the batch (as a test framework does) is replaced when it begins.
  auto [status, err] = in_subprocess([] {
    install_foreign_handler();
    const sim::RunBatch batch;
    overflowing_run();
  });
  CHECK_MESSAGE(err.find("stack overflow in fiber deep-recursion") != std::string::npos, err);
  // Within the batch runs do not look again (no syscall per run): one installed mid-batch stands.
  std::tie(status, err) = in_subprocess([] {
    const sim::RunBatch batch;
    (void)sim::run(sim::RunOptions{}, [] {});
    install_foreign_handler();
    overflowing_run();
  });
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 42));
  // After the batch, every run checks again.
  std::tie(status, err) = in_subprocess([] {
    { const sim::RunBatch batch; }
    install_foreign_handler();
    overflowing_run();
  });
  CHECK_MESSAGE(err.find("stack overflow in fiber deep-recursion") != std::string::npos, err);
}

TEST_CASE("frames larger than a page still hit the guard, not the stack mapped below (no stack clash)") {
  // Many live fibers, so other stacks are mapped right below the one that overflows: with a single
  // guard page a 6000-byte frame could step over it into them.
  const auto [status, err] = in_subprocess([] {
    sim::RunOptions o;
    o.stack_bytes = 64 * 1024;
    sim::run(o, [] {
      std::vector<Fiber<void>> idle;
      IVar<int> never("never");
      for (int i = 0; i < 8; ++i) idle.push_back(spawn_daemon([&] { (void)never.get(); }, "idle"));
      auto f = spawn([] { return recurse_big(1'000'000); }, "big-frames");
      (void)join(f);
    });
  });
  CHECK_FALSE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK_MESSAGE(err.find("stack overflow in fiber big-frames") != std::string::npos, err);
}

TEST_CASE("1000 runs x 10 fibers map no more stacks than the peak alive at once") {
  // Warm-up run so the pool's state does not depend on test order.
  sim::run(sim::RunOptions{}, [] {});
  sim::reset_stack_pool_peak();
  const auto before = sim::stack_pool_stats();
  for (int run = 0; run < 1000; ++run) {
    auto r = sim::run(sim::RunOptions{}, [] {
      int started = 0;
      std::vector<Fiber<void>> fs;
      for (int i = 0; i < 10; ++i)
        fs.push_back(spawn([&started] {
          ++started;
          while (started < 10) yield();  // all ten alive at once
        }));
      for (auto& f : fs) join(f);
    });
    REQUIRE(r.passed());
  }
  const auto after = sim::stack_pool_stats();
  CHECK(after.peak_in_use >= 11);  // root + 10: the counter sees them
  CHECK(after.mapped - before.mapped <= after.peak_in_use);
  CHECK(after.in_use == 0);
  CHECK(after.pooled >= 11);
}
