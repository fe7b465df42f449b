#pragma once
// The runner's worker processes, seen from the parent: spawning one (posix_spawn of this same
// executable in `__worker` mode, its own process group, the protocol descriptors), handing it a
// command, noticing that it died or went silent, and naming the fault.

#include "worker.hpp"
#include "worker_protocol.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

using Clock = std::chrono::steady_clock;  // lint: allow(wall-clock) watchdog and progress only

struct Worker {
  pid_t pid = -1;
  int command_fd = -1, result_fd = -1;
  worker::Shared* shared = nullptr;
  std::optional<worker::Command> assigned;
  Clock::time_point assigned_at, last_change;
  std::uint64_t seen_running = 0, seen_position = 0;
};

std::string signal_text(int sig);  // "signal 6 (SIGABRT)"

class WorkerPool {
 public:
  explicit WorkerPool(const PoolOptions& options) : o_(options) {}
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  Worker spawn();
  // Tells the worker to exit (or kills it) and reaps it.
  void retire(Worker& w, bool kill);
  // Closes what is left of a worker that died (already reaped).
  void forget(Worker& w);
  // Hands out a command; false if the worker is already gone (its pipe shows that too).
  bool send(Worker& w, const worker::Command& c);
  // True when the worker has shown no progress (seed, step or fiber) for the watchdog's limit.
  bool silent(Worker& w, Clock::time_point now);
  // Kills and reaps a silent worker; returns its wait status.
  int kill_silent(Worker& w);
  // What to report for the seed a dead or silent worker was running.
  sim::SeedOutcome fault_of(const Worker& w, int status, bool hung) const;

  std::vector<Worker> workers;

 private:
  const PoolOptions& o_;
};

}  // namespace omega::cli
