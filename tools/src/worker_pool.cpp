#include "worker_pool.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>
#include <stdexcept>

extern char** environ;

namespace omega::cli {

namespace {

// A descriptor at 10 or above, so dup2 onto 3..5 in the child never meets itself.
int high_fd(int fd) {
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  ::close(fd);
  if (high < 0) throw std::runtime_error(fmt::format("fcntl: {}", std::strerror(errno)));
  return high;
}

}  // namespace

std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("signal {} (SIG{})", sig, abbrev) : fmt::format("signal {}", sig);
}


WorkerPool::~WorkerPool() {
  for (auto& w : workers) retire(w, true);
}

Worker WorkerPool::spawn() {
  int command[2], result[2];
  if (::pipe2(command, O_CLOEXEC) != 0 || ::pipe2(result, O_CLOEXEC) != 0)
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  const int shm = high_fd(::memfd_create("omega-worker", MFD_CLOEXEC));
  if (::ftruncate(shm, sizeof(worker::Shared)) != 0) throw std::runtime_error("ftruncate of the worker page failed");
  void* page = ::mmap(nullptr, sizeof(worker::Shared), PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
  if (page == MAP_FAILED) throw std::runtime_error(fmt::format("mmap: {}", std::strerror(errno)));
  Worker w;
  w.shared = new (page) worker::Shared();
  const int child_command = high_fd(command[0]), child_result = high_fd(result[1]);
  w.command_fd = command[1];
  w.result_fd = result[0];

  const WorkerSetup& s = o_.setup;
  std::vector<std::string> args = {o_.prog, "__worker", "--scenario", s.scenario, "--policy", s.policy,
                                   "--pct-steps", std::to_string(s.pct_steps),
                                   "--seeds", fmt::format("{}..{}", s.first_seed, s.last_seed),
                                   "--shard", fmt::format("{}/{}", s.shard.index, s.shard.count),
                                   "--max-runs", std::to_string(s.max_runs),
                                   "--parent", std::to_string(::getpid())};
  if (s.check_determinism) args.push_back("--check-determinism");
  if (s.trace_full) args.push_back("--trace-full");
  if (s.critic) args.push_back("--critic");
  for (const auto& m : s.checks.lock_order) args.insert(args.end(), {"--lock-order", m});
  for (const auto& o : s.checks.dedupe_oracles) args.insert(args.end(), {"--dedupe-oracle", o});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_command, worker::kCommandFd);
  posix_spawn_file_actions_adddup2(&actions, child_result, worker::kResultFd);
  posix_spawn_file_actions_adddup2(&actions, shm, worker::kSharedFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // Its own process group: a terminal's Ctrl-C reaches the parent only, which stops cleanly.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  const int rc = ::posix_spawn(&w.pid, "/proc/self/exe", &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(child_command);
  ::close(child_result);
  ::close(shm);
  if (rc != 0) throw std::runtime_error(fmt::format("posix_spawn of a worker: {}", std::strerror(rc)));
  return w;
}

void WorkerPool::forget(Worker& w) {
  if (w.command_fd >= 0) ::close(w.command_fd);
  if (w.result_fd >= 0) ::close(w.result_fd);
  ::munmap(w.shared, sizeof(worker::Shared));
  w = Worker{};
}

bool WorkerPool::silent(Worker& w, Clock::time_point now) {
  if (o_.watchdog_ms == 0) return false;
  const std::uint64_t running = w.shared->running.load(), position = w.shared->beacon.position.load();
  if (running != w.seen_running || position != w.seen_position) {
    w.seen_running = running;
    w.seen_position = position;
    w.last_change = now;
    return false;
  }
  return now - w.last_change > std::chrono::milliseconds(o_.watchdog_ms);
}

int WorkerPool::kill_silent(Worker& w) {
  ::kill(w.pid, SIGKILL);
  int status = 0;
  ::waitpid(w.pid, &status, 0);
  return status;
}

void WorkerPool::retire(Worker& w, bool kill) {
  if (w.pid < 0) return;
  if (kill) ::kill(w.pid, SIGKILL);
  else {
    const worker::Command bye{worker::Kind::run, 0, 0};
    (void)worker::write_all(w.command_fd, &bye, sizeof bye);
  }
  ::close(w.command_fd);  // a worker told to exit, or blocked writing to us, ends now
  ::close(w.result_fd);
  w.command_fd = w.result_fd = -1;
  int status = 0;
  ::waitpid(w.pid, &status, 0);
  forget(w);
}

bool WorkerPool::send(Worker& w, const worker::Command& c) {
  w.assigned = c;
  w.assigned_at = w.last_change = Clock::now();
  w.seen_running = w.shared->running.load();
  w.seen_position = w.shared->beacon.position.load();
  return worker::write_all(w.command_fd, &c, sizeof c);
}

// A worker that died or was killed while it held a command: the seed it was running (if any)
// gets `outcome`; the rest of its batch is run again elsewhere.
sim::SeedOutcome WorkerPool::fault_of(const Worker& w, int status, bool hung) const {
  const std::uint64_t position = w.shared->beacon.position.load();
  const std::uint32_t fiber = sim::Beacon::fiber_of(position);
  const std::string name =
      fiber < sim::Beacon::kNames ? std::string(w.shared->beacon.names[fiber]) : std::string("?");
  const std::string where =
      position == 0 ? std::string("before the first scheduling point")
                    : fmt::format("in fiber {} ({}) at step {}", fiber, name, sim::Beacon::step_of(position));
  sim::SeedOutcome out;
  out.ledger_hash = 0;
  if (hung) {
    out.outcome = sim::Outcome::hang;
    out.message = fmt::format(
        "no scheduling point for {} ms {}: a busy loop with no scheduling point, or an OS lock or blocking call "
        "inside a fiber (the worker was killed; OMEGA_WATCHDOG_MS sets the limit)",
        o_.watchdog_ms, where);
  } else if (WIFSIGNALED(status)) {
    out.outcome = sim::Outcome::crash;
    const bool overflow = w.shared->beacon.overflow.load() != 0;
    out.message = fmt::format("killed by {}{} {}", signal_text(WTERMSIG(status)),
                              overflow ? ": stack overflow (raise OMEGA_STACK_KB)" : "", where);
  } else {
    out.outcome = sim::Outcome::crash;
    out.message = fmt::format("the process exited with status {} {} (std::exit or exit() inside the scenario?)",
                              WEXITSTATUS(status), where);
  }
  return out;
}


}  // namespace omega::cli
