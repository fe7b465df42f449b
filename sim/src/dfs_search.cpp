// The search's analysis of a finished run (races, for DPOR and BPOR) and its move to the next run
// (dfs_search.hpp).

#include "dfs_search.hpp"

#include <algorithm>

namespace omega::sim::internal {

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

}  // namespace omega::sim::internal
