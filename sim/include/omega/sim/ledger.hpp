#pragma once
// The ledger of one run: events kept encoded, so "byte-identical" is literal and appending is cheap.
// Source sites (ev::Site, and the site of each SitedEvent) live beside the bytes, not in them: the digest (hash())
// covers what ran, not which line it was written on.

#include <omega/sim/byte_io.hpp>
#include <omega/sim/hash.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
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
    if (step_starts_.capacity() != 0 || event_sites_.capacity() != 0 || sites_.capacity() != 0) give_back_tables();
  }

  const ByteBuffer& bytes() const noexcept { return bytes_; }
  std::uint64_t event_count() const noexcept { return events_; }
  bool sealed() const noexcept { return sealed_; }
  // The events, with each Site event just before the first event that names it.
  std::vector<Event> events() const;
  // FNV-1a 64 of the canonical encoding (canonical()): the digest. Decodes when the ledger holds
  // relative decisions (every kernel run does), so it is for reports, never per run.
  std::uint64_t hash() const;
  // The events (without sites) in ledger_codec's canonical encoding, every decision in full: what
  // the digest covers and what encode(events) gives. bytes() is the same run more compactly.
  std::vector<std::uint8_t> canonical() const;
  // A fast hash of the bytes for telling ledgers apart in this machine (fingerprint64), never
  // a digest: explore hashes every run's ledger with it.
  std::uint64_t fingerprint() const noexcept { return fingerprint64(bytes_); }

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
  // A scheduling decision, the kernel's hot path: written relative to the previous decision
  // (ledger_codec.cpp, code 25), usually three bytes; decode() gives the full ScheduleChoose.
  // `ready_key` identifies the ready set cheaply: its bit mask when every ready fiber's id is
  // below 64 (`key_is_mask`), else a version that changes whenever the set may have (0: unknown),
  // so an unchanged set is one flag bit rather than a comparison. `default_is_current` says which
  // fiber was alternative 0 (`current`, or the next ready fiber after it): `chosen` is recomputed
  // from `choice`.
  void schedule_choose(std::uint64_t step, std::uint64_t decision_index, std::uint64_t choice,
                       std::span<const FiberId> ready, std::uint64_t ready_key, bool key_is_mask,
                       FiberId current, FiberId chosen, bool default_is_current) {
    if (sealed_) return;
    std::uint8_t flags = default_is_current ? kRelDefaultIsCurrent : 0;
    if (step == rel_.step + 1) flags |= kRelStepNext;
    if (decision_index == rel_.next_decision) flags |= kRelDecisionNext;
    if (ready_key == rel_.ready_key && key_is_mask == rel_.key_is_mask && ready_key != 0)
      flags |= kRelReadySame;
    else if (key_is_mask)
      flags |= kRelReadyMask;
    if (current == rel_.chosen) flags |= kRelCurrentWasChosen;
    constexpr std::uint8_t kAllImplied = kRelStepNext | kRelDecisionNext | kRelReadySame | kRelCurrentWasChosen;
    if ((flags & kAllImplied) == kAllImplied && choice < 0x80) [[likely]] {
      std::uint8_t* p = bytes_.open(3);
      p[0] = kRelativeScheduleCode;
      p[1] = flags;
      p[2] = static_cast<std::uint8_t>(choice);
      bytes_.close(p + 3);
    } else {
      schedule_choose_wide(flags, step, decision_index, choice, ready, ready_key, current);
    }
    rel_ = {step, decision_index + 1, ready_key, chosen, key_is_mask};
    has_relative_ = true;
    ++events_;
  }
  void choice(std::uint64_t decision_index, ChoiceKind kind, std::uint64_t bound, std::uint64_t value) {
    write([&](LedgerWriter& w) { w.choice(decision_index, kind, bound, value); });
    if (!sealed_) rel_.next_decision = decision_index + 1;
  }
  // The in-memory relative form of ScheduleChoose (not an event code of the canonical encoding).
  static constexpr std::uint8_t kRelativeScheduleCode = 25;
  static constexpr std::uint8_t kRelStepNext = 0x01, kRelDecisionNext = 0x02, kRelReadySame = 0x04,
                                kRelCurrentWasChosen = 0x08, kRelDefaultIsCurrent = 0x10, kRelReadyMask = 0x20;

  void op(FiberId fiber, std::uint32_t object, OpCode code, std::uint64_t arg, std::uint32_t site) {
    write([&](LedgerWriter& w) { w.op(fiber, object, code, arg); }, site);
  }
  // A site as kept beside the bytes (events() turns it into an ev::Site).
  struct SiteEntry {
    std::string_view file;  // a static string, or one interned for the process (append)
    std::uint32_t line;
  };
  // A new site: ids are given in order, from 1. `file` must outlive every ledger (the kernel's
  // come from std::source_location, static strings); nothing is copied on this path.
  std::uint32_t add_site(std::string_view file, std::uint32_t line) {
    push(sites_, SiteEntry{file, line}, 16);
    return static_cast<std::uint32_t>(sites_.size());
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
  ev::Site site_event(std::size_t index) const;  // sites_[index] as its Site event
  static std::string_view interned_file(const std::string& file);
  void schedule_choose_wide(std::uint8_t flags, std::uint64_t step, std::uint64_t decision_index,
                            std::uint64_t choice, std::span<const FiberId> ready, std::uint64_t ready_key,
                            FiberId current);
  static void grow(std::vector<std::uint64_t>& v, std::size_t first);
  static void grow(std::vector<std::pair<std::uint64_t, std::uint32_t>>& v, std::size_t first);
  static void grow(std::vector<SiteEntry>& v, std::size_t first);

  ByteBuffer bytes_;
  std::uint64_t events_ = 0;
  bool sealed_ = false;
  std::vector<SiteEntry> sites_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> event_sites_;  // (event ordinal, site), site != 0
  std::vector<std::uint64_t> step_starts_;  // [k]: the event ordinal (Sites not counted) step k + 1 began at
  // The last decision written, which the next relative ScheduleChoose is relative to. Before the
  // first, nothing matches: ready_key 0 is never "the same set" and no fiber is the invalid chosen.
  struct Relative {
    std::uint64_t step = 0, next_decision = 0, ready_key = 0;
    FiberId chosen;
    bool key_is_mask = false;
  } rel_;
  bool has_relative_ = false;  // bytes_ holds relative decisions: hash() must re-encode
};

}  // namespace omega::sim
