// Source sites: where user code called each operation (kernel::at), interned per run as Site ids.

#include "simulation.hpp"

#include <map>
#include <string_view>

namespace omega::sim::internal {

namespace {

// The last two components of a path ("examples/pipeline.cpp"): the same wherever the code was
// built, so ledgers of one program agree across checkouts and build folders.
std::string_view short_path(std::string_view file) {
  const auto last = file.rfind('/');
  if (last == std::string_view::npos || last == 0) return file;
  const auto before = file.rfind('/', last - 1);
  return before == std::string_view::npos ? file : file.substr(before + 1);
}

// A call from a standard header (std::lock_guard's lock) or from Omega's own headers (a memo's
// internal lock) says nothing about the user's code.
bool library_file(std::string_view file) {
  return file.starts_with("/usr/") || file.find("include/omega/") != std::string_view::npos;
}

}  // namespace

namespace {

struct SiteKey {
  std::uintptr_t file;  // the compiler's string: only looked up, never ordered in output
  std::uint32_t line, column;
  friend auto operator<=>(const SiteKey&, const SiteKey&) = default;
};
// For the thread's life: a run on this thread finds a line it reached before without allocating.
thread_local std::map<SiteKey, SiteInfo> tls_sites;
thread_local SiteSlot tls_slots[kSiteSlots];

}  // namespace

SiteSlot* thread_site_slots() noexcept { return tls_slots; }

std::uint32_t Simulation::site_slow(const std::source_location& where, SiteSlot& slot) {
  SiteInfo* found = slot.key == site_key(where) ? slot.info : nullptr;  // known, from an earlier run
  if (found == nullptr) {
    const SiteKey key{reinterpret_cast<std::uintptr_t>(where.file_name()), where.line(), where.column()};
    auto it = tls_sites.find(key);
    if (it == tls_sites.end()) {
      const std::string_view file = where.file_name();
      it = tls_sites.emplace(key, SiteInfo{0, 0, library_file(file), short_path(file), where.line()}).first;
    }
    found = &it->second;
    slot = SiteSlot{site_key(where), found};
  }
  SiteInfo& info = *found;
  if (info.run == run_serial_) return info.site;
  if (ledger_.sealed()) return 0;
  info.run = run_serial_;
  info.site = info.library ? 0 : ledger_.add_site(info.file, info.line);
  return info.site;
}

std::string Simulation::where_text(const FiberRec& f) const {
  const std::string_view file = f.where.file_name();
  if (f.where.line() == 0 || library_file(file)) return {};
  return fmt::format("{}:{}", short_path(file), f.where.line());
}

}  // namespace omega::sim::internal
