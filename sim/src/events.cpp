#include <omega/sim/events.hpp>
#include <omega/sim/hash.hpp>

#include <fmt/format.h>

#include <type_traits>

namespace omega::sim {

std::string_view to_string(BlockReason r) noexcept {
  switch (r) {
    case BlockReason::join: return "join";
    case BlockReason::mutex: return "mutex";
    case BlockReason::ivar: return "ivar";
    case BlockReason::channel_send: return "channel-send";
    case BlockReason::channel_recv: return "channel-recv";
    case BlockReason::actor: return "actor";
    case BlockReason::sleep: return "sleep";
    case BlockReason::condvar: return "condvar";
    case BlockReason::semaphore: return "semaphore";
    case BlockReason::other: return "other";
  }
  return "?";
}

std::string_view to_string(ChoiceKind k) noexcept {
  switch (k) {
    case ChoiceKind::schedule: return "schedule";
    case ChoiceKind::random: return "random";
    case ChoiceKind::latency: return "latency";
    case ChoiceKind::fault: return "fault";
    case ChoiceKind::delivery: return "delivery";
    case ChoiceKind::notify: return "notify";
    case ChoiceKind::spurious: return "spurious";
  }
  return "?";
}

std::string_view to_string(OpCode o) noexcept {
  switch (o) {
    case OpCode::lock: return "lock";
    case OpCode::unlock: return "unlock";
    case OpCode::try_lock_failed: return "try_lock_failed";
    case OpCode::put: return "put";
    case OpCode::get: return "get";
    case OpCode::send: return "send";
    case OpCode::recv: return "recv";
    case OpCode::close: return "close";
    case OpCode::read: return "read";
    case OpCode::write: return "write";
    case OpCode::read_modify_write: return "read_modify_write";
    case OpCode::wait: return "wait";
    case OpCode::notify: return "notify";
    case OpCode::acquire: return "acquire";
    case OpCode::release: return "release";
    case OpCode::timeout: return "timeout";
  }
  return "?";
}

std::uint64_t ready_set_hash(const std::vector<FiberId>& ready) noexcept {
  std::uint64_t h = fnv1a64_u32le(static_cast<std::uint32_t>(ready.size()), kFnvOffset);
  for (FiberId f : ready) h = fnv1a64_u32le(f.value, h);
  return h;
}

std::string format_ready_set(const std::vector<FiberId>& ready) {
  std::string s = "{";
  for (std::size_t i = 0; i < ready.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ready[i].value);
  }
  return s + "}";
}

namespace {
std::string fid(FiberId f) { return f.valid() ? std::to_string(f.value) : std::string("-"); }
}  // namespace

bool is_sited(const Event& e) noexcept {
  return std::visit([](const auto& x) { return SitedEvent<std::decay_t<decltype(x)>>; }, e);
}

std::uint32_t event_site(const Event& e) noexcept {
  return std::visit(
      [](const auto& x) -> std::uint32_t {
        if constexpr (SitedEvent<std::decay_t<decltype(x)>>)
          return x.site;
        else
          return 0;
      },
      e);
}

void set_event_site(Event& e, std::uint32_t site) noexcept {
  std::visit(
      [site](auto& x) {
        if constexpr (SitedEvent<std::decay_t<decltype(x)>>) x.site = site;
      },
      e);
}

std::string describe(const Event& e) {
  std::string text = std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ev::Spawn>)
          return fmt::format("Spawn fiber={} parent={} name={}{}", fid(x.fiber), fid(x.parent),
                             x.name, x.daemon ? " daemon" : "");
        else if constexpr (std::is_same_v<T, ev::ScheduleChoose>)
          return fmt::format("ScheduleChoose step={} decision={} current={} chosen={} choice={} ready={} hash={:016x}",
                             x.step, x.decision_index, fid(x.current), fid(x.chosen), x.choice,
                             format_ready_set(x.ready),
                             ready_set_hash(x.ready));
        else if constexpr (std::is_same_v<T, ev::Yield>)
          return fmt::format("Yield fiber={}", fid(x.fiber));
        else if constexpr (std::is_same_v<T, ev::Block>)
          return fmt::format("Block fiber={} reason={} on={}{}{}", fid(x.fiber), to_string(x.reason),
                             x.on,
                             x.object == ev::Block::kNoObject ? "" : fmt::format(" object={}", x.object),
                             x.holder.valid() ? fmt::format(" holder={}", x.holder.value) : "");
        else if constexpr (std::is_same_v<T, ev::Wake>)
          return fmt::format("Wake fiber={} by={}", fid(x.fiber), fid(x.by));
        else if constexpr (std::is_same_v<T, ev::Join>)
          return fmt::format("Join fiber={} target={}", fid(x.fiber), fid(x.target));
        else if constexpr (std::is_same_v<T, ev::Done>)
          return fmt::format("Done fiber={} value_hash={:016x}", fid(x.fiber), x.value_hash);
        else if constexpr (std::is_same_v<T, ev::Error>)
          return fmt::format("Error fiber={} message={}", fid(x.fiber), x.message);
        else if constexpr (std::is_same_v<T, ev::Choice>)
          return fmt::format("Choice decision={} kind={} bound={} value={}", x.decision_index,
                             to_string(x.kind), x.bound, x.value);
        else if constexpr (std::is_same_v<T, ev::Deadlock>)
          return fmt::format("Deadlock {}", x.waits);
        else if constexpr (std::is_same_v<T, ev::Failure>)
          return fmt::format("Failure fiber={} message={}", fid(x.fiber), x.message);
        else if constexpr (std::is_same_v<T, ev::BudgetExhausted>)
          return fmt::format("BudgetExhausted budget={} limit={}", x.budget, x.limit);
        else if constexpr (std::is_same_v<T, ev::Divergence>)
          return fmt::format("Divergence decision={} {}", x.decision_index, x.message);
        else if constexpr (std::is_same_v<T, ev::Object>)
          return fmt::format("Object {} {} {}", x.object, x.kind, x.name);
        else if constexpr (std::is_same_v<T, ev::Op>)
          return fmt::format("Op fiber={} object={} {} arg={}", fid(x.fiber), x.object, to_string(x.op), x.arg);
        else if constexpr (std::is_same_v<T, ev::Site>)
          return fmt::format("Site {} {}:{}", x.site, x.file, x.line);
        else if constexpr (std::is_same_v<T, ev::TimeAdvance>)
          return fmt::format("TimeAdvance now={}ns", x.now_ns);
        else if constexpr (std::is_same_v<T, ev::Timeout>)
          return fmt::format("Timeout fiber={}", fid(x.fiber));
        else if constexpr (std::is_same_v<T, ev::Denied>)
          return fmt::format("Denied fiber={} op={} cap={}", fid(x.fiber), x.op, x.cap);
        else
          return fmt::format("OracleCall fiber={} oracle={} key={:016x} result_bytes={} latency={}ns "
                             "fault={} executed={}",
                             fid(x.fiber), x.oracle, x.key_hash, x.result.size(), x.latency_ns,
                             x.fault, x.executed);
      },
      e);
  if (const std::uint32_t site = event_site(e)) text += fmt::format(" site={}", site);
  return text;
}

}  // namespace omega::sim
