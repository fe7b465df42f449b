#pragma once
// The ledger of one run: events kept encoded, so "byte-identical" is literal and appending is cheap.

#include <omega/sim/ledger_codec.hpp>

#include <cstdint>
#include <vector>

namespace omega::sim {

class Ledger {
 public:
  const ByteBuffer& bytes() const noexcept { return bytes_; }
  std::uint64_t event_count() const noexcept { return events_; }
  bool sealed() const noexcept { return sealed_; }
  std::vector<Event> events() const { return decode(bytes_, events_); }
  std::uint64_t hash() const noexcept;  // FNV-1a 64 of the bytes

  // After seal() appends are ignored: teardown must not add to a finished record.
  void seal() noexcept { sealed_ = true; }

  void append(const Event& e) {
    write([&](LedgerWriter& w) { w.event(e); });
  }
  // Hot-path append: `encode(LedgerWriter&)` writes exactly one event.
  template <class Encode>
  void write(Encode&& encode) {
    if (sealed_) return;
    LedgerWriter w(bytes_);
    encode(w);
    ++events_;
  }

 private:
  ByteBuffer bytes_;
  std::uint64_t events_ = 0;
  bool sealed_ = false;
};

}  // namespace omega::sim
