// Cross-scenario leak test. A reproduce command names one scenario and one seed, so a scenario's
// ledger must not depend on what ran before it in the process. For every registered scenario B we
// record B's ledgers for seeds 0..4 alone, and after every scenario A (B itself included) ran a
// few seeds first, and require them byte-identical (FNV-1a hash and length). Each case runs in a
// fresh fork()ed child, because a process-level static would survive a fresh thread; the parent
// never runs a scenario, so every child starts from the same state.
//
// This binary links every scenario of examples/ and tools/tests/runner_scenarios.cpp, plus
// leak_scenarios.cpp (a regression for the oracle registry leak). The checker is also run on a
// small list of deliberately leaky scenarios (not registered) as a negative control.

#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace sim = omega::sim;

struct LeakOptions {
  // An odd number of runs of A, so a leak that only flips a parity still shows.
  std::uint64_t before_seeds = 3;  // A runs seeds 0..before_seeds-1
  std::uint64_t seeds = 5;         // B runs seeds 0..seeds-1
};

// One run of B, as the parent sees it.
struct Digest {
  std::uint64_t hash = 0, size = 0;
  std::uint8_t outcome = 0;  // sim::Outcome, or kThrew when sim::run threw
  friend bool operator==(const Digest&, const Digest&) = default;
};
constexpr std::uint8_t kThrew = 0xff;

struct ChildResult {
  std::vector<Digest> digests;
  std::string error;  // empty if the child exited normally with every digest
};

struct LeakReport {
  std::set<std::pair<std::string, std::string>> leaks;  // (before, scenario) pairs that differ
  std::vector<std::string> details;                    // one line per differing seed or error
};

sim::RunOptions random_seed(std::uint64_t seed) {
  sim::RunOptions o;
  o.policy = sim::random_policy();
  o.seed = seed;
  return o;
}

Digest run_once(const omega::Scenario& s, std::uint64_t seed) {
  try {
    const sim::RunResult r = sim::run(random_seed(seed), s.body);
    return Digest{r.ledger.hash(), r.ledger.bytes().size(), static_cast<std::uint8_t>(r.outcome)};
  } catch (const std::exception& e) {  // a harness or usage error: compare its text instead
    return Digest{sim::fnv1a64(std::string_view(e.what())), 0, kThrew};
  }
}

bool write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// One case: `before` (if any) on its seeds, then `target` on seeds 0..seeds-1, in a fork()ed
// child that sends target's digests back over a pipe.
struct Job {
  Job(const omega::Scenario* b, const omega::Scenario* t) : before(b), target(t) {}
  const omega::Scenario* before;
  const omega::Scenario* target;
  pid_t pid = -1;
  int fd = -1;  // read end of the pipe
  ChildResult result;
};

void start(Job& job, const LeakOptions& o) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (job.before)
      for (std::uint64_t seed = 0; seed < o.before_seeds; ++seed) (void)run_once(*job.before, seed);
    for (std::uint64_t seed = 0; seed < o.seeds; ++seed) {
      const Digest d = run_once(*job.target, seed);
      if (!write_all(fds[1], &d, sizeof d)) ::_exit(4);
    }
    ::close(fds[1]);
    ::_exit(0);  // no atexit handlers, no doctest reporting in the child
  }
  ::close(fds[1]);
  job.pid = pid;
  job.fd = fds[0];
}

// After the child exited: its digests are all in the pipe (a few hundred bytes, far below the
// pipe's capacity, so the child never blocked writing them).
void finish(Job& job, int status, const LeakOptions& o) {
  std::string bytes;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(job.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  ::close(job.fd);
  ChildResult& out = job.result;
  for (std::size_t i = 0; i + sizeof(Digest) <= bytes.size(); i += sizeof(Digest)) {
    Digest d;
    std::memcpy(&d, bytes.data() + i, sizeof d);
    out.digests.push_back(d);
  }
  if (WIFSIGNALED(status))
    out.error = fmt::format("the child died by signal {}", WTERMSIG(status));
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    out.error = fmt::format("the child exited with status {}", WEXITSTATUS(status));
  else if (out.digests.size() != o.seeds)
    out.error = fmt::format("the child sent {} digests, not {}", out.digests.size(), o.seeds);
}

// Runs every job, up to `parallel` children at once: a scenario that takes real time (one sleeps
// two seconds per run for the runner's signal tests) then costs its own duration once, not once
// per pair. Children are independent processes, so running them together changes no result.
void run_jobs(std::vector<Job>& jobs, const LeakOptions& o, std::size_t parallel = 64) {
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (running.size() < parallel && next < jobs.size()) {
      start(jobs[next], o);
      running.emplace(jobs[next].pid, next);
      ++next;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    REQUIRE(pid > 0);
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    finish(jobs[it->second], status, o);
    running.erase(it);
  }
}

std::string show(const Digest& d) {
  if (d.outcome == kThrew) return fmt::format("run threw (text hash {:016x})", d.hash);
  return fmt::format("ledger {:016x} ({} bytes, {})", d.hash, d.size,
                     sim::to_string(static_cast<sim::Outcome>(d.outcome)));
}

// For every B in `all`: B alone, and B after each A in `all` (A == B included), compared seed by
// seed. Every pair whose ledgers differ is a leak.
LeakReport check_scenarios(const std::vector<const omega::Scenario*>& all, const LeakOptions& o = {}) {
  std::vector<Job> jobs;  // per B: alone first, then after each A
  for (const omega::Scenario* b : all) {
    jobs.emplace_back(nullptr, b);
    for (const omega::Scenario* a : all) jobs.emplace_back(a, b);
  }
  run_jobs(jobs, o);

  LeakReport report;
  for (std::size_t i = 0; i < jobs.size(); i += all.size() + 1) {
    const Job& alone = jobs[i];
    const std::string& b = alone.target->name;
    if (!alone.result.error.empty()) {
      report.leaks.emplace("", b);
      report.details.push_back(fmt::format("{} alone: {}", b, alone.result.error));
      continue;
    }
    for (std::size_t j = i + 1; j <= i + all.size(); ++j) {
      const Job& after = jobs[j];
      const std::string& a = after.before->name;
      if (!after.result.error.empty()) {
        report.leaks.emplace(a, b);
        report.details.push_back(fmt::format("{} after {}: {}", b, a, after.result.error));
        continue;
      }
      for (std::size_t seed = 0; seed < o.seeds; ++seed) {
        if (after.result.digests[seed] == alone.result.digests[seed]) continue;
        report.leaks.emplace(a, b);
        report.details.push_back(fmt::format("{} seed {} after {}: {}; alone: {}", b, seed, a,
                                             show(after.result.digests[seed]),
                                             show(alone.result.digests[seed])));
      }
    }
  }
  return report;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// ---- negative control: leaky scenarios, deliberately not registered ----

int g_shared_counter = 0;  // written by one scenario, read by another

void writer_body() {
  ++g_shared_counter;  // its own ledger does not depend on the counter
  auto f = omega::spawn([] { omega::yield(); }, "w");
  omega::join(f);
}

void reader_body() {
  // Reads a counter another scenario bumps: how many times it yields is ledger-visible.
  auto f = omega::spawn([] {
    for (int i = 0; i < g_shared_counter % 4; ++i) omega::yield();
  }, "r");
  auto g = omega::spawn([] { omega::yield(); }, "steady");
  omega::join(f);
  omega::join(g);
}

void self_leaky_body() {
  static int runs = 0;  // read and bumped by the scenario itself
  const int yields = ++runs % 2;
  auto f = omega::spawn([yields] {
    for (int i = 0; i < yields; ++i) omega::yield();
  }, "self");
  auto g = omega::spawn([] { omega::yield(); }, "steady");
  omega::join(f);
  omega::join(g);
}

void clean_body() {
  omega::Shared<int> x("x", 0);
  auto f = omega::spawn([&] { x.store(x.load() + 1); }, "a");
  auto g = omega::spawn([&] { x.store(x.load() + 1); }, "b");
  omega::join(f);
  omega::join(g);
}

}  // namespace

TEST_CASE("cross-scenario leaks: every registered scenario's ledgers do not depend on what ran before") {
  std::vector<const omega::Scenario*> all;
  // slow/* sleeps in real time for the runner's signal tests: it touches no simulation state.
  for (const auto& s : omega::scenarios())
    if (s.name.rfind("slow/", 0) != 0) all.push_back(&s);
  // The binary must hold every scenario it is meant to check.
  std::set<std::string> names;
  for (const auto* s : all) names.insert(s->name);
  for (const char* expected : {"examples/duplicate-oracle-calls", "examples/lock-order-deadlock",
                               "examples/lost-update", "examples/pipeline", "test/pass", "test/lost-update",
                               "test/static-counter", "leak/oracle-always-fails", "leak/oracle-defaults"})
    CHECK_MESSAGE(names.count(expected) == 1, "not linked: ", expected);

  const LeakReport report = check_scenarios(all);
  // test/static-counter (runner_scenarios.cpp) branches on a static it bumps: it is there to be
  // caught by the runner's nondeterminism check, and it must be caught here too, only against
  // itself. Every other pair must be clean.
  const std::set<std::pair<std::string, std::string>> expected{{"test/static-counter", "test/static-counter"}};
  CHECK_MESSAGE(report.leaks == expected, joined(report.details));
}

TEST_CASE("cross-scenario leak check, negative control: a static counter in a scenario is reported") {
  const omega::Scenario writer{"control/writer", writer_body};
  const omega::Scenario reader{"control/reader", reader_body};
  const omega::Scenario self_leaky{"control/self-leaky", self_leaky_body};
  const omega::Scenario clean{"control/clean", clean_body};
  const LeakReport report = check_scenarios({&clean, &writer, &reader, &self_leaky});
  // The reader depends on what the writer did; the self-leaky one on its own earlier runs.
  const std::set<std::pair<std::string, std::string>> expected{{"control/writer", "control/reader"},
                                                               {"control/self-leaky", "control/self-leaky"}};
  CHECK_MESSAGE(report.leaks == expected, joined(report.details));
  CHECK(g_shared_counter == 0);  // the parent never ran a scenario
}
