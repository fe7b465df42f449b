// Lock-order cycles (potential deadlocks), lockdep-style: from every ledger of a scenario, the
// edges "held A while taking B", with the locks held around them; a cycle A -> B -> ... -> A is a
// deadlock some interleaving can reach, unless one gate lock is held around every edge of it.

#include "detectors.hpp"

#include <algorithm>
#include <functional>

namespace omega::critic::detail {

namespace ev = sim::ev;

void LockOrder::take(const std::vector<std::uint32_t>& mine, FiberId fiber, std::uint32_t object, std::size_t i,
                     const Ledger& l, const Names& n) {
  const std::string taken = n.object(object);
  for (std::uint32_t a : mine) {
    if (a == object) continue;
    const std::string first = n.object(a);
    std::set<std::string> gates;
    for (std::uint32_t g : mine)
      if (g != a) gates.insert(n.object(g));
    Edge& e = edges_[{first, taken}];
    if (e.evidence.empty()) {
      e.evidence = fmt::format("{}: event {}: {} takes {} holding {}", l.source, i, n.fiber(fiber), taken, first);
      e.source = l.source;
    }
    if (!e.gates) {
      e.gates = gates;
    } else {
      std::set<std::string> both;
      std::set_intersection(e.gates->begin(), e.gates->end(), gates.begin(), gates.end(),
                            std::inserter(both, both.begin()));
      e.gates = both;
    }
  }
}

void LockOrder::add(const Ledger& l, const Names& n) {
  std::map<std::uint32_t, std::vector<std::uint32_t>> held;  // fiber -> mutexes, in taking order
  for (std::size_t i = 0; i < l.events.size(); ++i) {
    // Waiting for a mutex counts as taking it: the order is there even if the run deadlocked.
    if (const auto* b = std::get_if<ev::Block>(&l.events[i]);
        b && b->reason == sim::BlockReason::mutex && b->object != ev::Block::kNoObject)
      take(held[b->fiber.value], b->fiber, b->object, i, l, n);
    const auto* op = std::get_if<ev::Op>(&l.events[i]);
    if (!op || n.kind(op->object) != "mutex") continue;
    auto& mine = held[op->fiber.value];
    if (op->op == sim::OpCode::unlock) {
      if (auto it = std::find(mine.begin(), mine.end(), op->object); it != mine.end()) mine.erase(it);
      continue;
    }
    if (op->op != sim::OpCode::lock) continue;
    take(mine, op->fiber, op->object, i, l, n);
    mine.push_back(op->object);
  }
}

void LockOrder::report(const std::string& scenario, std::vector<Finding>& out) const {
  std::map<std::string, std::vector<std::string>> next;
  for (const auto& [edge, unused] : edges_) next[edge.first].push_back(edge.second);
  std::set<std::vector<std::string>> reported;  // cycles, rotated to start at their least lock
  // Depth-first from each lock, cycles back to it through locks greater than it (each cycle once).
  for (const auto& [start, unused] : next) {
    std::vector<std::string> path{start};
    std::function<void()> walk = [&] {
      const auto it = next.find(path.back());
      if (it == next.end() || path.size() > 8) return;
      for (const auto& b : it->second) {
        if (b == start) {
          if (reported.insert(path).second) {
            // A gate: one lock held around every edge of the cycle.
            std::optional<std::set<std::string>> common;
            for (std::size_t k = 0; k < path.size(); ++k) {
              const Edge& e = edges_.at({path[k], path[(k + 1) % path.size()]});
              if (!common) {
                common = *e.gates;
              } else {
                std::set<std::string> both;
                std::set_intersection(common->begin(), common->end(), e.gates->begin(), e.gates->end(),
                                      std::inserter(both, both.begin()));
                common = both;
              }
            }
            if (common && !common->empty()) continue;
            Finding f;
            f.rule = "omega.lock-order";
            f.level = "warning";
            f.scenario = scenario;
            f.source = edges_.at({path[0], path[1 % path.size()]}).source;
            std::vector<std::string> cycle = path;
            cycle.push_back(start);
            f.message = fmt::format("lock-order cycle {}: some interleaving deadlocks, whether or not a run did",
                                    fmt::join(cycle, " -> "));
            for (std::size_t k = 0; k < path.size(); ++k)
              f.evidence.push_back(edges_.at({path[k], path[(k + 1) % path.size()]}).evidence);
            f.signature = fmt::format("lock-order|{}|{}", scenario, fmt::join(path, ","));
            std::vector<std::string> order = path;
            std::sort(order.begin(), order.end());
            f.repairs.push_back({"impose_lock_order", order,
                                 fmt::format("always take {}", fmt::join(order, " before ")), false});
            out.push_back(std::move(f));
          }
        } else if (b > start && std::find(path.begin(), path.end(), b) == path.end()) {
          path.push_back(b);
          walk();
          path.pop_back();
        }
      }
    };
    walk();
  }
}

}  // namespace omega::critic::detail
