#include "worker_protocol.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace omega::cli::worker {

namespace {

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_text(std::string& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out += s;
}

// Reads from a message already in memory; every get fails past the end.
struct Reader {
  const char* at;
  const char* end;

  template <class T>
  bool get(T& v) {
    if (static_cast<std::size_t>(end - at) < sizeof v) return false;
    std::memcpy(&v, at, sizeof v);
    at += sizeof v;
    return true;
  }
  bool get_text(std::string& s) {
    std::uint64_t n = 0;
    if (!get(n) || n > static_cast<std::uint64_t>(end - at)) return false;
    s.assign(at, n);
    at += n;
    return true;
  }
};

}  // namespace

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string encode(const Message& m) {
  std::string out;
  put<std::uint64_t>(out, 0);  // the length of the rest, patched below: one read on the other side
  put<std::uint64_t>(out, m.results.size());
  for (const auto& [index, r] : m.results) {
    put(out, index);
    put(out, static_cast<std::uint8_t>(r.outcome));
    put(out, r.ledger_hash);
    put_text(out, r.message);
    put_text(out, r.nondeterminism);
    put_text(out, r.inspection);
  }
  put_text(out, m.text);
  put(out, m.number);
  const std::uint64_t rest = out.size() - sizeof(std::uint64_t);
  std::memcpy(out.data(), &rest, sizeof rest);
  return out;
}

std::optional<Message> read_message(int fd) {
  std::uint64_t size = 0;
  if (!read_all(fd, &size, sizeof size) || size > (std::uint64_t{1} << 32)) return std::nullopt;
  std::string bytes(size, '\0');
  if (!read_all(fd, bytes.data(), size)) return std::nullopt;
  Reader r{bytes.data(), bytes.data() + bytes.size()};
  Message m;
  std::uint64_t n = 0;
  if (!r.get(n) || n > size) return std::nullopt;
  m.results.resize(n);
  for (auto& [index, out] : m.results) {
    std::uint8_t outcome = 0;
    if (!r.get(index) || !r.get(outcome) || !r.get(out.ledger_hash) || !r.get_text(out.message) ||
        !r.get_text(out.nondeterminism) || !r.get_text(out.inspection))
      return std::nullopt;
    out.outcome = static_cast<sim::Outcome>(outcome);
  }
  if (!r.get_text(m.text) || !r.get(m.number)) return std::nullopt;
  return m;
}

}  // namespace omega::cli::worker
