// Teardown: unwinding the fibers left when a run ends, abandoning those that cannot be unwound, and
// catching code that swallows the unwind.

#include "simulation.hpp"

namespace omega::sim::internal {

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

bool Simulation::inert_slow() {
  if (!tearing_down_) {
    throw UsageError(fmt::format(
        "fiber {} performed a simulation operation inside an oracle's fn at step {}: fn is not "
        "run again on replay, so it must not spawn, yield, block, lock, send or call oracles",
        label(current_), step_));
  }
  FiberRec& f = cur();
  if (f.unwinding && std::uncaught_exceptions() == 0 && !handling_unwind()) {
    report_swallowed(f);
    throw FiberUnwind{};
  }
  return true;
}

bool Simulation::handling_unwind() {
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

void Simulation::abandon_if_unwinding() noexcept {
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

void Simulation::abandon(FiberRec& f, const char* why) noexcept {
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

void Simulation::release_abandoned(FiberRec& f) noexcept {
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

void Simulation::report_swallowed(FiberRec& f) {
  if (f.swallow_reported) return;
  f.swallow_reported = true;
  harness_errors_.push_back(fmt::format(
      "fiber {} swallowed the teardown unwind (a catch (...) that does not rethrow); rethrow "
      "with `throw;`",
      label(f.id)));
}

std::string Simulation::error_history(const FiberRec& f) const {
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

void Simulation::teardown() {
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

}  // namespace omega::sim::internal
