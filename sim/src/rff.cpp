// Reads-from guided fuzzing (rff.hpp): the source that schedules one run towards a plan and
// records its reads-from pairs, and the epochs that grow the corpus.

#include <omega/sim/explore.hpp>
#include <omega/sim/kernel.hpp>
#include <omega/sim/rff.hpp>

#include "pos_core.hpp"

#include <algorithm>
#include <optional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace omega::sim {

namespace {

using internal::OpKinds;

// An event, abstracted as RFF abstracts by program location: the fiber's name, the operation
// (its governance id: "shared.store", "mutex.lock", ...) and how many times the fiber had done it
// before. Fibers running the same code share their events, so a hundred "stage" fibers give a
// stage's pairs once, not a hundred times (by fiber id, nearly every run showed new pairs).
using EventId = std::uint64_t;
constexpr EventId kInitial = ~EventId{0};  // the value a cell starts with
EventId event_id(std::uint64_t name_hash, OpId op, std::uint32_t k) {
  std::uint64_t h = name_hash ^ (std::uint64_t{op} << 32 | k);
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;  // splitmix64's finaliser
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h == kInitial ? 0 : h;
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
      : prng_(seed), core_(prng_), seen_(seen) {
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
    if (h == 0) {
      h = 1469598103934665603ull;  // FNV-1a of the name, computed once per fiber and run
      for (const char ch : kernel::info(f).name) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      h |= 1;
    }
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

struct Entry {
  Plan plan;
  std::vector<RfPair> pairs;  // what its run showed
};

// The fuzzer's state, read-only during an epoch.
struct State {
  std::vector<Entry> corpus;
  std::map<RfPair, std::uint64_t> coverage;  // pair -> runs that showed it

  // A corpus entry, more likely the rarer its pairs: weight = sum over its pairs of 2^16 / count.
  const Entry* pick(Prng& prng) const {
    if (corpus.empty()) return nullptr;
    std::vector<std::uint64_t> weights;
    std::uint64_t total = 0;
    for (const Entry& e : corpus) {
      std::uint64_t w = 1;
      for (const RfPair& p : e.pairs) w += (std::uint64_t{1} << 16) / coverage.at(p);
      weights.push_back(w);
      total += w;
    }
    std::uint64_t r = prng.below(total);
    for (std::size_t i = 0; i < corpus.size(); ++i) {
      if (r < weights[i]) return &corpus[i];
      r -= weights[i];
    }
    return &corpus.back();
  }

  // The next plan: none a quarter of the time (pure pos) or while the corpus is empty; else an
  // entry's plan with one mutation: drop a constraint (1 in 8); switch one of its reads to another
  // write of the same object (2 in 8: the change RFF's search is about); else require or forbid one
  // of its run's pairs (mostly forbid: a read made to see some other write).
  Plan plan_for(std::uint64_t seed) const {
    Prng prng(seed ^ 0x5bd1e995c0ffee11ull);
    const Entry* e = prng.below(4) == 0 ? nullptr : pick(prng);
    if (e == nullptr) return {};
    Plan plan = e->plan;
    const std::uint64_t move = prng.below(8);
    if (move == 0 && !plan.empty()) {
      plan.erase(plan.begin() + static_cast<std::ptrdiff_t>(prng.below(plan.size())));
      return plan;
    }
    if (e->pairs.empty()) return plan;
    std::optional<Constraint> c;
    if (move >= 6) c = switched_read(*e, prng);
    if (!c) c = Constraint{e->pairs[prng.below(e->pairs.size())], move == 1};
    std::erase_if(plan, [&](const Constraint& d) { return d.pair.reader == c->pair.reader; });
    plan.push_back(*c);
    return plan;
  }

  // One of e's reads made to see another write of its object: the initial value, a write of the
  // object in e's run, or a write the read saw in any run so far. None if e's run read nothing.
  std::optional<Constraint> switched_read(const Entry& e, Prng& prng) const {
    std::vector<const RfPair*> reads;
    for (const RfPair& p : e.pairs)
      if (p.read) reads.push_back(&p);
    if (reads.empty()) return std::nullopt;
    const RfPair& r = *reads[prng.below(reads.size())];
    std::vector<EventId> writers{kInitial};
    for (const RfPair& p : e.pairs)
      if (!p.read && p.object == r.object) writers.push_back(p.reader);
    for (const auto& [p, runs] : coverage)
      if (p.reader == r.reader) writers.push_back(p.writer);
    std::sort(writers.begin(), writers.end());
    writers.erase(std::unique(writers.begin(), writers.end()), writers.end());
    std::erase(writers, r.writer);
    if (writers.empty()) return std::nullopt;
    return Constraint{{writers[prng.below(writers.size())], r.reader, r.object, true}, true};
  }
};

}  // namespace

RffReport explore_rff(const RffOptions& options, const std::function<void()>& body) {
  RffReport out;
  State state;
  std::map<std::string, std::size_t> by_signature;
  const std::uint64_t epoch = std::max<std::uint64_t>(1, options.epoch);
  struct Result {
    Plan plan;
    std::vector<RfPair> pairs;
  };
  for (std::uint64_t start = options.first_seed;; start += epoch) {
    std::vector<Result> results;
    const std::uint64_t end = options.last_seed - start < epoch - 1 ? options.last_seed : start + epoch - 1;
    for (std::uint64_t seed = start;; ++seed) {
      if (options.stop_requested && options.stop_requested()) {
        out.interrupted = true;
        break;
      }
      Result res;
      res.plan = state.plan_for(seed);
      RunOptions o = options.base;
      o.seed = seed;
      o.policy = policy::Custom{"rff", [&](std::uint64_t s) { return std::make_unique<RffSource>(s, res.plan, res.pairs); }};
      RunResult r = run(o, body);
      ++out.runs;
      if (!r.passed()) {
        ++out.failures;
        std::string sig = failure_signature(r.outcome, r.message);
        auto it = by_signature.find(sig);
        if (it != by_signature.end()) {
          ++out.signatures[it->second].count;
        } else {
          by_signature.emplace(sig, out.signatures.size());
          std::vector<std::uint64_t> choices = r.choices();
          out.signatures.push_back({std::move(sig), 1, seed, std::move(r), std::move(choices)});
        }
      }
      results.push_back(std::move(res));
      if (options.progress) options.progress(out.runs, out.failures);
      if (options.stop_after && out.failures >= options.stop_after) {
        out.stopped_early = true;
        break;
      }
      if (seed == end) break;
    }
    // Fold the epoch in seed order: runs that showed a pair never seen before join the corpus.
    for (Result& res : results) {
      std::sort(res.pairs.begin(), res.pairs.end());
      res.pairs.erase(std::unique(res.pairs.begin(), res.pairs.end()), res.pairs.end());
      bool fresh = false;
      for (const RfPair& p : res.pairs) fresh = state.coverage[p]++ == 0 || fresh;
      if (fresh) state.corpus.push_back({std::move(res.plan), std::move(res.pairs)});
    }
    if (out.interrupted || out.stopped_early || end == options.last_seed) break;
  }
  out.pairs = state.coverage.size();
  out.corpus = state.corpus.size();
  return out;
}

}  // namespace omega::sim
