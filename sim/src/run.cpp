// A run from set-up to RunResult (execute), and how it ends (end_run, end_of_run); the public
// run() and RunResult's queries.

#include "simulation.hpp"

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

RunResult run(const RunOptions& options, std::function<void()> body) {
  if (internal::tls_current != nullptr)
    throw UsageError("omega::sim::run called inside a simulation: runs do not nest");
  // Out of bounds, a stack either overflows in the kernel's own code or cannot be mapped: say so
  // now, naming the option, rather than crash in the first fiber.
  check_stack_bytes(options.stack_bytes);
  internal::Simulation s(options);
  return s.execute(std::move(body));
}

namespace internal {

RunResult Simulation::execute(std::function<void()> body) {
  detail::install_overflow_handler();
  struct Current {
    Simulation* self;
    explicit Current(Simulation* s) : self(s) { tls_current = s; }
    ~Current() { tls_current = nullptr; }
  } current_guard(this);

  // The root's body stays here; the fiber holds only `this` (no second std::function on the heap).
  root_body_ = std::move(body);
  root_ = spawn_fiber(
      [this] {
        root_body_();
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
  for (const auto& f : fibers_) {
    if (!f->abandoned) continue;
    message_ += fmt::format(
        "{}fiber {} was suspended ({}) {}, where unwinding it would call "
        "std::terminate: it was abandoned, its stack released without running the destructors "
        "of the objects on it (leaked)",
        message_.empty() ? "teardown: " : kTeardownNote, label(f->id),
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

void Simulation::leave_for_good() {
  switch_to(cur(), nullptr);
  std::abort();  // unreachable: an ended run never resumes a fiber normally
}

void Simulation::end_of_run() {
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

void Simulation::end_run(Outcome outcome, std::string message, std::optional<Event> event) {
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

}  // namespace internal
}  // namespace omega::sim
