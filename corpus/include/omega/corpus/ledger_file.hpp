#pragma once
// Ledger files: one run's ledger with the header that says how to run it again, compressed with
// zstd (docs/ledger-format.md). Reading is safe on untrusted bytes: every bad file is a FileError
// whose message names the file and the cause, and nothing is allocated past ReadLimits.

#include <omega/sim/events.hpp>
#include <omega/sim/run.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omega::corpus {

// The format version: bumped whenever the bytes a run encodes to change (the golden test pins them).
// Version 2 added source sites (ev::Site, Op::site), version 3 the sites of fiber verbs (spawn, yield,
// join, block, oracle call); older files read as runs without them.
inline constexpr std::uint32_t kFormatVersion = 3;
inline constexpr std::uint32_t kOldestReadableVersion = 1;
// The 8 bytes every ledger file starts with (before the zstd frame).
inline constexpr char kMagic[8] = {'O', 'M', 'E', 'G', 'A', 'L', 'D', 'G'};
// zstd level files are written at: they are small, so the strongest regular level costs little.
inline constexpr int kFileLevel = 19;

// Bad input: a file that cannot be read as a ledger. what() is "FILE: cause" (one line).
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What replaying a corpus case must show: `fails`, a known bug still demonstrated (the run must
// reproduce), or `passes`, a fixed bug that must stay fixed (the run must pass). Not part of a
// case's content hash, so changing it keeps the file's name.
enum class Expectation : std::uint8_t { fails = 0, passes = 1 };
std::string_view to_string(Expectation e) noexcept;

// How the run was made and how it ended: what replaying it needs besides the events.
struct Header {
  std::string scenario;
  std::string omega_version;  // of the writer
  std::string policy;         // as describe(Policy) prints it; "vector" for a given choice vector
  std::uint64_t seed = 0;     // meaningless for "vector"
  std::uint64_t pct_steps = 0;  // PCT's k (0 for other policies)
  sim::Budgets budgets;
  std::string profile = "all";                          // governance profile name
  std::optional<std::set<std::string>> allowed, caps;  // nullopt: everything
  std::uint64_t stack_bytes = 0;
  sim::Outcome outcome = sim::Outcome::pass;
  std::string message;
  std::uint64_t steps = 0, decisions = 0, preemptions = 0;
  std::uint32_t fibers = 0;
  std::uint64_t events = 0;
  std::uint64_t digest = 0;  // FNV-1a 64 of the events' in-memory encoding (Ledger::hash())
  Expectation expectation = Expectation::fails;
  friend bool operator==(const Header&, const Header&) = default;
};

// The header of `result`, run with `options` from `scenario`; it expects what the run did (fails
// for a failing run, passes for a passing one).
Header header_for(const std::string& scenario, const sim::RunOptions& options, const sim::RunResult& result);

struct LedgerFile {
  Header header;
  std::vector<sim::Event> events;
  std::uint64_t file_bytes = 0;  // on disk (magic, version and the zstd frame)
  std::uint64_t raw_bytes = 0;   // the frame's content (header and compact events)
};

// Bounds on what a reader allocates for one file.
struct ReadLimits {
  std::uint64_t max_file_bytes = std::uint64_t{64} << 20;   // compressed, on disk
  std::uint64_t max_raw_bytes = std::uint64_t{256} << 20;   // the frame's declared content size
  int max_window_log = 24;                                   // zstd window: 16 MiB
  sim::CompactLimits events;
};

// The file's bytes: magic, version, then one zstd frame (checksum on, size pledged) holding the
// header and the compact events. `level` is the zstd level (kFileLevel for files).
std::vector<std::uint8_t> encode_file(const Header& header, std::span<const sim::Event> events,
                                      int level = kFileLevel);
// The frame's content alone (uncompressed): what the golden test pins, independent of zstd.
std::vector<std::uint8_t> encode_content(const Header& header, std::span<const sim::Event> events);

// Throws FileError("<name>: cause") for every malformed input, including a digest that does not
// match the events.
LedgerFile decode_file(std::span<const std::uint8_t> bytes, const std::string& name, const ReadLimits& limits = {});
LedgerFile read_file(const std::filesystem::path& path, const ReadLimits& limits = {});

// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename. If
// `path` exists with other contents, throws FileError and leaves it alone (never overwritten);
// with the same contents, does nothing. Returns whether it wrote.
bool write_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

}  // namespace omega::corpus
