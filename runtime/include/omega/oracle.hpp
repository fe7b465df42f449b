#pragma once
// omega::oracle(name).call(request, fn) models a call to an expensive, nondeterministic external
// service (a model, a web API). The call is a scheduling point and takes virtual time; its latency
// and any injected fault (error, timeout) are data choices (0 = least latency, no fault); its
// result goes into the ledger (OracleCall), so a replay returns the recorded result without
// calling fn. Requests and results pass through OracleCodec<T> (strings, integers and byte
// vectors built in; specialise it for your own types). The key hash is our FNV-1a over the codec
// bytes of the request.

#include <omega/detail/primitive.hpp>
#include <omega/sim/hash.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace omega {

// encode(const T&) -> std::string of bytes; decode(std::string_view) -> T.
template <class T>
struct OracleCodec;

template <>
struct OracleCodec<std::string> {
  static std::string encode(const std::string& v) { return v; }
  static std::string decode(std::string_view b) { return std::string(b); }
};

template <>
struct OracleCodec<std::vector<std::uint8_t>> {
  static std::string encode(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }
  static std::vector<std::uint8_t> decode(std::string_view b) { return {b.begin(), b.end()}; }
};

template <class T>
  requires(std::is_integral_v<T> || std::is_enum_v<T>)
struct OracleCodec<T> {
  static std::string encode(T v) {  // 8 bytes, little endian
    std::string out(8, '\0');
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((u >> (8 * i)) & 0xff);
    return out;
  }
  static T decode(std::string_view b) {
    if (b.size() != 8) throw std::invalid_argument("OracleCodec: integer needs 8 bytes");
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[static_cast<std::size_t>(i)])) << (8 * i);
    return static_cast<T>(u);
  }
};

struct OracleOptions {
  // Latency is one of 8 evenly spaced values in [latency_min, latency_max]; choice 0 = min.
  std::chrono::nanoseconds latency_min = std::chrono::milliseconds(1);
  std::chrono::nanoseconds latency_max = std::chrono::milliseconds(8);
  double error_probability = 0.0;    // injected OracleError
  double timeout_probability = 0.0;  // injected OracleTimeout (after latency_max)
};

struct OracleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct OracleTimeout : OracleError {
  using OracleError::OracleError;
};

class Oracle : public detail::Primitive {
 public:
  explicit Oracle(std::string name, OracleOptions options = {});

  template <class Request, class Fn>
  auto call(const Request& request, Fn&& fn, std::source_location where = std::source_location::current())
      -> std::decay_t<std::invoke_result_t<Fn&, const Request&>> {
    using Result = std::decay_t<std::invoke_result_t<Fn&, const Request&>>;
    const std::uint64_t key = sim::fnv1a64(OracleCodec<Request>::encode(request));
    if (deduplicating()) [[unlikely]]
      return OracleCodec<Result>::decode(call_deduplicated(
          key, [&] { return OracleCodec<Result>::encode(call_service<Result>(key, request, fn, where)); }, where));
    return call_service<Result>(key, request, fn, where);
  }

  OracleOptions& options() noexcept { return options_; }

 private:
  template <class Result, class Request, class Fn>
  Result call_service(std::uint64_t key, const Request& request, Fn& fn, const std::source_location& where) {
    const Pending p = start(key, where);
    if (p.recorded_result) return OracleCodec<Result>::decode(*p.recorded_result);
    std::optional<Result> result;
    try {
      sim::kernel::set_opaque(true);  // fn models the service: no simulation operations inside
      result.emplace(fn(request));
      sim::kernel::set_opaque(false);
    } catch (...) {
      sim::kernel::set_opaque(false);
      failed(p);  // recorded, so a replay fails the same way without calling fn
      throw;
    }
    finish(p, OracleCodec<Result>::encode(*result));
    return std::move(*result);
  }

  // The critic's check of introduce_singleflight / add_memo (RunOptions::checks.dedupe_oracles):
  // calls with a key already answered return that answer; calls with a key in flight wait for it.
  bool deduplicating() const;
  std::string call_deduplicated(std::uint64_t key, const std::function<std::string()>& call,
                                const std::source_location& where);

  struct Pending {
    std::uint64_t key_hash = 0, latency_ns = 0;
    std::optional<std::string> recorded_result;  // set under replay
  };
  // The call up to the service: governance, scheduling point, fault and latency choices, the
  // latency itself, and either the recorded result (replay), a thrown fault, or nothing (call fn).
  Pending start(std::uint64_t key_hash, const std::source_location& where);
  void finish(const Pending& p, std::string result_bytes);
  void failed(const Pending& p);  // fn threw: records fault 3 with the exception's message
  void reset() override;

  OracleOptions options_;
  struct Flight;
  std::map<std::uint64_t, std::string> answered_;               // dedupe check only
  std::map<std::uint64_t, std::shared_ptr<Flight>> in_flight_;  // dedupe check only
};

// The oracle called `name` in the current run, created on its first use in the run with default
// options; passing options replaces them for the rest of the run. Nothing carries over from an
// earlier run (or scenario) on the thread: options set there are discarded when a later run first
// asks for the name. The reference stays valid after the run, but re-fetch it in each run. Only
// inside a simulation: outside one it throws UsageError.
Oracle& oracle(const std::string& name);
Oracle& oracle(const std::string& name, OracleOptions options);

}  // namespace omega
