#pragma once
// The kernel's one class: a simulated run on one OS thread. Fibers are Boost.Context fibers.
// Decisions are made on the deciding fiber's stack and a switch jumps straight to the chosen fiber
// (one jump per switch, the physical minimum). The thread's own stack ("main") only starts the
// root, receives control when the run ends, and then unwinds the fibers that are left.
//
// Internal to sim/. The hot path, a scheduling point (inert, govern, the ledger append, point,
// decide, switch_to), is inline in this class, readable in one place; the rest is one file per
// concept:
//   run.cpp               a run from set-up to RunResult, and how it ends (end_run)
//   fibers.cpp            spawning, entering, finishing fibers; blocking, waking, joining; objects
//   virtual_time.cpp      timers, sleeping, advancing virtual time
//   governance_check.cpp  operation rules: profiles, caps, family budgets
//   failure_reports.cpp   budgets exhausted, deadlocks: the texts of failed runs
//   teardown.cpp          unwinding the fibers left at the end, abandoned fibers, swallowed unwinds
//   scheduler_view.cpp    FiberInfo, SchedulerState, labels: queries built on request
//   kernel_api.cpp        the kernel:: verbs the runtime calls, the thread's current run
//   fiber_rec.hpp         what the run keeps per fiber (FiberRec), timers, exception globals

#include "fiber_rec.hpp"
#include "fiber_stack.hpp"
#include "sites.hpp"

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
#include <map>
#include <source_location>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define OMEGA_ASAN 1
#else
#define OMEGA_ASAN 0
#endif

namespace omega::sim::internal {

class Simulation;
// The run on this thread (constinit: no TLS wrapper call on the verbs' path).
extern constinit thread_local Simulation* tls_current;
extern Beacon* g_beacon;  // set once in a worker process, before any run
[[noreturn]] void on_terminate();
void install_terminate_handler();
// Tells one run's objects from another's (ObjectRef::run, the oracle registry). Process-wide, not
// per thread: an object that outlives runs (a static primitive) may be used by runs on several
// threads, e.g. explore's workers and then the shrinker on the main thread; per-thread counters
// would repeat serials there, and the object would skip its reset and bring an earlier run's state
// (and object id) into the new run. Its value never reaches a ledger or a decision.
extern std::atomic<std::uint64_t> g_run_serial;


class Simulation {
 public:
  explicit Simulation(const RunOptions& options)
      : options_(options), source_(make_source(options.policy, options.seed)),
        run_serial_(g_run_serial.fetch_add(1, std::memory_order_relaxed) + 1) {
    for (std::size_t i = 0; i < std::size(kFamilies); ++i) family_limits_[i] = options_.budgets.*(kFamilies[i].limit);
    governance_open_ = !options_.governance.profile.allowed && !options_.governance.caps;
    swap_spares();
    if (options_.governance.profile.allowed) op_rules_.clear();  // the spares' may be profile-free
  }

  ~Simulation() {
    // Normally teardown already ran; this covers a kernel exception escaping execute().
    if (!torn_down_) teardown();
    swap_spares();
  }

  RunResult execute(std::function<void()> body);

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

  [[gnu::noinline]] bool inert_slow();

  static bool handling_unwind();

  FiberId spawn(std::function<std::uint64_t()> body, std::string name, bool daemon,
               std::optional<std::set<std::string>> caps);

  // `where` is the user's call (no site when empty); it goes straight to the Yield event.
  void yield(const std::source_location& where) {
    if (inert()) return;
    static const OpId kYield = register_op("fiber.yield");
    govern_checked(kYield);
    ledger_.write([&](LedgerWriter& w) { w.yield(current_); }, site_at(where));
    point(PointKind::yield);
  }

  void op_point() {
    if (inert()) return;
    point(PointKind::op);
  }

  // kernel::operation_point: at(where), govern(op, object), op_point() with one inert() check.
  void operation_point(const std::source_location& where, OpId op, std::uint32_t object) {
    at(where);
    if (inert()) return;
    govern_checked(op, object);
    point(PointKind::op);
  }

  void block(BlockReason reason, std::string_view on, kernel::BlockOn what);

  bool block_until(BlockReason reason, std::string_view on, std::uint64_t deadline_ns, kernel::BlockOn what);

  void set_wait_holder(FiberId waiter, FiberId holder);

  void sleep_until(std::uint64_t deadline_ns, std::string_view on);

  std::uint64_t now_ns() const noexcept { return now_ns_; }

  bool attach(ObjectRef& ref, std::string_view kind, std::string_view name);

  void govern(OpId op, std::uint32_t object = PendingOp::kNoObject) {
    if (inert()) return;
    govern_checked(op, object);
  }

  // govern() once inert() said no; announces the fiber's pending operation.
  void govern_checked(OpId op, std::uint32_t object = PendingOp::kNoObject) {
    PendingOp& p = pending_[current_.value];
    p.op = op;
    p.object = object;
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

  [[gnu::noinline]] void govern_slow(OpId op);

  std::optional<ev::OracleCall> replayed_oracle_call(std::uint32_t oracle, std::uint64_t key_hash);

  void enter_compound(std::uint32_t object) {
    if (inert()) return;
    FiberRec& f = cur();
    auto& within = pending_[current_.value].within;
    if (f.compound_depth < within.size())
      within[f.compound_depth] = object;
    else
      within.back() = PendingOp::kAnyObject;
    ++f.compound_depth;
  }
  void leave_compound() {
    if (inert()) return;
    FiberRec& f = cur();
    if (f.compound_depth == 0) return;
    --f.compound_depth;
    auto& within = pending_[current_.value].within;
    if (f.compound_depth < within.size()) within[f.compound_depth] = PendingOp::kNoObject;
  }

  void set_opaque(bool enter) {
    FiberRec& f = cur();
    f.opaque_depth = enter ? f.opaque_depth + 1 : (f.opaque_depth ? f.opaque_depth - 1 : 0);
  }

  void op(const ObjectRef& ref, OpCode code, std::uint64_t arg) {
    if (inert()) return;
    FiberRec& f = cur();
    ledger_.op(current_, ref.id, code, arg, take_site(f));
  }

  void at(const std::source_location& where) noexcept {
    if (!tearing_down_) cur().where = where;
  }
  // The site of the fiber's operation in progress (what at() gave it), 0 when none. An Op or a
  // fiber verb's event takes it and the verb then clears it; a Block only reads it, so that a
  // deadlock report still says where each fiber waits.
  std::uint32_t site_of(const FiberRec& f) { return site_at(f.where); }
  std::uint32_t take_site(FiberRec& f) { return site_at(std::exchange(f.where, {})); }
  std::uint32_t site_at(const std::source_location& w) {
    const void* key = site_key(w);
    if (key == nullptr) return 0;  // a default source_location: no site
    SiteSlot& slot = site_slots_[site_slot_index(key)];
    if (slot.key == key && slot.info->run == run_serial_) [[likely]]
      return slot.info->site;
    return w.line() == 0 ? 0 : site_slow(w, slot);
  }
  // "examples/pipeline.cpp:42" for where, "" when unknown.
  std::string where_text(const FiberRec& f) const;

  void wake(FiberId id);

  void join(FiberId target);

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
    ledger_.choice(decisions_, kind, bound, value);
    ++decisions_;
    return value;
  }

  [[noreturn]] void fail(std::string message);

  void record(const Event& e) {
    if (inert()) return;
    if (!is_sited(e)) {
      ledger_.append(e);
      return;
    }
    // A sited event (an oracle call) takes this run's site for it, also when replayed from a
    // recording that numbered its sites differently. The site is kept beside the bytes, so the
    // event is written as it is with this site (no copy of the event and its strings).
    const std::uint32_t site = take_site(cur());
    ledger_.write([&](LedgerWriter& w) { w.event(e); }, site);
  }

  FiberInfo info(FiberId id);

  WaitTarget wait_target(const FiberRec& f) const;

  SchedulerState scheduler() const;

  std::string policy_name() const { return describe(options_.policy); }
  const RepairChecks& checks() const noexcept { return options_.checks; }

  std::string label(FiberId id) const;
  void append_label(std::string& out, FiberId id) const;  // label(id) appended to out

  // For the stack-overflow handler (signal context: no allocation).
  const char* guard_hit(std::uintptr_t addr) const noexcept;

 private:
  FiberRec& cur() { return *fibers_[current_.value]; }

  // The run's id for a source location the slot cache did not answer (sites.cpp): a Site event on
  // first use in this run; 0 for code in a standard or Omega header, which would only point at the
  // wrapper (std::lock_guard) rather than the user.
  std::uint32_t site_slow(const std::source_location& where, SiteSlot& slot);
  SiteSlot* site_slots_ = thread_site_slots();  // this thread's cache (sites.cpp)

  FiberRec& rec(FiberId id, const char* what);

  FiberId spawn_fiber(std::function<std::uint64_t()> body, std::string name, bool daemon,
                      std::optional<std::set<std::string>> caps);

  // Blocks the current fiber; with a deadline it is also woken when virtual time reaches it
  // (`is_timeout`: the operation reports a timeout; otherwise it is a sleep). Returns false iff
  // the deadline woke it.
  bool block_with(BlockReason reason, std::string_view on, std::optional<std::uint64_t> deadline,
                  bool is_timeout, kernel::BlockOn what, FiberId join_target = {});

  void cancel_timer(FiberRec& g);

  // No fiber can run: jump to the earliest deadline and wake everything due at it (sleepers
  // first; timeouts only when nothing else is due). Returns false if nothing is waiting on time.
  bool advance_time();

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
  static int family_of(std::string_view op);

  // What the registry says of an operation (its name, required cap, budget family): the same in
  // every run, so resolved once per thread (no registry lock, no string copy per run).
  struct OpInfo {
    std::string name, cap;
    int family = -1;
  };
  static const OpInfo& op_info(OpId op);

  // An operation's rule in this run: the above plus whether this run's profile allows it.
  struct OpRule {
    bool resolved = false;
    bool allowed = true;
    int family = -1;
    const OpInfo* info = nullptr;
  };

  OpRule& op_rule(OpId op);

  [[noreturn]] void family_exhausted(const OpRule& rule);

  [[noreturn]] void deny(const OpRule& rule, const std::string& cap, const std::string& why);

  // ---- switching ----

  // Where a continuation handed over by a jump belongs: the fiber (or main) that jumped.
  void store_continuation(FiberId from, ctx::fiber&& c) {
    if (from.valid())
      fibers_[from.value]->context = std::move(c);
    else
      main_context_ = std::move(c);
  }

  // main -> fiber; returns when some fiber jumps back to main (run ended, or unwound in teardown).
  void enter(FiberRec& f);

  // Running fiber `from` jumps to fiber `to`, or to main when `to` is null. Returns when someone
  // jumps back to `from`; throws FiberUnwind if that was teardown.
  void switch_to(FiberRec& from, FiberRec* to) {
    EhGlobals* g = eh_;
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
  void abandon_if_unwinding() noexcept;

  // Leaves fiber f for good without unwinding it: jumps to main (teardown), which releases the
  // stack. Whatever else the fiber's exception state holds is dropped along with its stack.
  [[noreturn]] void abandon(FiberRec& f, const char* why) noexcept;

  // On main, after f jumped away through abandon(): releases f's stack without the unwind that
  // destroying its ctx::fiber would start (that unwind is exactly what cannot be done).
  void release_abandoned(FiberRec& f) noexcept;

  // Leaves a run that has ended; main only comes back to unwind this fiber.
  [[noreturn]] void leave_for_good();

  void arrived(FiberRec& f);

  ctx::fiber fiber_main(FiberRec& f, ctx::fiber&& back);

  void report_swallowed(FiberRec& f);

  void finish_fiber(FiberRec& f, FiberStatus status, std::uint64_t value_hash,
                    std::exception_ptr error);

  // Where fiber f's exception comes from: "fiber 2 (worker) threw std::runtime_error: full at
  // step 7", then ", rethrown at join by fiber 0 (root) at step 9" for each join that rethrew it
  // on its way to f (the one that threw first, not the last joiner, is what to debug).
  std::string error_history(const FiberRec& f) const;

  // Every non-daemon fiber has ended: pass, unless an exception was never joined.
  void end_of_run();

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
    ledger_.begin_step();
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
    // The default: the current fiber at an operation, else the next runnable after it (cyclic).
    const bool default_is_current = current_runnable && kind != PointKind::yield;
    auto it = std::lower_bound(runnable_.begin(), runnable_.end(), f.id);
    if (!default_is_current) {
      if (it != runnable_.end() && *it == f.id) ++it;
      if (it == runnable_.end()) it = runnable_.begin();
    }
    const auto def_pos = static_cast<std::size_t>(it - runnable_.begin());
    const FiberId def = *it;

    FiberId chosen = def;
    if (runnable_.size() == 1) {
      source_->forced(chosen, pending_[chosen.value]);
    } else {
      ScheduleQuery q{runnable_, f.id, def, current_runnable, kind == PointKind::yield,
                      decisions_, step_, pending_, def_pos};
      const std::optional<std::uint64_t> c = source_->choose_fiber(q);
      if (!c) {
        end_run(Outcome::divergence, source_->divergence(),
                ev::Divergence{decisions_, source_->divergence()});
        return;
      }
      const auto index = static_cast<std::size_t>(*c % runnable_.size());
      chosen = q.alternative(index);
      const bool small_ids = runnable_beyond_mask_ == 0;
      ledger_.schedule_choose(step_, decisions_, index, runnable_, small_ids ? runnable_mask_ : runnable_version_,
                              small_ids, f.id, chosen, default_is_current);
      ++decisions_;
      if (default_is_current && chosen != f.id) ++preemptions_;
    }
    if (chosen != f.id && f.status == FiberStatus::running) f.status = FiberStatus::ready;
    fibers_[chosen.value]->status = FiberStatus::running;  // also a current fiber its timer woke
    next_ = chosen;
    // The fiber that runs from this step on: the one to blame if the process dies or hangs.
    if (Beacon* b = g_beacon) b->position.store(step_ << 20 | chosen.value, std::memory_order_relaxed);
  }

  // A step over a budget, or no fiber runnable: false when the run ended here.
  [[gnu::noinline]] bool decide_cold(FiberRec& f);

  [[gnu::noinline]] void budget_exhausted(const char* budget, std::uint64_t limit, const char* env, FiberRec* who);

  [[gnu::noinline]] void deadlock();

  // The first end wins. A strict source with choices left over turns the end into a divergence.
  void end_run(Outcome outcome, std::string message, std::optional<Event> event);

  // Unwinds every fiber that has not ended, with the ledger sealed: each is resumed once and
  // unwinds (or, never having run, returns at once). Descending id order: a child is always
  // younger than its parent, and its stack usually references the parent's locals (mutexes,
  // channels), so every child must unwind before the parent's frame is destroyed.
  void teardown();

  void insert_runnable(FiberId id) {
    runnable_changed(id, true);
    runnable_.insert(std::upper_bound(runnable_.begin(), runnable_.end(), id), id);
  }
  void remove_runnable(FiberId id) {
    auto it = std::lower_bound(runnable_.begin(), runnable_.end(), id);
    if (it == runnable_.end() || *it != id) return;
    runnable_.erase(it);
    runnable_changed(id, false);
  }

  const RunOptions& options_;  // run() holds it for the whole run: a reference, not a per-run copy
  std::unique_ptr<ChoiceSource> source_;
  std::vector<std::unique_ptr<FiberRec>> fibers_;  // index = id
  std::function<void()> root_body_;
  std::vector<FiberId> runnable_;                  // ready + running, ascending
  // runnable_ as the ledger identifies it: a bit mask of the ids below 64, and a version that
  // changes with every change (for sets with larger ids: runnable_beyond_mask_ of them).
  std::uint64_t runnable_mask_ = 0, runnable_version_ = 1;
  std::uint32_t runnable_beyond_mask_ = 0;
  void runnable_changed(FiberId id, bool added) {
    ++runnable_version_;
    if (id.value < 64)
      runnable_mask_ = added ? runnable_mask_ | std::uint64_t{1} << id.value : runnable_mask_ & ~(std::uint64_t{1} << id.value);
    else
      runnable_beyond_mask_ += added ? 1 : std::uint32_t(-1);
  }
  std::vector<PendingOp> pending_;                 // index = id: what each fiber does next
  FiberId root_, current_, next_;
  std::uint64_t step_ = 0, decisions_ = 0, preemptions_ = 0;
  std::uint32_t live_non_daemon_ = 0;
  std::uint64_t now_ns_ = 0;
  // Pending wake-ups, latest first: the earliest is at the back (a fiber has at most one).
  std::vector<Timer> timers_;
  std::uint64_t run_serial_;
  std::uint32_t next_object_ = 0;
  struct ObjectName {
    std::string kind, name;
  };
  std::vector<ObjectName> objects_;  // index = object id in this run
  std::vector<OpRule> op_rules_;  // by OpId, resolved on first use (kept across profile-free runs)
  std::uint64_t family_counts_[std::size(kFamilies)] = {};
  std::uint64_t family_limits_[std::size(kFamilies)] = {};
  bool governance_open_ = true;  // no profile, no run caps, no fiber narrowed its caps
  Ledger ledger_;
  bool ended_ = false, tearing_down_ = false, torn_down_ = false;
  Outcome outcome_ = Outcome::pass;
  std::string message_;
  std::vector<std::string> harness_errors_;
  std::string scratch_text_;  // a wait text being built (join): its buffer serves the whole run

  ctx::fiber main_context_;    // main's continuation while fibers run
  FiberId jumping_from_;       // who made the latest jump (invalid: main); the jumped-to side
                               // stores the continuation it receives there
  EhGlobals main_eh_;
  EhGlobals* const eh_ = eh_globals();  // this thread's (a run stays on its thread): no call per switch
  void* main_fake_stack_ = nullptr;
  const void* main_stack_bottom_ = nullptr;
  std::size_t main_stack_size_ = 0;

  // The run's vectors keep their capacity per thread for the next run (emptied: no state crosses
  // runs), so a run's set-up does not allocate them again. Runs on a thread do not nest, so one
  // set per thread suffices; one thread_local for all of them (one access, one init guard).
  struct Spares {
    std::vector<std::unique_ptr<FiberRec>> fibers;
    std::vector<FiberId> runnable;
    std::vector<PendingOp> pending;
    std::vector<OpRule> op_rules;
    std::vector<ObjectName> objects;
    std::vector<Timer> timers;
  };
  // Empties this run's vectors (but the profile-free op rules) and swaps them with the thread's
  // spares: in the constructor it takes the spares, in the destructor it gives them back.
  void swap_spares() noexcept {
    thread_local Spares spares;
    const auto exchange = [](auto& mine, auto& spare) {
      mine.clear();
      mine.swap(spare);
    };
    exchange(fibers_, spares.fibers);
    exchange(runnable_, spares.runnable);
    exchange(pending_, spares.pending);
    // Rules resolved without a profile are the registry's facts alone, the same in every run:
    // they stay resolved for the next run (a profiled run resolves its own: see the constructor).
    if (options_.governance.profile.allowed) op_rules_.clear();
    op_rules_.swap(spares.op_rules);
    exchange(objects_, spares.objects);
    exchange(timers_, spares.timers);
  }
};

// The current run, or UsageError naming `op` outside one.
[[noreturn, gnu::noinline, gnu::cold]] void outside_simulation(const char* op);
inline Simulation& sim(const char* op = "a runtime operation") {
  if (tls_current == nullptr) [[unlikely]]
    outside_simulation(op);
  return *tls_current;
}

}  // namespace omega::sim::internal
