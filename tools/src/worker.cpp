// The worker side: runs the seeds it is handed, one at a time, and beats into the shared page.

#include "worker.hpp"

#include "cli_input.hpp"
#include "critic_explore.hpp"
#include "report.hpp"
#include "report_json.hpp"
#include "worker_protocol.hpp"

#include <omega/sim/errors.hpp>
#include <omega/sim/explore.hpp>

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace omega::cli {

namespace {

[[noreturn]] void leave(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(status);  // no static destructors: the parent owns every resource that matters
}

}  // namespace

std::uint64_t watchdog_ms_from_env() {
  const char* text = std::getenv("OMEGA_WATCHDOG_MS");
  if (text == nullptr) return 10'000;
  return number("OMEGA_WATCHDOG_MS", text, 0, 24ull * 3600 * 1000);
}

void worker_main(const WorkerSetup& setup, const std::string& prog, long parent_pid) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent_pid) leave(0);  // the parent died before prctl took effect
  std::signal(SIGINT, SIG_IGN);             // the parent handles Ctrl-C and tells us to stop
  std::signal(SIGTERM, SIG_IGN);
  void* page = ::mmap(nullptr, sizeof(worker::Shared), PROT_READ | PROT_WRITE, MAP_SHARED, worker::kSharedFd, 0);
  if (page == MAP_FAILED) leave(3);
  auto* shared = static_cast<worker::Shared*>(page);
  sim::install_beacon(&shared->beacon);

  const Scenario* scenario = find_scenario(setup.scenario);
  if (scenario == nullptr) leave(2);
  const sim::ShardSeeds seeds(setup.first_seed, setup.last_seed, setup.shard);
  auto options_for = [&](std::uint64_t seed) {
    sim::RunOptions o;
    o.seed = seed;
    o.policy = sim::policy_for_seed(setup.policy, seed, setup.pct_steps);
    o.checks = setup.checks;
    return o;
  };
  RunInspector inspector(setup.scenario);
  const sim::RunBatch batch;  // a worker process: nothing installs signal handlers between its runs

  for (;;) {
    worker::Command c;
    if (!worker::read_all(worker::kCommandFd, &c, sizeof c) || c.count == 0) leave(0);
    worker::Message m;
    if (c.kind == worker::Kind::calibrate) {
      shared->running.store(1);
      m.number = sim::calibrate_pct_steps(sim::RunOptions{}, scenario->body);
    } else if (c.kind == worker::Kind::shrink) {
      shared->running.store(c.first + 1);
      const sim::RunResult r = sim::run(options_for(seeds[c.first]), scenario->body);
      ShrinkPrint how{setup.max_runs, setup.trace_full, [shared] { return shared->stop.load() != 0; }};
      ShrinkOutcome shrunk;
      if (r.passed()) shrunk.not_shrunk = "the schedule passed when re-run";
      else shrunk.figures = shrink_failure(*scenario, r.choices(), how, prog);
      m.text = json_text(shrink_json(shrunk));
    } else {
      for (std::uint64_t k = 0; k < c.count && shared->stop.load() == 0; ++k) {
        const std::uint64_t index = c.first + k;
        shared->running.store(index + 1);
        const sim::RunOptions o = options_for(seeds[index]);
        sim::SeedOutcome out;
        sim::RunResult r;
        try {
          r = sim::run(o, scenario->body);
        } catch (const HarnessError& e) {  // the scenario broke a rule the harness relies on
          out.outcome = sim::Outcome::crash;
          out.message = e.what();
          m.results.emplace_back(index, std::move(out));
          continue;
        }
        out.outcome = r.outcome;
        out.ledger_hash = r.ledger.fingerprint();
        if (!r.passed()) out.message = r.message;
        if (setup.critic) out.inspection = inspector.inspect(r, o.seed, o.policy);
        if (setup.check_determinism && (!r.passed() || index % 20 == 0)) {
          const sim::RunResult again = sim::run(o, scenario->body);
          if (again.ledger.bytes() != r.ledger.bytes())
            out.nondeterminism = sim::first_difference(r.ledger, again.ledger);
        }
        m.results.emplace_back(index, std::move(out));
      }
    }
    shared->running.store(0);
    std::fflush(stdout);  // the scenario's own output, before the parent prints the report
    const std::string bytes = worker::encode(m);
    if (!worker::write_all(worker::kResultFd, bytes.data(), bytes.size())) leave(0);
  }
}

}  // namespace omega::cli
