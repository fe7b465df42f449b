// The detectors that read one ledger: deadlock explanation, duplicate oracle calls, data races.

#include "detectors.hpp"
#include "names.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace omega::critic::detail {

namespace ev = sim::ev;

void deadlock(const Ledger& l, const Names& n, std::vector<Finding>& out) {
  if (l.events.empty() || !std::holds_alternative<ev::Deadlock>(l.events.back())) return;
  // Who holds which mutex, and since which event; who is still blocked, on what.
  std::map<std::uint32_t, std::pair<FiberId, std::size_t>> holder;  // mutex -> (fiber, event)
  std::map<std::uint32_t, std::pair<const ev::Block*, std::size_t>> blocked;  // fiber -> its last Block
  for (std::size_t i = 0; i < l.events.size(); ++i) {
    const auto& e = l.events[i];
    if (const auto* op = std::get_if<ev::Op>(&e)) {
      if (op->op == sim::OpCode::lock) holder[op->object] = {op->fiber, i};
      if (op->op == sim::OpCode::unlock) holder.erase(op->object);
    } else if (const auto* b = std::get_if<ev::Block>(&e)) {
      blocked[b->fiber.value] = {b, i};
    } else if (const auto* w = std::get_if<ev::Wake>(&e)) {
      blocked.erase(w->fiber.value);
    } else if (const auto* t = std::get_if<ev::Timeout>(&e)) {
      blocked.erase(t->fiber.value);
    }
  }
  // Follow fiber -> resource -> holder from each blocked fiber until a fiber repeats: the cycle.
  for (const auto& [start, unused] : blocked) {
    std::vector<std::uint32_t> path{start};
    std::set<std::uint32_t> seen{start};
    while (true) {
      const auto it = blocked.find(path.back());
      if (it == blocked.end() || !it->second.first->holder.valid()) break;
      const std::uint32_t next = it->second.first->holder.value;
      if (seen.count(next)) {
        path.erase(path.begin(), std::find(path.begin(), path.end(), next));
        Finding f;
        f.rule = "omega.deadlock";
        f.level = "error";
        f.scenario = l.scenario;
        f.source = l.source;
        std::vector<std::string> locks, steps;
        for (std::size_t k = 0; k < path.size(); ++k) {
          const auto& [block, at] = blocked.at(path[k]);
          const FiberId waiter{path[k]};
          const std::string what = block->object != ev::Block::kNoObject ? n.object(block->object) : block->on;
          std::string since;
          if (const auto h = holder.find(block->object); h != holder.end())
            since = fmt::format(", held since event {}", h->second.second);
          steps.push_back(fmt::format("{} waits (event {}) for {} held by {}{}", n.fiber(waiter), at, what,
                                      n.fiber(block->holder), since));
          if (block->reason == sim::BlockReason::mutex) locks.push_back(what);
        }
        f.message = fmt::format("deadlock: {}", fmt::join(steps, "; "));
        for (auto& s : steps) f.evidence.push_back(fmt::format("{}: {}", l.source, s));
        std::vector<std::string> sorted = locks;
        std::sort(sorted.begin(), sorted.end());
        f.signature = fmt::format("deadlock|{}|{}", l.scenario, fmt::join(sorted, ","));
        if (locks.size() >= 2)
          f.repairs.push_back({"impose_lock_order", sorted,
                               fmt::format("always take {} (the fibers here take them in different orders)",
                                           fmt::join(sorted, " before ")),
                               false, {}});
        out.push_back(std::move(f));
        return;  // one cycle explains the deadlock
      }
      seen.insert(next);
      path.push_back(next);
    }
  }
}

void duplicate_oracle_calls(const Ledger& l, const Names& n, std::vector<Finding>& out) {
  struct Call {
    std::size_t event;
    FiberId fiber;
    std::uint64_t start, end;
    std::optional<ev::Op> read_before;  // the caller's last read of a cell before the call
    std::size_t read_event = 0;
  };
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<Call>> calls;
  std::map<std::uint32_t, std::pair<ev::Op, std::size_t>> last_read;  // fiber -> (read, its event); text only if reported
  std::uint64_t now = 0;
  for (std::size_t i = 0; i < l.events.size(); ++i) {
    const auto& e = l.events[i];
    if (const auto* t = std::get_if<ev::TimeAdvance>(&e)) now = t->now_ns;
    if (const auto* op = std::get_if<ev::Op>(&e); op && op->op == sim::OpCode::read && n.is_shared(op->object))
      last_read[op->fiber.value] = {*op, i};
    if (const auto* c = std::get_if<ev::OracleCall>(&e); c && c->executed) {
      const auto r = last_read.find(c->fiber.value);
      calls[{c->oracle, c->key_hash}].push_back(
          {i, c->fiber, now >= c->latency_ns ? now - c->latency_ns : 0, now,
           r == last_read.end() ? std::nullopt : std::optional<ev::Op>(r->second.first),
           r == last_read.end() ? 0 : r->second.second});
    }
  }
  for (const auto& [key, list] : calls) {
    if (list.size() < 2) continue;
    bool overlapping = false;
    for (std::size_t k = 1; k < list.size(); ++k) overlapping = overlapping || list[k].start < list[k - 1].end;
    const std::string oracle = n.object(key.first);
    Finding f;
    f.rule = "omega.duplicate-oracle";
    f.level = "warning";
    f.scenario = l.scenario;
    f.source = l.source;
    f.message = fmt::format("{} executed {} times for one key ({:016x}): {}", oracle, list.size(), key.second,
                            overlapping ? "the calls overlap (a check-then-act race on a cache)"
                                        : "one after another (nothing remembers the result)");
    for (const auto& c : list)
      f.evidence.push_back(fmt::format("{}: event {}: {} calls {} (virtual time {}..{} ns){}", l.source, c.event,
                                       n.fiber(c.fiber), oracle, c.start, c.end,
                                       c.read_before ? fmt::format("; before it, read {} = {} at event {}",
                                                                   n.object(c.read_before->object),
                                                                   c.read_before->arg, c.read_event)
                                                     : std::string()));
    f.signature = fmt::format("duplicate-oracle|{}|{}|{}", l.scenario, oracle, overlapping);
    f.repairs.push_back(overlapping ? Repair{"introduce_singleflight", {oracle},
                                             "route the calls through omega::Singleflight keyed by the request, so "
                                             "concurrent callers of one key share one execution",
                                             false, {}}
                                    : Repair{"add_memo", {oracle},
                                             "keep results in omega::Memo keyed by the request, so a later call of "
                                             "the same key is a hit",
                                             false, {}});
    out.push_back(std::move(f));
  }
}

void data_races(const Ledger& l, const Names& n, std::vector<Finding>& out) {
  using Clock = std::vector<std::uint32_t>;
  std::vector<Clock> fiber;  // by fiber id
  std::map<std::uint32_t, Clock> end_clock;
  std::vector<Clock> object_clock;  // by object id (dense per run; see Names::kMaxDense)
  Clock scratch;  // for a fiber id no run has (an untrusted file): absorbs, orders nothing
  auto vc = [&](FiberId f) -> Clock& {
    if (!f.valid() || f.value >= (1u << 16)) {
      scratch.clear();
      return scratch;
    }
    if (f.value >= fiber.size()) fiber.resize(f.value + 1);
    Clock& c = fiber[f.value];
    if (c.size() <= f.value) c.resize(f.value + 1, 0);
    return c;
  };
  auto join_into = [](Clock& into, const Clock& from) {
    if (into.size() < from.size()) into.resize(from.size(), 0);
    for (std::size_t i = 0; i < from.size(); ++i) into[i] = std::max(into[i], from[i]);
  };
  auto at = [](const Clock& c, std::uint32_t f) { return f < c.size() ? c[f] : 0u; };
  struct Access {
    FiberId fiber;
    std::uint32_t epoch = 0;
    std::size_t event = 0;
  };
  struct Cell {
    std::optional<Access> write;
    std::map<std::uint32_t, Access> reads;  // by fiber
    bool reported = false;
  };
  std::map<std::uint32_t, Cell> cells;
  auto report = [&](std::uint32_t object, const Access& earlier, const char* earlier_kind, FiberId f, std::size_t i,
                    const char* kind) {
    Cell& cell = cells[object];
    if (cell.reported) return;
    cell.reported = true;
    const std::string name = n.object(object);
    Finding x;
    x.rule = "omega.data-race";
    x.level = "warning";
    x.scenario = l.scenario;
    x.source = l.source;
    x.message = fmt::format("data race on {}: {} by {} and {} by {} are not ordered by any synchronisation", name,
                            earlier_kind, n.fiber(earlier.fiber), kind, n.fiber(f));
    x.evidence.push_back(fmt::format("{}: event {}: {} {} by {}", l.source, earlier.event, earlier_kind, name,
                                     n.fiber(earlier.fiber)));
    x.evidence.push_back(fmt::format("{}: event {}: {} {} by {}", l.source, i, kind, name, n.fiber(f)));
    x.signature = fmt::format("data-race|{}|{}", l.scenario, name);
    x.repairs.push_back({"wrap_with_serializer", {name},
                         fmt::format("make every access to {} go through one omega::Serializer (or a mutex), or an "
                                     "atomic read-modify-write where it is one update",
                                     name),
                         false, {}});
    out.push_back(std::move(x));
  };
  for (std::size_t i = 0; i < l.events.size(); ++i) {
    const auto& e = l.events[i];
    if (const auto* s = std::get_if<ev::Spawn>(&e)) {
      if (s->parent.valid()) {
        const Clock parent = vc(s->parent);  // a copy: vc() of another fiber may reallocate
        vc(s->fiber) = parent;
        Clock& p = vc(s->parent);
        if (s->parent.value < p.size()) ++p[s->parent.value];
      }
      Clock& child = vc(s->fiber);
      if (child.size() <= s->fiber.value && s->fiber.valid() && s->fiber.value < (1u << 16)) child.resize(s->fiber.value + 1, 0);
      if (s->fiber.value < child.size()) ++child[s->fiber.value];
    } else if (const auto* w = std::get_if<ev::Wake>(&e)) {
      if (w->by.valid()) join_into(vc(w->fiber), vc(w->by));
    } else if (const auto* d = std::get_if<ev::Done>(&e)) {
      end_clock[d->fiber.value] = vc(d->fiber);
    } else if (const auto* er = std::get_if<ev::Error>(&e)) {
      end_clock[er->fiber.value] = vc(er->fiber);
    } else if (const auto* j = std::get_if<ev::Join>(&e)) {
      if (const auto it = end_clock.find(j->target.value); it != end_clock.end()) join_into(vc(j->fiber), it->second);
    } else if (const auto* op = std::get_if<ev::Op>(&e)) {
      if (!op->fiber.valid() || op->fiber.value >= (1u << 16)) continue;
      Clock& c = vc(op->fiber);
      if (!n.is_shared(op->object)) {  // a synchronising object: acquire, then release
        if (op->object >= Names::kMaxDense) continue;
        if (object_clock.size() <= op->object) object_clock.resize(op->object + 1);
        Clock& o = object_clock[op->object];
        join_into(c, o);
        ++c[op->fiber.value];
        o.assign(c.begin(), c.end());  // reuses o's storage
        continue;
      }
      const bool write = op->op != sim::OpCode::read;
      Cell& cell = cells[op->object];
      const Access now{op->fiber, c[op->fiber.value], i};
      if (cell.write && cell.write->fiber != op->fiber && at(c, cell.write->fiber.value) < cell.write->epoch)
        report(op->object, *cell.write, "write", op->fiber, i, write ? "write" : "read");
      if (write)
        for (const auto& [g, r] : cell.reads)
          if (g != op->fiber.value && at(c, g) < r.epoch) report(op->object, r, "read", op->fiber, i, "write");
      if (write) {
        cell.write = now;
        cell.reads.clear();
      } else {
        cell.reads[op->fiber.value] = now;
      }
      ++c[op->fiber.value];
    }
  }
}

}  // namespace omega::critic::detail

namespace omega::critic::detail {

namespace {

// What a fiber did, as an operation name for the livelock report.
std::string operation(const sim::Event& e, const Names& n) {
  if (std::holds_alternative<ev::Yield>(e)) return "yield";
  if (const auto* op = std::get_if<ev::Op>(&e)) return fmt::format("{} {}", sim::to_string(op->op), n.object(op->object));
  if (const auto* b = std::get_if<ev::Block>(&e)) return fmt::format("wait on {}", b->on);
  return "";
}

// Progress: a fiber finished, an IVar put, a channel transfer, a lock taken after waiting, an
// oracle answered, time passed for a sleeper.
bool is_progress(const sim::Event& e, std::set<std::uint32_t>& waited) {
  if (std::holds_alternative<ev::Done>(e) || std::holds_alternative<ev::Error>(e) ||
      std::holds_alternative<ev::OracleCall>(e))
    return true;
  if (const auto* b = std::get_if<ev::Block>(&e)) waited.insert(b->fiber.value);
  if (const auto* op = std::get_if<ev::Op>(&e)) {
    if (op->op == sim::OpCode::put || op->op == sim::OpCode::send || op->op == sim::OpCode::recv) return true;
    if (op->op == sim::OpCode::lock && waited.erase(op->fiber.value)) return true;
  }
  return false;
}

}  // namespace

void livelock(const Ledger& l, const Names& n, std::vector<Finding>& out, std::size_t window) {
  if (l.events.empty() || !std::holds_alternative<ev::BudgetExhausted>(l.events.back())) return;
  const std::size_t from = l.events.size() > window ? l.events.size() - window : 0;
  std::set<std::uint32_t> waited;
  for (std::size_t i = from; i < l.events.size(); ++i)
    if (is_progress(l.events[i], waited)) return;
  // No progress in the window: what each fiber kept doing.
  std::map<std::pair<std::uint32_t, std::string>, std::size_t> repeats;
  for (std::size_t i = from; i < l.events.size(); ++i) {
    const auto& e = l.events[i];
    FiberId f;
    if (const auto* y = std::get_if<ev::Yield>(&e)) f = y->fiber;
    if (const auto* op = std::get_if<ev::Op>(&e)) f = op->fiber;
    if (const auto* b = std::get_if<ev::Block>(&e)) f = b->fiber;
    if (f.valid()) ++repeats[{f.value, operation(e, n)}];
  }
  std::vector<std::string> what;
  for (const auto& [key, count] : repeats)
    what.push_back(fmt::format("{} {} x{}", n.fiber(FiberId{key.first}), key.second, count));
  const auto& budget = std::get<ev::BudgetExhausted>(l.events.back());
  Finding f;
  f.rule = "omega.livelock";
  f.level = "error";
  f.scenario = l.scenario;
  f.source = l.source;
  f.message = fmt::format("no progress in the last {} events before the {} budget ran out: {}",
                          l.events.size() - from, budget.budget, fmt::join(what, ", "));
  f.evidence.push_back(fmt::format("{}: events {}..{}: no fiber finished, no value passed, no lock taken after "
                                   "waiting, no oracle answered",
                                   l.source, from, l.events.size() - 1));
  f.signature = fmt::format("livelock|{}|{}", l.scenario, fmt::join(what, ","));
  f.signature.erase(std::remove_if(f.signature.begin(), f.signature.end(), ::isdigit), f.signature.end());
  f.repairs.push_back({"block_instead_of_polling", {},
                       "replace the retry loop by a wait on the condition (an IVar, a channel, a CondVar), so a "
                       "fiber sleeps until another makes progress",
                       false, {}});
  out.push_back(std::move(f));
}

void starvation(const Ledger& l, const Names& n, std::vector<Finding>& out, std::size_t bound) {
  std::map<std::uint32_t, std::pair<std::size_t, std::size_t>> passed_over;  // fiber -> (streak, since event)
  std::set<std::uint32_t> reported;
  for (std::size_t i = 0; i < l.events.size(); ++i) {
    const auto* sc = std::get_if<ev::ScheduleChoose>(&l.events[i]);
    if (!sc) continue;
    for (FiberId f : sc->ready) {
      if (f == sc->chosen) {
        passed_over.erase(f.value);
        continue;
      }
      auto& [streak, since] = passed_over[f.value];
      if (streak++ == 0) since = i;
      if (streak == bound && reported.insert(f.value).second) {
        Finding x;
        x.rule = "omega.starvation";
        x.level = "warning";
        x.scenario = l.scenario;
        x.source = l.source;
        x.message = fmt::format("{} was ready but not chosen for {} decisions in a row", n.fiber(f), bound);
        x.evidence.push_back(fmt::format("{}: events {}..{}", l.source, since, i));
        x.signature = fmt::format("starvation|{}|{}", l.scenario, n.fiber(f));
        x.repairs.push_back({"yield_in_loop", {n.fiber(f)},
                             "a fiber that keeps running without blocking starves the others under a fair policy "
                             "only if it never yields: make its loop wait or yield",
                             false, {}});
        out.push_back(std::move(x));
      }
    }
    // A fiber no longer ready loses its streak.
    for (auto it = passed_over.begin(); it != passed_over.end();)
      it = std::find(sc->ready.begin(), sc->ready.end(), FiberId{it->first}) == sc->ready.end() ? passed_over.erase(it)
                                                                                                 : std::next(it);
  }
}

}  // namespace omega::critic::detail
