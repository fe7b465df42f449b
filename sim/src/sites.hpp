#pragma once
// The kernel's cache of source sites (sites.cpp has the slow path and the per-thread tables).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string_view>
#include <type_traits>

namespace omega::sim::internal {

// Source sites are interned per thread once (SiteInfo: kept for the thread's life, allocation only
// the first time a line is reached) and numbered per run on first use: `run` stamps whose number
// `site` is, so no per-run table is built or cleared. A direct-mapped slot cache in front answers a
// repeated operation without a lookup. Addresses only pick slots; ids follow first use in the run.
struct SiteInfo {
  std::uint64_t run = 0;   // the run serial `site` belongs to (0: none yet)
  std::uint32_t site = 0;  // that run's id for this location (0: a library location)
  bool library = false;
  std::string_view file;  // the path's last two components, in the compiler's static string
  std::uint32_t line = 0;
};
// A source_location is one pointer to the compiler's record of the call site (GCC and Clang): the
// slot cache compares that pointer rather than file, line and column.
static_assert(sizeof(std::source_location) == sizeof(const void*) && std::is_trivially_copyable_v<std::source_location>);
inline const void* site_key(const std::source_location& w) noexcept { return std::bit_cast<const void*>(w); }
struct SiteSlot {
  const void* key = nullptr;
  SiteInfo* info = nullptr;
};
inline constexpr std::size_t kSiteSlots = 256;
inline std::size_t site_slot_index(const void* key) noexcept {
  return (reinterpret_cast<std::uintptr_t>(key) >> 4) & (kSiteSlots - 1);
}
SiteSlot* thread_site_slots() noexcept;

}  // namespace omega::sim::internal
