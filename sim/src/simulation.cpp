// The kernel: one simulated run on one OS thread. Fibers are Boost.Context fibers. Decisions are
// made on the deciding fiber's stack and a switch jumps straight to the chosen fiber (one jump per
// switch, the physical minimum). The thread's own stack ("main") only starts the root, receives
// control when the run ends, and then unwinds the fibers that are left.

#include "fiber_stack.hpp"

#include <omega/sim/beacon.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/hash.hpp>
#include <omega/sim/kernel.hpp>
#include <omega/sim/run.hpp>

#include <boost/context/fiber.hpp>
#include <fmt/format.h>

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <typeinfo>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define OMEGA_ASAN 1
#else
#define OMEGA_ASAN 0
#endif

namespace ctx = boost::context;

namespace omega::sim {

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::pass: return "pass";
    case Outcome::assertion: return "assertion";
    case Outcome::exception: return "exception";
    case Outcome::deadlock: return "deadlock";
    case Outcome::budget: return "budget";
    case Outcome::divergence: return "divergence";
    case Outcome::denied: return "denied";
    case Outcome::crash: return "crash";
    case Outcome::hang: return "hang";
  }
  return "?";
}

std::string_view to_string(FiberStatus s) noexcept {
  switch (s) {
    case FiberStatus::ready: return "ready";
    case FiberStatus::running: return "running";
    case FiberStatus::blocked: return "blocked";
    case FiberStatus::done: return "done";
    case FiberStatus::error: return "error";
  }
  return "?";
}

std::vector<std::uint64_t> RunResult::choices() const {
  std::vector<std::uint64_t> out;
  for (const Event& e : ledger.events()) {
    if (const auto* s = std::get_if<ev::ScheduleChoose>(&e))
      out.push_back(s->choice);
    else if (const auto* c = std::get_if<ev::Choice>(&e))
      out.push_back(c->value);
  }
  return out;
}

std::map<std::string, OracleStats> RunResult::oracle_stats() const {
  std::map<std::uint32_t, std::string> names;
  std::map<std::string, OracleStats> out;
  for (const Event& e : ledger.events()) {
    if (const auto* o = std::get_if<ev::Object>(&e)) {
      names[o->object] = o->name;
    } else if (const auto* c = std::get_if<ev::OracleCall>(&e)) {
      OracleStats& s = out[names[c->oracle]];
      ++s.calls;
      if (c->fault != 0)
        ++s.faults;
      else
        ++s.executions;
    }
  }
  return out;
}

namespace {

// libstdc++'s per-thread exception globals (caught-exception stack, uncaught count). Mirrors
// __cxa_eh_globals on the Itanium ABI without ARM EHABI.
struct EhGlobals {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

EhGlobals* eh_globals() noexcept {
  return reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
}

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                           std::free);
  return status == 0 && d ? std::string(d.get()) : std::string(name);
}

std::string describe_exception(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return fmt::format("{}: {}", demangle(typeid(x).name()), x.what());
  } catch (...) {
    const std::type_info* t = abi::__cxa_current_exception_type();
    return t ? fmt::format("exception of type {}", demangle(t->name()))
             : std::string("unknown exception");
  }
}

enum class PointKind : std::uint8_t { op, yield, block, exit };

// Thrown inside a fiber that teardown resumes, so the fiber's stack unwinds and its destructors
// run. Deliberately not a std::exception. We throw it ourselves after the switch instead of
// letting Boost throw forced_unwind from an ontop function: that way every switch is annotated
// for ASan and nothing depends on boost::context::detail.
struct FiberUnwind {};

// A pending wake-up. Sleepers order before timeouts at the same tick, so that an operation
// landing on the tick of a timeout wins; within a kind, ties go by fiber id.
struct Timer {
  std::uint64_t deadline_ns;
  bool is_timeout;
  std::uint32_t fiber;
  friend auto operator<=>(const Timer&, const Timer&) = default;
};

struct FiberRec {
  FiberId id, parent;
  std::string name;
  bool daemon = false;
  FiberStatus status = FiberStatus::ready;
  BlockReason reason = BlockReason::other;
  std::string waits_on;
  // While blocked, what on as ids (FiberInfo::wait is built from them on request).
  kernel::BlockOn blocked_on;
  FiberId join_target;  // valid while blocked in a join
  std::function<std::uint64_t()> body;

  ctx::fiber context;  // this fiber's continuation while suspended; empty while running or ended
  detail::StackRange stack;
  void* asan_fake_stack = nullptr;

  std::exception_ptr error;
  std::string error_text;
  std::uint64_t error_step = 0;  // the step at which it ended by `error`
  // When `error` is an exception a join rethrew in this fiber: the fiber it came from and the step
  // of that join (invalid otherwise). Follow error_from to the fiber that threw it first.
  FiberId error_from;
  std::uint64_t error_from_step = 0;
  // The last exception a join rethrew here, from whom and when (compared with `error` at the end).
  std::exception_ptr rethrown;
  FiberId rethrown_from;
  std::uint64_t rethrown_step = 0;
  bool joined = false;
  bool unwinding = false;        // teardown has resumed this fiber to unwind it
  // Teardown could not unwind this fiber (it was suspended where throwing calls std::terminate)
  // and left its stack without unwinding it; abandon_why says where it was.
  bool abandoned = false;
  const char* abandon_why = nullptr;
  bool swallow_reported = false;
  EhGlobals eh;

  std::uint32_t opaque_depth = 0;  // inside an oracle's fn: no simulation operations allowed
  bool timed_out = false;  // the last block ended by its deadline
  bool has_timer = false;
  Timer timer{};           // valid while has_timer

  std::shared_ptr<const std::set<std::string>> caps;  // null: every cap

  std::uint64_t steps = 0;
  std::uint64_t yields_in_row = 0;  // scheduling points since the last non-yield operation
  std::vector<FiberId> joiners, children;

  bool ended() const noexcept {
    return status == FiberStatus::done || status == FiberStatus::error;
  }
};

class Simulation;
thread_local Simulation* tls_current = nullptr;
Beacon* g_beacon = nullptr;  // set once in a worker process, before any run
[[noreturn]] void on_terminate();
void install_terminate_handler();
// Tells one run's objects from another's (ObjectRef::run, the oracle registry). Process-wide, not
// per thread: an object that outlives runs (a static primitive) may be used by runs on several
// threads, e.g. explore's workers and then the shrinker on the main thread; per-thread counters
// would repeat serials there, and the object would skip its reset and bring an earlier run's state
// (and object id) into the new run. Its value never reaches a ledger or a decision.
std::atomic<std::uint64_t> g_run_serial{0};


class Simulation {
 public:
  explicit Simulation(const RunOptions& options)
      : options_(options), source_(make_source(options.policy, options.seed)),
        run_serial_(g_run_serial.fetch_add(1, std::memory_order_relaxed) + 1) {
    for (std::size_t i = 0; i < std::size(kFamilies); ++i) family_limits_[i] = options_.budgets.*(kFamilies[i].limit);
    governance_open_ = !options_.governance.profile.allowed && !options_.governance.caps;
  }

  ~Simulation() {
    // Normally teardown already ran; this covers a kernel exception escaping execute().
    if (!torn_down_) teardown();
  }

  RunResult execute(std::function<void()> body) {
    detail::install_overflow_handler();
    struct Current {
      Simulation* self;
      explicit Current(Simulation* s) : self(s) { tls_current = s; }
      ~Current() { tls_current = nullptr; }
    } current_guard(this);

    root_ = spawn_fiber(
        [b = std::move(body)] {
          b();
          return std::uint64_t{0};
        },
        "root", false, std::nullopt);
    current_ = root_;
    next_ = root_;
    fibers_[root_.value]->status = FiberStatus::running;
    enter(*fibers_[root_.value]);  // returns when the run has ended
    teardown();

    if (!harness_errors_.empty()) {
      std::string all;
      for (const auto& h : harness_errors_) all += (all.empty() ? "" : "; ") + h;
      throw HarnessError(all);
    }
    // A fiber teardown had to abandon does not change the outcome; the message says what leaked.
    for (const auto& f : fibers_) {
      if (!f->abandoned) continue;
      message_ += fmt::format(
          "{}teardown: fiber {} was suspended ({}) {}, where unwinding it would call "
          "std::terminate: it was abandoned, its stack released without running the destructors "
          "of the objects on it (leaked)",
          message_.empty() ? "" : "; ", label(f->id),
          f->waits_on.empty() ? to_string(f->status) : std::string_view(f->waits_on),
          f->abandon_why);
    }
    RunResult r;
    r.outcome = outcome_;
    r.message = std::move(message_);
    r.ledger = std::move(ledger_);
    r.steps = step_;
    r.decisions = decisions_;
    r.preemptions = preemptions_;
    r.fibers = static_cast<std::uint32_t>(fibers_.size());
    return r;
  }

  // ---- verbs ----

  FiberId current() const noexcept { return current_; }
  std::uint64_t step() const noexcept { return step_; }
  std::uint64_t run_serial() const noexcept { return run_serial_; }
  bool tearing_down() const noexcept { return tearing_down_; }

  // During teardown every verb does nothing. A fiber that reaches a verb while being unwound but
  // with no exception in flight has swallowed the unwind: a harness error, and we unwind again.
  // The fast path is inline; teardown and the oracle-fn misuse go out of line.
  bool inert() {
    if (!tearing_down_ && cur().opaque_depth == 0) [[likely]]
      return false;
    return inert_slow();
  }

  [[gnu::noinline]] bool inert_slow() {
    if (!tearing_down_) {
      throw UsageError(fmt::format(
          "fiber {} performed a simulation operation inside an oracle's fn at step {}: fn is not "
          "run again on replay, so it must not spawn, yield, block, lock, send or call oracles",
          label(current_), step_));
    }
    FiberRec& f = cur();
    // Fine: a destructor during the unwind (an exception in flight) or a handler of it (e.g.
    // `catch (...) { cleanup(); throw; }`). Not fine: ordinary code with neither, i.e. after
    // a handler that did not rethrow.
    if (f.unwinding && std::uncaught_exceptions() == 0 && !handling_unwind()) {
      report_swallowed(f);
      throw FiberUnwind{};
    }
    return true;
  }

  static bool handling_unwind() {
    const std::exception_ptr e = std::current_exception();
    if (!e) return false;
    try {
      std::rethrow_exception(e);
    } catch (const FiberUnwind&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  FiberId spawn(std::function<std::uint64_t()> body, std::string name, bool daemon,
               std::optional<std::set<std::string>> caps) {
    if (inert()) return FiberId{};  // nothing starts during teardown
    static const OpId kSpawn = register_op("fiber.spawn");
    govern(kSpawn);
    const FiberId id = spawn_fiber(std::move(body), std::move(name), daemon, std::move(caps));
    point(PointKind::op);
    return id;
  }

  void yield() {
    if (inert()) return;
    static const OpId kYield = register_op("fiber.yield");
    govern_checked(kYield);
    FiberRec& f = cur();
    ledger_.write([&](LedgerWriter& w) { w.yield(f.id); });
    point(PointKind::yield);
  }

  void op_point() {
    if (inert()) return;
    point(PointKind::op);
  }

  void block(BlockReason reason, std::string on, kernel::BlockOn what) {
    block_with(reason, std::move(on), std::nullopt, false, what);
  }

  bool block_until(BlockReason reason, std::string on, std::uint64_t deadline_ns, kernel::BlockOn what) {
    return block_with(reason, std::move(on), deadline_ns, true, what);
  }

  void set_wait_holder(FiberId waiter, FiberId holder) {
    if (inert()) return;
    FiberRec& g = rec(waiter, "set_wait_holder");
    if (g.status == FiberStatus::blocked) g.blocked_on.holder = holder;
  }

  void sleep_until(std::uint64_t deadline_ns, std::string on) {
    if (inert()) return;
    if (deadline_ns <= now_ns_) {  // nothing to wait for: a plain scheduling point
      point(PointKind::op);
      return;
    }
    if (on.empty()) on = fmt::format("sleep until {}ns", deadline_ns);
    block_with(BlockReason::sleep, std::move(on), deadline_ns, false, {});
  }

  std::uint64_t now_ns() const noexcept { return now_ns_; }

  bool attach(ObjectRef& ref, std::string_view kind, std::string_view name) {
    if (ref.run == run_serial_) return false;
    ref.run = run_serial_;
    ref.id = next_object_++;
    Event e = ev::Object{ref.id, std::string(kind),
                         name.empty() ? fmt::format("{}#{}", kind, ref.id) : std::string(name)};
    if (!tearing_down_) ledger_.append(e);
    // Kept (moved, not copied) so that FiberInfo::wait can name the object a fiber waits on.
    auto& o = std::get<ev::Object>(e);
    objects_.push_back(ObjectName{std::move(o.kind), std::move(o.name)});
    return true;
  }

  void govern(OpId op, std::uint32_t object = PendingOp::kNoObject) {
    if (inert()) return;
    govern_checked(op, object);
  }

  // govern() once inert() said no; announces the fiber's pending operation.
  void govern_checked(OpId op, std::uint32_t object = PendingOp::kNoObject) {
    pending_[current_.value] = {op, object};
    if (op < op_rules_.size() && governance_open_) [[likely]] {  // no profile, no caps: family budgets only
      const OpRule& rule = op_rules_[op];
      if (rule.resolved) [[likely]] {
        if (rule.family >= 0 && ++family_counts_[static_cast<std::size_t>(rule.family)] >
                                    family_limits_[static_cast<std::size_t>(rule.family)]) [[unlikely]]
          family_exhausted(rule);
        return;
      }
    }
    govern_slow(op);
  }

  [[gnu::noinline]] void govern_slow(OpId op) {
    OpRule& rule = op_rule(op);
    if (governance_open_) {
      if (rule.family >= 0 && ++family_counts_[static_cast<std::size_t>(rule.family)] >
                                  family_limits_[static_cast<std::size_t>(rule.family)])
        family_exhausted(rule);
      return;
    }
    FiberRec& f = cur();
    if (!rule.allowed) {
      deny(rule, "", fmt::format("fiber {} attempted {}, which profile {} does not allow", label(f.id),
                                 rule.name, options_.governance.profile.name));
    }
    if (!rule.cap.empty() && f.caps && !f.caps->count(rule.cap)) {
      std::string held;
      for (const auto& c : *f.caps) held += (held.empty() ? "" : ", ") + c;
      deny(rule, rule.cap, fmt::format("fiber {} attempted {} without {} (it holds: {})", label(f.id),
                                       rule.name, rule.cap, held.empty() ? "no caps" : held));
    }
    if (rule.family >= 0 && ++family_counts_[static_cast<std::size_t>(rule.family)] >
                                family_limits_[static_cast<std::size_t>(rule.family)])
      family_exhausted(rule);
  }


  std::optional<ev::OracleCall> replayed_oracle_call(std::uint32_t oracle, std::uint64_t key_hash) {
    if (inert() || !source_->replays_oracles()) return std::nullopt;
    const ev::OracleCall* rec = source_->take_oracle_call(oracle, key_hash);
    if (rec == nullptr) {
      const std::string text = fmt::format(
          "divergence at step {}: fiber {} called oracle object {} with key {:016x}, which the "
          "recording has no (unused) call for",
          step_, label(current_), oracle, key_hash);
      end_run(Outcome::divergence, text, ev::Divergence{decisions_, text});
      leave_for_good();
    }
    return *rec;
  }

  void set_opaque(bool enter) {
    FiberRec& f = cur();
    f.opaque_depth = enter ? f.opaque_depth + 1 : (f.opaque_depth ? f.opaque_depth - 1 : 0);
  }

  void op(const ObjectRef& ref, OpCode code, std::uint64_t arg) {
    if (inert()) return;
    ledger_.append(ev::Op{current_, ref.id, code, arg});
  }

  void wake(FiberId id) {
    if (inert()) return;
    FiberRec& g = rec(id, "wake");
    if (g.status == FiberStatus::ready && g.timed_out) {
      // Its timeout fired at this tick but it has not run yet: the operation landing now wins,
      // and its wait reports success.
      g.timed_out = false;
      ledger_.append(ev::Wake{id, current_});
      return;
    }
    if (g.status != FiberStatus::blocked)
      throw UsageError(fmt::format("wake of fiber {} which is {}, not blocked (step {})",
                                   label(id), to_string(g.status), step_));
    cancel_timer(g);
    g.status = FiberStatus::ready;
    g.waits_on.clear();
    insert_runnable(id);
    ledger_.append(ev::Wake{id, current_});
  }

  void join(FiberId target) {
    if (inert()) return;
    FiberRec& t = rec(target, "join");
    if (target == current_)
      throw UsageError(fmt::format("fiber {} joins itself at step {}", label(target), step_));
    static const OpId kJoin = register_op("fiber.join");
    govern(kJoin);
    point(PointKind::op);
    ledger_.append(ev::Join{current_, target});
    t.joined = true;
    if (!t.ended()) {
      t.joiners.push_back(current_);
      block_with(BlockReason::join, fmt::format("join {}", label(target)), std::nullopt, false, {},
                 target);
    }
    if (t.error) {
      // Remembered so that, if this exception ends the joiner too, the run's message names the
      // fiber that threw it and this join rather than blaming the joiner alone.
      FiberRec& self = cur();
      self.rethrown = t.error;
      self.rethrown_from = target;
      self.rethrown_step = step_;
      std::rethrow_exception(t.error);
    }
  }

  std::uint64_t choose(ChoiceKind kind, std::uint64_t bound) {
    if (inert()) return 0;
    if (bound <= 1) return 0;
    DataQuery q{kind, bound, decisions_, step_, current_};
    const std::optional<std::uint64_t> c = source_->choose_data(q);
    if (!c) {
      end_run(Outcome::divergence, source_->divergence(),
              ev::Divergence{decisions_, source_->divergence()});
      leave_for_good();
    }
    const std::uint64_t value = *c % bound;
    ledger_.append(ev::Choice{decisions_, kind, bound, value});
    ++decisions_;
    return value;
  }

  [[noreturn]] void fail(std::string message) {
    if (inert()) throw UsageError("omega::check failed during teardown: " + message);
    const std::string text =
        fmt::format("check failed in fiber {} at step {}: {}", label(current_), step_, message);
    end_run(Outcome::assertion, text, ev::Failure{current_, message});
    leave_for_good();
  }

  void record(const Event& e) {
    if (inert()) return;
    ledger_.append(e);
  }

  FiberInfo info(FiberId id) {
    const FiberRec& f = rec(id, "info");
    FiberInfo i{f.id, f.parent, f.name, f.status, f.reason, f.waits_on, f.daemon, f.children, {}};
    if (f.status == FiberStatus::blocked) i.wait = wait_target(f);
    return i;
  }

  WaitTarget wait_target(const FiberRec& f) const {
    WaitTarget w;
    w.kind = f.reason;
    if (f.join_target.valid()) {
      w.object_kind = "fiber";
      w.object_name = fibers_[f.join_target.value]->name;
      w.target = f.join_target;
    } else if (f.blocked_on.object < objects_.size()) {
      w.object_kind = objects_[f.blocked_on.object].kind;
      w.object_name = objects_[f.blocked_on.object].name;
      w.object_id = f.blocked_on.object;
    }
    if (f.blocked_on.holder.valid()) w.holder = f.blocked_on.holder;
    if (f.has_timer) w.deadline_ns = f.timer.deadline_ns;
    return w;
  }

  SchedulerState scheduler() const {
    SchedulerState s;
    s.policy = describe(options_.policy);
    s.step = step_;
    s.decisions = decisions_;
    s.preemptions = preemptions_;
    s.now_ns = now_ns_;
    s.running = current_;
    for (const auto& f : fibers_) {
      switch (f->status) {
        case FiberStatus::ready: s.ready.push_back(f->id); break;
        case FiberStatus::running: break;  // only the current fiber runs
        case FiberStatus::blocked: s.blocked.push_back(f->id); break;
        case FiberStatus::done: s.done.push_back(f->id); break;
        case FiberStatus::error: s.failed.push_back(f->id); break;
      }
    }
    return s;
  }

  std::string policy_name() const { return describe(options_.policy); }
  const RepairChecks& checks() const noexcept { return options_.checks; }

  std::string label(FiberId id) const {
    if (id.value >= fibers_.size()) return fmt::format("{} (?)", id.value);
    return fmt::format("{} ({})", id.value, fibers_[id.value]->name);
  }

  // For the stack-overflow handler (signal context: no allocation).
  const char* guard_hit(std::uintptr_t addr) const noexcept {
    if (current_.value >= fibers_.size()) return nullptr;
    const FiberRec& f = *fibers_[current_.value];
    if (f.stack.bottom == 0) return nullptr;
    // The guard region: a frame under kGuardPages pages cannot jump past it.
    const std::uintptr_t lo = f.stack.bottom - detail::guard_size();
    return addr >= lo && addr < f.stack.bottom ? f.name.c_str() : nullptr;
  }

 private:
  FiberRec& cur() { return *fibers_[current_.value]; }

  FiberRec& rec(FiberId id, const char* what) {
    if (id.value >= fibers_.size())
      throw UsageError(fmt::format("{} of unknown fiber {} at step {}", what, id.value, step_));
    return *fibers_[id.value];
  }

  FiberId spawn_fiber(std::function<std::uint64_t()> body, std::string name, bool daemon,
                      std::optional<std::set<std::string>> caps) {
    const FiberId id{static_cast<std::uint32_t>(fibers_.size())};
    const FiberId parent = fibers_.empty() ? FiberId{} : current_;
    auto f = std::make_unique<FiberRec>();
    // Caps: the run's grant for the root; a child keeps its parent's, narrowed by `caps`.
    std::shared_ptr<const std::set<std::string>> inherited =
        parent.valid() ? fibers_[parent.value]->caps
        : options_.governance.caps ? std::make_shared<const std::set<std::string>>(*options_.governance.caps)
                                   : nullptr;
    if (caps) {
      governance_open_ = false;  // from now on some fiber's caps must be checked
      std::set<std::string> narrowed;
      for (const std::string& c : *caps)
        if (!inherited || inherited->count(c)) narrowed.insert(c);
      inherited = std::make_shared<const std::set<std::string>>(std::move(narrowed));
    }
    f->caps = std::move(inherited);
    f->id = id;
    f->parent = parent;
    f->name = name.empty() ? fmt::format("fiber-{}", id.value) : std::move(name);
    f->daemon = daemon;
    f->body = std::move(body);
    FiberRec* raw = f.get();
    f->context = ctx::fiber(std::allocator_arg, detail::PooledGuardedStack{options_.stack_bytes, &raw->stack},
                            [this, raw](ctx::fiber&& back) { return fiber_main(*raw, std::move(back)); });
    fibers_.push_back(std::move(f));
    pending_.push_back(PendingOp{});
    if (parent.valid()) fibers_[parent.value]->children.push_back(id);
    if (!daemon) ++live_non_daemon_;
    runnable_.push_back(id);  // the newest id is the largest: stays sorted
    ledger_.append(ev::Spawn{id, parent, daemon, raw->name});
    if (Beacon* b = g_beacon; b && id.value < Beacon::kNames) {
      const std::size_t n = std::min<std::size_t>(raw->name.size(), Beacon::kNameBytes - 1);
      std::memcpy(b->names[id.value], raw->name.data(), n);
      b->names[id.value][n] = '\0';
    }
    return id;
  }

  // Blocks the current fiber; with a deadline it is also woken when virtual time reaches it
  // (`is_timeout`: the operation reports a timeout; otherwise it is a sleep). Returns false iff
  // the deadline woke it.
  bool block_with(BlockReason reason, std::string on, std::optional<std::uint64_t> deadline,
                  bool is_timeout, kernel::BlockOn what, FiberId join_target = {}) {
    if (inert()) return true;
    FiberRec& f = cur();
    f.status = FiberStatus::blocked;
    f.reason = reason;
    f.waits_on = std::move(on);
    f.blocked_on = what;
    f.join_target = join_target;
    f.timed_out = false;
    if (deadline) {
      timers_.insert(Timer{*deadline, is_timeout, f.id.value});
      f.has_timer = true;
      f.timer = Timer{*deadline, is_timeout, f.id.value};
    }
    remove_runnable(f.id);
    ledger_.append(ev::Block{f.id, reason, f.waits_on, what.object,
                              join_target.valid() ? join_target : what.holder});
    point(PointKind::block);
    return !f.timed_out;
  }

  void cancel_timer(FiberRec& g) {
    if (!g.has_timer) return;
    timers_.erase(g.timer);
    g.has_timer = false;
  }

  // No fiber can run: jump to the earliest deadline and wake everything due at it (sleepers
  // first; timeouts only when nothing else is due). Returns false if nothing is waiting on time.
  bool advance_time() {
    if (timers_.empty()) return false;
    const Timer first = *timers_.begin();
    if (first.deadline_ns > options_.budgets.time_max_ns) {
      const std::string text = fmt::format(
          "budget exhausted at step {}: virtual time would pass {}ms (OMEGA_MAX_TIME_MS) waking "
          "fiber {}",
          step_, options_.budgets.time_max_ns / 1'000'000, label(FiberId{first.fiber}));
      end_run(Outcome::budget, text, ev::BudgetExhausted{"virtual time", options_.budgets.time_max_ns});
      return true;
    }
    if (first.deadline_ns != now_ns_) {
      now_ns_ = first.deadline_ns;
      ledger_.append(ev::TimeAdvance{now_ns_});
    }
    while (!timers_.empty() && timers_.begin()->deadline_ns == first.deadline_ns &&
           timers_.begin()->is_timeout == first.is_timeout) {
      const Timer t = *timers_.begin();
      FiberRec& g = *fibers_[t.fiber];
      timers_.erase(timers_.begin());
      g.has_timer = false;
      g.timed_out = t.is_timeout;
      g.status = FiberStatus::ready;
      g.waits_on.clear();
      insert_runnable(g.id);
      if (t.is_timeout)
        ledger_.append(ev::Timeout{g.id});
      else
        ledger_.append(ev::Wake{g.id, FiberId{}});
    }
    return true;
  }

  // ---- governance ----

  // Operation families with a budget.
  struct Family {
    const char* budget;
    const char* env;
    std::uint64_t Budgets::*limit;
  };
  static constexpr Family kFamilies[] = {
      {"spawns", "OMEGA_MAX_SPAWNS", &Budgets::spawns_max},
      {"yields", "OMEGA_MAX_YIELDS", &Budgets::yields_max},
      {"mutex ops", "OMEGA_MAX_MUTEX_OPS", &Budgets::mutex_ops_max},
      {"ivar ops", "OMEGA_MAX_IVAR_OPS", &Budgets::ivar_ops_max},
      {"oracle calls", "OMEGA_MAX_ORACLE_CALLS", &Budgets::oracle_calls_max},
  };
  static int family_of(std::string_view op) {
    if (op == "fiber.spawn") return 0;
    if (op == "fiber.yield") return 1;
    if (op.substr(0, 6) == "mutex.") return 2;
    if (op.substr(0, 5) == "ivar.") return 3;
    if (op == "oracle.call") return 4;
    return -1;
  }

  struct OpRule {
    bool resolved = false;
    bool allowed = true;
    int family = -1;
    std::string name, cap;
  };

  OpRule& op_rule(OpId op) {
    if (op >= op_rules_.size()) op_rules_.resize(op + 1);
    OpRule& r = op_rules_[op];
    if (!r.resolved) {
      r.resolved = true;
      r.name = op_name(op);
      const auto& allowed = options_.governance.profile.allowed;
      r.allowed = !allowed || allowed->count(r.name) > 0;
      r.cap = required_cap(r.name);
      r.family = family_of(r.name);
    }
    return r;
  }

  [[noreturn]] void family_exhausted(const OpRule& rule) {
    const Family& fam = kFamilies[static_cast<std::size_t>(rule.family)];
    const std::uint64_t limit = family_limits_[static_cast<std::size_t>(rule.family)];
    const std::string text =
        fmt::format("budget exhausted at step {}: fiber {} attempted {} number {}; the {} budget is {} ({})", step_,
                    label(current_), rule.name, limit + 1, fam.budget, limit, fam.env);
    end_run(Outcome::budget, text, ev::BudgetExhausted{fam.budget, limit});
    leave_for_good();
  }

  [[noreturn]] void deny(const OpRule& rule, const std::string& cap, const std::string& why) {
    end_run(Outcome::denied, fmt::format("denied at step {}: {}", step_, why),
            ev::Denied{current_, rule.name, cap});
    leave_for_good();
  }

  // ---- switching ----

  // Where a continuation handed over by a jump belongs: the fiber (or main) that jumped.
  void store_continuation(FiberId from, ctx::fiber&& c) {
    if (from.valid())
      fibers_[from.value]->context = std::move(c);
    else
      main_context_ = std::move(c);
  }

  // main -> fiber; returns when some fiber jumps back to main (run ended, or unwound in teardown).
  void enter(FiberRec& f) {
    EhGlobals* g = eh_globals();
    main_eh_ = *g;
    *g = f.eh;
    current_ = f.id;
    jumping_from_ = FiberId{};
#if OMEGA_ASAN
    __sanitizer_start_switch_fiber(&main_fake_stack_, reinterpret_cast<const void*>(f.stack.bottom),
                                   f.stack.size);
#endif
    ctx::fiber back = std::move(f.context).resume();
#if OMEGA_ASAN
    __sanitizer_finish_switch_fiber(main_fake_stack_, nullptr, nullptr);
#endif
    store_continuation(jumping_from_, std::move(back));
    *g = main_eh_;
  }

  // Running fiber `from` jumps to fiber `to`, or to main when `to` is null. Returns when someone
  // jumps back to `from`; throws FiberUnwind if that was teardown.
  void switch_to(FiberRec& from, FiberRec* to) {
    EhGlobals* g = eh_globals();
    from.eh = *g;
    *g = to ? to->eh : main_eh_;
    jumping_from_ = from.id;
    ctx::fiber& target = to ? to->context : main_context_;
    if (to) current_ = to->id;
#if OMEGA_ASAN
    if (to)
      __sanitizer_start_switch_fiber(&from.asan_fake_stack,
                                     reinterpret_cast<const void*>(to->stack.bottom), to->stack.size);
    else
      __sanitizer_start_switch_fiber(&from.asan_fake_stack, main_stack_bottom_, main_stack_size_);
#endif
    ctx::fiber back = std::move(target).resume();
    arrived(from);
    store_continuation(jumping_from_, std::move(back));
    if (from.unwinding) {
      // Suspended in a destructor that an exception's unwinding is running: the unwind exception
      // would leave that destructor, which is std::terminate whatever its noexcept. Do not throw.
      if (std::uncaught_exceptions() > 0)
        abandon(from, "in a destructor run while an exception unwound its stack");
      throw FiberUnwind{};
    }
  }

  // Called by our std::terminate handler: if the terminate is our unwind reaching a frame it may
  // not leave (a noexcept function or destructor, or code without unwind tables) in the fiber
  // being unwound, abandons that fiber and goes back to teardown; otherwise returns.
  //
  // Why a terminate handler rather than predicting which frames are noexcept: only the unwinder's
  // search phase knows (it reads every frame's LSDA, which GCC and Clang encode differently), and
  // no public API runs that search without acting on its result. Catching the terminate that the
  // unwind itself triggers is exact: no false alarm on a frame that would have been fine, no
  // miss. By then the frames between the verb and the noexcept frame have been unwound; only the
  // noexcept frame and its callers leak. libstdc++ calls the handler captured when FiberUnwind
  // was thrown (GCC's noexcept path) or the current one (Clang's): both are ours during teardown.
  friend void on_terminate();
  void abandon_if_unwinding() noexcept {
    if (!tearing_down_ || current_.value >= fibers_.size()) return;
    FiberRec& f = cur();
    if (!f.unwinding || f.abandoned) return;
    const std::type_info* t = abi::__cxa_current_exception_type();
    if (t == nullptr || *t != typeid(FiberUnwind)) return;  // someone else's exception
    const char here = 0;  // and this really is that fiber's stack
    const auto sp = reinterpret_cast<std::uintptr_t>(&here);
    if (sp < f.stack.bottom || sp >= f.stack.bottom + f.stack.size) return;
    abi::__cxa_end_catch();  // terminate's catch of FiberUnwind: frees the exception object
    abandon(f, "in a destructor or another noexcept frame");
  }

  // Leaves fiber f for good without unwinding it: jumps to main (teardown), which releases the
  // stack. Whatever else the fiber's exception state holds is dropped along with its stack.
  [[noreturn]] void abandon(FiberRec& f, const char* why) noexcept {
    f.abandoned = true;
    f.abandon_why = why;
    *eh_globals() = main_eh_;
    jumping_from_ = f.id;
#if OMEGA_ASAN
    __sanitizer_start_switch_fiber(nullptr, main_stack_bottom_, main_stack_size_);
#endif
    ctx::fiber never = std::move(main_context_).resume();
    std::abort();  // unreachable: teardown never resumes an abandoned fiber
  }

  // On main, after f jumped away through abandon(): releases f's stack without the unwind that
  // destroying its ctx::fiber would start (that unwind is exactly what cannot be done).
  void release_abandoned(FiberRec& f) noexcept {
    union Parked {
      ctx::fiber handle;
      explicit Parked(ctx::fiber&& c) : handle(std::move(c)) {}
      ~Parked() {}  // deliberately does not destroy the handle
    } parked(std::move(f.context));
    ctx::stack_context sctx;
    sctx.size = f.stack.size;
    sctx.sp = reinterpret_cast<void*>(f.stack.bottom + f.stack.size);
    detail::PooledGuardedStack{f.stack.size, nullptr}.deallocate(sctx);
  }

  // Leaves a run that has ended; main only comes back to unwind this fiber.
  [[noreturn]] void leave_for_good() {
    switch_to(cur(), nullptr);
    std::abort();  // unreachable: an ended run never resumes a fiber normally
  }

  void arrived(FiberRec& f) {
#if OMEGA_ASAN
    const void* bottom = nullptr;
    std::size_t size = 0;
    __sanitizer_finish_switch_fiber(f.asan_fake_stack, &bottom, &size);
    if (!jumping_from_.valid()) {  // learn main's stack the first time main jumps to a fiber
      main_stack_bottom_ = bottom;
      main_stack_size_ = size;
    }
#else
    (void)f;
#endif
  }

  ctx::fiber fiber_main(FiberRec& f, ctx::fiber&& back) {
    arrived(f);
    store_continuation(jumping_from_, std::move(back));
    if (!f.unwinding) {  // a fiber that never ran before teardown runs no user code
      std::uint64_t value_hash = 0;
      std::exception_ptr error;
      bool unwound = false;
      try {
        value_hash = f.body();
      } catch (const FiberUnwind&) {
        unwound = true;
      } catch (...) {
        error = std::current_exception();
      }
      if (f.unwinding) {
        if (!unwound) report_swallowed(f);  // the body went on after a catch (...) ate the unwind
      } else {
        finish_fiber(f, error ? FiberStatus::error : FiberStatus::done, value_hash, error);
      }
    }
    // Jump to whoever runs next (main once the run has ended); Boost frees this stack there.
    FiberRec* to = ended_ || tearing_down_ ? nullptr : fibers_[next_.value].get();
    EhGlobals* g = eh_globals();
    *g = to ? to->eh : main_eh_;
    jumping_from_ = f.id;
    if (to) current_ = to->id;
#if OMEGA_ASAN
    if (to)
      __sanitizer_start_switch_fiber(nullptr, reinterpret_cast<const void*>(to->stack.bottom),
                                     to->stack.size);
    else
      __sanitizer_start_switch_fiber(nullptr, main_stack_bottom_, main_stack_size_);
#endif
    return std::move(to ? to->context : main_context_);
  }

  void report_swallowed(FiberRec& f) {
    if (f.swallow_reported) return;
    f.swallow_reported = true;
    harness_errors_.push_back(fmt::format(
        "fiber {} swallowed the teardown unwind (a catch (...) that does not rethrow); rethrow "
        "with `throw;`",
        label(f.id)));
  }

  void finish_fiber(FiberRec& f, FiberStatus status, std::uint64_t value_hash,
                    std::exception_ptr error) {
    f.status = status;
    remove_runnable(f.id);
    if (!f.daemon) --live_non_daemon_;
    if (error) {
      f.error = error;
      f.error_text = describe_exception(error);
      f.error_step = step_;
      if (error == f.rethrown) {
        f.error_from = f.rethrown_from;
        f.error_from_step = f.rethrown_step;
      }
      ledger_.append(ev::Error{f.id, f.error_text});
    } else {
      ledger_.append(ev::Done{f.id, value_hash});
    }
    for (FiberId j : f.joiners) wake(j);
    f.joiners.clear();

    if (error && f.id == root_) {
      end_run(Outcome::exception, error_history(f), std::nullopt);
      return;
    }
    if (live_non_daemon_ == 0) {
      end_of_run();
      return;
    }
    decide(PointKind::exit);
  }

  // Where fiber f's exception comes from: "fiber 2 (worker) threw std::runtime_error: full at
  // step 7", then ", rethrown at join by fiber 0 (root) at step 9" for each join that rethrew it
  // on its way to f (the one that threw first, not the last joiner, is what to debug).
  std::string error_history(const FiberRec& f) const {
    std::vector<const FiberRec*> path{&f};  // f, then whom it joined, ..., the origin
    while (path.back()->error_from.valid()) path.push_back(fibers_[path.back()->error_from.value].get());
    const FiberRec& origin = *path.back();
    std::string text = fmt::format("fiber {} threw {} at step {}", label(origin.id), origin.error_text,
                                   origin.error_step);
    for (auto it = path.rbegin() + 1; it != path.rend(); ++it)
      text += fmt::format(", rethrown at join by fiber {} at step {}", label((*it)->id),
                          (*it)->error_from_step);
    return text;
  }

  // Every non-daemon fiber has ended: pass, unless an exception was never joined.
  void end_of_run() {
    for (const auto& f : fibers_) {
      if (f->error && !f->joined) {
        end_run(Outcome::exception,
                f->error_from.valid()
                    ? fmt::format("{}; fiber {} was never joined (step {})", error_history(*f),
                                  label(f->id), step_)
                    : fmt::format("fiber {} threw {} and was never joined (step {})", label(f->id),
                                  f->error_text, step_),
                std::nullopt);
        return;
      }
    }
    end_run(Outcome::pass, "", std::nullopt);
  }

  // ---- deciding ----

  void point(PointKind kind) {
    FiberRec& f = cur();
    decide(kind);
    if (ended_)
      switch_to(f, nullptr);
    else if (next_ != f.id)
      switch_to(f, fibers_[next_.value].get());
  }

  void decide(PointKind kind) {
    FiberRec& f = cur();
    ++step_;
    ++f.steps;
    if (kind == PointKind::yield)
      ++f.yields_in_row;
    else
      f.yields_in_row = 0;
    if (step_ > options_.budgets.steps_max || f.steps > options_.budgets.fiber_steps_max || runnable_.empty())
        [[unlikely]] {
      if (!decide_cold(f)) return;
    }

    const bool current_runnable = f.status == FiberStatus::running;
    FiberId def;
    if (current_runnable && kind != PointKind::yield) {
      def = f.id;
    } else {
      auto it = std::upper_bound(runnable_.begin(), runnable_.end(), f.id);
      def = it != runnable_.end() ? *it : runnable_.front();
    }

    FiberId chosen = def;
    if (runnable_.size() == 1) {
      source_->forced(chosen);
    } else {
      ScheduleQuery q{runnable_, f.id, def, current_runnable, kind == PointKind::yield,
                      decisions_, step_, pending_};
      const std::optional<std::uint64_t> c = source_->choose_fiber(q);
      if (!c) {
        end_run(Outcome::divergence, source_->divergence(),
                ev::Divergence{decisions_, source_->divergence()});
        return;
      }
      const std::uint64_t index = *c % runnable_.size();
      chosen = q.alternative(static_cast<std::size_t>(index));
      ledger_.write([&](LedgerWriter& w) {
        w.schedule_choose(step_, decisions_, chosen, index, runnable_, f.id);
      });
      ++decisions_;
      if (current_runnable && kind != PointKind::yield && chosen != f.id) ++preemptions_;
    }
    if (chosen != f.id && f.status == FiberStatus::running) f.status = FiberStatus::ready;
    fibers_[chosen.value]->status = FiberStatus::running;  // also a current fiber its timer woke
    next_ = chosen;
    // The fiber that runs from this step on: the one to blame if the process dies or hangs.
    if (Beacon* b = g_beacon) b->position.store(step_ << 20 | chosen.value, std::memory_order_relaxed);
  }

  // A step over a budget, or no fiber runnable: false when the run ended here.
  [[gnu::noinline]] bool decide_cold(FiberRec& f) {
    if (step_ > options_.budgets.steps_max) {
      budget_exhausted("total steps", options_.budgets.steps_max, "OMEGA_MAX_STEPS", nullptr);
      return false;
    }
    if (f.steps > options_.budgets.fiber_steps_max) {
      budget_exhausted("steps per fiber", options_.budgets.fiber_steps_max, "OMEGA_MAX_FIBER_STEPS", &f);
      return false;
    }
    if (!advance_time()) deadlock();
    return !ended_;
  }

  [[gnu::noinline]] void budget_exhausted(const char* budget, std::uint64_t limit, const char* env, FiberRec* who) {
    std::string spinners;
    for (const auto& g : fibers_) {
      if (g->ended() || g->yields_in_row < 100) continue;
      spinners += fmt::format("{}{} ({} yields in a row)", spinners.empty() ? "" : ", ",
                              label(g->id), g->yields_in_row);
    }
    std::string text =
        who ? fmt::format("budget exhausted at step {}: fiber {} used its {} steps ({})", step_,
                          label(who->id), limit, env)
            : fmt::format("budget exhausted at step {}: {} {} ({})", step_, budget, limit, env);
    text += spinners.empty()
                ? "; no fiber is only yielding: raise the budget or shorten the scenario"
                : fmt::format("; {} only yielded — a spin loop?", spinners);
    end_run(Outcome::budget, text, ev::BudgetExhausted{budget, limit});
  }

  [[gnu::noinline]] void deadlock() {
    const bool root_ended = fibers_[root_.value]->ended();
    std::string waits;
    for (bool daemons : {false, true}) {
      for (const auto& g : fibers_) {
        if (g->status != FiberStatus::blocked || g->daemon != daemons) continue;
        waits += fmt::format("{}{}fiber {}{} waits on {}", waits.empty() ? "" : "; ",
                             root_ended && !daemons ? "leaked " : "", label(g->id),
                             daemons ? " [daemon]" : "", g->waits_on);
      }
    }
    end_run(Outcome::deadlock, fmt::format("deadlock at step {}: {}", step_, waits),
            ev::Deadlock{waits});
  }

  // The first end wins. A strict source with choices left over turns the end into a divergence.
  void end_run(Outcome outcome, std::string message, std::optional<Event> event) {
    if (ended_) return;
    if (outcome != Outcome::divergence) {
      if (std::optional<std::string> d = source_->finish(decisions_)) {
        outcome = Outcome::divergence;
        message = *d;
        event = ev::Divergence{decisions_, *d};
      }
    }
    if (event) ledger_.append(*event);
    ledger_.seal();
    ended_ = true;
    outcome_ = outcome;
    message_ = std::move(message);
  }

  // Unwinds every fiber that has not ended, with the ledger sealed: each is resumed once and
  // unwinds (or, never having run, returns at once). Descending id order: a child is always
  // younger than its parent, and its stack usually references the parent's locals (mutexes,
  // channels), so every child must unwind before the parent's frame is destroyed.
  void teardown() {
    install_terminate_handler();
    Simulation* const previous = tls_current;
    tls_current = this;  // fibers' destructors may call verbs; they must find this run
    torn_down_ = true;
    tearing_down_ = true;
    ledger_.seal();
    for (auto it = fibers_.rbegin(); it != fibers_.rend(); ++it) {
      auto& f = *it;
      if (!f->context) continue;
      f->unwinding = true;
      enter(*f);
      if (f->abandoned) {
        release_abandoned(*f);
        continue;
      }
      if (f->context) {  // verbs are inert during teardown, so a fiber cannot suspend again
        std::fputs("omega: internal error: a fiber suspended during teardown\n", stderr);
        std::abort();
      }
    }
    tls_current = previous;
  }

  void insert_runnable(FiberId id) {
    runnable_.insert(std::upper_bound(runnable_.begin(), runnable_.end(), id), id);
  }
  void remove_runnable(FiberId id) {
    auto it = std::lower_bound(runnable_.begin(), runnable_.end(), id);
    if (it != runnable_.end() && *it == id) runnable_.erase(it);
  }

  RunOptions options_;
  std::unique_ptr<ChoiceSource> source_;
  std::vector<std::unique_ptr<FiberRec>> fibers_;  // index = id
  std::vector<FiberId> runnable_;                  // ready + running, ascending
  std::vector<PendingOp> pending_;                 // index = id: what each fiber does next
  FiberId root_, current_, next_;
  std::uint64_t step_ = 0, decisions_ = 0, preemptions_ = 0;
  std::uint32_t live_non_daemon_ = 0;
  std::uint64_t now_ns_ = 0;
  std::set<Timer> timers_;
  std::uint64_t run_serial_;
  std::uint32_t next_object_ = 0;
  struct ObjectName {
    std::string kind, name;
  };
  std::vector<ObjectName> objects_;  // index = object id in this run
  std::vector<OpRule> op_rules_;  // by OpId, resolved on first use in this run
  std::uint64_t family_counts_[std::size(kFamilies)] = {};
  std::uint64_t family_limits_[std::size(kFamilies)] = {};
  bool governance_open_ = true;  // no profile, no run caps, no fiber narrowed its caps
  Ledger ledger_;
  bool ended_ = false, tearing_down_ = false, torn_down_ = false;
  Outcome outcome_ = Outcome::pass;
  std::string message_;
  std::vector<std::string> harness_errors_;

  ctx::fiber main_context_;    // main's continuation while fibers run
  FiberId jumping_from_;       // who made the latest jump (invalid: main); the jumped-to side
                               // stores the continuation it receives there
  EhGlobals main_eh_;
  void* main_fake_stack_ = nullptr;
  const void* main_stack_bottom_ = nullptr;
  std::size_t main_stack_size_ = 0;
};

std::atomic<std::terminate_handler> g_previous_terminate{nullptr};

// Teardown's std::terminate handler: a fiber being unwound is abandoned (see
// Simulation::abandon_if_unwinding); anything else goes to the handler installed before ours.
[[noreturn]] void on_terminate() {
  if (tls_current != nullptr) tls_current->abandon_if_unwinding();  // returns unless it abandons
  const std::terminate_handler previous = g_previous_terminate.load();
  if (previous != nullptr && previous != &on_terminate) previous();
  std::abort();
}

// Checked before every teardown, not once: a program may install its own handler later, which
// we then chain to. Explorer workers get here concurrently: check-and-install is one section.
void install_terminate_handler() {
  if (std::get_terminate() == &on_terminate) return;
  static std::mutex install_mutex;
  std::lock_guard<std::mutex> lock(install_mutex);
  const std::terminate_handler now = std::get_terminate();
  if (now == &on_terminate) return;
  g_previous_terminate.store(now);
  std::set_terminate(&on_terminate);
}

Simulation& sim(const char* op = "a runtime operation") {
  if (tls_current == nullptr)
    throw UsageError(fmt::format(
        "{} called outside a simulation: run it inside omega::sim::run(options, body)", op));
  return *tls_current;
}

}  // namespace

namespace detail {
const char* overflow_fiber_name(std::uintptr_t addr) noexcept {
  const char* name = tls_current ? tls_current->guard_hit(addr) : nullptr;
  if (name != nullptr && g_beacon != nullptr) g_beacon->overflow.store(1, std::memory_order_relaxed);
  return name;
}
}  // namespace detail

void install_beacon(Beacon* beacon) noexcept { g_beacon = beacon; }

RunResult run(const RunOptions& options, std::function<void()> body) {
  if (tls_current != nullptr)
    throw UsageError("omega::sim::run called inside a simulation: runs do not nest");
  // Out of bounds, a stack either overflows in the kernel's own code or cannot be mapped: say so
  // now, naming the option, rather than crash in the first fiber.
  check_stack_bytes(options.stack_bytes);
  Simulation s(options);
  return s.execute(std::move(body));
}

std::string current_policy() { return sim("omega::sim::current_policy").policy_name(); }
const RepairChecks& repair_checks() { return sim("omega::sim::repair_checks").checks(); }

namespace kernel {

bool in_simulation() noexcept { return tls_current != nullptr; }
void require(std::string_view op) {
  if (tls_current == nullptr) sim(std::string(op).c_str());
}
bool tearing_down() noexcept { return tls_current && tls_current->tearing_down(); }
std::uint64_t run_serial() { return sim("omega::sim::kernel::run_serial").run_serial(); }
FiberId current_fiber() { return sim("omega::current").current(); }
std::uint64_t step() { return sim().step(); }
FiberInfo info(FiberId f) { return sim().info(f); }
SchedulerState scheduler() { return sim("omega::sim::kernel::scheduler").scheduler(); }
std::string label(FiberId f) { return sim().label(f); }
FiberId spawn(std::function<std::uint64_t()> body, std::string name, bool daemon,
              std::optional<std::set<std::string>> caps) {
  return sim("omega::spawn").spawn(std::move(body), std::move(name), daemon, std::move(caps));
}
void govern(OpId op, std::uint32_t object) { sim().govern(op, object); }
void set_opaque(bool enter) { sim().set_opaque(enter); }
std::optional<ev::OracleCall> replayed_oracle_call(std::uint32_t oracle, std::uint64_t key_hash) {
  return sim("omega::Oracle::call").replayed_oracle_call(oracle, key_hash);
}
void yield() {
  if (tls_current == nullptr) [[unlikely]]
    sim("omega::yield");
  tls_current->yield();
}
void point() { sim().op_point(); }
void block(BlockReason reason, std::string on, BlockOn what) { sim().block(reason, std::move(on), what); }
bool block_until(BlockReason reason, std::string on, std::uint64_t deadline_ns, BlockOn what) {
  return sim().block_until(reason, std::move(on), deadline_ns, what);
}
void set_wait_holder(FiberId waiter, FiberId holder) { sim().set_wait_holder(waiter, holder); }
void sleep_until(std::uint64_t deadline_ns, std::string on) {
  sim("omega::sleep_for").sleep_until(deadline_ns, std::move(on));
}
std::uint64_t now_ns() { return sim("omega::now").now_ns(); }
bool attach(ObjectRef& ref, std::string_view kind, std::string_view name) {
  return sim().attach(ref, kind, name);
}
void op(const ObjectRef& ref, OpCode code, std::uint64_t arg) { sim().op(ref, code, arg); }
void wake(FiberId f) { sim().wake(f); }
void join(FiberId target) { sim("omega::join").join(target); }
std::uint64_t choose(ChoiceKind kind, std::uint64_t bound) { return sim().choose(kind, bound); }
void fail(std::string message) { sim("omega::check").fail(std::move(message)); }
void record(const Event& e) { sim().record(e); }

}  // namespace kernel
}  // namespace omega::sim
