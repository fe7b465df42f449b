#pragma once
// What partial-order sampling (policy_pos.cpp) and DPOR (dfs.cpp) need to know about a pending
// operation: whether it only reads its object, and which fiber verb it is. Classified by the
// operation's registered name once per op id and policy instance.

#include <omega/sim/choice_source.hpp>
#include <omega/sim/governance.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace omega::sim::internal {

class OpKinds {
 public:
  // store: a write of a data cell (a Shared or atomic store or read-modify-write); write: any
  // other operation that changes its object (a lock, a send, a put).
  enum class Kind : signed char { unknown = -1, read, write, store, start, spawn, join, other_fiber_verb };

  bool ignore_compounds = false;  // a test's broken twin (DfsOptions::ignore_compounds)

  Kind kind(PendingOp p) {
    if (p.op == PendingOp::kStart) return Kind::start;
    if (p.op >= kinds_.size()) kinds_.resize(p.op + 1, Kind::unknown);
    Kind& k = kinds_[p.op];
    if (k == Kind::unknown) k = classify(op_name(p.op), p.has_object());
    return k;
  }

  // Two operations on one object race unless both only read it (loads and gets change nothing).
  bool race_on_object(PendingOp a, PendingOp b) { return a.has_object() && races(a, kind(a), b, kind(b)); }

  // Dependence for DPOR (operation a of fiber fa, b of fb), conservative where the model is loose:
  // a fiber's start and a spawn commute with everything; a join only with its target's steps (it
  // reads whether the target has ended, which only the target's last step changes); other fiber
  // verbs (yield, sleep: they wait for time) are dependent with everything; operations on objects
  // as race_on_object says.
  bool dependent(FiberId fa, PendingOp a, FiberId fb, PendingOp b) {
    return dependent(fa, a, kind(a), fb, b, kind(b));
  }
  // The same with both kinds known (DPOR's analysis classifies each operation of a run once).
  bool dependent(FiberId fa, PendingOp a, Kind ka, FiberId fb, PendingOp b, Kind kb) const {
    if (!ignore_compounds && (within_conflict(a, b) || within_conflict(b, a))) return true;
    if (ka == Kind::start || ka == Kind::spawn || kb == Kind::start || kb == Kind::spawn) return false;
    const auto ta = a.join_target(), tb = b.join_target();
    if (ta || tb) return (ta && *ta == fb) || (tb && *tb == fa);
    if (!a.has_object() || !b.has_object()) return true;
    return races(a, ka, b, kb);
  }

 private:
  // Same object, not both reads.
  static bool races(PendingOp a, Kind ka, PendingOp b, Kind kb) {
    return a.object == b.object && !(ka == Kind::read && kb == Kind::read);
  }

  // A step inside compound operations may touch their objects (as a write): a conflicts with b
  // if one of those is b's object or one of b's.
  static bool within_conflict(PendingOp a, PendingOp b) {
    if (a.within[0] == PendingOp::kNoObject) return false;  // the usual case: in no compound
    for (std::uint32_t w : a.within) {
      if (w == PendingOp::kNoObject) continue;
      if (w == PendingOp::kAnyObject) return true;
      if (w == b.object || w == b.within[0] || w == b.within[1]) return true;
    }
    return false;
  }

  static Kind classify(std::string_view name, bool has_object) {
    if (name == "fiber.spawn") return Kind::spawn;
    if (name == "fiber.join") return Kind::join;
    if (!has_object) return Kind::other_fiber_verb;
    // A memo's get reorders its LRU list and counts hits: not a read.
    const bool read = name != "memo.get" && (name.ends_with(".load") || name.ends_with(".get") ||
                                             name.ends_with(".try_get") || name.ends_with(".read"));
    if (read) return Kind::read;
    return name.ends_with(".store") || name.ends_with(".rmw") ? Kind::store : Kind::write;
  }

  std::vector<Kind> kinds_;  // by op id
};

}  // namespace omega::sim::internal
