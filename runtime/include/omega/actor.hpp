#pragma once
// Actors: omega::actor::spawn<Msg>(handler, name, supervision, order) starts a daemon fiber that
// handles one message at a time; send(actor, msg) and ask(actor, msg) (a reply IVar) enqueue.
// Mailbox order (Order): fifo, the default, handles messages in the order they were sent, across
// all senders, and makes no choice; per_sender keeps each sender's messages in order, and when
// several senders have messages waiting, which head is delivered next is a data choice
// (ChoiceKind::delivery, 0 = the lowest send number), recorded. When the handler throws, the
// supervision strategy decides: resume (keep the handler's state), restart (a fresh copy of the
// handler as given, at most `restart_limit` times; the next failure stops it), stop (later
// messages are dead letters), escalate (the actor's fiber ends with the exception: its parent
// gets it from join(), and a run that never joins it fails with it). A failed ask's reply stays
// empty. The handle (Ref) answers pending(), supervision(), order(), restarts() and stats().

#include <omega/detail/primitive.hpp>
#include <omega/fiber.hpp>
#include <omega/ivar.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace omega::actor {

enum class Strategy { restart, stop, escalate, resume };

struct Supervision {
  Strategy strategy = Strategy::restart;
  std::uint32_t restart_limit = 3;
};

// The order in which an actor handles its mailbox.
enum class Order {
  fifo,        // global send order, across senders (the seed's actor/send); no choice is made
  per_sender,  // FIFO per sender; the next sender among those waiting is a delivery choice
};

struct Stats {
  std::uint64_t delivered = 0, failures = 0, restarts = 0, dead_letters = 0;
  bool stopped = false;
};

namespace detail {

template <class Msg, class Reply>
class Core : public omega::detail::Primitive {
 public:
  using Handler = std::function<Reply(const Msg&)>;
  using ReplySlot = std::shared_ptr<IVar<Reply>>;

  Core(Handler handler, std::string name, Supervision supervision, Order order)
      : Primitive("actor", std::move(name)), pristine_(handler), handler_(std::move(handler)),
        supervision_(supervision), order_(order) {}

  void enqueue(Msg msg, ReplySlot reply) {
    if (!begin("omega::actor::send", omega::detail::op_id<"actor.send">())) return;
    if (stats_.stopped) {
      ++stats_.dead_letters;
      record(sim::OpCode::send, 0);
      return;
    }
    const std::uint32_t queue = order_ == Order::fifo ? 0 : omega::detail::me().value;
    mailbox_[queue].push_back(Envelope{next_send_++, std::move(msg), std::move(reply)});
    record(sim::OpCode::send, next_send_);
    if (idle_) {
      idle_ = false;
      sim::kernel::wake(fiber_);
    }
  }

  // The actor fiber's body.
  void loop() {
    fiber_ = omega::detail::me();
    for (;;) {
      if (!begin("omega::actor::receive", omega::detail::op_id<"actor.receive">())) return;
      while (empty()) {
        idle_ = true;
        sim::kernel::block(sim::BlockReason::actor, wait_text(" (mailbox empty)"));
      }
      Envelope e = take();
      record(sim::OpCode::recv, e.send_number);
      try {
        if constexpr (std::is_void_v<Reply>) {
          handler_(e.msg);
        } else {
          Reply r = handler_(e.msg);
          if (e.reply) e.reply->put(std::move(r));
        }
        ++stats_.delivered;
      } catch (...) {
        if (sim::kernel::tearing_down()) throw;  // the run is being unwound: not a handler failure
        ++stats_.failures;
        if (!supervise()) throw;  // escalate
      }
      if (stats_.stopped) {
        for (auto& [sender, queue] : mailbox_) stats_.dead_letters += queue.size();
        mailbox_.clear();
        return;
      }
    }
  }

  const Stats& stats() const noexcept {
    static const Stats kFresh{};  // immutable: what an actor new to this run reports
    return stale() ? kFresh : stats_;
  }

  // Messages waiting (not counting the one being handled); 0 in a run that has not used the actor.
  std::size_t pending() const noexcept {
    if (stale()) return 0;
    std::size_t n = 0;
    for (const auto& [queue, messages] : mailbox_) n += messages.size();
    return n;
  }
  const Supervision& supervision() const noexcept { return supervision_; }
  Order order() const noexcept { return order_; }

 private:
  struct Envelope {
    std::uint64_t send_number;
    Msg msg;
    ReplySlot reply;
  };

  bool empty() const {
    for (const auto& [sender, queue] : mailbox_)
      if (!queue.empty()) return false;
    return true;
  }

  // FIFO: the front of the one queue. per_sender: the heads of the senders' queues, lowest send
  // number first; a delivery choice picks one (none is recorded when only one sender waits).
  Envelope take() {
    std::deque<Envelope>* queue = nullptr;
    if (order_ == Order::fifo) {
      queue = &mailbox_.begin()->second;
    } else {
      std::vector<std::pair<std::uint64_t, std::uint32_t>> heads;  // (send number, sender)
      for (const auto& [sender, messages] : mailbox_)
        if (!messages.empty()) heads.emplace_back(messages.front().send_number, sender);
      std::sort(heads.begin(), heads.end());
      const auto pick = static_cast<std::size_t>(sim::kernel::choose(sim::ChoiceKind::delivery, heads.size()));
      queue = &mailbox_[heads[pick].second];
    }
    Envelope e = std::move(queue->front());
    queue->pop_front();
    return e;
  }

  // Applies the strategy after a failure; false means escalate.
  bool supervise() {
    switch (supervision_.strategy) {
      case Strategy::resume: return true;
      case Strategy::restart:
        if (stats_.restarts >= supervision_.restart_limit) {
          stats_.stopped = true;
        } else {
          ++stats_.restarts;
          handler_ = pristine_;
        }
        return true;
      case Strategy::stop: stats_.stopped = true; return true;
      case Strategy::escalate: stats_.stopped = true; return false;
    }
    return true;
  }

  void reset() override {
    mailbox_.clear();
    idle_ = false;
    next_send_ = 0;
    stats_ = {};
    handler_ = pristine_;
  }

  Handler pristine_, handler_;
  Supervision supervision_;
  Order order_;
  // fifo: one queue (key 0) in send order; per_sender: one queue per sender fiber id, each in
  // send order. Only run state: dropped by reset().
  std::map<std::uint32_t, std::deque<Envelope>> mailbox_;
  std::uint64_t next_send_ = 0;
  bool idle_ = false;  // blocked on an empty mailbox
  FiberId fiber_;
  Stats stats_;
};

}  // namespace detail

// A handle to an actor; copyable.
template <class Msg, class Reply>
class Ref {
 public:
  Ref(std::shared_ptr<detail::Core<Msg, Reply>> core, Fiber<void> fiber)
      : core_(std::move(core)), fiber_(std::move(fiber)) {}

  const Stats& stats() const noexcept { return core_->stats(); }
  // Messages waiting in the mailbox, not counting the one being handled (0 once stopped: the rest
  // became dead letters). A query: no scheduling point; in a run that has not used the actor, 0.
  std::size_t pending() const noexcept { return core_->pending(); }
  // The settings given at spawn.
  const Supervision& supervision() const noexcept { return core_->supervision(); }
  Order order() const noexcept { return core_->order(); }
  // Restarts so far (stats().restarts); the actor stops at the failure after restart_limit of them.
  std::uint64_t restarts() const noexcept { return core_->stats().restarts; }
  FiberId fiber() const noexcept { return fiber_.id(); }
  // Waits for the actor to stop; rethrows an escalated failure.
  void join() const { omega::join(fiber_); }
  detail::Core<Msg, Reply>& core() const noexcept { return *core_; }

 private:
  std::shared_ptr<detail::Core<Msg, Reply>> core_;
  Fiber<void> fiber_;
};

// Starts an actor (a daemon fiber) handling Msg with a copy of `handler`; `order` is its mailbox
// order (see Order). Only inside a simulation.
template <class Msg, class Handler>
auto spawn(Handler handler, std::string name = {}, Supervision supervision = {}, Order order = Order::fifo) {
  using Reply = std::invoke_result_t<Handler&, const Msg&>;
  auto core = std::make_shared<detail::Core<Msg, Reply>>(std::move(handler), name, supervision, order);
  auto fiber = spawn_daemon([core] { core->loop(); }, name.empty() ? std::string("actor") : name);
  return Ref<Msg, Reply>(core, fiber);
}

template <class Msg, class Reply>
void send(const Ref<Msg, Reply>& actor, Msg msg) {
  actor.core().enqueue(std::move(msg), nullptr);
}

// The reply arrives in the returned IVar (it stays empty if the handler fails).
template <class Msg, class Reply>
std::shared_ptr<IVar<Reply>> ask(const Ref<Msg, Reply>& actor, Msg msg) {
  static_assert(!std::is_void_v<Reply>, "ask needs a handler that returns a reply");
  auto reply = std::make_shared<IVar<Reply>>();
  actor.core().enqueue(std::move(msg), reply);
  return reply;
}

}  // namespace omega::actor
