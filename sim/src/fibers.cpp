// Fibers: spawning, entering and finishing them; blocking, waking and joining; runtime objects.

#include "simulation.hpp"

namespace omega::sim::internal {

FiberId Simulation::spawn(std::function<std::uint64_t()> body, std::string name, bool daemon,
               std::optional<std::set<std::string>> caps) {
  if (inert()) return FiberId{};  // nothing starts during teardown
  static const OpId kSpawn = register_op("fiber.spawn");
  govern(kSpawn);
  const FiberId id = spawn_fiber(std::move(body), std::move(name), daemon, std::move(caps));
  cur().where = {};
  point(PointKind::op);
  return id;
}

void Simulation::block(BlockReason reason, std::string_view on, kernel::BlockOn what) {
  block_with(reason, on, std::nullopt, false, what);
}

bool Simulation::block_until(BlockReason reason, std::string_view on, std::uint64_t deadline_ns, kernel::BlockOn what) {
  return block_with(reason, on, deadline_ns, true, what);
}

void Simulation::set_wait_holder(FiberId waiter, FiberId holder) {
  if (inert()) return;
  FiberRec& g = rec(waiter, "set_wait_holder");
  if (g.status == FiberStatus::blocked) g.blocked_on.holder = holder;
}

bool Simulation::attach(ObjectRef& ref, std::string_view kind, std::string_view name) {
  if (ref.run == run_serial_) return false;
  ref.run = run_serial_;
  ref.id = next_object_++;
  ObjectName& o = objects_.emplace_back();
  o.kind.assign(kind);
  if (name.empty())
    fmt::format_to(std::back_inserter(o.name), "{}#{}", kind, ref.id);
  else
    o.name.assign(name);
  ledger_.write([&](LedgerWriter& w) { w.object(ref.id, o.kind, o.name); });  // nothing once sealed
  return true;
}

std::optional<ev::OracleCall> Simulation::replayed_oracle_call(std::uint32_t oracle, std::uint64_t key_hash) {
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

void Simulation::wake(FiberId id) {
  if (inert()) return;
  FiberRec& g = rec(id, "wake");
  if (g.status == FiberStatus::ready && g.timed_out) {
    g.timed_out = false;
    ledger_.write([&](LedgerWriter& w) { w.two_fibers(ev::Wake::kCode, id, current_); });
    return;
  }
  if (g.status != FiberStatus::blocked)
    throw UsageError(fmt::format("wake of fiber {} which is {}, not blocked (step {})",
                                 label(id), to_string(g.status), step_));
  cancel_timer(g);
  g.status = FiberStatus::ready;
  g.waits_on.clear();
  insert_runnable(id);
  ledger_.write([&](LedgerWriter& w) { w.two_fibers(ev::Wake::kCode, id, current_); });
}

void Simulation::join(FiberId target) {
  if (inert()) return;
  FiberRec& t = rec(target, "join");
  if (target == current_)
    throw UsageError(fmt::format("fiber {} joins itself at step {}", label(target), step_));
  static const OpId kJoin = register_op("fiber.join");
  govern(kJoin, PendingOp::kJoinTarget | target.value);
  point(PointKind::op);
  ledger_.write([&](LedgerWriter& w) { w.two_fibers(ev::Join::kCode, current_, target); }, site_of(cur()));
  t.joined = true;
  if (!t.ended()) {
    if (!t.first_joiner.valid())
      t.first_joiner = current_;
    else
      t.more_joiners.push_back(current_);
    scratch_text_.assign("join ");
    append_label(scratch_text_, target);
    block_with(BlockReason::join, scratch_text_, std::nullopt, false, {}, target);
  }
  cur().where = {};
  if (t.error) {
    FiberRec& self = cur();
    self.rethrown = t.error;
    self.rethrown_from = target;
    self.rethrown_step = step_;
    std::rethrow_exception(t.error);
  }
}

void Simulation::fail(std::string message) {
  if (inert()) throw UsageError("omega::check failed during teardown: " + message);
  const std::string text =
      fmt::format("check failed in fiber {} at step {}: {}", label(current_), step_, message);
  end_run(Outcome::assertion, text, ev::Failure{current_, message});
  leave_for_good();
}

FiberRec& Simulation::rec(FiberId id, const char* what) {
  if (id.value >= fibers_.size())
    throw UsageError(fmt::format("{} of unknown fiber {} at step {}", what, id.value, step_));
  return *fibers_[id.value];
}

FiberId Simulation::spawn_fiber(std::function<std::uint64_t()> body, std::string name, bool daemon,
                      std::optional<std::set<std::string>> caps) {
  const FiberId id{static_cast<std::uint32_t>(fibers_.size())};
  const FiberId parent = fibers_.empty() ? FiberId{} : current_;
  auto f = std::make_unique<FiberRec>();
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
  if (name.empty())
    fmt::format_to(std::back_inserter(f->name), "fiber-{}", id.value);
  else
    f->name = std::move(name);
  f->daemon = daemon;
  f->body = std::move(body);
  FiberRec* raw = f.get();
  f->context = ctx::fiber(std::allocator_arg, detail::PooledGuardedStack{options_.stack_bytes, &raw->stack},
                          [this, raw](ctx::fiber&& back) { return fiber_main(*raw, std::move(back)); });
  fibers_.push_back(std::move(f));
  pending_.push_back(PendingOp{});
  if (!daemon) ++live_non_daemon_;
  runnable_.push_back(id);  // the newest id is the largest: stays sorted
  runnable_changed(id, true);
  ledger_.write([&](LedgerWriter& w) { w.spawn(id, parent, daemon, raw->name); },
                parent.valid() ? site_of(*fibers_[parent.value]) : 0);
  if (Beacon* b = g_beacon; b && id.value < Beacon::kNames) {
    const std::size_t n = std::min<std::size_t>(raw->name.size(), Beacon::kNameBytes - 1);
    std::memcpy(b->names[id.value], raw->name.data(), n);
    b->names[id.value][n] = '\0';
  }
  return id;
}

bool Simulation::block_with(BlockReason reason, std::string_view on, std::optional<std::uint64_t> deadline,
                  bool is_timeout, kernel::BlockOn what, FiberId join_target) {
  if (inert()) return true;
  FiberRec& f = cur();
  f.status = FiberStatus::blocked;
  f.reason = reason;
  // Reuses the fiber's buffer (no allocation once it has held a text this long); a fiber often
  // waits on the same thing again (a mutex's text is cached per owner), and then writes nothing.
  if (std::string_view(f.waits_on) != on) {
    f.waits_on.clear();
    f.waits_on.append(on);  // within capacity a plain copy (assign's general replace costs ~4x)
  }
  f.blocked_on = what;
  f.join_target = join_target;
  f.timed_out = false;
  if (deadline) {
    const Timer t{*deadline, is_timeout, f.id.value};
    timers_.insert(std::upper_bound(timers_.begin(), timers_.end(), t, std::greater<>{}), t);
    f.has_timer = true;
    f.timer = t;
  }
  remove_runnable(f.id);
  ledger_.write([&](LedgerWriter& w) {
    w.block(f.id, reason, f.waits_on, what.object, join_target.valid() ? join_target : what.holder);
  }, site_of(f));
  point(PointKind::block);
  return !f.timed_out;
}

void Simulation::enter(FiberRec& f) {
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

void Simulation::arrived(FiberRec& f) {
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

ctx::fiber Simulation::fiber_main(FiberRec& f, ctx::fiber&& back) {
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

void Simulation::finish_fiber(FiberRec& f, FiberStatus status, std::uint64_t value_hash,
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
    ledger_.write([&](LedgerWriter& w) { w.done(f.id, value_hash); });
  }
  if (f.first_joiner.valid()) wake(std::exchange(f.first_joiner, FiberId{}));
  for (FiberId j : f.more_joiners) wake(j);
  f.more_joiners.clear();

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

}  // namespace omega::sim::internal
