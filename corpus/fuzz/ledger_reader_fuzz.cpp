// libFuzzer target for everything that reads ledger bytes from outside: the whole file reader
// (magic, version, zstd, header, events, digest), and, because a fuzzer rarely forges a valid
// zstd checksum, the same content wrapped in a valid frame, and the compact event decoder alone.
// Any exception other than the documented error types, any crash, leak or sanitizer report, any
// allocation past the limits is a finding. Build and run: corpus/fuzz/run_fuzz.py.

#include <omega/corpus/ledger_file.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

omega::corpus::ReadLimits limits() {
  omega::corpus::ReadLimits l;
  l.max_raw_bytes = std::uint64_t{1} << 22;
  l.events.max_events = std::uint64_t{1} << 16;
  l.events.max_ready = 1024;
  l.events.max_ready_entries = std::uint64_t{1} << 20;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    (void)omega::corpus::decode_file(bytes, "fuzz", limits());
  } catch (const omega::corpus::FileError&) {
  }
  // The input as a frame's content, in a valid file: reaches the header and event decoders.
  std::vector<std::uint8_t> file(omega::corpus::kMagic, omega::corpus::kMagic + 8);
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<std::uint8_t>(omega::corpus::kFormatVersion >> (8 * i)));
  std::vector<std::uint8_t> frame(ZSTD_compressBound(size));
  const std::size_t n = ZSTD_compress(frame.data(), frame.size(), data, size, 1);
  if (!ZSTD_isError(n)) {
    file.insert(file.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
    try {
      (void)omega::corpus::decode_file(file, "fuzz", limits());
    } catch (const omega::corpus::FileError&) {
    }
  }
  try {
    const auto events = omega::sim::decode_compact(bytes, limits().events);
    // Whatever decodes must encode back to bytes that decode to the same events.
    if (omega::sim::decode_compact(omega::sim::encode_compact(events), limits().events) != events) __builtin_trap();
  } catch (const omega::sim::LedgerFormatError&) {
  }
  return 0;
}
