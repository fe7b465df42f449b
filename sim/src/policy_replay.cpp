// Replay: strict. Follows a recorded ledger's choices in order and checks, at every decision, that
// the program offers the same ready set (and, for data choices, the same kind and bound). The
// first mismatch, running out of recorded choices, or finishing with choices left over is a
// divergence: reported with the decision index and both ready sets, never papered over.

#include <omega/sim/policies.hpp>

#include <fmt/format.h>

namespace omega::sim {
namespace {

class ReplaySource final : public ChoiceSource {
 public:
  explicit ReplaySource(std::shared_ptr<const std::vector<Event>> recorded) {
    if (recorded) {
      for (const Event& e : *recorded) {
        if (std::holds_alternative<ev::ScheduleChoose>(e) || std::holds_alternative<ev::Choice>(e))
          choices_.push_back(&e);
        else if (const auto* call = std::get_if<ev::OracleCall>(&e))
          oracle_calls_.push_back(call);
      }
    }
    used_.assign(oracle_calls_.size(), false);
    recorded_ = std::move(recorded);
  }

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    const std::vector<FiberId> actual(q.ready.begin(), q.ready.end());
    const Event* e = next(q.decision_index, q.step, format_ready_set(actual));
    if (!e) return std::nullopt;
    const auto* s = std::get_if<ev::ScheduleChoose>(e);
    if (!s) {
      const auto& c = std::get<ev::Choice>(*e);
      return diverge(q.decision_index, q.step,
                     fmt::format("expected a {} choice (bound {}), the program made a scheduling "
                                 "decision over ready set {}",
                                 to_string(c.kind), c.bound, format_ready_set(actual)));
    }
    if (s->ready != actual) {
      return diverge(q.decision_index, q.step,
                     fmt::format("expected ready set {} (hash {:016x}) choosing fiber {}, actual "
                                 "ready set {} (hash {:016x})",
                                 format_ready_set(s->ready), ready_set_hash(s->ready),
                                 s->chosen.value, format_ready_set(actual),
                                 ready_set_hash(actual)));
    }
    return q.index_of(s->chosen);
  }

  std::optional<std::uint64_t> choose_data(const DataQuery& q) override {
    const Event* e = next(q.decision_index, q.step, fmt::format("a {} choice", to_string(q.kind)));
    if (!e) return std::nullopt;
    const auto* c = std::get_if<ev::Choice>(e);
    if (!c || c->kind != q.kind || c->bound != q.bound) {
      const std::string expected =
          c ? fmt::format("a {} choice (bound {})", to_string(c->kind), c->bound)
            : fmt::format("a scheduling decision over ready set {}",
                          format_ready_set(std::get<ev::ScheduleChoose>(*e).ready));
      return diverge(q.decision_index, q.step,
                     fmt::format("expected {}, the program asked for a {} choice (bound {})",
                                 expected, to_string(q.kind), q.bound));
    }
    return c->value;
  }

  bool replays_oracles() const override { return true; }

  const ev::OracleCall* take_oracle_call(std::uint32_t oracle, std::uint64_t key_hash) override {
    for (std::size_t i = 0; i < oracle_calls_.size(); ++i) {
      if (used_[i] || oracle_calls_[i]->oracle != oracle || oracle_calls_[i]->key_hash != key_hash) continue;
      used_[i] = true;
      return oracle_calls_[i];
    }
    return nullptr;
  }

  std::optional<std::string> finish(std::uint64_t decisions_used) override {
    if (decisions_used >= choices_.size()) return std::nullopt;
    divergence_ = fmt::format(
        "divergence at decision {}: the run ended but the recording has {} decisions",
        decisions_used, choices_.size());
    return divergence_;
  }

 private:
  const Event* next(std::uint64_t index, std::uint64_t step, const std::string& actual) {
    if (index >= choices_.size()) {
      diverge(index, step,
              fmt::format("ran out of recorded choices (the recording has {}); actual: {}",
                          choices_.size(), actual));
      return nullptr;
    }
    return choices_[index];
  }

  std::optional<std::uint64_t> diverge(std::uint64_t index, std::uint64_t step,
                                       const std::string& what) {
    divergence_ = fmt::format("divergence at decision {} (step {}): {}", index, step, what);
    return std::nullopt;
  }

  std::shared_ptr<const std::vector<Event>> recorded_;
  std::vector<const Event*> choices_;  // into *recorded_, in decision order
  std::vector<const ev::OracleCall*> oracle_calls_;  // into *recorded_, in record order
  std::vector<bool> used_;                           // parallel to oracle_calls_
};

}  // namespace

std::unique_ptr<ChoiceSource> make_replay_source(std::shared_ptr<const std::vector<Event>> rec) {
  return std::make_unique<ReplaySource>(std::move(rec));
}

}  // namespace omega::sim
