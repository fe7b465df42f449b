// OMEGA_* numbers are validated against documented bounds (budgets.hpp): below, above, too large
// for 64 bits and malformed are each a UsageError naming the variable, the value and the bounds;
// RunOptions::stack_bytes set in code obeys the same stack bounds; the smallest stack allowed
// really runs the kernel's reporting paths (fmt, exceptions), in every build including ASan.

#include <omega/omega.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace omega;

namespace {

// The documented bounds (budgets.hpp), spelled out: the test pins the contract, not the constants.
constexpr std::uint64_t kCountMax = 1'000'000'000'000;
constexpr std::uint64_t kStackKbMin = 32, kStackKbMax = 1'048'576;

// Sets (or unsets) an environment variable for one scope and restores what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct Variable {
  const char* name;
  std::uint64_t min, max;
  const char* unit;
  std::function<std::uint64_t()> read;  // the value the library takes from the environment
};

std::vector<Variable> variables() {
  using B = sim::Budgets;
  const std::uint64_t m = kCountMax;
  return {
      {"OMEGA_MAX_STEPS", 1, m, "scheduling points per run", [] { return B::from_env().steps_max; }},
      {"OMEGA_MAX_FIBER_STEPS", 1, m, "scheduling points per fiber", [] { return B::from_env().fiber_steps_max; }},
      {"OMEGA_MAX_TIME_MS", 1, m, "ms of virtual time", [] { return B::from_env().time_max_ns / 1'000'000; }},
      {"OMEGA_MAX_SPAWNS", 1, m, "spawns per run", [] { return B::from_env().spawns_max; }},
      {"OMEGA_MAX_YIELDS", 1, m, "yields per run", [] { return B::from_env().yields_max; }},
      {"OMEGA_MAX_MUTEX_OPS", 1, m, "mutex operations per run", [] { return B::from_env().mutex_ops_max; }},
      {"OMEGA_MAX_IVAR_OPS", 1, m, "ivar operations per run", [] { return B::from_env().ivar_ops_max; }},
      {"OMEGA_MAX_ORACLE_CALLS", 1, m, "oracle calls per run", [] { return B::from_env().oracle_calls_max; }},
      {"OMEGA_STACK_KB", kStackKbMin, kStackKbMax, "KiB",
       [] { return static_cast<std::uint64_t>(sim::default_stack_bytes() / 1024); }},
  };
}

// What reading `name`=`value` throws, or "" if it does not.
std::string error_for(const Variable& v, const std::string& value) {
  ScopedEnv env(v.name, value);
  try {
    (void)v.read();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

std::string out_of_range(const Variable& v, const std::string& value) {
  return fmt::format("{}={} is out of range: give {}..{} ({})", v.name, value, v.min, v.max, v.unit);
}

}  // namespace

TEST_CASE("OMEGA_* bounds: the documented examples, word for word") {
  const auto all = variables();
  const Variable& stack = all.back();
  CHECK(error_for(stack, "1") == "OMEGA_STACK_KB=1 is out of range: give 32..1048576 (KiB)");
  CHECK(error_for(stack, "99999999") == "OMEGA_STACK_KB=99999999 is out of range: give 32..1048576 (KiB)");
  CHECK(error_for(stack, "18446744073709551615") ==
        "OMEGA_STACK_KB=18446744073709551615 is out of range: give 32..1048576 (KiB)");
  CHECK(error_for(stack, "64k") == "OMEGA_STACK_KB=64k is not a positive integer");
  CHECK(error_for(stack, " 64") == "OMEGA_STACK_KB=\" 64\" is not a positive integer");
  CHECK(error_for(all.front(), "0") ==
        "OMEGA_MAX_STEPS=0 is out of range: give 1..1000000000000 (scheduling points per run)");
  CHECK(error_for(all[2], "18446744073709551616") ==
        "OMEGA_MAX_TIME_MS=18446744073709551616 is out of range: give 1..1000000000000 (ms of virtual time)");
}

TEST_CASE("OMEGA_* bounds: every variable rejects below, above, overflow and junk, and takes its bounds") {
  for (const Variable& v : variables()) {
    const std::string variable = v.name;
    CAPTURE(variable);
    {
      ScopedEnv unset(v.name, std::nullopt);
      CHECK_NOTHROW((void)v.read());  // unset: the default
    }
    {
      ScopedEnv empty(v.name, std::string());
      CHECK_NOTHROW((void)v.read());  // empty counts as unset
    }
    // The bounds themselves are accepted and taken as given.
    for (const std::uint64_t ok : {v.min, v.max}) {
      ScopedEnv env(v.name, std::to_string(ok));
      CHECK(v.read() == ok);
    }
    // Below and above.
    const std::string below = std::to_string(v.min - 1), above = std::to_string(v.max + 1);
    CHECK(error_for(v, below) == out_of_range(v, below));
    CHECK(error_for(v, above) == out_of_range(v, above));
    // Too large for 64 bits, and the largest 64-bit value (which overflowed "* 1024" / "* 10^6").
    for (const std::string big : {"18446744073709551616", "99999999999999999999999999", "18446744073709551615"})
      CHECK(error_for(v, big) == out_of_range(v, big));
    // Malformed: spaces, signs, hex, suffixes, exponents, words, control characters.
    for (const std::string junk : {" 32", "32 ", "+32", "-32", "0x20", "32k", "3e2", "32.0", "lots", "\t32", "3 2"}) {
      CAPTURE(junk);
      const std::string e = error_for(v, junk);
      CHECK(e.rfind(std::string(v.name) + "=", 0) == 0);
      CHECK(e.find(" is not a positive integer") != std::string::npos);
      CHECK(e.find('\n') == std::string::npos);  // one line
    }
  }
}

TEST_CASE("OMEGA_MAX_TIME_MS at its bound does not overflow when turned into nanoseconds") {
  ScopedEnv env("OMEGA_MAX_TIME_MS", std::to_string(kCountMax));
  CHECK(sim::Budgets::from_env().time_max_ns == kCountMax * 1'000'000);
}

TEST_CASE("RunOptions::stack_bytes set in code obeys the OMEGA_STACK_KB bounds") {
  for (const std::size_t bad : {std::size_t{0}, std::size_t{1024}, std::size_t{32 * 1024 - 1},
                                std::size_t{1024} * 1024 * 1024 + 1, SIZE_MAX}) {
    CAPTURE(bad);
    sim::RunOptions o;
    o.stack_bytes = bad;
    const std::string expected = fmt::format(
        "RunOptions::stack_bytes={} is out of range: give 32768..1073741824 (bytes; OMEGA_STACK_KB "
        "32..1048576 KiB)",
        bad);
    CHECK_THROWS_WITH_AS(sim::run(o, [] {}), expected.c_str(), UsageError);
  }
  // The largest is accepted. Its pages are mapped lazily, so it normally just works; where the
  // system refuses the mapping (strict overcommit), the error names the size and the knob. In a
  // child, so the test process does not keep 1 GiB stacks in its pool.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sim::RunOptions o;
    o.stack_bytes = kStackKbMax * 1024;
    int code = 0;
    try {
      code = sim::run(o, [] { join(spawn([] { yield(); }, "big")); }).passed() ? 0 : 3;
    } catch (const std::bad_alloc& e) {
      code = std::string(e.what()).find("cannot map a 1048576 KiB fiber stack (OMEGA_STACK_KB") == 0 ? 0 : 4;
    } catch (...) {
      code = 5;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  if (WIFEXITED(status)) CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("the smallest stack allowed runs fmt, exceptions and every report path") {
  // In a child: an overflow would end the process, and the parent reports it instead of dying.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ScopedEnv env("OMEGA_STACK_KB", std::to_string(kStackKbMin));
    sim::RunOptions o;
    o.policy = sim::random_policy();
    bool ok = o.stack_bytes == kStackKbMin * 1024;
    for (std::uint64_t seed = 0; seed < 20 && ok; ++seed) {
      o.seed = seed;
      // A fiber that throws and is joined, fmt in user code, an oracle call and a failed check.
      const auto r = sim::run(o, [] {
        auto thrower = spawn([] { throw std::runtime_error(fmt::format("boom {:>20}", 42)); }, "thrower");
        try {
          join(thrower);
        } catch (const std::runtime_error&) {
        }
        Mutex m("m");
        auto worker = spawn([&] {
          std::lock_guard<Mutex> g(m);
          (void)oracle("svc").call(std::string("q"), [](const std::string& s) { return s; });
        }, "worker");
        join(worker);
        check(false, fmt::format("planted failure {}", 7));
      });
      ok = r.outcome == sim::Outcome::assertion && r.message.find("planted failure 7") != std::string::npos;
      // A deadlock report (long messages) on the same small stacks.
      const auto d = sim::run(o, [] {
        Mutex a("a"), b("b");
        auto x = spawn([&] { std::lock_guard<Mutex> g1(a); yield(); std::lock_guard<Mutex> g2(b); }, "x");
        auto y = spawn([&] { std::lock_guard<Mutex> g1(b); yield(); std::lock_guard<Mutex> g2(a); }, "y");
        join(x);
        join(y);
      });
      ok = ok && (d.passed() || d.outcome == sim::Outcome::deadlock);
    }
    ::_exit(ok ? 0 : 3);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK_MESSAGE(WIFEXITED(status), "the child died by signal ", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  CHECK(WIFEXITED(status));
  if (WIFEXITED(status)) CHECK(WEXITSTATUS(status) == 0);
}
