// The parent side of exploration in worker processes: spawns workers, hands out seeds in order,
// turns a dead or silent worker into a crash or hang of the seed it was running, respawns, and
// folds results in seed order through sim::ReportBuilder.

#include "worker_pool.hpp"

#include "report_json.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>

namespace omega::cli {

namespace {

constexpr std::uint64_t kWindow = 4096;  // seeds handed out ahead of the first unfolded one

}  // namespace

PoolReport explore_in_workers(const PoolOptions& options) {
  const auto t0 = Clock::now();
  PoolReport out;
  sim::ExploreReport& report = out.report;
  const WorkerSetup& setup = options.setup;
  const sim::ShardSeeds seeds(setup.first_seed, setup.last_seed, setup.shard);
  // A write to a worker that just died must be an error code, not SIGPIPE.
  struct sigaction ignore {}, previous_pipe {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous_pipe);
  struct RestorePipe {
    struct sigaction& previous;
    ~RestorePipe() { ::sigaction(SIGPIPE, &previous, nullptr); }
  } restore_pipe{previous_pipe};

  PoolOptions effective = options;
  WorkerPool pool(effective);
  const unsigned jobs = std::max(1u, options.jobs);

  // PCT's k from one round-robin run, in a worker too: the scenario may crash.
  if (sim::spec_uses_pct(setup.policy)) {
    if (effective.setup.pct_steps == 0) {
      Worker w = pool.spawn();
      pool.send(w, {worker::Kind::calibrate, 0, 1});
      const auto m = worker::read_message(w.result_fd);
      if (!m) {
        pool.retire(w, true);
        throw std::runtime_error(
            "the runs that measure PCT's k (round-robin, random seeds 0..7) crashed the worker: run them with `run --policy round-robin`, "
            "or give --pct-steps K");
      }
      effective.setup.pct_steps = std::max<std::uint64_t>(1, m->number);
      pool.retire(w, false);
    }
    report.pct_steps = effective.setup.pct_steps;
  }
  if (seeds.empty()) return out;

  sim::ExploreOptions fold_options;
  fold_options.policy = setup.policy;
  fold_options.stop_after = options.stop_after;
  fold_options.on_signature = options.on_signature;
  fold_options.on_inspection = options.on_inspection;
  sim::ReportBuilder builder(fold_options, effective.setup.pct_steps, report);
  std::map<std::uint64_t, sim::SeedOutcome> pending;  // received, not yet folded (bounded by the window)
  std::map<std::uint64_t, std::uint64_t> first_hash;  // signature's first seed index -> its ledger hash
  std::deque<std::uint64_t> again;                    // indices to run again (a lost worker's batch)
  std::uint64_t fold_next = 0, next_index = 0;
  bool all_assigned = false, stopping = false, cut = false, signalled = false;
  std::uint64_t batch = 8, lost_without_seed = 0;

  auto fold_ready = [&] {
    while (!cut && !pending.empty() && pending.begin()->first == fold_next) {
      const std::size_t before = report.signatures.size();
      const std::uint64_t hash = pending.begin()->second.ledger_hash;
      const bool go_on = builder.fold(pending.begin()->second, seeds[fold_next]);
      if (report.signatures.size() > before) first_hash[fold_next] = hash;
      pending.erase(pending.begin());
      if (!go_on) {
        cut = stopping = true;
        for (auto& w : pool.workers)
          if (w.pid > 0) w.shared->stop.store(1);
        report.stopped_early = fold_next < seeds.last_index();
      }
      ++fold_next;
    }
  };
  auto next_command = [&]() -> std::optional<worker::Command> {
    if (stopping) return std::nullopt;
    if (!again.empty()) {
      worker::Command c{worker::Kind::run, again.front(), 1};
      again.pop_front();
      return c;
    }
    if (all_assigned || next_index - fold_next >= std::max<std::uint64_t>(kWindow, jobs * batch * 2))
      return std::nullopt;
    const std::uint64_t remaining = seeds.last_index() - next_index;  // seeds after next_index
    const std::uint64_t count = std::min(batch - 1, remaining) + 1;
    const worker::Command c{worker::Kind::run, next_index, count};
    if (count - 1 == remaining) all_assigned = true;
    else next_index += count;
    return c;
  };
  // The worker is gone (died, or killed by the watchdog): blame the seed it ran, requeue the rest.
  auto lost = [&](Worker& w, int status, bool hung) {
    if (w.assigned && w.assigned->kind == worker::Kind::run) {
      const std::uint64_t running = w.shared->running.load();
      const worker::Command c = *w.assigned;
      if (running != 0) {
        pending[running - 1] = pool.fault_of(w, status, hung);
      } else if (++lost_without_seed > 3) {
        throw std::runtime_error(fmt::format("workers keep dying outside any run (status {})", status));
      }
      for (std::uint64_t i = c.first; i < c.first + c.count; ++i)
        if (i + 1 != running && !stopping) again.push_back(i);
    }
    pool.forget(w);
  };

  for (unsigned j = 0; j < jobs; ++j) pool.workers.push_back(pool.spawn());
  double last_progress = 0;
  for (;;) {
    if (!stopping && options.stop_requested && options.stop_requested()) {
      stopping = signalled = true;
      for (auto& w : pool.workers)
        if (w.pid > 0) w.shared->stop.store(1);
    }
    bool busy = false;
    for (auto& w : pool.workers) {
      if (w.pid < 0 && !stopping) w = pool.spawn();
      if (w.pid > 0 && !w.assigned) {
        // A worker that died before reading its command shows up as a closed pipe below.
        if (auto c = next_command()) (void)pool.send(w, *c);
      }
      busy = busy || (w.pid > 0 && w.assigned);
    }
    fold_ready();
    if (!busy && (stopping || (all_assigned && again.empty()))) break;

    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    for (auto& w : pool.workers)
      if (w.pid > 0 && w.assigned) {
        fds.push_back({w.result_fd, POLLIN, 0});
        owners.push_back(&w);
      }
    const int ready = ::poll(fds.data(), fds.size(), 50);
    if (ready < 0 && errno != EINTR) throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    const auto now = Clock::now();
    for (std::size_t k = 0; k < fds.size(); ++k) {
      Worker& w = *owners[k];
      if (fds[k].revents != 0) {
        auto m = worker::read_message(w.result_fd);
        if (!m) {
          int status = 0;
          ::waitpid(w.pid, &status, 0);
          lost(w, status, false);
          continue;
        }
        const double seconds = std::chrono::duration<double>(now - w.assigned_at).count();
        if (w.assigned->count == batch && seconds < 0.02 && batch < 1024) batch *= 2;
        if (seconds > 0.2 && batch > 1) batch /= 2;
        for (auto& [index, r] : m->results) pending[index] = std::move(r);
        w.assigned.reset();
        continue;
      }
      if (pool.silent(w, now)) lost(w, pool.kill_silent(w), true);
    }
    if (options.progress) {
      const double t = std::chrono::duration<double>(Clock::now() - t0).count();
      if (t - last_progress >= 0.2) {
        last_progress = t;
        options.progress({report.schedules + pending.size(), seeds.size_saturated(), report.failures, t});
      }
    }
  }
  // Stopped by a signal or the clock: fold what arrived, in seed order, gaps and all.
  if (!cut) {
    for (auto& [index, r] : pending) {
      const std::size_t before = report.signatures.size();
      builder.fold(r, seeds[index]);
      if (report.signatures.size() > before) first_hash[index] = r.ledger_hash;
    }
    pending.clear();
  }
  report.interrupted = signalled && !cut && report.schedules < seeds.size_saturated();
  builder.finish();

  // The determinism check, in a fresh process: the first seed of each signature once more, in a
  // worker that ran nothing before, so state left in statics by earlier runs shows up too.
  if (setup.check_determinism && !signalled) {
    for (const auto& [index, hash] : first_hash) {
      Worker fresh = pool.spawn();
      pool.send(fresh, {worker::Kind::run, index, 1});
      const auto m = worker::read_message(fresh.result_fd);
      pool.retire(fresh, !m);
      if (!m || m->results.empty()) continue;  // it crashed: the crash itself is already reported
      if (m->results[0].second.ledger_hash != hash && hash != 0 &&
          report.nondeterminism.size() < sim::ExploreReport::kMaxNondeterminism)
        report.nondeterminism.push_back(
            {seeds[index], sim::describe(sim::policy_for_seed(setup.policy, seeds[index], effective.setup.pct_steps)),
             "a fresh process gave a different ledger: state left over from earlier runs in the same process (a "
             "static or a global) changed this schedule"});
    }
  }

  // Shrink each signature in a worker too (a shrinking re-run may crash); in parallel.
  out.shrunk.assign(report.signatures.size(), {});
  if (options.shrink) {
    std::deque<std::size_t> todo;
    for (std::size_t i = 0; i < report.signatures.size(); ++i) {
      const auto outcome = report.signatures[i].outcome;
      if (outcome == sim::Outcome::crash || outcome == sim::Outcome::hang)
        out.shrunk[i].not_shrunk = "the shrinker re-runs schedules in one process; replay it with the reproduce "
                                   "command, under a debugger if need be";
      else if (options.stop_requested && options.stop_requested())
        out.shrunk[i].not_shrunk = "stopped early";
      else
        todo.push_back(i);
    }
    auto index_of_seed = [&](std::uint64_t seed) {
      return (seed - setup.first_seed - setup.shard.index) / setup.shard.count;
    };
    std::map<pid_t, std::size_t> shrinking;
    for (;;) {
      for (auto& w : pool.workers) {
        if (w.pid < 0) w = pool.spawn();
        if (!w.assigned && !todo.empty()) {
          // Only a stop request (Ctrl-C, --max-time) cuts a shrink short: the flag may still be set
          // from the exploration's end (--stop-after), which must not leave failures unshrunk.
          w.shared->stop.store(options.stop_requested && options.stop_requested() ? 1 : 0);
          shrinking[w.pid] = todo.front();
          pool.send(w, {worker::Kind::shrink, index_of_seed(report.signatures[todo.front()].first_seed), 1});
          todo.pop_front();
        }
      }
      std::vector<pollfd> fds;
      std::vector<Worker*> owners;
      for (auto& w : pool.workers)
        if (w.pid > 0 && w.assigned) {
          fds.push_back({w.result_fd, POLLIN, 0});
          owners.push_back(&w);
        }
      if (fds.empty()) break;
      ::poll(fds.data(), fds.size(), 50);
      if (options.stop_requested && options.stop_requested())
        for (auto* w : owners) w->shared->stop.store(1);
      for (std::size_t k = 0; k < fds.size(); ++k) {
        Worker& w = *owners[k];
        const std::size_t sig = shrinking[w.pid];
        if (fds[k].revents != 0) {
          auto m = worker::read_message(w.result_fd);
          if (m) {
            try {
              out.shrunk[sig] = shrink_from_json(Json::parse(m->text));
            } catch (const Json::exception& e) {  // the same binary at both ends: not expected
              out.shrunk[sig].not_shrunk = fmt::format("the worker's report did not parse: {}", e.what());
            }
            w.assigned.reset();
            continue;
          }
          int status = 0;
          ::waitpid(w.pid, &status, 0);
          out.shrunk[sig].not_shrunk =
              fmt::format("a shrinking re-run {}", WIFSIGNALED(status)
                                                       ? "was killed by " + signal_text(WTERMSIG(status))
                                                       : fmt::format("exited with status {}", WEXITSTATUS(status)));
          w.assigned.reset();
          lost(w, status, false);
        } else if (pool.silent(w, Clock::now())) {
          const int status = pool.kill_silent(w);
          out.shrunk[sig].not_shrunk = "a shrinking re-run hung";
          w.assigned.reset();
          lost(w, status, true);
        }
      }
    }
  }
  for (auto& w : pool.workers) pool.retire(w, false);
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

}  // namespace omega::cli
