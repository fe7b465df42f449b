#pragma once
// The ledger of one run: events kept encoded, so "byte-identical" is literal and appending is cheap.
// Source sites (ev::Site, and the site of each SitedEvent) live beside the bytes, not in them: the digest (hash())
// covers what ran, not which line it was written on.

#include <omega/sim/hash.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace omega::sim {

class Ledger {
 public:
  Ledger() = default;
  Ledger(const Ledger&) = default;
  Ledger& operator=(const Ledger&) = default;
  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;
  // Gives the side tables' memory to the thread's next ledger (as ByteBuffer does its bytes).
  ~Ledger() {
    if (step_starts_.capacity() != 0 || event_sites_.capacity() != 0) give_back_tables();
  }

  const ByteBuffer& bytes() const noexcept { return bytes_; }
  std::uint64_t event_count() const noexcept { return events_; }
  bool sealed() const noexcept { return sealed_; }
  // The events, with each Site event just before the first event that names it.
  std::vector<Event> events() const;
  std::uint64_t hash() const noexcept;  // FNV-1a 64 of the bytes: the digest
  // A fast hash of the bytes for telling ledgers apart in this machine (fingerprint64), never
  // a digest: explore hashes every run's ledger with it.
  std::uint64_t fingerprint() const noexcept { return fingerprint64(bytes_); }
  // The sites of this run: sites()[id - 1] is site `id`.
  const std::vector<ev::Site>& sites() const noexcept { return sites_; }

  // The kernel's step counter (scheduling points so far), also kept beside the bytes: messages
  // say "at step N" and the interleaving and trace number their rows the same way.
  void begin_step() {
    if (!sealed_) push(step_starts_, events_, 64);
  }
  // The step each of `events` (this ledger's events()) happened in: 0 before the first point. A
  // ledger rebuilt by append() has no step record; its steps are those of its ScheduleChoose events.
  std::vector<std::uint64_t> event_steps(const std::vector<Event>& events) const;

  // After seal() appends are ignored: teardown must not add to a finished record.
  void seal() noexcept { sealed_ = true; }

  void append(const Event& e);
  // Hot-path append: `encode(LedgerWriter&)` writes exactly one event.
  // `site` (0: none) is the event's, for a SitedEvent.
  template <class Encode>
  void write(Encode&& encode, std::uint32_t site = 0) {
    if (sealed_) return;
    LedgerWriter w(bytes_);
    encode(w);
    if (site != 0) push(event_sites_, std::pair{events_, site}, 32);
    ++events_;
  }
  void op(FiberId fiber, std::uint32_t object, OpCode code, std::uint64_t arg, std::uint32_t site) {
    write([&](LedgerWriter& w) { w.op(fiber, object, code, arg); }, site);
  }
  // A new site: ids are given in order, from 1.
  std::uint32_t add_site(std::string file, std::uint32_t line) {
    const auto id = static_cast<std::uint32_t>(sites_.size() + 1);
    sites_.push_back(ev::Site{id, std::move(file), line});
    return id;
  }

 private:
  // The side tables start at `first` entries: one allocation for a short run, not one per doubling.
  // A table without memory first takes the thread's spare (an earlier ledger's).
  template <class T>
  [[gnu::always_inline]] static void push(std::vector<T>& v, const T& value, std::size_t first) {
    if (v.size() == v.capacity()) [[unlikely]]
      grow(v, first);
    v.push_back(value);
  }
  void give_back_tables() noexcept;
  static void grow(std::vector<std::uint64_t>& v, std::size_t first);
  static void grow(std::vector<std::pair<std::uint64_t, std::uint32_t>>& v, std::size_t first);

  ByteBuffer bytes_;
  std::uint64_t events_ = 0;
  bool sealed_ = false;
  std::vector<ev::Site> sites_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> event_sites_;  // (event ordinal, site), site != 0
  std::vector<std::uint64_t> step_starts_;  // [k]: the event ordinal (Sites not counted) step k + 1 began at
};

}  // namespace omega::sim
