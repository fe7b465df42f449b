#pragma once
// The runner's worker processes: the parent posix_spawns its own executable as
// `<exe> __worker ...` with three extra descriptors, hands out batches of seed indices on one
// pipe, reads results on another, and watches a shared page the worker's kernel beats into.
// Both ends are the same binary, so records are raw host-endian integers.

#include <omega/sim/beacon.hpp>
#include <omega/sim/explore.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace omega::cli::worker {

constexpr int kCommandFd = 3, kResultFd = 4, kSharedFd = 5;

// The page both processes map.
struct Shared {
  sim::Beacon beacon;
  std::atomic<std::uint64_t> running{0};  // index + 1 of the seed being run; 0 while idle
  std::atomic<std::uint32_t> stop{0};     // the parent asks: finish the run in flight, report, wait
};

// Parent -> worker. count == 0: exit. kind shrink: shrink the schedule of seed index `first`
// and send its figures; kind calibrate: one round-robin run, send its step count.
enum class Kind : std::uint64_t { run = 0, shrink = 1, calibrate = 2 };
struct Command {
  Kind kind = Kind::run;
  std::uint64_t first = 0, count = 0;
};

// Worker -> parent, one message per command.
struct Message {
  std::vector<std::pair<std::uint64_t, sim::SeedOutcome>> results;  // (seed index, outcome)
  std::string text;             // shrink: the ShrinkOutcome as JSON (report_json.hpp)
  std::uint64_t number = 0;     // calibrate: steps
};

std::string encode(const Message& m);
// Reads one message; nullopt on end of file or a short read (the worker died).
std::optional<Message> read_message(int fd);

// Blocking full write / read; false on error or end of file.
bool write_all(int fd, const void* data, std::size_t size);
bool read_all(int fd, void* data, std::size_t size);

}  // namespace omega::cli::worker
