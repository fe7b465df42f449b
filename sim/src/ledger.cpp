// The Ledger class (ledger.hpp): its side tables and their per-thread spares, the digest over the
// canonical encoding, the relative decisions' wide form, and events() with sites merged back in.
// The encodings themselves are ledger_codec.cpp's.

#include <omega/sim/byte_io.hpp>
#include <omega/sim/hash.hpp>
#include <omega/sim/ledger.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>
#include <utility>

namespace omega::sim {

using detail::fiber_code;
using detail::put_varint;

namespace {

// One spare per side table and thread, as plain pointers (no thread_local destructor) so that a
// ledger destroyed after this thread's cleanup finds them valid (as ledger_codec.cpp's byte spare).
thread_local std::vector<std::uint64_t>* tls_spare_steps = nullptr;
thread_local std::vector<std::pair<std::uint64_t, std::uint32_t>>* tls_spare_sites = nullptr;
thread_local std::vector<Ledger::SiteEntry>* tls_spare_site_entries = nullptr;
thread_local bool tls_tables_closed = false;

struct TablesCleanup {
  ~TablesCleanup() {
    delete std::exchange(tls_spare_steps, nullptr);
    delete std::exchange(tls_spare_sites, nullptr);
    delete std::exchange(tls_spare_site_entries, nullptr);
    tls_tables_closed = true;
  }
};

void touch_tables_cleanup() {
  thread_local TablesCleanup cleanup;
  (void)cleanup;
}

template <class T>
void grow_from_spare(std::vector<T>& v, std::vector<T>*& spare, std::size_t first) {
  if (v.capacity() == 0 && spare != nullptr && spare->capacity() >= first) {
    v.swap(*spare);
    return;
  }
  v.reserve(std::max(first, 2 * v.capacity()));
}

template <class T>
void give_to_spare(std::vector<T>& v, std::vector<T>*& spare) noexcept {
  constexpr std::size_t kMax = (std::size_t{1} << 20) / sizeof(T);  // never hoard more than 1 MiB
  if (tls_tables_closed || v.capacity() == 0 || v.capacity() > kMax) return;
  if (spare == nullptr) {
    touch_tables_cleanup();
    spare = new (std::nothrow) std::vector<T>();
    if (spare == nullptr) return;
  }
  if (v.capacity() > spare->capacity()) {
    v.clear();
    v.swap(*spare);
  }
}

}  // namespace

void Ledger::grow(std::vector<std::uint64_t>& v, std::size_t first) { grow_from_spare(v, tls_spare_steps, first); }
void Ledger::grow(std::vector<std::pair<std::uint64_t, std::uint32_t>>& v, std::size_t first) {
  grow_from_spare(v, tls_spare_sites, first);
}

void Ledger::grow(std::vector<SiteEntry>& v, std::size_t first) { grow_from_spare(v, tls_spare_site_entries, first); }

void Ledger::give_back_tables() noexcept {
  give_to_spare(step_starts_, tls_spare_steps);
  give_to_spare(event_sites_, tls_spare_sites);
  give_to_spare(sites_, tls_spare_site_entries);
}

std::uint64_t Ledger::hash() const {
  if (!has_relative_) return fnv1a64(bytes_);
  const std::vector<std::uint8_t> bytes = canonical();
  return fnv1a64(std::span<const std::uint8_t>(bytes));
}

std::vector<std::uint8_t> Ledger::canonical() const {
  if (!has_relative_) return bytes_.to_vector();
  return encode(decode(bytes_, events_));
}

void Ledger::schedule_choose_wide(std::uint8_t flags, std::uint64_t step, std::uint64_t decision_index,
                                  std::uint64_t choice, std::span<const FiberId> ready, std::uint64_t ready_key,
                                  FiberId current) {
  const std::size_t ready_bytes = flags & kRelReadySame ? 0 : 10 + 5 * ready.size();
  std::uint8_t* p = bytes_.open(2 + 10 + 10 + ready_bytes + 5 + 10);  // one capacity check
  *p++ = kRelativeScheduleCode;
  *p++ = flags;
  if (!(flags & kRelStepNext)) p = put_varint(p, step);
  if (!(flags & kRelDecisionNext)) p = put_varint(p, decision_index);
  if (flags & kRelReadyMask) {
    p = put_varint(p, ready_key);
  } else if (!(flags & kRelReadySame)) {
    p = put_varint(p, ready.size());
    for (FiberId f : ready) p = put_varint(p, fiber_code(f));
  }
  if (!(flags & kRelCurrentWasChosen)) p = put_varint(p, fiber_code(current));
  bytes_.close(put_varint(p, choice));
}

void Ledger::append(const Event& e) {
  if (sealed_) return;
  if (const auto* site = std::get_if<ev::Site>(&e)) {
    if (site->site != sites_.size() + 1)
      throw std::invalid_argument(fmt::format("site {} out of order (expected {})", site->site, sites_.size() + 1));
    sites_.push_back(SiteEntry{interned_file(site->file), site->line});
    return;
  }
  write([&](LedgerWriter& w) { w.event(e); }, event_site(e));
  if (const auto* c = std::get_if<ev::ScheduleChoose>(&e))
    rel_ = {c->step, c->decision_index + 1, 0, c->chosen, false};  // its ready set: unknown key
  else if (const auto* c = std::get_if<ev::Choice>(&e))
    rel_.next_decision = c->decision_index + 1;
}

ev::Site Ledger::site_event(std::size_t index) const {
  return ev::Site{static_cast<std::uint32_t>(index + 1), std::string(sites_[index].file), sites_[index].line};
}

std::string_view Ledger::interned_file(const std::string& file) {
  // Sites appended from files (a handful of distinct paths) live for the process, like the
  // kernel's source_location strings, so a ledger's copy can keep views of them.
  static std::mutex lock;
  static std::set<std::string, std::less<>>* files = new std::set<std::string, std::less<>>();  // never freed: views outlive exit-time destructors
  std::lock_guard g(lock);
  return *files->insert(file).first;
}

std::vector<Event> Ledger::events() const {
  std::vector<Event> out = decode(bytes_, events_ + sites_.size());
  if (sites_.empty()) return out;
  std::vector<Event> merged;
  merged.reserve(out.size() + sites_.size());
  std::size_t next_site = 0, next_event_site = 0;  // sites_ introduced so far; event_sites_ consumed
  for (std::uint64_t ordinal = 0; ordinal < out.size(); ++ordinal) {
    Event& e = out[ordinal];
    if (next_event_site < event_sites_.size() && event_sites_[next_event_site].first == ordinal) {
      const std::uint32_t site = event_sites_[next_event_site++].second;
      set_event_site(e, site);
      while (next_site < site && next_site < sites_.size()) merged.emplace_back(site_event(next_site++));
    }
    merged.push_back(std::move(e));
  }
  while (next_site < sites_.size()) merged.emplace_back(site_event(next_site++));  // sites no event named
  return merged;
}

std::vector<std::uint64_t> Ledger::event_steps(const std::vector<Event>& events) const {
  std::vector<std::uint64_t> steps;
  steps.reserve(events.size());
  std::uint64_t ordinal = 0, step = 0;
  for (const Event& e : events) {
    if (std::holds_alternative<ev::Site>(e)) {
      steps.push_back(step);  // fixed below: a site belongs to the event it introduces
      continue;
    }
    if (step_starts_.empty()) {
      if (const auto* c = std::get_if<ev::ScheduleChoose>(&e)) step = c->step;
    } else {
      while (step < step_starts_.size() && step_starts_[step] <= ordinal) ++step;
    }
    steps.push_back(step);
    ++ordinal;
  }
  for (std::size_t i = steps.size(); i-- > 1;)
    if (std::holds_alternative<ev::Site>(events[i - 1])) steps[i - 1] = steps[i];
  return steps;
}

}  // namespace omega::sim
