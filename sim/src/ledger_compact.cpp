// The compact event encoding of ledger files (docs/ledger-format.md has the whole file). Lossless
// for any event sequence; what the decoder can recompute costs a flag bit instead of bytes:
//
//   state, shared by encoder and decoder, updated after every event:
//     actor     the fiber that acted last (initially 0, the root): ScheduleChoose.chosen,
//               Spawn.parent, Wake.by, else the event's `fiber` field
//     step      the last ScheduleChoose.step (initially 0)
//     decision  the next decision index: last ScheduleChoose/Choice decision_index + 1
//     ready     the ready set predicted for the next ScheduleChoose: the last one's, with the
//               fibers of later Spawn, Wake and Timeout events added and of Block, Done and
//               Error events removed (kept only while it is strictly ascending)
//     strings   every string so far, interned: varint(0) string = new (appended to the table),
//               varint(i + 1) = table[i]
//     args      per object id (dense, as Object events introduce them), the last Op.arg
//     now       the last TimeAdvance.now_ns
//   fiber = varint(id + 1), 0 = none; delta = varint((x - base) mod 2^64), zz = zigzag varint
//
//   ScheduleChoose: tag = 0x80 | flags (no other field when every flag says "as expected")
//     0x01  step == state.step + 1; else delta(step, state.step + 1) follows
//     decision_index is state.decision; where it is not, the pseudo-event 22 varint(index) comes
//     first and sets state.decision
//     0x02  ready == state.ready (as predicted); else a mode byte: 0 = varint(count) fiber*count;
//           1 = the fibers toggled against state.ready (both strictly ascending): varint(count),
//           then the first id, then each next id minus the previous minus 1
//     0x04  current == state.actor; else fiber(current)
//     0x18  chosen: 0x00 = alternative(choice) with default `current`; 0x08 = with default the
//           next ready fiber after `current` (cyclic); 0x10 = fiber(chosen) follows
//     0x60  choice: 0x00 / 0x20 / 0x40 = choice 0 / 1 / 2; 0x60 = varint(choice) follows
//   Op: tag = 0x40 | op code | 0x10 when fiber == state.actor | 0x20 when object is the object of
//     the last Op with the same op code (initially 0), then the fiber and the object unless implied, then
//     zz(arg - args[object]). Its site is the site of the fiber's last Op with the same op code
//     (initially 0); where it is not, the pseudo-event 24 varint(site) comes first (format 2)
//   Spawn, Yield, Block, Join, OracleCall with a site (format 3): the pseudo-event 24 varint(site),
//     then the event as below
//   Site (format 2): tag 23 (| 0x20 when site == the last Site's + 1, else varint(site)), file, line
//   Block as State::predicted_block says (its reason and object as the fiber's last Block, the
//   holder as Op lock/unlock left it, the text last seen with those): tag 20 (| 0x20), no fields
//   Wake of State::predicted_wake (the longest blocked on the last Op's object): tag 21 (| 0x20),
//     then `by` unless implied
//   Other events: tag = code | 0x20 when the actor field (Spawn.parent, Wake.by, else fiber) is
//   state.actor (it is then not written), or for Choice/Divergence when decision_index ==
//   state.decision, or for Object when object == the next dense id; the fields as in memory
//   (ledger_codec.cpp) except: strings interned, Block.object as varint(object + 1) (0 = none),
//   TimeAdvance.now_ns as zz(now_ns - state.now).

#include <omega/sim/ledger_codec.hpp>

#include <omega/sim/byte_io.hpp>

#include "alternatives.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>
#include <string_view>
#include <type_traits>

namespace omega::sim {

namespace {

using detail::put_varint;
using detail::Reader;
using detail::derived_chosen;

constexpr std::uint8_t kScheduleTag = 0x80;
constexpr std::uint8_t kImplicit = 0x20;
constexpr std::uint8_t kStepAsExpected = 0x01, kReadySame = 0x02, kCurrentIsActor = 0x04;
constexpr std::uint8_t kChosenMask = 0x18, kChosenDefaultCurrent = 0x00, kChosenDefaultNext = 0x08,
                       kChosenExplicit = 0x10;
constexpr std::uint8_t kChoiceMask = 0x60, kChoiceShift = 5, kChoiceExplicit = 3;
// Codes of the predicted forms (no in-memory event has them): a Block or a Wake exactly as the
// state predicts (State::predicted_block / predicted_wake), written as the tag alone.
constexpr std::uint8_t kPredictedBlock = 20, kPredictedWake = 21;
// Not an event: sets state.decision (varint follows) for the next ScheduleChoose.
constexpr std::uint8_t kSetDecision = 22;
// Not an event: the site (varint follows) of the next event: an Op where the state predicts another,
// or a fiber verb (Spawn, Yield, Block, Join, OracleCall; format 3) with a site.
constexpr std::uint8_t kSetSite = 24;
// Op, the most frequent event after decisions, has a tag of its own: 0x40 | op code (4 bits).
constexpr std::uint8_t kOpTag = 0x40, kOpActor = 0x10, kOpSameObject = 0x20;
static_assert(static_cast<int>(OpCode::timeout) < 16, "an op code must fit in the Op tag's 4 bits");

std::uint64_t zigzag(std::uint64_t delta) noexcept {
  const auto s = static_cast<std::int64_t>(delta);
  return (static_cast<std::uint64_t>(s) << 1) ^ static_cast<std::uint64_t>(s >> 63);
}
std::uint64_t unzigzag(std::uint64_t z) noexcept { return (z >> 1) ^ (~(z & 1) + 1); }

bool strictly_ascending(const std::vector<FiberId>& v) noexcept {
  return std::adjacent_find(v.begin(), v.end(), [](FiberId a, FiberId b) { return a >= b; }) == v.end();
}

// The state both directions keep (see the top of this file).
struct State {
  FiberId actor{0};
  std::uint64_t step = 0, decision = 0, now = 0;
  std::vector<FiberId> ready;
  std::vector<std::uint64_t> args;  // by dense object id
  std::uint32_t op_object = 0;      // the last Op's object
  OpCode last_op = OpCode::read;
  std::uint32_t object_for_op[16] = {};  // the object of the last Op with each op code
  std::uint32_t last_site = 0;           // the last Site event's id
  std::map<std::uint64_t, std::uint32_t> site_for;  // (fiber << 4 | op code) -> its last Op's site
  // For the predicted Block and Wake forms: blocked fibers in blocking order with the object they
  // wait on, each fiber's last Block, each mutex's holder (Op lock / unlock), and the wait text last
  // seen per (reason, object, holder).
  std::vector<std::pair<FiberId, std::uint32_t>> blocked;
  std::map<std::uint32_t, std::pair<BlockReason, std::uint32_t>> last_block;  // by fiber
  std::map<std::uint32_t, FiberId> holders;                                   // by object
  std::map<std::tuple<BlockReason, std::uint32_t, std::uint32_t>, std::string> wait_texts;

  // The Block a fiber's earlier blocks predict: its last reason and object, the object's holder now,
  // the text last seen with those. nullopt when there is nothing to go on.
  std::optional<ev::Block> predicted_block(FiberId f) const {
    const auto last = last_block.find(f.value);
    if (last == last_block.end()) return std::nullopt;
    ev::Block b;
    b.fiber = f;
    b.reason = last->second.first;
    b.object = last->second.second;
    const auto h = holders.find(b.object);
    if (h != holders.end()) b.holder = h->second;
    const auto t = wait_texts.find({b.reason, b.object, b.holder.value});
    if (t == wait_texts.end()) return std::nullopt;
    b.on = t->second;
    return b;
  }
  // The fiber a Wake by the last operation's fiber predicts: the longest blocked on its object.
  FiberId predicted_wake() const {
    for (const auto& [f, object] : blocked)
      if (object == op_object) return f;
    return {};
  }
  void unblocked(FiberId f) {
    std::erase_if(blocked, [f](const auto& b) { return b.first == f; });
  }

  // The prediction of the next ready set (see the top of this file).
  void runnable(FiberId f, bool yes) {
    if (!f.valid() || !strictly_ascending(ready)) return;
    auto it = std::lower_bound(ready.begin(), ready.end(), f);
    const bool there = it != ready.end() && *it == f;
    if (yes && !there) ready.insert(it, f);
    if (!yes && there) ready.erase(it);
  }

  // After each event, encoder and decoder alike.
  void after(const Event& e) {
    std::visit(
        [this](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, ev::Spawn> || std::is_same_v<T, ev::Wake> || std::is_same_v<T, ev::Timeout>)
            runnable(x.fiber, true);
          else if constexpr (std::is_same_v<T, ev::Block> || std::is_same_v<T, ev::Done> || std::is_same_v<T, ev::Error>)
            runnable(x.fiber, false);
          if constexpr (std::is_same_v<T, ev::ScheduleChoose>) {
            actor = x.chosen;
            step = x.step;
            decision = x.decision_index + 1;
            ready = x.ready;
          } else if constexpr (std::is_same_v<T, ev::Choice>) {
            decision = x.decision_index + 1;
          } else if constexpr (std::is_same_v<T, ev::Spawn>) {
            actor = x.parent;
          } else if constexpr (std::is_same_v<T, ev::Wake>) {
            // An unlock that wakes a waiter hands the mutex to it before it runs.
            if (last_op == OpCode::unlock && x.by == actor && holders.find(op_object) == holders.end())
              holders[op_object] = x.fiber;
            actor = x.by;
            unblocked(x.fiber);
          } else if constexpr (std::is_same_v<T, ev::Block>) {
            actor = x.fiber;
            unblocked(x.fiber);
            blocked.emplace_back(x.fiber, x.object);
            last_block[x.fiber.value] = {x.reason, x.object};
            wait_texts[{x.reason, x.object, x.holder.value}] = x.on;
          } else if constexpr (std::is_same_v<T, ev::Timeout>) {
            actor = x.fiber;
            unblocked(x.fiber);
          } else if constexpr (std::is_same_v<T, ev::Object>) {
            if (x.object == args.size()) args.push_back(0);
          } else if constexpr (std::is_same_v<T, ev::Op>) {
            actor = x.fiber;
            op_object = x.object;
            last_op = x.op;
            object_for_op[static_cast<std::size_t>(x.op) & 15] = x.object;
            if (x.op == OpCode::lock) holders[x.object] = x.fiber;
            if (x.op == OpCode::unlock) holders.erase(x.object);
            if (x.object < args.size()) args[x.object] = x.arg;
            site_for[std::uint64_t{x.fiber.value} << 4 | static_cast<std::uint64_t>(x.op)] = x.site;
          } else if constexpr (std::is_same_v<T, ev::Site>) {
            last_site = x.site;
          } else if constexpr (std::is_same_v<T, ev::TimeAdvance>) {
            now = x.now_ns;
          } else if constexpr (requires { x.fiber; }) {
            actor = x.fiber;
          }
        },
        e);
  }
  std::uint32_t predicted_site(FiberId f, OpCode op) const {
    const auto it = site_for.find(std::uint64_t{f.value} << 4 | static_cast<std::uint64_t>(op));
    return it == site_for.end() ? 0 : it->second;
  }
  std::uint64_t arg_base(std::uint32_t object) const noexcept {
    return object < args.size() ? args[object] : 0;
  }
};

class CompactWriter {
 public:
  std::vector<std::uint8_t> out;

  void event(const Event& e) {
    const std::uint32_t site = event_site(e);
    if (site != 0 && !std::holds_alternative<ev::Op>(e)) {
      // A fiber verb's site has no prediction: the pseudo-event carries it, the event is written bare.
      byte(kSetSite);
      varint(site);
      Event bare = e;
      set_event_site(bare, 0);
      std::visit([this](const auto& x) { write(x); }, bare);
    } else {
      std::visit([this](const auto& x) { write(x); }, e);
    }
    state_.after(e);
  }

 private:
  void byte(std::uint8_t b) { out.push_back(b); }
  void varint(std::uint64_t v) {
    std::uint8_t buf[10];
    out.insert(out.end(), buf, put_varint(buf, v));
  }
  void fiber(FiberId f) { varint(f.valid() ? std::uint64_t{f.value} + 1 : 0); }
  void str(const std::string& s) {
    if (auto it = strings_.find(s); it != strings_.end()) {
      varint(it->second + 1);
      return;
    }
    varint(0);
    varint(s.size());
    out.insert(out.end(), s.begin(), s.end());
    const std::uint64_t index = strings_.size();
    strings_.emplace(s, index);
  }
  // A decision index other than the expected one: the pseudo-event that resets the counter.
  void set_decision(std::uint64_t index) {
    if (index == state_.decision) return;
    byte(kSetDecision);
    varint(index);
    state_.decision = index;
  }
  // Tag with the implicit bit when `actor_field` is the state's actor; returns whether to write it.
  bool tag(std::uint8_t code, FiberId actor_field) {
    const bool implicit = actor_field == state_.actor;
    byte(static_cast<std::uint8_t>(code | (implicit ? kImplicit : 0)));
    return !implicit;
  }

  void write(const ev::ScheduleChoose& x) {
    set_decision(x.decision_index);
    std::uint8_t flags = kScheduleTag;
    const bool step_expected = x.step == state_.step + 1;
    if (step_expected) flags |= kStepAsExpected;
    const bool ready_same = x.ready == state_.ready;
    if (ready_same) flags |= kReadySame;
    if (x.current == state_.actor) flags |= kCurrentIsActor;
    std::uint8_t chosen_rule = kChosenExplicit;
    if (derived_chosen(x.ready, x.current, true, x.choice) == x.chosen)
      chosen_rule = kChosenDefaultCurrent;
    else if (derived_chosen(x.ready, x.current, false, x.choice) == x.chosen)
      chosen_rule = kChosenDefaultNext;
    flags |= chosen_rule;
    const std::uint64_t choice_code = x.choice < kChoiceExplicit ? x.choice : kChoiceExplicit;
    flags |= static_cast<std::uint8_t>(choice_code << kChoiceShift);
    byte(flags);
    if (!step_expected) varint(x.step - (state_.step + 1));
    if (!ready_same) write_ready(x.ready);
    if (!(flags & kCurrentIsActor)) fiber(x.current);
    if (chosen_rule == kChosenExplicit) fiber(x.chosen);
    if (choice_code == kChoiceExplicit) varint(x.choice);
  }

  void write_ready(const std::vector<FiberId>& ready) {
    if (strictly_ascending(ready) && strictly_ascending(state_.ready)) {
      std::vector<FiberId> toggled;
      std::set_symmetric_difference(ready.begin(), ready.end(), state_.ready.begin(),
                                    state_.ready.end(), std::back_inserter(toggled));
      if (toggled.size() < ready.size()) {
        byte(1);
        varint(toggled.size());
        std::uint64_t next = 0;  // the smallest id the next toggle can have
        for (FiberId f : toggled) {
          varint(f.value - next);
          next = std::uint64_t{f.value} + 1;
        }
        return;
      }
    }
    byte(0);
    varint(ready.size());
    for (FiberId f : ready) fiber(f);
  }

  void write(const ev::Spawn& x) {
    const bool parent = tag(ev::Spawn::kCode, x.parent);
    fiber(x.fiber);
    if (parent) fiber(x.parent);
    byte(x.daemon ? 1 : 0);
    str(x.name);
  }
  void write(const ev::Yield& x) {
    if (tag(ev::Yield::kCode, x.fiber)) fiber(x.fiber);
  }
  void write(const ev::Block& x) {
    if (state_.predicted_block(x.fiber) == x) {
      if (tag(kPredictedBlock, x.fiber)) fiber(x.fiber);
      return;
    }
    if (tag(ev::Block::kCode, x.fiber)) fiber(x.fiber);
    byte(static_cast<std::uint8_t>(x.reason));
    str(x.on);
    varint((std::uint64_t{x.object} + 1) & 0xffffffffu);
    fiber(x.holder);
  }
  void write(const ev::Wake& x) {
    const bool predicted = x.fiber.valid() && x.fiber == state_.predicted_wake();
    const bool by = tag(predicted ? kPredictedWake : ev::Wake::kCode, x.by);
    if (!predicted) fiber(x.fiber);
    if (by) fiber(x.by);
  }
  void write(const ev::Join& x) {
    if (tag(ev::Join::kCode, x.fiber)) fiber(x.fiber);
    fiber(x.target);
  }
  void write(const ev::Done& x) {
    if (tag(ev::Done::kCode, x.fiber)) fiber(x.fiber);
    varint(x.value_hash);
  }
  void write(const ev::Error& x) {
    if (tag(ev::Error::kCode, x.fiber)) fiber(x.fiber);
    str(x.message);
  }
  void write(const ev::Failure& x) {
    if (tag(ev::Failure::kCode, x.fiber)) fiber(x.fiber);
    str(x.message);
  }
  void write(const ev::Choice& x) {
    const bool implicit = x.decision_index == state_.decision;
    byte(static_cast<std::uint8_t>(ev::Choice::kCode | (implicit ? kImplicit : 0)));
    if (!implicit) varint(x.decision_index);
    byte(static_cast<std::uint8_t>(x.kind));
    varint(x.bound);
    varint(x.value);
  }
  void write(const ev::Deadlock& x) {
    byte(ev::Deadlock::kCode);
    str(x.waits);
  }
  void write(const ev::BudgetExhausted& x) {
    byte(ev::BudgetExhausted::kCode);
    str(x.budget);
    varint(x.limit);
  }
  void write(const ev::Divergence& x) {
    const bool implicit = x.decision_index == state_.decision;
    byte(static_cast<std::uint8_t>(ev::Divergence::kCode | (implicit ? kImplicit : 0)));
    if (!implicit) varint(x.decision_index);
    str(x.message);
  }
  void write(const ev::Object& x) {
    const bool implicit = x.object == state_.args.size();
    byte(static_cast<std::uint8_t>(ev::Object::kCode | (implicit ? kImplicit : 0)));
    if (!implicit) varint(x.object);
    str(x.kind);
    str(x.name);
  }
  void write(const ev::Site& x) {
    const bool implicit = x.site == state_.last_site + 1;
    byte(static_cast<std::uint8_t>(ev::Site::kCode | (implicit ? kImplicit : 0)));
    if (!implicit) varint(x.site);
    str(x.file);
    varint(x.line);
  }
  void write(const ev::Op& x) {
    if (x.site != state_.predicted_site(x.fiber, x.op)) {
      byte(kSetSite);
      varint(x.site);
    }
    const bool actor = x.fiber == state_.actor,
               same_object = x.object == state_.object_for_op[static_cast<std::size_t>(x.op) & 15];
    byte(static_cast<std::uint8_t>(kOpTag | static_cast<std::uint8_t>(x.op) | (actor ? kOpActor : 0) |
                                   (same_object ? kOpSameObject : 0)));
    if (!actor) fiber(x.fiber);
    if (!same_object) varint(x.object);
    varint(zigzag(x.arg - state_.arg_base(x.object)));
  }
  void write(const ev::TimeAdvance& x) {
    byte(ev::TimeAdvance::kCode);
    varint(zigzag(x.now_ns - state_.now));
  }
  void write(const ev::Timeout& x) {
    if (tag(ev::Timeout::kCode, x.fiber)) fiber(x.fiber);
  }
  void write(const ev::Denied& x) {
    if (tag(ev::Denied::kCode, x.fiber)) fiber(x.fiber);
    str(x.op);
    str(x.cap);
  }
  void write(const ev::OracleCall& x) {
    if (tag(ev::OracleCall::kCode, x.fiber)) fiber(x.fiber);
    varint(x.oracle);
    varint(x.key_hash);
    str(x.result);
    varint(x.latency_ns);
    byte(x.fault);
    byte(x.executed ? 1 : 0);
  }

  State state_;
  std::map<std::string, std::uint64_t, std::less<>> strings_;
};

}  // namespace

std::vector<std::uint8_t> encode_compact(std::span<const Event> events) {
  CompactWriter w;
  for (const Event& e : events) w.event(e);
  return std::move(w.out);
}

namespace {

class CompactReader {
 public:
  CompactReader(std::span<const std::uint8_t> in, const CompactLimits& limits) : r_(in), limits_(limits) {}

  std::vector<Event> all() {
    std::vector<Event> events;
    while (!r_.done()) {
      if (events.size() >= limits_.max_events)
        r_.fail(fmt::format("more than {} events", limits_.max_events));
      events.push_back(event());
      state_.after(events.back());
    }
    return events;
  }

 private:
  FiberId actor_or_fiber(std::uint8_t tag) { return tag & kImplicit ? state_.actor : r_.fiber(); }
  std::string str() {
    const std::uint64_t ref = r_.varint();
    if (ref == 0) {
      strings_.push_back(r_.str());
      return strings_.back();
    }
    if (ref > strings_.size()) r_.fail(fmt::format("string reference {} past the {} strings so far", ref, strings_.size()));
    return strings_[ref - 1];
  }
  std::uint64_t decision_or_explicit(std::uint8_t tag) { return tag & kImplicit ? state_.decision : r_.varint(); }

  Event event() {
    std::uint8_t tag = r_.byte();
    if (tag == kSetDecision) {
      state_.decision = r_.varint();
      tag = r_.byte();
      if (!(tag & kScheduleTag)) r_.fail("a decision index not followed by a ScheduleChoose");
    }
    if (tag == kSetSite) {
      const std::uint32_t site = r_.u32();
      tag = r_.byte();
      if (tag & kScheduleTag) r_.fail("a site followed by a ScheduleChoose");
      if (tag & kOpTag) {
        ev::Op e = op(tag);
        e.site = site;
        return e;
      }
      Event e = other(tag);
      if (!is_sited(e) || event_site(e) != 0)
        r_.fail("a site followed by an event that has none");
      set_event_site(e, site);
      return e;
    }
    if (tag & kScheduleTag) return schedule(tag);
    if (tag & kOpTag) return op(tag);
    return other(tag);
  }

  // An event that is neither a ScheduleChoose nor an Op.
  Event other(std::uint8_t tag) {
    const std::uint8_t code = tag & 0x1f;
    switch (code) {
      case ev::Spawn::kCode: {
        ev::Spawn e;
        e.fiber = r_.fiber();
        e.parent = actor_or_fiber(tag);
        e.daemon = r_.byte() != 0;
        e.name = str();
        return e;
      }
      case ev::Yield::kCode: return ev::Yield{actor_or_fiber(tag)};
      case ev::Block::kCode: {
        ev::Block e;
        e.fiber = actor_or_fiber(tag);
        e.reason = r_.enumeration<BlockReason>(static_cast<std::uint8_t>(BlockReason::other));
        e.on = str();
        e.object = static_cast<std::uint32_t>(r_.u32() - 1);
        e.holder = r_.fiber();
        return e;
      }
      case kPredictedBlock: {
        const FiberId f = actor_or_fiber(tag);
        std::optional<ev::Block> b = state_.predicted_block(f);
        if (!b) r_.fail("a predicted Block with nothing to predict it from");
        return *b;
      }
      case kPredictedWake: {
        ev::Wake e;
        e.fiber = state_.predicted_wake();
        if (!e.fiber.valid()) r_.fail("a predicted Wake with no fiber waiting on the last object");
        e.by = actor_or_fiber(tag);
        return e;
      }
      case ev::Wake::kCode: {
        ev::Wake e;
        e.fiber = r_.fiber();
        e.by = actor_or_fiber(tag);
        return e;
      }
      case ev::Join::kCode: {
        ev::Join e;
        e.fiber = actor_or_fiber(tag);
        e.target = r_.fiber();
        return e;
      }
      case ev::Done::kCode: {
        ev::Done e;
        e.fiber = actor_or_fiber(tag);
        e.value_hash = r_.varint();
        return e;
      }
      case ev::Error::kCode: {
        ev::Error e;
        e.fiber = actor_or_fiber(tag);
        e.message = str();
        return e;
      }
      case ev::Failure::kCode: {
        ev::Failure e;
        e.fiber = actor_or_fiber(tag);
        e.message = str();
        return e;
      }
      case ev::Choice::kCode: {
        ev::Choice e;
        e.decision_index = decision_or_explicit(tag);
        e.kind = r_.enumeration<ChoiceKind>(static_cast<std::uint8_t>(ChoiceKind::spurious));
        e.bound = r_.varint();
        e.value = r_.varint();
        return e;
      }
      case ev::Deadlock::kCode: no_implicit(tag); return ev::Deadlock{str()};
      case ev::BudgetExhausted::kCode: {
        no_implicit(tag);
        ev::BudgetExhausted e;
        e.budget = str();
        e.limit = r_.varint();
        return e;
      }
      case ev::Divergence::kCode: {
        ev::Divergence e;
        e.decision_index = decision_or_explicit(tag);
        e.message = str();
        return e;
      }
      case ev::Object::kCode: {
        ev::Object e;
        e.object = tag & kImplicit ? static_cast<std::uint32_t>(state_.args.size()) : r_.u32();
        e.kind = str();
        e.name = str();
        return e;
      }
      case ev::Site::kCode: {
        ev::Site e;
        e.site = tag & kImplicit ? state_.last_site + 1 : r_.u32();
        e.file = str();
        e.line = r_.u32();
        return e;
      }
      case ev::TimeAdvance::kCode: no_implicit(tag); return ev::TimeAdvance{state_.now + unzigzag(r_.varint())};
      case ev::Timeout::kCode: return ev::Timeout{actor_or_fiber(tag)};
      case ev::Denied::kCode: {
        ev::Denied e;
        e.fiber = actor_or_fiber(tag);
        e.op = str();
        e.cap = str();
        return e;
      }
      case ev::OracleCall::kCode: {
        ev::OracleCall e;
        e.fiber = actor_or_fiber(tag);
        e.oracle = r_.u32();
        e.key_hash = r_.varint();
        e.result = str();
        e.latency_ns = r_.varint();
        e.fault = r_.byte();
        if (e.fault > 3) r_.fail("oracle fault out of range");
        e.executed = r_.byte() != 0;
        return e;
      }
      default: r_.fail(fmt::format("unknown event tag {:#04x}", tag));
    }
  }

  ev::Op op(std::uint8_t tag) {
    ev::Op e;
    if ((tag & 0x0f) > static_cast<std::uint8_t>(OpCode::timeout)) r_.fail(fmt::format("unknown op in tag {:#04x}", tag));
    e.op = static_cast<OpCode>(tag & 0x0f);
    e.fiber = tag & kOpActor ? state_.actor : r_.fiber();
    e.object = tag & kOpSameObject ? state_.object_for_op[tag & 0x0f] : r_.u32();
    e.arg = state_.arg_base(e.object) + unzigzag(r_.varint());
    e.site = state_.predicted_site(e.fiber, e.op);
    return e;
  }

  void no_implicit(std::uint8_t tag) {
    if (tag & kImplicit) r_.fail(fmt::format("unknown event tag {:#04x}", tag));
  }

  ev::ScheduleChoose schedule(std::uint8_t flags) {
    ev::ScheduleChoose e;
    e.step = state_.step + 1 + (flags & kStepAsExpected ? 0 : r_.varint());
    e.decision_index = state_.decision;
    if (flags & kReadySame)
      e.ready = state_.ready;
    else
      e.ready = read_ready();
    ready_entries_ += e.ready.size();
    if (ready_entries_ > limits_.max_ready_entries)
      r_.fail(fmt::format("more than {} ready-set entries in all", limits_.max_ready_entries));
    e.current = flags & kCurrentIsActor ? state_.actor : r_.fiber();
    const std::uint8_t rule = flags & kChosenMask;
    if (rule == kChosenExplicit) e.chosen = r_.fiber();
    if (rule > kChosenExplicit) r_.fail(fmt::format("unknown schedule flags {:#04x}", flags));
    const std::uint64_t choice_code = (flags & kChoiceMask) >> kChoiceShift;
    e.choice = choice_code == kChoiceExplicit ? r_.varint() : choice_code;
    if (rule != kChosenExplicit) {
      const auto chosen = derived_chosen(e.ready, e.current, rule == kChosenDefaultCurrent, e.choice);
      if (!chosen) r_.fail("a schedule choice outside its ready set");
      e.chosen = *chosen;
    }
    return e;
  }

  std::vector<FiberId> read_ready() {
    const std::uint8_t mode = r_.byte();
    if (mode > 1) r_.fail(fmt::format("unknown ready-set mode {}", mode));
    const std::uint64_t n = r_.varint();
    if (n > limits_.max_ready) r_.fail(fmt::format("a ready set of {} fibers (limit {})", n, limits_.max_ready));
    std::vector<FiberId> list;
    list.reserve(n);
    if (mode == 0) {
      for (std::uint64_t i = 0; i < n; ++i) list.push_back(r_.fiber());
      return list;
    }
    std::uint64_t next = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t id = next + r_.varint();
      if (id > FiberId::kNone) r_.fail("fiber id out of range in a ready-set delta");
      list.push_back(FiberId{static_cast<std::uint32_t>(id)});
      next = id + 1;
    }
    if (!strictly_ascending(state_.ready)) r_.fail("a ready-set delta against an unordered set");
    std::vector<FiberId> ready;
    std::set_symmetric_difference(state_.ready.begin(), state_.ready.end(), list.begin(), list.end(),
                                  std::back_inserter(ready));
    if (ready.size() > limits_.max_ready) r_.fail(fmt::format("a ready set of {} fibers (limit {})", ready.size(), limits_.max_ready));
    return ready;
  }

  Reader r_;
  CompactLimits limits_;
  State state_;
  std::vector<std::string> strings_;
  std::uint64_t ready_entries_ = 0;
};

}  // namespace

std::vector<Event> decode_compact(std::span<const std::uint8_t> bytes, const CompactLimits& limits) {
  return CompactReader(bytes, limits).all();
}

}  // namespace omega::sim
