// Ledger file layout (docs/ledger-format.md has the full description):
//
//   "OMEGALDG"  u32 format version (little endian)  zstd frame (content checksum, content size)
//
//   frame content:
//     header   varint fields and strings (varint length + bytes), in this order:
//              scenario omega_version policy seed pct_steps
//              budgets: steps_max fiber_steps_max time_max_ns spawns_max yields_max mutex_ops_max
//                       ivar_ops_max oracle_calls_max
//              profile allowed caps stack_bytes      (a set: varint(0) = everything, else
//                                                     varint(count + 1) strings, ascending)
//              outcome:u8 message steps decisions preemptions fibers events digest:u64 LE
//              expectation:u8 (0 fails, 1 passes)
//     events   the compact encoding (sim/src/ledger_compact.cpp), to the end of the frame

#include <omega/corpus/ledger_file.hpp>
#include <omega/sim/byte_io.hpp>
#include <omega/sim/hash.hpp>
#include <omega/sim/ledger_codec.hpp>

#include <fmt/format.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>  // renameat2
#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>

namespace omega::corpus {

std::string_view to_string(Expectation e) noexcept { return e == Expectation::passes ? "passes" : "fails"; }

namespace {

constexpr std::size_t kPrefix = sizeof kMagic + 4;
constexpr std::uint8_t kMaxOutcome = static_cast<std::uint8_t>(sim::Outcome::hang);

class ContentWriter {
 public:
  std::vector<std::uint8_t> out;
  void varint(std::uint64_t v) {
    std::uint8_t buf[10];
    out.insert(out.end(), buf, sim::detail::put_varint(buf, v));
  }
  void str(const std::string& s) {
    varint(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void set(const std::optional<std::set<std::string>>& s) {
    if (!s) {
      varint(0);
      return;
    }
    varint(s->size() + 1);
    for (const auto& x : *s) str(x);
  }
  void u64le(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
};

std::optional<std::set<std::string>> read_set(sim::detail::Reader& r) {
  const std::uint64_t n = r.varint();
  if (n == 0) return std::nullopt;
  std::set<std::string> s;
  for (std::uint64_t i = 1; i < n; ++i) {
    if (r.done()) r.fail("a set runs past the end");
    s.insert(r.str());
  }
  return s;
}

std::uint64_t read_u64le(sim::detail::Reader& r) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{r.byte()} << (8 * i);
  return v;
}

Header read_header(sim::detail::Reader& r) {
  Header h;
  h.scenario = r.str();
  h.omega_version = r.str();
  h.policy = r.str();
  h.seed = r.varint();
  h.pct_steps = r.varint();
  sim::Budgets& b = h.budgets;
  for (std::uint64_t* field : {&b.steps_max, &b.fiber_steps_max, &b.time_max_ns, &b.spawns_max, &b.yields_max,
                               &b.mutex_ops_max, &b.ivar_ops_max, &b.oracle_calls_max})
    *field = r.varint();
  h.profile = r.str();
  h.allowed = read_set(r);
  h.caps = read_set(r);
  h.stack_bytes = r.varint();
  h.outcome = r.enumeration<sim::Outcome>(kMaxOutcome);
  h.message = r.str();
  h.steps = r.varint();
  h.decisions = r.varint();
  h.preemptions = r.varint();
  h.fibers = r.u32();
  h.events = r.varint();
  h.digest = read_u64le(r);
  h.expectation = r.enumeration<Expectation>(static_cast<std::uint8_t>(Expectation::passes));
  return h;
}

[[noreturn]] void fail(const std::string& name, const std::string& why) {
  throw FileError(fmt::format("{}: {}", name, why));
}

struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const noexcept { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};

}  // namespace

std::vector<std::uint8_t> encode_content(const Header& h, std::span<const sim::Event> events) {
  ContentWriter w;
  w.str(h.scenario);
  w.str(h.omega_version);
  w.str(h.policy);
  w.varint(h.seed);
  w.varint(h.pct_steps);
  const sim::Budgets& b = h.budgets;
  for (std::uint64_t field : {b.steps_max, b.fiber_steps_max, b.time_max_ns, b.spawns_max, b.yields_max,
                              b.mutex_ops_max, b.ivar_ops_max, b.oracle_calls_max})
    w.varint(field);
  w.str(h.profile);
  w.set(h.allowed);
  w.set(h.caps);
  w.varint(h.stack_bytes);
  w.out.push_back(static_cast<std::uint8_t>(h.outcome));
  w.str(h.message);
  w.varint(h.steps);
  w.varint(h.decisions);
  w.varint(h.preemptions);
  w.varint(h.fibers);
  w.varint(h.events);
  w.u64le(h.digest);
  w.out.push_back(static_cast<std::uint8_t>(h.expectation));
  const std::vector<std::uint8_t> compact = sim::encode_compact(events);
  w.out.insert(w.out.end(), compact.begin(), compact.end());
  return std::move(w.out);
}

std::vector<std::uint8_t> encode_file(const Header& header, std::span<const sim::Event> events, int level) {
  const std::vector<std::uint8_t> content = encode_content(header, events);
  std::vector<std::uint8_t> out(kPrefix + ZSTD_compressBound(content.size()));
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  for (int i = 0; i < 4; ++i) out[sizeof kMagic + i] = static_cast<std::uint8_t>(kFormatVersion >> (8 * i));
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), content.size());
  const std::size_t n = ZSTD_compress2(cctx.get(), out.data() + kPrefix, out.size() - kPrefix, content.data(),
                                       content.size());
  if (ZSTD_isError(n)) throw std::runtime_error(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)));
  out.resize(kPrefix + n);
  return out;
}

LedgerFile decode_file(std::span<const std::uint8_t> bytes, const std::string& name, const ReadLimits& limits) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    fail(name, "not an Omega ledger file (wrong magic)");
  if (bytes.size() < kPrefix) fail(name, "truncated (no format version)");
  std::uint32_t version = 0;
  for (int i = 0; i < 4; ++i) version |= std::uint32_t{bytes[sizeof kMagic + i]} << (8 * i);
  if (version < kOldestReadableVersion || version > kFormatVersion)
    fail(name, fmt::format("format version {} is not supported (this Omega reads versions {} to {})", version,
                           kOldestReadableVersion, kFormatVersion));
  const auto frame = bytes.subspan(kPrefix);
  const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) fail(name, "corrupt or truncated zstd frame header");
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN) fail(name, "the zstd frame does not declare its size");
  if (declared > limits.max_raw_bytes)
    fail(name, fmt::format("declares {} bytes of content, over the limit of {}", declared, limits.max_raw_bytes));
  // zstd decodes a frame whose size is declared straight into the output, bypassing
  // ZSTD_d_windowLogMax (set below for the other path): check the window here too.
  ZSTD_frameHeader fh;
  if (ZSTD_getFrameHeader(&fh, frame.data(), frame.size()) != 0) fail(name, "corrupt or truncated zstd frame header");
  if (fh.windowSize > (std::uint64_t{1} << limits.max_window_log))
    fail(name, fmt::format("the zstd frame needs a {}-byte window, over the limit of {}", fh.windowSize,
                           std::uint64_t{1} << limits.max_window_log));
  const std::size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size)) fail(name, fmt::format("truncated zstd frame ({})", ZSTD_getErrorName(frame_size)));
  if (frame_size != frame.size())
    fail(name, fmt::format("{} bytes of trailing data after the zstd frame", frame.size() - frame_size));

  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, limits.max_window_log);
  std::vector<std::uint8_t> content(static_cast<std::size_t>(declared));
  // Streaming, because only the streaming decoder honours windowLogMax; the output never grows
  // past the declared size, which is already within the limit.
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  ZSTD_outBuffer out{content.data(), content.size(), 0};
  std::size_t left = 1;
  while (left != 0) {
    left = ZSTD_decompressStream(dctx.get(), &out, &in);
    if (ZSTD_isError(left)) fail(name, fmt::format("corrupt zstd data ({})", ZSTD_getErrorName(left)));
    if (left != 0 && in.pos == in.size && out.pos == out.size)
      fail(name, "the zstd frame holds more than its declared size");
    if (left != 0 && in.pos == in.size) fail(name, "truncated zstd frame");
  }
  if (out.pos != content.size()) fail(name, fmt::format("decompressed to {} bytes, {} declared", out.pos, declared));

  LedgerFile file;
  file.file_bytes = bytes.size();
  file.raw_bytes = content.size();
  try {
    sim::detail::Reader r(content);
    file.header = read_header(r);
    file.events = sim::decode_compact(std::span(content).subspan(r.pos()), limits.events);
  } catch (const sim::LedgerFormatError& e) {
    fail(name, e.what());
  }
  // The header counts the ledger's events; sites are kept beside them (sim::Ledger).
  const auto sites = static_cast<std::uint64_t>(
      std::count_if(file.events.begin(), file.events.end(), [](const sim::Event& e) { return std::holds_alternative<sim::ev::Site>(e); }));
  if (file.events.size() - sites != file.header.events)
    fail(name, fmt::format("holds {} events, its header says {}", file.events.size() - sites, file.header.events));
  const std::vector<std::uint8_t> canonical = sim::encode(file.events);
  if (sim::fnv1a64(canonical) != file.header.digest) fail(name, "the events do not match the header's digest");
  return file;
}

LedgerFile read_file(const std::filesystem::path& path, const ReadLimits& limits) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(name, "is a folder, not a ledger file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail(name, ec.message());
  if (size > limits.max_file_bytes)
    fail(name, fmt::format("{} bytes, over the limit of {} for a ledger file", size, limits.max_file_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(name, std::strerror(errno));
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) fail(name, "could not read the whole file");
  return decode_file(bytes, name, limits);
}

namespace {

bool same_contents(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return have.size() == bytes.size() && std::memcmp(have.data(), bytes.data(), bytes.size()) == 0;
}

void write_all(int fd, std::span<const std::uint8_t> bytes, const std::string& name) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(name, fmt::format("cannot write: {}", std::strerror(errno)));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool write_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    if (same_contents(path, bytes)) return false;
    fail(name, "exists with other contents; not overwritten (remove it or choose another name)");
  }
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmp = (folder / ("." + path.filename().string() + ".tmpXXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(name, fmt::format("cannot create a temporary file in {}: {}", folder.string(), std::strerror(errno)));
  try {
    write_all(fd, bytes, name);
    if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) fail(name, fmt::format("cannot sync: {}", std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  // No-replace rename: fails if `path` appeared meanwhile, where rename() would silently replace it.
  // Filesystems without RENAME_NOREPLACE get link() + unlink(), which fails the same way.
  int moved = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (moved != 0 && (errno == EINVAL || errno == ENOSYS)) {
    moved = ::link(tmp.c_str(), path.c_str());
    if (moved == 0) ::unlink(tmp.c_str());
  }
  if (moved != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST && same_contents(path, bytes)) return false;
    if (err == EEXIST) fail(name, "exists with other contents; not overwritten (remove it or choose another name)");
    fail(name, fmt::format("cannot write: {}", std::strerror(err)));
  }
  if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
    ::fsync(dir);  // the new name is durable too
    ::close(dir);
  }
  return true;
}

}  // namespace omega::corpus
