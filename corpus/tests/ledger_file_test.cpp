// Ledger files: round trips (exact, for every event kind and for generated ledgers), the golden
// bytes, safe reading of bad files, and atomic writing.

#include <omega/corpus/ledger_file.hpp>
#include <omega/sim/hash.hpp>
#include <omega/sim/ledger_codec.hpp>

#include "sample_runs.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidcheck.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

using namespace omega;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> file_of(const corpus::testing::SampleRun& s) {
  const auto events = s.result.ledger.events();
  return corpus::encode_file(corpus::header_for(s.name, s.options, s.result), events);
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("omega-corpus-test-{}", ::getpid());
  fs::create_directories(dir);
  return dir / name;
}

std::string error_of(std::span<const std::uint8_t> bytes, const corpus::ReadLimits& limits = {}) {
  try {
    (void)corpus::decode_file(bytes, "case.omega", limits);
  } catch (const corpus::FileError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::uint8_t> compress(std::span<const std::uint8_t> content, bool pledge = true) {
  std::vector<std::uint8_t> out(ZSTD_compressBound(content.size()));
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  if (pledge) ZSTD_CCtx_setPledgedSrcSize(c, content.size());
  else ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer i{content.data(), content.size(), 0};
  while (ZSTD_compressStream2(c, &o, &i, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(c);
  out.resize(o.pos);
  return out;
}

std::vector<std::uint8_t> with_prefix(std::span<const std::uint8_t> frame, std::uint32_t version = corpus::kFormatVersion) {
  std::vector<std::uint8_t> out(corpus::kMagic, corpus::kMagic + 8);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(version >> (8 * i)));
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

}  // namespace

TEST_CASE("ledger file: the sample runs record every event kind") {
  std::set<std::size_t> kinds;
  for (const auto& s : corpus::testing::sample_runs())
    for (const auto& e : s.result.ledger.events()) kinds.insert(e.index());
  for (std::size_t k = 0; k < std::variant_size_v<sim::Event>; ++k)
    CHECK_MESSAGE(kinds.count(k) == 1, "no sample run records event kind " << k);
}

TEST_CASE("ledger file: decoded events and header equal the run's, for every sample run") {
  for (const auto& s : corpus::testing::sample_runs()) {
    CAPTURE(s.name);
    const auto bytes = file_of(s);
    const corpus::LedgerFile f = corpus::decode_file(bytes, s.name);
    CHECK(f.events == s.result.ledger.events());
    CHECK(sim::encode(f.events) == s.result.ledger.canonical());
    CHECK(f.header == corpus::header_for(s.name, s.options, s.result));
    CHECK(f.header.outcome == s.result.outcome);
    CHECK(f.header.message == s.result.message);
    CHECK(f.file_bytes == bytes.size());
  }
}

TEST_CASE("ledger file: the compact stream is never larger than the canonical one, and smaller in all") {
  std::size_t compact = 0, in_memory = 0;
  for (const auto& s : corpus::testing::sample_runs()) {
    CAPTURE(s.name);
    // Sites are not in the in-memory bytes (they live beside them): compare like with like.
    auto events = s.result.ledger.events();
    std::erase_if(events, [](const sim::Event& e) { return std::holds_alternative<sim::ev::Site>(e); });
    for (sim::Event& e : events) sim::set_event_site(e, 0);
    const std::size_t n = sim::encode_compact(events).size();
    CHECK(n <= s.result.ledger.canonical().size());
    compact += n;
    in_memory += s.result.ledger.canonical().size();
  }
  CHECK(compact < in_memory);
}

namespace {

// Arbitrary events, with small values often, so both the implicit and the explicit form of every
// flag get exercised (the actor, the step, the decision index, the ready set, the chosen fiber).
rc::Gen<FiberId> gen_fiber() {
  return rc::gen::weightedOneOf<FiberId>({{6, rc::gen::map(rc::gen::inRange<std::uint32_t>(0, 5), [](std::uint32_t v) { return FiberId{v}; })},
                                          {1, rc::gen::just(FiberId{})},
                                          {1, rc::gen::map(rc::gen::arbitrary<std::uint32_t>(), [](std::uint32_t v) { return FiberId{v}; })}});
}
rc::Gen<std::uint64_t> gen_small() {
  return rc::gen::weightedOneOf<std::uint64_t>({{6, rc::gen::inRange<std::uint64_t>(0, 4)}, {1, rc::gen::arbitrary<std::uint64_t>()}});
}
rc::Gen<std::string> gen_text() {
  return rc::gen::weightedOneOf<std::string>({{4, rc::gen::element<std::string>("", "mutex m", "join 1 (a)", "x")},
                                              {1, rc::gen::arbitrary<std::string>()}});
}
rc::Gen<std::vector<FiberId>> gen_ready() {
  return rc::gen::weightedOneOf<std::vector<FiberId>>(
      {{4, rc::gen::map(rc::gen::container<std::set<std::uint32_t>>(rc::gen::inRange<std::uint32_t>(0, 6)),
                        [](const std::set<std::uint32_t>& s) {
                          std::vector<FiberId> v;
                          for (auto x : s) v.push_back(FiberId{x});
                          return v;
                        })},
       {1, rc::gen::container<std::vector<FiberId>>(gen_fiber())}});
}

template <class T>
rc::Gen<sim::Event> as_event(rc::Gen<T> g) {
  return rc::gen::map(std::move(g), [](T x) { return sim::Event(std::move(x)); });
}

rc::Gen<sim::Event> gen_event() {
  using namespace sim;
  return rc::gen::oneOf(
      as_event(rc::gen::build<ev::Spawn>(rc::gen::set(&ev::Spawn::fiber, gen_fiber()), rc::gen::set(&ev::Spawn::parent, gen_fiber()),
                                rc::gen::set(&ev::Spawn::daemon), rc::gen::set(&ev::Spawn::name, gen_text()))),
      as_event(rc::gen::build<ev::ScheduleChoose>(
          rc::gen::set(&ev::ScheduleChoose::step, gen_small()), rc::gen::set(&ev::ScheduleChoose::decision_index, gen_small()),
          rc::gen::set(&ev::ScheduleChoose::chosen, gen_fiber()), rc::gen::set(&ev::ScheduleChoose::choice, gen_small()),
          rc::gen::set(&ev::ScheduleChoose::ready, gen_ready()), rc::gen::set(&ev::ScheduleChoose::current, gen_fiber()))),
      as_event(rc::gen::build<ev::Yield>(rc::gen::set(&ev::Yield::fiber, gen_fiber()))),
      as_event(rc::gen::build<ev::Block>(rc::gen::set(&ev::Block::fiber, gen_fiber()),
                                rc::gen::set(&ev::Block::reason, rc::gen::map(rc::gen::inRange(0, 10), [](int r) { return static_cast<BlockReason>(r); })),
                                rc::gen::set(&ev::Block::on, gen_text()),
                                rc::gen::set(&ev::Block::object, rc::gen::element<std::uint32_t>(0, 1, ev::Block::kNoObject, 77)),
                                rc::gen::set(&ev::Block::holder, gen_fiber()))),
      as_event(rc::gen::build<ev::Wake>(rc::gen::set(&ev::Wake::fiber, gen_fiber()), rc::gen::set(&ev::Wake::by, gen_fiber()))),
      as_event(rc::gen::build<ev::Join>(rc::gen::set(&ev::Join::fiber, gen_fiber()), rc::gen::set(&ev::Join::target, gen_fiber()))),
      as_event(rc::gen::build<ev::Done>(rc::gen::set(&ev::Done::fiber, gen_fiber()), rc::gen::set(&ev::Done::value_hash, gen_small()))),
      as_event(rc::gen::build<ev::Error>(rc::gen::set(&ev::Error::fiber, gen_fiber()), rc::gen::set(&ev::Error::message, gen_text()))),
      as_event(rc::gen::build<ev::Choice>(rc::gen::set(&ev::Choice::decision_index, gen_small()),
                                 rc::gen::set(&ev::Choice::kind, rc::gen::map(rc::gen::inRange(0, 7), [](int k) { return static_cast<ChoiceKind>(k); })),
                                 rc::gen::set(&ev::Choice::bound, gen_small()), rc::gen::set(&ev::Choice::value, gen_small()))),
      as_event(rc::gen::build<ev::Deadlock>(rc::gen::set(&ev::Deadlock::waits, gen_text()))),
      as_event(rc::gen::build<ev::Failure>(rc::gen::set(&ev::Failure::fiber, gen_fiber()), rc::gen::set(&ev::Failure::message, gen_text()))),
      as_event(rc::gen::build<ev::BudgetExhausted>(rc::gen::set(&ev::BudgetExhausted::budget, gen_text()),
                                          rc::gen::set(&ev::BudgetExhausted::limit, gen_small()))),
      as_event(rc::gen::build<ev::Divergence>(rc::gen::set(&ev::Divergence::decision_index, gen_small()),
                                     rc::gen::set(&ev::Divergence::message, gen_text()))),
      as_event(rc::gen::build<ev::Object>(rc::gen::set(&ev::Object::object, rc::gen::inRange<std::uint32_t>(0, 4)),
                                 rc::gen::set(&ev::Object::kind, gen_text()), rc::gen::set(&ev::Object::name, gen_text()))),
      as_event(rc::gen::build<ev::Op>(rc::gen::set(&ev::Op::fiber, gen_fiber()), rc::gen::set(&ev::Op::object, rc::gen::inRange<std::uint32_t>(0, 6)),
                             rc::gen::set(&ev::Op::op, rc::gen::map(rc::gen::inRange(0, 16), [](int o) { return static_cast<OpCode>(o); })),
                             rc::gen::set(&ev::Op::arg, gen_small()),
                             rc::gen::set(&ev::Op::site, rc::gen::inRange<std::uint32_t>(0, 3)))),
      as_event(rc::gen::build<ev::Site>(rc::gen::set(&ev::Site::site, rc::gen::inRange<std::uint32_t>(0, 4)),
                               rc::gen::set(&ev::Site::file, gen_text()),
                               rc::gen::set(&ev::Site::line, rc::gen::inRange<std::uint32_t>(0, 100000)))),
      as_event(rc::gen::build<ev::TimeAdvance>(rc::gen::set(&ev::TimeAdvance::now_ns, gen_small()))),
      as_event(rc::gen::build<ev::Timeout>(rc::gen::set(&ev::Timeout::fiber, gen_fiber()))),
      as_event(rc::gen::build<ev::Denied>(rc::gen::set(&ev::Denied::fiber, gen_fiber()), rc::gen::set(&ev::Denied::op, gen_text()),
                                 rc::gen::set(&ev::Denied::cap, gen_text()))),
      as_event(rc::gen::build<ev::OracleCall>(rc::gen::set(&ev::OracleCall::fiber, gen_fiber()),
                                     rc::gen::set(&ev::OracleCall::oracle, rc::gen::inRange<std::uint32_t>(0, 4)),
                                     rc::gen::set(&ev::OracleCall::key_hash, gen_small()),
                                     rc::gen::set(&ev::OracleCall::result, gen_text()),
                                     rc::gen::set(&ev::OracleCall::latency_ns, gen_small()),
                                     rc::gen::set(&ev::OracleCall::fault, rc::gen::inRange<std::uint8_t>(0, 4)),
                                     rc::gen::set(&ev::OracleCall::executed))));
}

}  // namespace

TEST_CASE("law: the compact codec and the file round-trip any event sequence") {
  const bool ok = rc::check("decode(encode(events)) == events", [] {
    const auto events = *rc::gen::container<std::vector<sim::Event>>(gen_event());
    RC_ASSERT(sim::decode_compact(sim::encode_compact(events)) == events);
    corpus::Header h;
    h.scenario = "generated";
    h.events = static_cast<std::uint64_t>(
        std::count_if(events.begin(), events.end(), [](const sim::Event& e) { return !std::holds_alternative<sim::ev::Site>(e); }));
    h.digest = sim::fnv1a64(sim::encode(events));
    const corpus::LedgerFile f = corpus::decode_file(corpus::encode_file(h, events, 1), "generated");
    RC_ASSERT(f.events == events);
    RC_ASSERT(f.header == h);
  });
  CHECK(ok);
}

TEST_CASE("law, negative control: a codec that drops the ready set's order is caught") {
  // The same property over a broken twin: encoding through a sorted copy of every ready set.
  const bool ok = rc::check("broken twin", [] {
    auto events = *rc::gen::container<std::vector<sim::Event>>(gen_event());
    auto broken = events;
    for (auto& e : broken)
      if (auto* s = std::get_if<sim::ev::ScheduleChoose>(&e)) std::sort(s->ready.begin(), s->ready.end());
    RC_ASSERT(sim::decode_compact(sim::encode_compact(broken)) == events);
  });
  CHECK_FALSE(ok);
}

TEST_CASE("golden: the encoded content of the sample runs is pinned (a change bumps kFormatVersion)") {
  // The frame's content, not the compressed bytes: those depend on the zstd library's version.
  const bool update = std::getenv("OMEGA_UPDATE_GOLDEN") != nullptr;
  for (const auto& s : corpus::testing::sample_runs()) {
    CAPTURE(s.name);
    corpus::Header h = corpus::header_for(s.name, s.options, s.result);
    h.omega_version = "golden";  // the project version is not part of the format
    const auto events = s.result.ledger.events();
    const auto content = corpus::encode_content(h, events);
    std::string hex;
    for (std::size_t i = 0; i < content.size(); ++i)
      hex += fmt::format("{:02x}{}", content[i], i % 32 == 31 ? "\n" : "");
    if (!hex.empty() && hex.back() != '\n') hex += '\n';
    std::string file_name = s.name;
    std::replace(file_name.begin(), file_name.end(), '/', '-');
    const fs::path path = fs::path(OMEGA_CORPUS_GOLDEN_DIR) / (file_name + ".hex");
    if (update) std::ofstream(path) << hex;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "missing golden file " << path << " (OMEGA_UPDATE_GOLDEN=1 writes it)");
    const std::string pinned((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_MESSAGE(hex == pinned, "the encoding of " << s.name << " changed: bump corpus::kFormatVersion, then "
                                 "OMEGA_UPDATE_GOLDEN=1 rewrites " << path);
  }
}

TEST_CASE("bad files: each is a one-line error naming the file and the cause") {
  const auto runs = corpus::testing::sample_runs();
  const auto good = file_of(runs[0]);
  REQUIRE(error_of(good) == "(no error)");

  SUBCASE("empty and wrong magic") {
    CHECK(error_of({}) == "case.omega: not an Omega ledger file (wrong magic)");
    auto bad = good;
    bad[0] = 'X';
    CHECK(error_of(bad) == "case.omega: not an Omega ledger file (wrong magic)");
  }
  SUBCASE("unknown version") {
    auto bad = good;
    bad[8] = 99;
    CHECK(error_of(bad) == fmt::format("case.omega: format version 99 is not supported (this Omega reads versions {} to {})",
                                       corpus::kOldestReadableVersion, corpus::kFormatVersion));
  }
  SUBCASE("truncated, at every length") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      const std::string e = error_of(std::span(good).first(n));
      CAPTURE(n);
      CHECK(e.rfind("case.omega: ", 0) == 0);
      CHECK(e.find('\n') == std::string::npos);
    }
    CHECK(error_of(std::span(good).first(good.size() - 1)).find("truncated") != std::string::npos);
  }
  SUBCASE("flipped bits: a flip is caught unless it leaves the decoded ledger exactly the same") {
    // zstd's bitstreams have a few bits no decoder reads: flipping one changes nothing decoded
    // (the checksum and the digest then still hold), which is no corruption of the ledger.
    const corpus::LedgerFile original = corpus::decode_file(good, "good");
    std::size_t caught = 0, flips = 0;
    for (std::size_t i = 12; i < good.size(); ++i) {
      auto bad = good;
      bad[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
      CAPTURE(i);
      ++flips;
      const std::string e = error_of(bad);
      if (e.rfind("case.omega: ", 0) == 0) {
        ++caught;
        continue;
      }
      const corpus::LedgerFile f = corpus::decode_file(bad, "flipped");
      CHECK(f.events == original.events);
      CHECK(f.header == original.header);
    }
    CHECK(caught * 100 >= flips * 99);
    auto bad = good;
    bad[bad.size() - 6] ^= 0x10;  // inside the last block or the checksum
    CHECK(error_of(bad).find("case.omega: ") == 0);
  }
  SUBCASE("trailing data") {
    auto bad = good;
    bad.push_back(0);
    CHECK(error_of(bad).find("trailing data") != std::string::npos);
  }
  SUBCASE("a declared size over the limit is refused before anything is allocated") {
    corpus::ReadLimits limits;
    limits.max_raw_bytes = 100;
    CHECK(error_of(good, limits).find("over the limit of 100") != std::string::npos);
  }
  SUBCASE("a zstd bomb: 1 GiB of zeros in a few kB is refused by its declared size") {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    const std::uint64_t total = std::uint64_t{1} << 30;
    ZSTD_CCtx_setPledgedSrcSize(c, total);
    std::vector<std::uint8_t> zeros(1 << 20, 0), out(1 << 16);
    std::vector<std::uint8_t> frame;
    for (std::uint64_t done = 0; done < total; done += zeros.size()) {
      ZSTD_inBuffer i{zeros.data(), zeros.size(), 0};
      const bool last = done + zeros.size() == total;
      for (;;) {
        ZSTD_outBuffer o{out.data(), out.size(), 0};
        const std::size_t left = ZSTD_compressStream2(c, &o, &i, last ? ZSTD_e_end : ZSTD_e_continue);
        frame.insert(frame.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(o.pos));
        if (last ? left == 0 : i.pos == i.size) break;
      }
    }
    ZSTD_freeCCtx(c);
    CHECK(frame.size() < 100'000);
    const std::string e = error_of(with_prefix(frame));
    CHECK_MESSAGE(e.find("declares 1073741824 bytes of content, over the limit") != std::string::npos, e);
  }
  SUBCASE("a frame that does not declare its size") {
    const std::vector<std::uint8_t> content(100, 7);
    CHECK(error_of(with_prefix(compress(content, false))) == "case.omega: the zstd frame does not declare its size");
  }
  SUBCASE("a window over the limit") {
    corpus::ReadLimits limits;
    limits.max_window_log = 10;
    std::vector<std::uint8_t> content(1 << 16);
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<std::uint8_t>(i * 7919 >> 5);
    const std::string e = error_of(with_prefix(compress(content)), limits);
    CHECK_MESSAGE(e.find("case.omega: the zstd frame needs a 65536-byte window, over the limit of 1024") == 0, e);
  }
  SUBCASE("events that do not parse, inside a valid frame") {
    corpus::Header h;
    h.events = 1;
    auto content = corpus::encode_content(h, {});
    content.push_back(0x1f);  // no such event
    const std::string e = error_of(with_prefix(compress(content)));
    CHECK_MESSAGE(e.find("case.omega: corrupt ledger at byte") == 0, e);
    CHECK(e.find("unknown event tag 0x1f") != std::string::npos);
  }
  SUBCASE("events that do not match the header's digest or count") {
    const auto events = runs[0].result.ledger.events();
    corpus::Header h = corpus::header_for(runs[0].name, runs[0].options, runs[0].result);
    h.digest ^= 1;
    CHECK(error_of(corpus::encode_file(h, events)) == "case.omega: the events do not match the header's digest");
    h.digest ^= 1;
    h.events += 1;
    CHECK(error_of(corpus::encode_file(h, events)).find("its header says") != std::string::npos);
  }
}

TEST_CASE("read_file: missing, a folder, and over the size limit") {
  CHECK_THROWS_WITH_AS(corpus::read_file(scratch("missing.omega")), doctest::Contains("missing.omega: No such file"),
                       corpus::FileError);
  CHECK_THROWS_WITH_AS(corpus::read_file(scratch("")), doctest::Contains("is a folder"), corpus::FileError);
  const fs::path p = scratch("big.omega");
  std::ofstream(p) << std::string(2000, 'x');
  corpus::ReadLimits limits;
  limits.max_file_bytes = 1000;
  CHECK_THROWS_WITH_AS(corpus::read_file(p, limits), doctest::Contains("2000 bytes, over the limit of 1000"),
                       corpus::FileError);
  fs::remove(p);
}

TEST_CASE("write_atomically: writes once, never overwrites other contents, leaves no temporary file") {
  const fs::path dir = scratch("atomic");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path p = dir / "case.omega";
  const auto runs = corpus::testing::sample_runs();
  const auto a = file_of(runs[0]), b = file_of(runs[1]);
  CHECK(corpus::write_atomically(p, a));
  CHECK_FALSE(corpus::write_atomically(p, a));  // the same bytes: nothing to do
  CHECK_THROWS_WITH_AS(corpus::write_atomically(p, b), doctest::Contains("exists with other contents; not overwritten"),
                       corpus::FileError);
  CHECK(corpus::read_file(p).events == runs[0].result.ledger.events());
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  CHECK(entries == 1);
  CHECK_THROWS_WITH_AS(corpus::write_atomically(dir / "no-such-folder" / "x.omega", a),
                       doctest::Contains("cannot create a temporary file"), corpus::FileError);
  fs::remove_all(dir);
}
