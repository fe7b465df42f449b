#pragma once
// The source behind `rff` (rff.cpp): it schedules one run towards a plan (reads that must, or
// must not, see given writes) with the partial-order sampler for everything else, and records the
// run's reads-from pairs. Internal; in a header so that tests can drive it with a plan of their own.

#include <omega/sim/choice_source.hpp>
#include <omega/sim/kernel.hpp>
#include <omega/sim/prng.hpp>

#include "pos_core.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace omega::sim::internal {

// An event, abstracted as RFF abstracts by program location: the fiber's name, the operation
// (its governance id: "shared.store", "mutex.lock", ...) and how many times the fiber had done it
// before. Fibers running the same code share their events, so a hundred "stage" fibers give a
// stage's pairs once, not a hundred times (by fiber id, nearly every run showed new pairs).
using EventId = std::uint64_t;
constexpr EventId kInitial = ~EventId{0};  // the value a cell starts with
inline EventId event_id(std::uint64_t name_hash, OpId op, std::uint32_t k) {
  std::uint64_t h = name_hash ^ (std::uint64_t{op} << 32 | k);
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;  // splitmix64's finaliser
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h == kInitial ? 0 : h;
}

// FNV-1a of a fiber's name, never 0.
inline std::uint64_t fiber_name_hash(std::string_view name) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char ch : name) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h | 1;
}

// The k-th (from 0) operation `op` of the fibers named `fiber_name`.
inline EventId event_of(std::string_view fiber_name, OpId op, std::uint32_t k) {
  return event_id(fiber_name_hash(fiber_name), op, k);
}

struct RfPair {
  EventId writer = kInitial, reader = 0;
  // The object (this run's id: the same across schedules of a program that creates its objects in
  // one order) and whether the reader only read it: a read's writer can be switched to another
  // write of the object.
  std::uint32_t object = 0;
  bool read = false;
  friend auto operator<=>(const RfPair&, const RfPair&) = default;
};

struct Constraint {
  RfPair pair;
  bool positive = true;  // the read must see this write (false: must not)
};
using Plan = std::vector<Constraint>;

class RffSource final : public ChoiceSource {
 public:
  RffSource(std::uint64_t seed, const Plan& plan, std::vector<RfPair>& seen)
      : prng_(pos_prng(seed)), core_(prng_), seen_(seen) {
    for (const Constraint& c : plan) by_reader_.emplace(c.pair.reader, c);
  }

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    const FiberId f = core_.pick(q, [&](FiberId g) { return meets_plan(g, q.pending_of(g), q); });
    executed(f, q.pending_of(f));
    return q.index_of(f);
  }
  std::optional<std::uint64_t> choose_data(const DataQuery& q) override { return prng_.below(q.bound); }
  void forced(FiberId chosen, PendingOp op) override {
    core_.forced(chosen);
    executed(chosen, op);
  }

 private:
  // How many times fiber f has done op so far.
  std::uint32_t& done(FiberId f, OpId op) {
    if (f.value >= done_.size()) done_.resize(f.value + 1);
    for (auto& [o, n] : done_[f.value])
      if (o == op) return n;
    return done_[f.value].emplace_back(op, 0).second;
  }
  EventId& last_write(std::uint32_t object) {
    if (object >= last_write_.size()) last_write_.resize(object + 1, kInitial);
    return last_write_[object];
  }
  std::uint64_t name_hash(FiberId f) {
    if (f.value >= names_.size()) names_.resize(f.value + 1, 0);
    std::uint64_t& h = names_[f.value];
    if (h == 0) h = fiber_name_hash(kernel::info(f).name);  // once per fiber and run
    return h;
  }
  EventId next_event(FiberId g, PendingOp op) { return event_id(name_hash(g), op.op, done(g, op.op)); }

  // Whether running g's next operation now keeps to the plan: a read runs only while the write it
  // must see is the last one (reads-from is the last write, not any earlier one), and not while
  // the write it must not see is. A read whose wanted
  // write is the last one now is the only fiber allowed (before another write overwrites it).
  bool meets_plan(FiberId g, PendingOp op, const ScheduleQuery& q) {
    if (by_reader_.empty()) return true;
    if (urgent_for_ != q.step) {
      urgent_for_ = q.step;
      urgent_ = FiberId{};
      for (FiberId f : q.ready) {
        const PendingOp p = q.pending_of(f);
        if (!p.has_object()) continue;
        const auto [first, last] = by_reader_.equal_range(next_event(f, p));
        for (auto it = first; it != last && !urgent_.valid(); ++it)
          if (it->second.positive && last_write(p.object) == it->second.pair.writer) urgent_ = f;
      }
    }
    if (urgent_.valid()) return g == urgent_;
    if (!op.has_object()) return true;
    const auto [first, last] = by_reader_.equal_range(next_event(g, op));
    for (auto it = first; it != last; ++it) {
      const Constraint& c = it->second;
      if (c.positive && last_write(op.object) != c.pair.writer) return false;
      if (!c.positive && last_write(op.object) == c.pair.writer) return false;
    }
    return true;
  }

  void executed(FiberId f, PendingOp op) {
    if (!op.has_object()) return;
    const EventId e = next_event(f, op);
    ++done(f, op.op);
    EventId& w = last_write(op.object);
    const bool read = core_.kinds().kind(op) == OpKinds::Kind::read;
    seen_.push_back({w, e, op.object, read});
    if (!read) w = e;
  }

  Prng prng_;
  internal::PosCore core_;
  std::multimap<EventId, Constraint> by_reader_;
  std::vector<std::vector<std::pair<OpId, std::uint32_t>>> done_;  // by fiber: times each op was done
  std::vector<std::uint64_t> names_;    // by fiber: its name's hash (0: not looked up yet)
  std::uint64_t urgent_for_ = ~std::uint64_t{0};  // the step urgent_ was computed for
  FiberId urgent_;                      // a read whose wanted write is the last one now
  std::vector<EventId> last_write_;     // by object id (of this run)
  std::vector<RfPair>& seen_;
};

}  // namespace omega::sim::internal
