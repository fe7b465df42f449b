#pragma once
// omega::Channel<T>(capacity). Capacity 0 is a true rendezvous: a send completes only when a
// receiver has taken the value. Capacity n buffers n values. A value goes straight to the longest
// waiting receiver when there is one. close() wakes every blocked sender and receiver; a send on a
// closed channel (or one blocked when it closes) throws ChannelClosed; recv drains the buffer,
// then returns std::nullopt. recv_for / send_for give up after a virtual timeout.

#include <omega/detail/primitive.hpp>
#include <omega/detail/value_hash.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace omega {

struct ChannelClosed : UsageError {
  using UsageError::UsageError;
};

template <class T>
class Channel : public detail::Primitive {
 public:
  explicit Channel(std::size_t capacity, std::string name = {})
      : Primitive("channel", std::move(name)), capacity_(capacity) {}

  // `where` (every operation): the caller's source location, for reports; leave it defaulted.
  void send(T value, std::source_location where = std::source_location::current()) {
    send_until(std::move(value), std::nullopt, "omega::Channel::send", where);
  }

  template <class Rep, class Period>
  bool send_for(T value, std::chrono::duration<Rep, Period> timeout, std::source_location where = std::source_location::current()) {
    return send_until(std::move(value), timeout_deadline(timeout), "omega::Channel::send_for", where);
  }

  // The next value, or std::nullopt once the channel is closed and drained.
  std::optional<T> recv(std::source_location where = std::source_location::current()) { return recv_until(std::nullopt, "omega::Channel::recv", where); }

  // The next value, or std::nullopt on timeout or when closed and drained (closed() tells which).
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> timeout, std::source_location where = std::source_location::current()) {
    return recv_until(timeout_deadline(timeout), "omega::Channel::recv_for", where);
  }

  void close(std::source_location where = std::source_location::current()) {
    if (!begin("omega::Channel::close", detail::op_id<"channel.close">(), where)) return;
    if (closed_)
      throw UsageError("fiber " + detail::label(detail::me()) + " closes " + describe() +
                       " twice (step " + std::to_string(detail::step()) + ")");
    closed_ = true;
    record(sim::OpCode::close);
    for (Receiver* r : receivers_) sim::kernel::wake(r->fiber);
    receivers_.clear();
    for (Sender* s : senders_) sim::kernel::wake(s->fiber);
    senders_.clear();
  }

  bool closed() const noexcept { return !stale() && closed_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t buffered() const noexcept { return stale() ? 0 : buffer_.size(); }

 private:
  // Waiters live on the waiting fiber's stack for the duration of the wait.
  struct Receiver {
    FiberId fiber;
    std::optional<T> slot;
  };
  struct Sender {
    FiberId fiber;
    T* value;
    bool taken = false;
  };

  template <class Rep, class Period>
  static std::uint64_t timeout_deadline(std::chrono::duration<Rep, Period> timeout) {
    return detail::deadline_after(detail::to_ns(timeout));
  }

  [[noreturn]] void throw_closed(const char* what) const {
    throw ChannelClosed("fiber " + detail::label(detail::me()) + " " + what + " " + describe() +
                        ", which is closed (step " + std::to_string(detail::step()) + ")");
  }

  bool send_until(T value, std::optional<std::uint64_t> deadline, const char* api, const std::source_location& where) {
    if (!begin(api, detail::op_id<"channel.send">(), where)) return false;
    if (closed_) throw_closed("sends on");
    const std::uint64_t hash = detail::value_hash(value);
    if (!receivers_.empty()) {  // hand over to the longest waiting receiver
      Receiver* r = receivers_.front();
      receivers_.pop_front();
      r->slot.emplace(std::move(value));
      record(sim::OpCode::send, hash);
      sim::kernel::wake(r->fiber);
      return true;
    }
    if (buffer_.size() < capacity_) {
      buffer_.push_back(std::move(value));
      record(sim::OpCode::send, hash);
      return true;
    }
    Sender self{detail::me(), &value};
    senders_.push_back(&self);
    const std::string_view on = wait_text(capacity_ == 0 ? " (waiting for a receiver)" : " (full)");
    const sim::kernel::BlockOn what{object_id(), {}};
    const bool woken = deadline ? sim::kernel::block_until(sim::BlockReason::channel_send, on, *deadline, what)
                                : (sim::kernel::block(sim::BlockReason::channel_send, on, what), true);
    if (self.taken) {
      record(sim::OpCode::send, hash);
      return true;
    }
    senders_.erase(std::remove(senders_.begin(), senders_.end(), &self), senders_.end());
    if (!woken) {
      record(sim::OpCode::timeout);
      return false;
    }
    throw_closed("was blocked sending on");
  }

  std::optional<T> recv_until(std::optional<std::uint64_t> deadline, const char* api,
                              const std::source_location& where) {
    if (!begin(api, detail::op_id<"channel.recv">(), where)) return std::nullopt;
    if (!buffer_.empty()) {
      std::optional<T> v(std::move(buffer_.front()));
      buffer_.pop_front();
      if (!senders_.empty()) {  // a blocked sender's value moves into the freed slot
        Sender* s = senders_.front();
        senders_.pop_front();
        buffer_.push_back(std::move(*s->value));
        s->taken = true;
        sim::kernel::wake(s->fiber);
      }
      record(sim::OpCode::recv, detail::value_hash(*v));
      return v;
    }
    if (!senders_.empty()) {  // rendezvous: take the value from the longest waiting sender
      Sender* s = senders_.front();
      senders_.pop_front();
      std::optional<T> v(std::move(*s->value));
      s->taken = true;
      sim::kernel::wake(s->fiber);
      record(sim::OpCode::recv, detail::value_hash(*v));
      return v;
    }
    if (closed_) return std::nullopt;
    Receiver self{detail::me(), std::nullopt};
    receivers_.push_back(&self);
    const std::string_view on = wait_text(" (empty)");
    const sim::kernel::BlockOn what{object_id(), {}};
    const bool woken = deadline ? sim::kernel::block_until(sim::BlockReason::channel_recv, on, *deadline, what)
                                : (sim::kernel::block(sim::BlockReason::channel_recv, on, what), true);
    if (self.slot) {
      record(sim::OpCode::recv, detail::value_hash(*self.slot));
      return std::move(self.slot);
    }
    receivers_.erase(std::remove(receivers_.begin(), receivers_.end(), &self), receivers_.end());
    if (!woken) record(sim::OpCode::timeout);
    return std::nullopt;  // timed out, or closed while waiting
  }

  void reset() override {
    buffer_.clear();
    receivers_.clear();
    senders_.clear();
    closed_ = false;
  }

  std::size_t capacity_;
  std::deque<T> buffer_;
  std::deque<Receiver*> receivers_;  // longest waiting first
  std::deque<Sender*> senders_;      // longest waiting first
  bool closed_ = false;
};

}  // namespace omega
