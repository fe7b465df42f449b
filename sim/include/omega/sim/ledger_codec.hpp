#pragma once
// The one binary encoding of ledger events. Later layers (corpus files) add a header, framing and
// compression around these bytes; nothing else encodes events.

#include <omega/sim/events.hpp>

#include <cstddef>
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

// A growable byte array written through a raw pointer: open(max) guarantees room for `max` bytes,
// close(end) commits what was written. (std::vector would value-initialise or range-insert on
// every append; this keeps a decision's ledger write to one capacity check.)
class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer& o) { *this = o; }
  ByteBuffer& operator=(const ByteBuffer& o);
  ByteBuffer(ByteBuffer&& o) noexcept { *this = std::move(o); }
  ByteBuffer& operator=(ByteBuffer&& o) noexcept;
  ~ByteBuffer() { release(); }

  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  operator std::span<const std::uint8_t>() const noexcept { return {data_, size_}; }
  std::vector<std::uint8_t> to_vector() const { return {data_, data_ + size_}; }

  std::uint8_t* open(std::size_t max) {
    if (capacity_ - size_ < max) grow(max);
    return data_ + size_;
  }
  void close(const std::uint8_t* end) noexcept { size_ = static_cast<std::size_t>(end - data_); }
  void append(const std::uint8_t* p, std::size_t n);

  friend bool operator==(const ByteBuffer& a, const ByteBuffer& b) noexcept;

 private:
  void grow(std::size_t extra);
  // Keeps one freed buffer per thread for the next ledger: back-to-back runs (exploration) then
  // reuse warm memory instead of faulting in fresh pages every run.
  void release() noexcept;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

// Appends encodings to a byte buffer. Hot-path writers exist for the events of every decision.
class LedgerWriter {
 public:
  explicit LedgerWriter(ByteBuffer& out) noexcept : out_(out) {}

  void byte(std::uint8_t b) {
    std::uint8_t* p = out_.open(1);
    *p = b;
    out_.close(p + 1);
  }
  void varint(std::uint64_t v);
  void str(std::string_view s);
  void fiber(FiberId f) { varint(f.valid() ? std::uint64_t{f.value} + 1 : 0); }  // none -> 0

  void event(const Event& e);
  void schedule_choose(std::uint64_t step, std::uint64_t decision_index, FiberId chosen,
                       std::uint64_t choice, std::span<const FiberId> ready, FiberId current);
  // Every yield: inline for the usual one-byte fiber id.
  void yield(FiberId f) {
    const std::uint32_t code = f.valid() ? f.value + 1 : 0;
    if (code >= 0x80) [[unlikely]]
      return yield_wide(f);
    std::uint8_t* p = out_.open(2);
    p[0] = ev::Yield::kCode;
    p[1] = static_cast<std::uint8_t>(code);
    out_.close(p + 2);
  }
  void yield_wide(FiberId f);
  // Every operation: inline while fiber, object and arg each fit one varint byte.
  void op(FiberId f, std::uint32_t object, OpCode code, std::uint64_t arg) {
    const std::uint32_t fiber = f.valid() ? f.value + 1 : 0;
    if ((fiber | object) >= 0x80 || arg >= 0x80) [[unlikely]]
      return op_wide(f, object, code, arg);
    std::uint8_t* p = out_.open(5);
    p[0] = ev::Op::kCode;
    p[1] = static_cast<std::uint8_t>(fiber);
    p[2] = static_cast<std::uint8_t>(object);
    p[3] = static_cast<std::uint8_t>(code);
    p[4] = static_cast<std::uint8_t>(arg);
    out_.close(p + 5);
  }
  void op_wide(FiberId f, std::uint32_t object, OpCode code, std::uint64_t arg);
  // The kernel's other frequent events, each written as event(e) would write it, without building
  // an Event (no variant, no copy of the strings).
  void spawn(FiberId f, FiberId parent, bool daemon, std::string_view name);
  void block(FiberId f, BlockReason reason, std::string_view on, std::uint32_t object, FiberId holder);
  void two_fibers(std::uint8_t code, FiberId a, FiberId b);  // Wake (fiber, by), Join (fiber, target)
  void done(FiberId f, std::uint64_t value_hash);
  void choice(std::uint64_t decision_index, ChoiceKind kind, std::uint64_t bound, std::uint64_t value);
  void object(std::uint32_t object, std::string_view kind, std::string_view name);
  void time_advance(std::uint64_t now_ns);

 private:
  ByteBuffer& out_;
};

// ev::Site and ev::Op::site are not part of this encoding (Ledger keeps them beside the bytes):
// a Site encodes to nothing and an Op's site is dropped.
std::vector<std::uint8_t> encode(const Event& e);
std::vector<std::uint8_t> encode(std::span<const Event> events);

// Decodes a whole event stream; throws LedgerFormatError on truncated or unknown input.
// expected_events: a capacity to reserve (the count, when the caller knows it), not a limit.
std::vector<Event> decode(std::span<const std::uint8_t> bytes, std::size_t expected_events = 0);

// The compact encoding of ledger files (layout at the top of ledger_compact.cpp; the file around
// it in docs/ledger-format.md). Lossless for any event sequence, decode_compact(encode_compact(e))
// == e, while what the decoder can recompute (steps, decision indices, unchanged ready sets, the
// fiber chosen, the acting fiber, repeated strings) costs a flag bit rather than bytes.
std::vector<std::uint8_t> encode_compact(std::span<const Event> events);

// Bounds for decoding untrusted bytes: past them decoding stops with a LedgerFormatError rather
// than allocating. The defaults hold a run of the default budgets (10^6 steps) with room to spare.
struct CompactLimits {
  std::uint64_t max_events = std::uint64_t{1} << 23;          // 8 Mi events
  std::uint64_t max_ready = std::uint64_t{1} << 16;           // fibers in one ready set
  std::uint64_t max_ready_entries = std::uint64_t{1} << 26;   // ready-set entries over all events
};
std::vector<Event> decode_compact(std::span<const std::uint8_t> bytes, const CompactLimits& limits = {});

}  // namespace omega::sim
