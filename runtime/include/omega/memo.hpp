#pragma once
// omega::Memo<K, V>: a bounded memo over a Singleflight. get(key, fn) returns the kept result
// (a hit), or runs fn once for all concurrent callers of that key (a miss) and keeps the result,
// evicting the least recently used entry beyond `capacity`. Exceptions are shared but not kept.
// erase(key) and clear() drop kept results. A miss of the key in progress at that moment is not
// kept either (its callers still get its value), nor is any miss of the key that starts before
// all of those have returned, so a value computed before an erase never reappears after it.
//
// Stats add up at every scheduling point (each operation's effect happens between two):
//   hits + misses == get calls                        (every get is one or the other)
//   size() == inserts - evictions - erased            (erased: entries erase() and clear() dropped)
//   inserts <= misses, flights.calls == misses        (a miss keeps at most one result)
//   clears == clear calls

#include <omega/singleflight.hpp>

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <utility>

namespace omega {

struct MemoStats {
  std::uint64_t hits = 0, misses = 0, evictions = 0;
  std::uint64_t inserts = 0;  // results kept (at most one per miss; see the invariants above)
  std::uint64_t erased = 0;   // kept entries dropped by erase() or clear()
  std::uint64_t clears = 0;   // clear() calls
  SingleflightStats flights;  // calls, executions, shared among the misses
};

template <class K, class V>
class Memo : public detail::Primitive {
 public:
  explicit Memo(std::size_t capacity, std::string name = {})
      : Primitive("memo", name),
        capacity_(capacity == 0 ? 1 : capacity),
        flights_(name.empty() ? std::string{} : name + "/singleflight") {}

  template <class Fn>
  V get(const K& key, Fn&& fn) {
    if (!begin("omega::Memo::get", detail::op_id<"memo.get">()))
      throw UsageError("omega::Memo::get during teardown");
    if (auto it = index_.find(key); it != index_.end()) {
      ++stats_.hits;
      lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
      record(sim::OpCode::get, 1);
      return it->second->second;
    }
    ++stats_.misses;
    record(sim::OpCode::get, 0);
    Compound flight_steps(*this);  // the result is kept in the step of the flight's last operation
    Waiting waiting(*this, key);   // leaves pending_ however the flight ends
    V value = flights_.run(key, std::forward<Fn>(fn));
    // Kept unless erased or cleared meanwhile, or another caller of the same flight kept it.
    if (!waiting.entry.dropped && index_.find(key) == index_.end()) {
      lru_.emplace_front(key, value);
      index_[key] = lru_.begin();
      ++stats_.inserts;
      if (lru_.size() > capacity_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
        ++stats_.evictions;
      }
    }
    return value;
  }

  // Drops the kept result for `key`; a miss of `key` in progress will not be kept. Returns
  // whether a kept result was dropped. An operation (scheduling point, governance "memo.erase",
  // a `write` event whose arg is the number of entries dropped); only inside a simulation.
  bool erase(const K& key) {
    if (!begin("omega::Memo::erase", detail::op_id<"memo.erase">())) return false;
    if (auto p = pending_.find(key); p != pending_.end()) p->second.dropped = true;
    const auto it = index_.find(key);
    const bool found = it != index_.end();
    if (found) {
      lru_.erase(it->second);
      index_.erase(it);
      ++stats_.erased;
    }
    record(sim::OpCode::write, found ? 1 : 0);
    return found;
  }

  // Drops every kept result; no miss in progress will be kept. Counts in stats().clears, and the
  // entries dropped in stats().erased. An operation (governance "memo.clear", a `write` event
  // whose arg is the number of entries dropped); only inside a simulation.
  void clear() {
    if (!begin("omega::Memo::clear", detail::op_id<"memo.clear">())) return;
    for (auto& [key, entry] : pending_) entry.dropped = true;
    const std::uint64_t dropped = lru_.size();
    lru_.clear();
    index_.clear();
    stats_.erased += dropped;
    ++stats_.clears;
    record(sim::OpCode::write, dropped);
  }

  MemoStats stats() const {
    MemoStats s = stale() ? MemoStats{} : stats_;
    s.flights = flights_.stats();
    return s;
  }
  std::size_t size() const noexcept { return stale() ? 0 : lru_.size(); }

 private:
  // The misses of one key waiting on its flight.
  struct Pending {
    std::uint32_t callers = 0;  // misses of this key inside get(); the entry goes at 0
    bool dropped = false;       // erase(key) or clear() ran since the first of them: keep nothing
  };
  // One miss's membership in pending_, for the duration of its flight.
  struct Waiting {
    Memo& memo;
    const K& key;
    Pending& entry;  // std::map references stay valid until this entry is erased
    Waiting(Memo& m, const K& k) : memo(m), key(k), entry(m.pending_[k]) { ++entry.callers; }
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;
    ~Waiting() {
      if (--entry.callers == 0) memo.pending_.erase(key);
    }
  };

  void reset() override {
    lru_.clear();
    index_.clear();
    pending_.clear();
    stats_ = {};
  }

  std::size_t capacity_;
  std::list<std::pair<K, V>> lru_;  // most recently used first; size() <= capacity_
  std::map<K, typename std::list<std::pair<K, V>>::iterator> index_;  // exactly the keys of lru_
  std::map<K, Pending> pending_;  // keys with a miss inside get(); ordered like everything here
  MemoStats stats_;
  Singleflight<K, V> flights_;
};

}  // namespace omega
