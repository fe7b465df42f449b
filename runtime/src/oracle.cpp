#include <omega/oracle.hpp>

#include <omega/ivar.hpp>
#include <omega/sim/run.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <map>
#include <memory>

namespace omega {

namespace {

constexpr std::uint64_t kFaultScale = 1'000'000;  // fault choices are parts per million
constexpr std::uint64_t kLatencySteps = 8;

std::uint64_t ppm(double p) {
  if (!(p >= 0.0)) return 0;
  if (p >= 1.0) return kFaultScale - 1;  // choice 0 always means "no fault"
  return static_cast<std::uint64_t>(p * static_cast<double>(kFaultScale) + 0.5);
}

}  // namespace

Oracle::Oracle(std::string name, OracleOptions options)
    : Primitive("oracle", std::move(name)), options_(options) {}

Oracle::Pending Oracle::start(std::uint64_t key_hash, const std::source_location& where) {
  if (!begin("omega::Oracle::call", detail::op_id<"oracle.call">(), where))
    throw UsageError("omega::Oracle::call on " + describe() + " during teardown");
  Pending p;
  p.key_hash = key_hash;

  // Fault: value 0 is no fault; 1..error_ppm an error; the next timeout_ppm a timeout.
  std::uint8_t fault = 0;
  const std::uint64_t error_ppm = ppm(options_.error_probability);
  const std::uint64_t timeout_ppm = ppm(options_.timeout_probability);
  if (error_ppm + timeout_ppm > 0) {
    const std::uint64_t v = sim::kernel::choose(sim::ChoiceKind::fault, kFaultScale);
    if (v != 0 && v <= error_ppm) fault = 1;
    else if (v > error_ppm && v <= error_ppm + timeout_ppm) fault = 2;
  }

  const auto lo = static_cast<std::uint64_t>(std::max<std::int64_t>(0, options_.latency_min.count()));
  const auto hi = std::max(lo, static_cast<std::uint64_t>(std::max<std::int64_t>(0, options_.latency_max.count())));
  if (fault == 2) {
    p.latency_ns = hi;
  } else {
    const std::uint64_t k = hi > lo ? sim::kernel::choose(sim::ChoiceKind::latency, kLatencySteps) : 0;
    p.latency_ns = lo + (hi - lo) * k / (kLatencySteps - 1);
  }
  sim::kernel::sleep_until(detail::deadline_after(p.latency_ns), wait_text(" (call in flight)"));

  // Under replay the recorded call answers; otherwise this is the live call.
  const std::uint32_t object = object_id();
  if (auto rec = sim::kernel::replayed_oracle_call(object, key_hash)) {
    sim::kernel::record(*rec);
    if (rec->fault == 0) {
      p.recorded_result = rec->result;
      return p;
    }
    if (rec->fault == 3)
      throw OracleError(fmt::format("{}: the service failed (recorded): {}", describe(), rec->result));
    fault = rec->fault;
  } else if (fault != 0) {
    sim::kernel::record(sim::ev::OracleCall{detail::me(), object, key_hash, {}, p.latency_ns, fault, false});
  }
  if (fault == 1)
    throw OracleError(fmt::format("{}: injected error (fiber {}, step {})", describe(),
                                  detail::label(detail::me()), detail::step()));
  if (fault == 2)
    throw OracleTimeout(fmt::format("{}: injected timeout after {}ns (fiber {}, step {})", describe(),
                                    p.latency_ns, detail::label(detail::me()), detail::step()));
  return p;
}

void Oracle::failed(const Pending& p) {
  if (sim::kernel::tearing_down()) return;
  std::string what = "unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  sim::kernel::record(sim::ev::OracleCall{detail::me(), object_id(), p.key_hash, what, p.latency_ns, 3, true});
}

void Oracle::finish(const Pending& p, std::string result_bytes) {
  sim::kernel::record(sim::ev::OracleCall{detail::me(), object_id(), p.key_hash, std::move(result_bytes),
                                          p.latency_ns, 0, true});
}

struct Oracle::Flight {
  IVar<std::optional<std::string>> answer;  // empty optional: the call failed, a waiter calls again
  explicit Flight(std::string name) : answer(std::move(name)) {}
};

void Oracle::reset() {
  answered_.clear();
  in_flight_.clear();
}

bool Oracle::deduplicating() const {
  const auto& names = sim::repair_checks().dedupe_oracles;
  return !names.empty() && std::find(names.begin(), names.end(), name()) != names.end();
}

std::string Oracle::call_deduplicated(std::uint64_t key, const std::function<std::string()>& call,
                                      const std::source_location& where) {
  if (!begin_without_point("omega::Oracle::call")) return call();
  if (auto it = answered_.find(key); it != answered_.end()) return it->second;
  if (auto it = in_flight_.find(key); it != in_flight_.end()) {
    const std::shared_ptr<Flight> flight = it->second;  // alive while we wait
    if (auto answer = flight->answer.get(where)) return *answer;
    return call_deduplicated(key, call, where);  // the first call failed: this one calls again
  }
  auto flight = std::make_shared<Flight>(name() + "/dedupe");
  in_flight_.emplace(key, flight);
  std::string answer;
  try {
    answer = call();
  } catch (...) {
    in_flight_.erase(key);
    flight->answer.put(std::nullopt, where);
    throw;
  }
  in_flight_.erase(key);
  answered_.emplace(key, answer);
  flight->answer.put(answer, where);
  return answer;
}

namespace {

// The registry is per thread (a run lives on one thread) and its entries are per run: each
// remembers the run that last looked it up, and the first lookup by a later run starts the entry
// afresh. Without that, options set by one scenario (error_probability = 1.0) would survive into
// every later run on the thread, and a scenario's outcome would depend on what ran before it,
// which no reproduce command can capture. Entries are reset in place rather than replaced, so an
// Oracle& kept past its run never dangles; an Oracle's only state that outlives a run is its
// options (its object id and ledger identity are re-attached per run by Primitive).
struct Entry {
  std::uint64_t run = 0;  // serial of the last run that looked this entry up (kernel::run_serial)
  std::unique_ptr<Oracle> oracle;
};

std::map<std::string, Entry, std::less<>>& registry() {
  thread_local std::map<std::string, Entry, std::less<>> oracles;
  return oracles;
}

// The oracle `name` of the current run. Looking up a known name allocates nothing.
Oracle& lookup(const std::string& name) {
  if (!sim::kernel::in_simulation()) [[unlikely]]
    sim::kernel::require(fmt::format("omega::oracle(\"{}\")", name));
  const std::uint64_t run = sim::kernel::run_serial();
  auto& oracles = registry();
  auto it = oracles.find(name);
  if (it == oracles.end()) it = oracles.emplace(name, Entry{}).first;
  Entry& e = it->second;
  if (!e.oracle)
    e.oracle = std::make_unique<Oracle>(name);
  else if (e.run != run)
    e.oracle->options() = OracleOptions{};  // an earlier run's entry: discard what it set
  e.run = run;
  return *e.oracle;
}

}  // namespace

Oracle& oracle(const std::string& name) { return lookup(name); }

Oracle& oracle(const std::string& name, OracleOptions options) {
  Oracle& o = lookup(name);
  o.options() = options;
  return o;
}

}  // namespace omega
