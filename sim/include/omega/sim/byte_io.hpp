#pragma once
// The varint writer and the bounds-checked byte reader every ledger encoding shares: the in-memory
// one (ledger_codec.cpp), the compact one (ledger_compact.cpp) and the file header (corpus/).
// The reader throws LedgerFormatError naming the byte offset; it never reads past its span.

#include <omega/sim/ids.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace omega::sim::detail {

// A fiber in every encoding: id + 1, so "no fiber" (the root's parent) is 0.
inline std::uint64_t fiber_code(FiberId f) noexcept { return f.valid() ? std::uint64_t{f.value} + 1 : 0; }

// Writes v as LEB128 at p (at most 10 bytes); returns the end.
inline std::uint8_t* put_varint(std::uint8_t* p, std::uint64_t v) noexcept {
  if (v < 0x80) [[likely]] {
    *p = static_cast<std::uint8_t>(v);
    return p + 1;
  }
  if (v < (1u << 21)) {  // steps and decision indices of ordinary runs: 2 or 3 bytes, unrolled
    p[0] = static_cast<std::uint8_t>(v) | 0x80;
    if (v < (1u << 14)) {
      p[1] = static_cast<std::uint8_t>(v >> 7);
      return p + 2;
    }
    p[1] = static_cast<std::uint8_t>(v >> 7) | 0x80;
    p[2] = static_cast<std::uint8_t>(v >> 14);
    return p + 3;
  }
  while (v >= 0x80) {
    *p++ = static_cast<std::uint8_t>(v) | 0x80;
    v >>= 7;
  }
  *p++ = static_cast<std::uint8_t>(v);
  return p;
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  bool done() const { return pos_ == in_.size(); }
  std::size_t pos() const { return pos_; }

  std::uint8_t byte() {
    if (pos_ >= in_.size()) fail("truncated event");
    return in_[pos_++];
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint longer than 10 bytes");
  }
  std::string str() {
    const std::uint64_t n = varint();
    if (n > in_.size() - pos_) fail("string runs past the end");
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::uint32_t u32() {
    const std::uint64_t v = varint();
    if (v > 0xffffffffull) fail("value out of 32-bit range");
    return static_cast<std::uint32_t>(v);
  }
  FiberId fiber() {
    const std::uint64_t v = varint();
    if (v > 0xffffffffull) fail("fiber id out of range");
    return v == 0 ? FiberId{} : FiberId{static_cast<std::uint32_t>(v - 1)};
  }
  template <class Enum>
  Enum enumeration(std::uint8_t max) {
    const std::uint8_t b = byte();
    if (b > max) fail(fmt::format("enum value {} out of range", b));
    return static_cast<Enum>(b);
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw LedgerFormatError(fmt::format("corrupt ledger at byte {}: {}", pos_, why));
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};


}  // namespace omega::sim::detail
