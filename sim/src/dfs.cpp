// Bounded exhaustive search (dfs.hpp): a stateless depth-first search over the choice tree, and
// DPOR with sleep sets when it is unbounded.
//
// The search keeps the path of the current run, one node per scheduling point (forced ones
// included: DPOR needs every operation) and per data choice. A run replays the path's nodes and
// extends it with the first alternative at each new node; next() then moves the deepest node with
// something left to its next alternative and drops the nodes below it.

#include <omega/sim/dfs.hpp>
#include <omega/sim/errors.hpp>

#include "op_kinds.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

namespace omega::sim {

namespace {

using internal::OpKinds;

struct Sleeper {
  FiberId fiber;
  PendingOp op;  // what it does next: asleep fibers do not run, so it stays the same below
};

struct Node {
  bool data = false;
  // A scheduling point: the alternatives in the kernel's order (the default first), what each
  // does next, the one taken.
  std::vector<FiberId> alts;
  std::vector<PendingOp> pending;  // parallel to alts
  FiberId current;
  bool preemptible = false;  // the current fiber could go on: any other choice preempts it
  bool free = false;         // two or more alternatives: a decision of the choice vector
  std::size_t taken = 0;     // index into alts
  std::uint64_t preemptions_before = 0;
  std::vector<FiberId> backtrack;  // DPOR, BPOR: fibers to run from here
  std::vector<Sleeper> sleep;      // DPOR: not to run from here (explored, or equivalent to explored)
  std::vector<FiberId> done;       // BPOR: run from here already (no sleep sets under a bound)
  // A data choice.
  std::uint64_t domain = 1, value = 0;

  FiberId chosen() const { return alts[taken]; }
  PendingOp event() const { return pending[taken]; }
  bool costs_preemption(std::size_t alt) const { return preemptible && alts[alt] != current; }
  bool asleep(FiberId f) const {
    return std::any_of(sleep.begin(), sleep.end(), [&](const Sleeper& s) { return s.fiber == f; });
  }
  std::size_t index_of(FiberId f) const {
    return static_cast<std::size_t>(std::find(alts.begin(), alts.end(), f) - alts.begin());
  }
};

class Search {
 public:
  explicit Search(const DfsOptions& o)
      : o_(o), dpor_(!o.preemption_bound), bpor_(o.preemption_bound && o.partial_order_reduction) {
    kinds_.ignore_compounds = o.ignore_compounds;
  }

  void begin_run() {
    depth_ = 0;
    preemptions_ = 0;
    blocked_at_.reset();
    divergence_.clear();
  }
  bool blocked() const { return blocked_at_.has_value(); }
  const std::string& divergence() const { return divergence_; }
  std::uint64_t depth() const { return depth_; }

  std::optional<std::uint64_t> schedule(const ScheduleQuery& q) {
    if (blocked()) return std::nullopt;  // redundant: end the run here
    Node* n = at_schedule_point(q.ready, q.current, q.current_runnable && !q.is_yield, q.size(),
                                [&](std::size_t i) { return q.alternative(i); },
                                [&](FiberId f) { return q.pending_of(f); });
    if (n == nullptr) return std::nullopt;
    return q.index_of(n->chosen());
  }

  void forced(FiberId chosen, PendingOp op) {
    if (blocked()) return;
    const FiberId one[] = {chosen};
    (void)at_schedule_point(one, chosen, false, 1, [&](std::size_t) { return chosen; },
                            [&](FiberId) { return op; });
  }

  std::optional<std::uint64_t> data(const DataQuery& q) {
    if (blocked()) return 0;
    if (depth_ < path_.size()) {
      const Node& n = path_[depth_];
      if (!n.data) return diverged(fmt::format("a data choice where a scheduling point was at decision {}", depth_));
      ++depth_;
      return n.value;
    }
    Node n;
    n.data = true;
    n.domain = q.bound <= o_.data_domain_max ? q.bound : 1;
    ++(n.domain > 1 ? data_enumerated_ : data_fixed_);
    n.sleep = inherited_sleep();
    path_.push_back(std::move(n));
    ++depth_;
    return 0;
  }

  // DPOR over the run just done: races between dependent operations of different fibers, and
  // for each a fiber to try where the earlier one ran (Search::analyse).
  void analyse();

  template <class ForEachInitial>
  void add_initial(std::size_t node, ForEachInitial for_each_initial);

  // Moves to the next run's path; false when the tree (within the bound) is exhausted.
  bool next();

  std::uint64_t data_enumerated() const { return data_enumerated_; }
  std::uint64_t data_fixed() const { return data_fixed_; }

 private:
  template <class Alt, class Pending>
  Node* at_schedule_point(std::span<const FiberId> ready, FiberId current, bool preemptible, std::size_t size,
                          Alt alternative, Pending pending_of) {
    Node* n = nullptr;
    if (depth_ < path_.size()) {
      n = &path_[depth_];
      if (n->data || n->alts.size() != size || !std::is_permutation(n->alts.begin(), n->alts.end(), ready.begin())) {
        diverged(fmt::format("the ready fibers differ from the last run's at scheduling point {}", depth_));
        return nullptr;
      }
    } else {
      Node fresh;
      fresh.current = current;
      fresh.preemptible = preemptible;
      fresh.free = size > 1;
      fresh.preemptions_before = preemptions_;
      for (std::size_t i = 0; i < size; ++i) {
        fresh.alts.push_back(alternative(i));
        fresh.pending.push_back(pending_of(fresh.alts.back()));
      }
      if (dpor_) {
        fresh.sleep = inherited_sleep();
        std::erase_if(fresh.sleep, [&](const Sleeper& s) { return fresh.index_of(s.fiber) == size; });
        std::size_t i = 0;
        while (i < size && fresh.asleep(fresh.alts[i])) ++i;
        if (i == size) {  // every ready fiber is asleep: all that follows was explored already
          blocked_at_ = depth_;
          return nullptr;
        }
        fresh.taken = i;
        fresh.backtrack.push_back(fresh.alts[i]);
      } else if (bpor_) {
        fresh.backtrack.push_back(fresh.alts[0]);  // the default: the current fiber goes on if it can
      }
      path_.push_back(std::move(fresh));
      n = &path_.back();
    }
    if (n->costs_preemption(n->taken)) ++preemptions_;
    ++depth_;
    return n;
  }

  // The sleep set a new node starts with: its parent's, less the fibers whose next operation is
  // dependent with the one the parent ran (a data choice passes its own on).
  std::vector<Sleeper> inherited_sleep() {
    if (depth_ == 0) return {};
    const Node& parent = path_[depth_ - 1];
    if (parent.data) return parent.sleep;
    std::vector<Sleeper> out;
    for (const Sleeper& s : parent.sleep)
      if (!kinds_.dependent(s.fiber, s.op, parent.chosen(), parent.event())) out.push_back(s);
    return out;
  }

  std::nullopt_t diverged(std::string why) {
    if (divergence_.empty()) divergence_ = std::move(why);
    blocked_at_ = depth_;
    return std::nullopt;
  }

  // BPOR: where node's fiber block starts (the first of the consecutive scheduling points that ran
  // the same fiber as node), the last place a fiber could start without preempting that one.
  std::size_t block_start(std::size_t node) const;
  // BPOR (Flanagan-Godefroid's rule, sound without sleep sets): the racing fiber where it is
  // ready, else every ready fiber.
  void add_racing(std::size_t node, FiberId fiber);

  const DfsOptions& o_;
  const bool dpor_, bpor_;
  OpKinds kinds_;
  std::vector<Node> path_;
  std::vector<std::uint32_t> clock_, fiber_clock_;  // analyse(): vector clocks, kept for their storage
  std::size_t depth_ = 0;
  std::uint64_t preemptions_ = 0;
  std::optional<std::size_t> blocked_at_;
  std::string divergence_;
  std::uint64_t data_enumerated_ = 0, data_fixed_ = 0;
};

void Search::analyse() {
  const std::size_t end = std::min(path_.size(), blocked_at_.value_or(path_.size()));
  struct Op {
    FiberId fiber;
    PendingOp op;
    std::size_t node;
  };
  std::vector<Op> ops;
  std::uint32_t fibers = 1;
  for (std::size_t k = 0; k < end; ++k) {
    if (path_[k].data) continue;
    ops.push_back({path_[k].chosen(), path_[k].event(), k});
    for (FiberId f : path_[k].alts) fibers = std::max(fibers, f.value + 1);
  }
  // Vector clocks of happens-before: program order, dependence, and a spawn before the child.
  std::vector<OpKinds::Kind> kind(ops.size());
  for (std::size_t k = 0; k < ops.size(); ++k) kind[k] = kinds_.kind(ops[k].op);
  // Flat, reused between runs: clock_ row i is ops[i]'s clock, fiber_clock_ row f fiber f's.
  const std::size_t width = fibers;
  clock_.assign(ops.size() * width, 0);
  fiber_clock_.assign(width * width, 0);
  auto clock = [&](std::size_t op) { return clock_.data() + op * width; };
  auto fiber_clock = [&](std::uint32_t f) { return fiber_clock_.data() + f * width; };
  std::vector<bool> known(fibers, false);
  known[0] = true;  // the root
  auto before = [&](std::size_t a, std::size_t b) {  // ops[a] happens before ops[b]
    const std::uint32_t f = ops[a].fiber.value;
    return clock(a)[f] <= clock(b)[f];
  };
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    // A fiber first seen here was spawned by the previous operation: it starts after it.
    for (FiberId f : path_[ops[i].node].alts)
      if (!known[f.value]) {
        known[f.value] = true;
        if (i > 0) std::copy_n(clock(i - 1), width, fiber_clock(f.value));
      }
    const std::uint32_t p = ops[i].fiber.value;
    std::uint32_t* c = clock(i);
    std::copy_n(fiber_clock(p), width, c);
    candidates.clear();
    const PendingOp& b = ops[i].op;
    for (std::size_t j = 0; j < i; ++j) {
      const std::uint32_t q = ops[j].fiber.value;
      const PendingOp& a = ops[j].op;
      if (q == p) continue;
      const std::uint32_t* cj = clock(j);
      if (cj[q] <= fiber_clock(p)[q]) continue;  // already before p's previous operation: nothing to do

      // The usual independent pair, without the call: two objects, neither step in a compound.
      if (a.has_object() && b.has_object() && a.object != b.object && a.within[0] == PendingOp::kNoObject &&
          b.within[0] == PendingOp::kNoObject)
        continue;
      if (!kinds_.dependent(ops[j].fiber, a, kind[j], ops[i].fiber, b, kind[i])) continue;
      candidates.push_back(j);  // dependent, and not already before p's operation
      if (cj[q] > c[q])  // not yet known to c (else all of cj is)
        for (std::size_t x = 0; x < width; ++x) c[x] = std::max(c[x], cj[x]);
    }
    c[p] = static_cast<std::uint32_t>(i + 1);
    std::copy_n(c, width, fiber_clock(p));
    // Races: candidates with no other candidate after them in happens-before (Source-DPOR,
    // Abdulla et al. POPL'14). For each, where the earlier one ran, some fiber that can start the
    // reversed order (an initial of the operations after it that do not depend on it, then this
    // one) must be explored; the racing fiber alone is not enough when it is asleep there.
    for (std::size_t a = 0; a < candidates.size(); ++a) {
      const std::size_t j = candidates[a];
      bool immediate = true;
      for (std::size_t b = a + 1; b < candidates.size() && immediate; ++b) immediate = !before(j, candidates[b]);
      if (immediate && bpor_) {
        // A reversal that the bound forbids at j may be in bound from the start of j's fiber block
        // (Coons et al.: the bound makes independent steps dependent); try the fiber there too.
        add_racing(ops[j].node, ops[i].fiber);
        if (o_.conservative_points) add_racing(block_start(ops[j].node), ops[i].fiber);
      } else if (immediate && o_.racing_fiber_only) {
        add_initial(ops[j].node, [&](auto&& each) { each(ops[i].fiber); });
      } else if (immediate) add_initial(ops[j].node, [&](auto&& each) {
        // v: the operations after j that do not happen after it, then operation i.
        std::vector<std::size_t> v;
        for (std::size_t k = j + 1; k < i; ++k)
          if (!before(j, k)) v.push_back(k);
        v.push_back(i);
        for (std::size_t m = 0; m < v.size(); ++m) {
          bool initial = true;
          for (std::size_t l = 0; l < m && initial; ++l) initial = !before(v[l], v[m]);
          if (initial) each(ops[v[m]].fiber);
        }
      });
    }
  }
}

template <class ForEachInitial>
void Search::add_initial(std::size_t node, ForEachInitial for_each_initial) {
  Node& at = path_[node];
  std::vector<FiberId> initials;
  for_each_initial([&](FiberId f) {
    if (at.index_of(f) < at.alts.size() && std::find(initials.begin(), initials.end(), f) == initials.end())
      initials.push_back(f);
  });
  if (initials.empty()) initials = at.alts;  // none could run there: try them all
  for (FiberId f : initials)
    if (std::find(at.backtrack.begin(), at.backtrack.end(), f) != at.backtrack.end()) return;
  // The first in the kernel's order, so the search stays deterministic.
  at.backtrack.push_back(*std::min_element(initials.begin(), initials.end(), [&](FiberId a, FiberId b) {
    return at.index_of(a) < at.index_of(b);
  }));
}

std::size_t Search::block_start(std::size_t node) const {
  const FiberId fiber = path_[node].chosen();
  std::size_t start = node;
  for (std::size_t k = node; k-- > 0;) {
    if (path_[k].data) continue;
    if (path_[k].chosen() != fiber) break;
    start = k;
  }
  return start;
}

void Search::add_racing(std::size_t node, FiberId fiber) {
  Node& at = path_[node];
  auto add = [&](FiberId f) {
    if (std::find(at.backtrack.begin(), at.backtrack.end(), f) == at.backtrack.end()) at.backtrack.push_back(f);
  };
  if (at.index_of(fiber) < at.alts.size())
    add(fiber);
  else
    for (FiberId f : at.alts) add(f);
}

bool Search::next() {
  while (!path_.empty()) {
    Node& n = path_.back();
    if (n.data) {
      if (n.value + 1 < n.domain) {
        ++n.value;
        return true;
      }
    } else if (n.free && bpor_) {
      n.done.push_back(n.chosen());
      std::size_t best = n.alts.size();
      for (FiberId f : n.backtrack) {
        const std::size_t i = n.index_of(f);
        const bool in_bound = n.preemptions_before + n.costs_preemption(i) <= *o_.preemption_bound;
        if (i < best && in_bound && std::find(n.done.begin(), n.done.end(), f) == n.done.end()) best = i;
      }
      if (best < n.alts.size()) {
        n.taken = best;
        return true;
      }
    } else if (n.free && !dpor_) {
      for (std::size_t i = n.taken + 1; i < n.alts.size(); ++i) {
        if (n.preemptions_before + n.costs_preemption(i) <= *o_.preemption_bound) {
          n.taken = i;
          return true;
        }
      }
    } else if (n.free) {
      n.sleep.push_back({n.chosen(), n.event()});
      std::size_t best = n.alts.size();
      for (FiberId f : n.backtrack)
        if (!n.asleep(f)) best = std::min(best, n.index_of(f));
      if (best < n.alts.size()) {
        n.taken = best;
        return true;
      }
    }
    path_.pop_back();
  }
  return false;
}

class DfsSource final : public ChoiceSource {
 public:
  explicit DfsSource(Search& s) : s_(s) {}
  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override { return answer(s_.schedule(q)); }
  std::optional<std::uint64_t> choose_data(const DataQuery& q) override { return answer(s_.data(q)); }
  void forced(FiberId chosen, PendingOp op) override { s_.forced(chosen, op); }

 private:
  std::optional<std::uint64_t> answer(std::optional<std::uint64_t> c) {
    if (!c) divergence_ = s_.divergence().empty() ? "dfs: redundant run (every ready fiber asleep)" : s_.divergence();
    return c;
  }
  Search& s_;
};

}  // namespace

bool is_dfs(std::string_view text) { return text == "dfs" || text.starts_with("dfs:"); }

DfsOptions parse_dfs(std::string_view text) {
  DfsOptions o;
  if (text == "dfs") return o;
  const std::string_view prefix = "dfs:pb=";
  std::uint32_t bound = 0;
  const char* first = text.data() + prefix.size();
  const char* last = text.data() + text.size();
  if (!text.starts_with(prefix) || first == last || std::from_chars(first, last, bound).ptr != last || bound > 1000)
    throw UsageError(fmt::format("bad dfs policy '{}' (expected dfs, or dfs:pb=N with N in 0..1000)", text));
  o.preemption_bound = bound;
  return o;
}

std::string describe_dfs(const DfsOptions& o) {
  if (o.preemption_bound && !o.partial_order_reduction)
    return fmt::format("dfs:pb={} (depth-first over schedules with at most {} preemption{}, no partial-order "
                       "reduction)", *o.preemption_bound, *o.preemption_bound, *o.preemption_bound == 1 ? "" : "s");
  if (o.preemption_bound)
    return fmt::format("dfs:pb={} (BPOR: DPOR within at most {} preemption{}, Coons et al. OOPSLA'13)",
                       *o.preemption_bound, *o.preemption_bound, *o.preemption_bound == 1 ? "" : "s");
  return "dfs (unbounded, DPOR with sleep sets: one run per Mazurkiewicz trace)";
}

DfsReport explore_dfs(const DfsOptions& options, const std::function<void()>& body) {
  DfsReport out;
  Search search(options);
  RunOptions o = options.base;
  o.policy = policy::Custom{"dfs", [&search](std::uint64_t) { return std::make_unique<DfsSource>(search); }};
  for (;;) {
    if ((options.stop_requested && options.stop_requested()) || out.runs >= options.max_schedules) {
      out.stopped = true;
      break;
    }
    search.begin_run();
    RunResult r = run(o, body);
    ++out.runs;
    if (options.progress) options.progress(out.runs);
    out.max_depth = std::max<std::uint64_t>(out.max_depth, search.depth());
    if (!search.divergence().empty())
      throw UsageError(fmt::format("dfs: the scenario did not repeat itself under the same choices ({} in run {}): "
                                   "something outside the simulation (a static, the wall clock, a thread) "
                                   "steers it", search.divergence(), out.runs));
    if (search.blocked()) {
      ++out.redundant;
    } else {
      ++out.schedules;
      if (options.on_schedule) options.on_schedule(r);
      if (!r.passed()) {
        ++out.failures;
        if (!out.first_failure) {
          out.first_failure_choices = r.choices();
          out.first_failure = std::move(r);
        }
        if (options.stop_after && out.failures >= options.stop_after) break;
      }
    }
    if (!options.preemption_bound || options.partial_order_reduction) search.analyse();
    if (!search.next()) {
      out.complete = true;
      break;
    }
  }
  out.data_points_enumerated = search.data_enumerated();
  out.data_points_fixed = search.data_fixed();
  return out;
}

}  // namespace omega::sim
