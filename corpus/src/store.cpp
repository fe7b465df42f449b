#include <omega/corpus/store.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/hash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace omega::corpus {

namespace fs = std::filesystem;

fs::path corpus_dir(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* env = std::getenv("OMEGA_CORPUS"); env && *env) return env;
  return "omega-corpus";
}

fs::path case_path(const std::string& scenario, std::uint64_t digest) {
  return fs::path(scenario) / fmt::format("{:016x}.omega", digest);
}

namespace {

// Replaces `path` atomically (a temporary file in the same folder, fsync, rename).
void replace_atomically(const fs::path& path, std::span<const std::uint8_t> bytes) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".new");
  fs::remove(tmp);
  write_atomically(tmp, bytes);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp);
    throw FileError(fmt::format("{}: cannot replace: {}", path.string(), ec.message()));
  }
}

}  // namespace

Saved save_case(const fs::path& dir, const Header& header, std::span<const sim::Event> events) {
  Saved out;
  // The name hashes the scenario and the events (digest), nothing else of the header.
  std::uint8_t digest_bytes[8];
  for (int i = 0; i < 8; ++i) digest_bytes[i] = static_cast<std::uint8_t>(header.digest >> (8 * i));
  const std::uint64_t name_hash = sim::fnv1a64(digest_bytes, sim::fnv1a64(header.scenario));
  out.path = dir / case_path(header.scenario, name_hash);
  std::error_code ec;
  fs::create_directories(out.path.parent_path(), ec);
  if (ec) throw FileError(fmt::format("{}: cannot create the folder: {}", out.path.parent_path().string(), ec.message()));
  if (fs::exists(out.path)) return out;  // the same case (it may differ in expectation: kept as it is)

  // A passing run is saved for what the critic found in it: kept by content, no signature to share.
  const std::string signature = sim::failure_signature(header.outcome, header.message);
  for (const auto& entry : fs::directory_iterator(out.path.parent_path())) {
    if (header.outcome == sim::Outcome::pass) break;
    if (!entry.is_regular_file() || entry.path().extension() != ".omega") continue;
    LedgerFile other;
    try {
      other = read_file(entry.path());
    } catch (const FileError&) {
      continue;  // not ours to judge here: replay reports it
    }
    if (other.header.scenario != header.scenario ||
        sim::failure_signature(other.header.outcome, other.header.message) != signature)
      continue;
    // Shorter: fewer preemptions, then fewer decisions (the shrinker's order).
    if (std::pair(other.header.preemptions, other.header.decisions) <= std::pair(header.preemptions, header.decisions)) {
      out.path = entry.path();
      out.kept_shorter = true;
      return out;
    }
    out.replaced = entry.path();
  }
  out.written = write_atomically(out.path, encode_file(header, events));
  if (out.replaced) fs::remove(*out.replaced);
  return out;
}

void set_expectation(const fs::path& path, Expectation e) {
  LedgerFile f = read_file(path);
  if (f.header.expectation == e) return;
  f.header.expectation = e;
  replace_atomically(path, encode_file(f.header, f.events));
}

std::vector<fs::path> case_files(const std::vector<std::string>& paths) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".omega") found.push_back(it->path());
      if (ec) throw FileError(fmt::format("{}: {}", p, ec.message()));
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.emplace_back(p);
    } else {
      throw FileError(fmt::format("{}: No such file or directory", p));
    }
  }
  return out;
}

}  // namespace omega::corpus
