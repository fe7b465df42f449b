// Lock-order cycles (potential deadlocks), lockdep-style: from every ledger of a scenario, the
// edges "held A while taking B", with the locks held around them; a cycle A -> B -> ... -> A is a
// deadlock some interleaving can reach, unless one gate lock is held around every edge of it.

#include "detectors.hpp"

#include <algorithm>
#include <functional>
#include <iterator>

namespace omega::critic {

namespace ev = sim::ev;

namespace {

std::set<std::string> intersection(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(both, both.begin()));
  return both;
}

}  // namespace

bool LockOrderGraph::add(const LockEdge& edge) {
  auto [it, fresh] = edges_.try_emplace({edge.held, edge.taken}, edge);
  if (fresh) return true;
  std::set<std::string> gates = intersection(it->second.gates, edge.gates);
  if (gates.size() == it->second.gates.size()) return false;
  it->second.gates = std::move(gates);
  return true;
}

std::vector<LockEdge> lock_edges(const Ledger& l) { return detail::lock_edges(l, detail::Names(l.events)); }

std::vector<LockEdge> detail::lock_edges(const Ledger& l, const Names& n) {
  std::vector<LockEdge> out;  // one per (held, taken), in order of first sighting
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  std::map<std::uint32_t, std::vector<std::uint32_t>> held;  // fiber -> mutexes, in taking order
  auto take = [&](const std::vector<std::uint32_t>& mine, FiberId fiber, std::uint32_t object, std::size_t i) {
    const std::string taken = n.object(object);
    for (std::uint32_t a : mine) {
      if (a == object) continue;
      std::set<std::string> gates;
      for (std::uint32_t g : mine)
        if (g != a) gates.insert(n.object(g));
      const std::string first = n.object(a);
      auto [it, fresh] = index.try_emplace({first, taken}, out.size());
      if (!fresh) {
        out[it->second].gates = intersection(out[it->second].gates, gates);
        continue;
      }
      out.push_back({first, taken,
                     fmt::format("{}: event {}: {} takes {} holding {}", l.source, i, n.fiber(fiber), taken, first),
                     l.source, std::move(gates)});
    }
  };
  for (std::size_t i = 0; i < l.events.size(); ++i) {
    // Waiting for a mutex counts as taking it: the order is there even if the run deadlocked.
    if (const auto* b = std::get_if<ev::Block>(&l.events[i]);
        b && b->reason == sim::BlockReason::mutex && b->object != ev::Block::kNoObject)
      take(held[b->fiber.value], b->fiber, b->object, i);
    const auto* op = std::get_if<ev::Op>(&l.events[i]);
    if (!op || !n.is_mutex(op->object)) continue;
    auto& mine = held[op->fiber.value];
    if (op->op == sim::OpCode::unlock) {
      if (auto it = std::find(mine.begin(), mine.end(), op->object); it != mine.end()) mine.erase(it);
      continue;
    }
    if (op->op != sim::OpCode::lock) continue;
    take(mine, op->fiber, op->object, i);
    mine.push_back(op->object);
  }
  return out;
}

std::vector<Finding> LockOrderGraph::cycles(const std::string& scenario) const {
  std::vector<Finding> out;
  std::map<std::string, std::vector<std::string>> next;
  for (const auto& [edge, unused] : edges_) next[edge.first].push_back(edge.second);
  std::set<std::vector<std::string>> reported;  // cycles, rotated to start at their least lock
  auto edge = [&](const std::vector<std::string>& path, std::size_t k) -> const LockEdge& {
    return edges_.at({path[k], path[(k + 1) % path.size()]});
  };
  // Depth-first from each lock, cycles back to it through locks greater than it (each cycle once).
  for (const auto& [start, unused] : next) {
    std::vector<std::string> path{start};
    std::function<void()> walk = [&] {
      const auto it = next.find(path.back());
      if (it == next.end() || path.size() > 8) return;
      for (const auto& b : it->second) {
        if (b == start) {
          if (!reported.insert(path).second) continue;
          // A gate: one lock held around every edge of the cycle.
          std::set<std::string> common = edge(path, 0).gates;
          for (std::size_t k = 1; k < path.size(); ++k) common = intersection(common, edge(path, k).gates);
          if (!common.empty()) continue;
          Finding f;
          f.rule = "omega.lock-order";
          f.level = "warning";
          f.scenario = scenario;
          f.source = edge(path, 0).source;
          std::vector<std::string> cycle = path;
          cycle.push_back(start);
          f.message = fmt::format("lock-order cycle {}: some interleaving deadlocks, whether or not a run did",
                                  fmt::join(cycle, " -> "));
          for (std::size_t k = 0; k < path.size(); ++k) f.evidence.push_back(edge(path, k).evidence);
          f.signature = fmt::format("lock-order|{}|{}", scenario, fmt::join(path, ","));
          std::vector<std::string> order = path;
          std::sort(order.begin(), order.end());
          f.repairs.push_back({"impose_lock_order", order, fmt::format("always take {}", fmt::join(order, " before ")), false, {}});
          out.push_back(std::move(f));
        } else if (b > start && std::find(path.begin(), path.end(), b) == path.end()) {
          path.push_back(b);
          walk();
          path.pop_back();
        }
      }
    };
    walk();
  }
  return out;
}

}  // namespace omega::critic
