// Binary layout of one event (all integers unsigned LEB128 varints unless stated):
//
//   code:u8  fields...
//
//   fiber      = varint(id + 1), so "no fiber" (the root's parent) encodes as 0
//   string     = varint(length) bytes
//   bool, enum = u8
//
//   1 Spawn           fiber parent daemon:u8 name:string
//   2 ScheduleChoose  step decision_index chosen choice count fiber*count current  (ready ascending)
//   3 Yield           fiber
//   4 Block           fiber reason:u8 on:string object+1 (0: none) holder
//   5 Wake            fiber by
//   6 Join            fiber target
//   7 Done            fiber value_hash
//   8 Error           fiber message:string
//   9 Choice          decision_index kind:u8 bound value
//  10 Deadlock        waits:string
//  11 Failure         fiber message:string
//  12 BudgetExhausted budget:string limit
//  13 Divergence      decision_index message:string
//  14 Object          object kind:string name:string
//  15 Op              fiber object op:u8 arg
//  16 TimeAdvance     now_ns
//  17 Timeout         fiber
//  18 Denied          fiber op:string cap:string
//  19 OracleCall      fiber oracle key_hash result:string latency_ns fault:u8 executed:u8
//  (23 Site has no encoding here, nor any event's site: Ledger keeps sites beside these bytes)
//
// In memory only (Ledger::bytes(), never a digest's or a file's bytes): the kernel writes its
// decisions relative to the previous one, and decode() turns them into full ScheduleChoose events.
//  25 ScheduleChoose  flags:u8 [step] [decision_index] [count fiber*count] [current] choice
//     each field only when its flag does not imply it, relative to the last ScheduleChoose before
//     it (either form; Choice events also advance the decision index):
//     0x01 step = last step + 1      0x02 decision_index = last decision index + 1
//     0x04 ready = last ready set    0x08 current = last chosen
//     0x10 alternative 0 is current (else the next ready fiber after it); chosen = alternative(choice)
//     0x20 (without 0x04) the ready set is written as varint(mask), bit i set for fiber i, not as
//          count and fibers (the kernel's form while every ready fiber's id is below 64)
//
// A stream is events back to back with no framing; corpus files add header and framing.

#include <omega/sim/hash.hpp>
#include <omega/sim/ledger.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <omega/sim/byte_io.hpp>

#include "alternatives.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <bit>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>
#include <type_traits>

namespace omega::sim {

using detail::put_varint;
using detail::Reader;

using detail::fiber_code;

ByteBuffer& ByteBuffer::operator=(const ByteBuffer& o) {
  if (this != &o) {
    size_ = 0;
    append(o.data_, o.size_);
  }
  return *this;
}

namespace {

// Plain thread_locals (no destructor), so a ledger destroyed after this thread's cleanup (a
// global RunResult at exit) still finds them valid; the cleanup object frees the spare and closes.
thread_local std::uint8_t* tls_spare_data = nullptr;
thread_local std::size_t tls_spare_capacity = 0;
thread_local bool tls_spare_closed = false;

struct SpareCleanup {
  ~SpareCleanup() {
    delete[] tls_spare_data;
    tls_spare_data = nullptr;
    tls_spare_capacity = 0;
    tls_spare_closed = true;
  }
};

void touch_spare_cleanup() {
  thread_local SpareCleanup cleanup;
  (void)cleanup;
}

constexpr std::size_t kSpareMax = std::size_t{8} << 20;  // never hoard more than 8 MiB a thread

}  // namespace

void ByteBuffer::release() noexcept {
  if (data_ == nullptr) return;
  if (!tls_spare_closed && capacity_ <= kSpareMax && capacity_ > tls_spare_capacity) {
    touch_spare_cleanup();
    delete[] tls_spare_data;
    tls_spare_data = data_;
    tls_spare_capacity = capacity_;
  } else {
    delete[] data_;
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
  }
  return *this;
}

void ByteBuffer::grow(std::size_t extra) {
  if (data_ == nullptr && tls_spare_data != nullptr && tls_spare_capacity >= extra) {
    data_ = std::exchange(tls_spare_data, nullptr);
    capacity_ = std::exchange(tls_spare_capacity, 0);
    return;
  }
  const std::size_t capacity = std::max({capacity_ * 2, size_ + extra, std::size_t{4096}});
  auto* bigger = new std::uint8_t[capacity];
  if (size_) std::memcpy(bigger, data_, size_);
  delete[] data_;
  data_ = bigger;
  capacity_ = capacity;
}

void ByteBuffer::append(const std::uint8_t* p, std::size_t n) {
  if (n == 0) return;
  std::memcpy(open(n), p, n);
  size_ += n;
}

bool operator==(const ByteBuffer& a, const ByteBuffer& b) noexcept {
  return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
}

void LedgerWriter::varint(std::uint64_t v) { out_.close(put_varint(out_.open(10), v)); }

void LedgerWriter::str(std::string_view s) {
  varint(s.size());
  out_.append(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// A decision in full (the canonical form; the kernel writes the relative one, Ledger::schedule_choose).
void LedgerWriter::schedule_choose(std::uint64_t step, std::uint64_t decision_index,
                                   FiberId chosen, std::uint64_t choice,
                                   std::span<const FiberId> ready, FiberId current) {
  constexpr std::size_t kInline = 16;  // ready sets up to this size take the single-append path
  std::uint8_t* p = out_.open(1 + 5 * 10 + kInline * 5 + 5);
  *p++ = ev::ScheduleChoose::kCode;
  p = put_varint(p, step);
  p = put_varint(p, decision_index);
  p = put_varint(p, fiber_code(chosen));
  p = put_varint(p, choice);
  p = put_varint(p, ready.size());
  if (ready.size() <= kInline) {  // the common case: one append for the whole event
    for (FiberId f : ready) p = put_varint(p, fiber_code(f));
    out_.close(put_varint(p, fiber_code(current)));
    return;
  }
  for (std::size_t i = 0; i < kInline; ++i) p = put_varint(p, fiber_code(ready[i]));
  out_.close(p);
  for (std::size_t i = kInline; i < ready.size(); ++i) fiber(ready[i]);
  fiber(current);
}

void LedgerWriter::yield_wide(FiberId f) {
  std::uint8_t* p = out_.open(11);
  *p++ = ev::Yield::kCode;
  out_.close(put_varint(p, fiber_code(f)));
}

void LedgerWriter::op_wide(FiberId f, std::uint32_t object, OpCode code, std::uint64_t arg) {
  std::uint8_t* p = out_.open(1 + 10 + 10 + 1 + 10);
  *p++ = ev::Op::kCode;
  p = put_varint(p, fiber_code(f));
  p = put_varint(p, object);
  *p++ = static_cast<std::uint8_t>(code);
  out_.close(put_varint(p, arg));
}

void LedgerWriter::spawn(FiberId f, FiberId parent, bool daemon, std::string_view name) {
  std::uint8_t* p = out_.open(1 + 5 + 5 + 1);
  *p++ = ev::Spawn::kCode;
  p = put_varint(p, fiber_code(f));
  p = put_varint(p, fiber_code(parent));
  *p++ = daemon ? 1 : 0;
  out_.close(p);
  str(name);
}

void LedgerWriter::object(std::uint32_t object, std::string_view kind, std::string_view name) {
  std::uint8_t* p = out_.open(1 + 5);
  *p++ = ev::Object::kCode;
  out_.close(put_varint(p, object));
  str(kind);
  str(name);
}

void LedgerWriter::time_advance(std::uint64_t now_ns) {
  std::uint8_t* p = out_.open(1 + 10);
  *p++ = ev::TimeAdvance::kCode;
  out_.close(put_varint(p, now_ns));
}

void LedgerWriter::block(FiberId f, BlockReason reason, std::string_view on, std::uint32_t object, FiberId holder) {
  std::uint8_t* p = out_.open(1 + 5 + 1);
  *p++ = ev::Block::kCode;
  p = put_varint(p, fiber_code(f));
  *p++ = static_cast<std::uint8_t>(reason);
  out_.close(p);
  str(on);
  p = out_.open(5 + 5);
  p = put_varint(p, (std::uint64_t{object} + 1) & 0xffffffffu);
  out_.close(put_varint(p, fiber_code(holder)));
}

void LedgerWriter::two_fibers(std::uint8_t code, FiberId a, FiberId b) {
  std::uint8_t* p = out_.open(1 + 5 + 5);
  *p++ = code;
  p = put_varint(p, fiber_code(a));
  out_.close(put_varint(p, fiber_code(b)));
}

void LedgerWriter::done(FiberId f, std::uint64_t value_hash) {
  std::uint8_t* p = out_.open(1 + 5 + 10);
  *p++ = ev::Done::kCode;
  p = put_varint(p, fiber_code(f));
  out_.close(put_varint(p, value_hash));
}

void LedgerWriter::choice(std::uint64_t decision_index, ChoiceKind kind, std::uint64_t bound, std::uint64_t value) {
  std::uint8_t* p = out_.open(1 + 10 + 1 + 10 + 10);
  *p++ = ev::Choice::kCode;
  p = put_varint(p, decision_index);
  *p++ = static_cast<std::uint8_t>(kind);
  p = put_varint(p, bound);
  out_.close(put_varint(p, value));
}

void LedgerWriter::event(const Event& e) {
  std::visit(
      [this](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ev::ScheduleChoose>) {
          schedule_choose(x.step, x.decision_index, x.chosen, x.choice, x.ready, x.current);
          return;
        } else if constexpr (std::is_same_v<T, ev::Op>) {
          op(x.fiber, x.object, x.op, x.arg);
          return;
        } else if constexpr (std::is_same_v<T, ev::Site>) {
          return;  // no in-memory encoding: Ledger keeps sites beside its bytes
        } else if constexpr (std::is_same_v<T, ev::Spawn>) {
          spawn(x.fiber, x.parent, x.daemon, x.name);
        } else if constexpr (std::is_same_v<T, ev::Yield>) {
          yield(x.fiber);
        } else if constexpr (std::is_same_v<T, ev::Block>) {
          block(x.fiber, x.reason, x.on, x.object, x.holder);
        } else if constexpr (std::is_same_v<T, ev::Wake>) {
          two_fibers(T::kCode, x.fiber, x.by);
        } else if constexpr (std::is_same_v<T, ev::Join>) {
          two_fibers(T::kCode, x.fiber, x.target);
        } else if constexpr (std::is_same_v<T, ev::Done>) {
          done(x.fiber, x.value_hash);
        } else if constexpr (std::is_same_v<T, ev::Choice>) {
          choice(x.decision_index, x.kind, x.bound, x.value);
        } else if constexpr (std::is_same_v<T, ev::Object>) {
          object(x.object, x.kind, x.name);
        } else if constexpr (std::is_same_v<T, ev::TimeAdvance>) {
          time_advance(x.now_ns);
        } else {
          byte(T::kCode);
          if constexpr (std::is_same_v<T, ev::Error> || std::is_same_v<T, ev::Failure>) {
            fiber(x.fiber);
            str(x.message);
          } else if constexpr (std::is_same_v<T, ev::Deadlock>) {
            str(x.waits);
          } else if constexpr (std::is_same_v<T, ev::BudgetExhausted>) {
            str(x.budget);
            varint(x.limit);
          } else if constexpr (std::is_same_v<T, ev::Divergence>) {
            varint(x.decision_index);
            str(x.message);
          } else if constexpr (std::is_same_v<T, ev::Timeout>) {
            fiber(x.fiber);
          } else if constexpr (std::is_same_v<T, ev::Denied>) {
            fiber(x.fiber);
            str(x.op);
            str(x.cap);
          } else if constexpr (std::is_same_v<T, ev::OracleCall>) {
            fiber(x.fiber);
            varint(x.oracle);
            varint(x.key_hash);
            str(x.result);
            varint(x.latency_ns);
            byte(x.fault);
            byte(x.executed ? 1 : 0);
          } else {
            static_assert(sizeof(T) == 0, "event without an encoding");
          }
        }
      },
      e);
}

std::vector<std::uint8_t> encode(const Event& e) {
  ByteBuffer out;
  LedgerWriter(out).event(e);
  return out.to_vector();
}

std::vector<std::uint8_t> encode(std::span<const Event> events) {
  ByteBuffer out;
  LedgerWriter w(out);
  for (const Event& e : events) w.event(e);
  return out.to_vector();
}

namespace {

// What a relative ScheduleChoose is relative to: the last decision decoded.
struct LastDecision {
  std::uint64_t step = 0, next_decision = 0;
  std::vector<FiberId> ready;
  FiberId chosen;
  bool known = false;

  void after(const Event& e) {
    if (const auto* c = std::get_if<ev::ScheduleChoose>(&e)) {
      step = c->step;
      next_decision = c->decision_index + 1;
      ready = c->ready;
      chosen = c->chosen;
      known = true;
    } else if (const auto* c = std::get_if<ev::Choice>(&e)) {
      next_decision = c->decision_index + 1;
    }
  }
};

std::vector<FiberId> read_ready(Reader& r) {
  const std::uint64_t n = r.varint();
  if (n > 1u << 24) r.fail("ready set too large");
  std::vector<FiberId> ready;
  ready.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) ready.push_back(r.fiber());
  return ready;
}

std::vector<FiberId> read_ready_mask(Reader& r) {
  std::vector<FiberId> ready;
  for (std::uint64_t mask = r.varint(); mask != 0; mask &= mask - 1)
    ready.push_back(FiberId{static_cast<std::uint32_t>(std::countr_zero(mask))});
  return ready;
}

ev::ScheduleChoose read_relative_schedule(Reader& r, const LastDecision& last) {
  const std::uint8_t flags = r.byte();
  if (flags > 0x3f || (flags & Ledger::kRelReadySame && flags & Ledger::kRelReadyMask))
    r.fail("relative decision flags out of range");
  const bool relative_to_last = flags & (Ledger::kRelReadySame | Ledger::kRelCurrentWasChosen);
  if (relative_to_last && !last.known) r.fail("relative decision with no decision before it");
  ev::ScheduleChoose e;
  e.step = flags & Ledger::kRelStepNext ? last.step + 1 : r.varint();
  e.decision_index = flags & Ledger::kRelDecisionNext ? last.next_decision : r.varint();
  e.ready = flags & Ledger::kRelReadySame ? last.ready
            : flags & Ledger::kRelReadyMask ? read_ready_mask(r)
                                            : read_ready(r);
  e.current = flags & Ledger::kRelCurrentWasChosen ? last.chosen : r.fiber();
  e.choice = r.varint();
  const auto chosen = detail::derived_chosen(e.ready, e.current, flags & Ledger::kRelDefaultIsCurrent, e.choice);
  if (!chosen) r.fail("relative decision whose choice is not one of its alternatives");
  e.chosen = *chosen;
  return e;
}

Event read_event(Reader& r, const LastDecision& last) {
  const std::uint8_t code = r.byte();
  switch (code) {
    case Ledger::kRelativeScheduleCode: return read_relative_schedule(r, last);
    case ev::Spawn::kCode: {
      ev::Spawn e;
      e.fiber = r.fiber();
      e.parent = r.fiber();
      e.daemon = r.byte() != 0;
      e.name = r.str();
      return e;
    }
    case ev::ScheduleChoose::kCode: {
      ev::ScheduleChoose e;
      e.step = r.varint();
      e.decision_index = r.varint();
      e.chosen = r.fiber();
      e.choice = r.varint();
      e.ready = read_ready(r);
      e.current = r.fiber();
      return e;
    }
    case ev::Yield::kCode: return ev::Yield{r.fiber()};
    case ev::Block::kCode: {
      ev::Block e;
      e.fiber = r.fiber();
      e.reason = r.enumeration<BlockReason>(static_cast<std::uint8_t>(BlockReason::other));
      e.on = r.str();
      e.object = static_cast<std::uint32_t>(r.u32() - 1);  // 0 (none) wraps to kNoObject
      e.holder = r.fiber();
      return e;
    }
    case ev::Wake::kCode: {
      ev::Wake e;
      e.fiber = r.fiber();
      e.by = r.fiber();
      return e;
    }
    case ev::Join::kCode: {
      ev::Join e;
      e.fiber = r.fiber();
      e.target = r.fiber();
      return e;
    }
    case ev::Done::kCode: {
      ev::Done e;
      e.fiber = r.fiber();
      e.value_hash = r.varint();
      return e;
    }
    case ev::Error::kCode: {
      ev::Error e;
      e.fiber = r.fiber();
      e.message = r.str();
      return e;
    }
    case ev::Choice::kCode: {
      ev::Choice e;
      e.decision_index = r.varint();
      e.kind = r.enumeration<ChoiceKind>(static_cast<std::uint8_t>(ChoiceKind::spurious));
      e.bound = r.varint();
      e.value = r.varint();
      return e;
    }
    case ev::Deadlock::kCode: return ev::Deadlock{r.str()};
    case ev::Failure::kCode: {
      ev::Failure e;
      e.fiber = r.fiber();
      e.message = r.str();
      return e;
    }
    case ev::BudgetExhausted::kCode: {
      ev::BudgetExhausted e;
      e.budget = r.str();
      e.limit = r.varint();
      return e;
    }
    case ev::Divergence::kCode: {
      ev::Divergence e;
      e.decision_index = r.varint();
      e.message = r.str();
      return e;
    }
    case ev::Object::kCode: {
      ev::Object e;
      e.object = r.u32();
      e.kind = r.str();
      e.name = r.str();
      return e;
    }
    case ev::Op::kCode: {
      ev::Op e;
      e.fiber = r.fiber();
      e.object = r.u32();
      e.op = r.enumeration<OpCode>(static_cast<std::uint8_t>(OpCode::timeout));
      e.arg = r.varint();
      return e;
    }
    case ev::TimeAdvance::kCode: return ev::TimeAdvance{r.varint()};
    case ev::Timeout::kCode: return ev::Timeout{r.fiber()};
    case ev::Denied::kCode: {
      ev::Denied e;
      e.fiber = r.fiber();
      e.op = r.str();
      e.cap = r.str();
      return e;
    }
    case ev::OracleCall::kCode: {
      ev::OracleCall e;
      e.fiber = r.fiber();
      e.oracle = r.u32();
      e.key_hash = r.varint();
      e.result = r.str();
      e.latency_ns = r.varint();
      e.fault = r.byte();
      if (e.fault > 3) r.fail("oracle fault out of range");
      e.executed = r.byte() != 0;
      return e;
    }
    default: r.fail(fmt::format("unknown event code {}", code));
  }
}

}  // namespace

std::vector<Event> decode(std::span<const std::uint8_t> bytes, std::size_t expected_events) {
  Reader r(bytes);
  std::vector<Event> out;
  out.reserve(expected_events);
  LastDecision last;
  while (!r.done()) {
    out.push_back(read_event(r, last));
    last.after(out.back());
  }
  return out;
}

}  // namespace omega::sim
