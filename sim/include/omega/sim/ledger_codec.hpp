#pragma once
// The one binary encoding of ledger events. Later layers (corpus files) add a header, framing and
// compression around these bytes; nothing else encodes events.

#include <omega/sim/events.hpp>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace omega::sim {

// Bytes that are not a valid event stream; the message names the byte offset.
struct LedgerFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends encodings to a byte vector. Hot-path writers exist for the events of every decision.
class LedgerWriter {
 public:
  explicit LedgerWriter(std::vector<std::uint8_t>& out) noexcept : out_(out) {}

  void byte(std::uint8_t b) { out_.push_back(b); }
  void varint(std::uint64_t v);
  void str(std::string_view s);
  void fiber(FiberId f) { varint(f.valid() ? std::uint64_t{f.value} + 1 : 0); }  // none -> 0

  void event(const Event& e);
  void schedule_choose(std::uint64_t step, std::uint64_t decision_index, FiberId chosen,
                       std::uint64_t choice, std::span<const FiberId> ready);
  void yield(FiberId f) {
    byte(ev::Yield::kCode);
    fiber(f);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

std::vector<std::uint8_t> encode(const Event& e);
std::vector<std::uint8_t> encode(std::span<const Event> events);

// Decodes a whole event stream; throws LedgerFormatError on truncated or unknown input.
std::vector<Event> decode(std::span<const std::uint8_t> bytes);

}  // namespace omega::sim
