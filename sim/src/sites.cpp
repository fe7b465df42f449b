// Source sites: where user code called each operation (kernel::at), interned per run as Site ids.

#include "simulation.hpp"

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

std::uint32_t Simulation::site_id(const std::source_location& where) {
  const SiteKey key{reinterpret_cast<std::uintptr_t>(where.file_name()), where.line(), where.column()};
  if (auto it = site_ids_.find(key); it != site_ids_.end()) return it->second;
  if (ledger_.sealed()) return 0;
  const std::string_view file = where.file_name();
  const std::uint32_t id = library_file(file) ? 0 : ledger_.add_site(std::string(short_path(file)), where.line());
  site_ids_.emplace(key, id);
  return id;
}

std::string Simulation::where_text(const FiberRec& f) const {
  const std::string_view file = f.where.file_name();
  if (f.where.line() == 0 || library_file(file)) return {};
  return fmt::format("{}:{}", short_path(file), f.where.line());
}

}  // namespace omega::sim::internal
