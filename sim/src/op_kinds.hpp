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
  enum class Kind : signed char { unknown = -1, read, write, start, spawn, join, other_fiber_verb };

  Kind kind(PendingOp p) {
    if (p.op == PendingOp::kStart) return Kind::start;
    if (p.op >= kinds_.size()) kinds_.resize(p.op + 1, Kind::unknown);
    Kind& k = kinds_[p.op];
    if (k == Kind::unknown) k = classify(op_name(p.op), p.object != PendingOp::kNoObject);
    return k;
  }

  // Two operations on one object race unless both only read it (loads and gets change nothing).
  bool race_on_object(PendingOp a, PendingOp b) {
    return a.object != PendingOp::kNoObject && a.object == b.object &&
           !(kind(a) == Kind::read && kind(b) == Kind::read);
  }

  // Dependence for DPOR, conservative where the model is loose: a fiber's start and a spawn commute
  // with everything; other fiber verbs (join, yield, sleep: they block, wait for ends or time) are
  // dependent with everything; operations on objects as race_on_object says.
  bool dependent(PendingOp a, PendingOp b) {
    const Kind ka = kind(a), kb = kind(b);
    if (ka == Kind::start || ka == Kind::spawn || kb == Kind::start || kb == Kind::spawn) return false;
    if (a.object == PendingOp::kNoObject || b.object == PendingOp::kNoObject) return true;
    return race_on_object(a, b);
  }

 private:
  static Kind classify(std::string_view name, bool has_object) {
    if (name == "fiber.spawn") return Kind::spawn;
    if (name == "fiber.join") return Kind::join;
    if (!has_object) return Kind::other_fiber_verb;
    const bool read = name.ends_with(".load") || name.ends_with(".get") || name.ends_with(".try_get") ||
                      name.ends_with(".read");
    return read ? Kind::read : Kind::write;
  }

  std::vector<Kind> kinds_;  // by op id
};

}  // namespace omega::sim::internal
