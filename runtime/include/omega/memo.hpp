#pragma once
// omega::Memo<K, V>: a bounded memo over a Singleflight. get(key, fn) returns the kept result
// (a hit), or runs fn once for all concurrent callers of that key (a miss) and keeps the result,
// evicting the least recently used entry beyond `capacity`. Exceptions are shared but not kept.

#include <omega/singleflight.hpp>

#include <cstddef>
#include <list>
#include <map>
#include <string>
#include <utility>

namespace omega {

struct MemoStats {
  std::uint64_t hits = 0, misses = 0, evictions = 0;
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
    V value = flights_.run(key, std::forward<Fn>(fn));
    if (index_.find(key) == index_.end()) {  // another caller of the same flight may have kept it
      lru_.emplace_front(key, value);
      index_[key] = lru_.begin();
      if (lru_.size() > capacity_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
        ++stats_.evictions;
      }
    }
    return value;
  }

  MemoStats stats() const {
    MemoStats s = stale() ? MemoStats{} : stats_;
    s.flights = flights_.stats();
    return s;
  }
  std::size_t size() const noexcept { return stale() ? 0 : lru_.size(); }

 private:
  void reset() override {
    lru_.clear();
    index_.clear();
    stats_ = {};
  }

  std::size_t capacity_;
  std::list<std::pair<K, V>> lru_;  // most recently used first
  std::map<K, typename std::list<std::pair<K, V>>::iterator> index_;
  MemoStats stats_;
  Singleflight<K, V> flights_;
};

}  // namespace omega
