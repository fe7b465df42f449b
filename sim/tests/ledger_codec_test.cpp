#include <omega/sim/ledger.hpp>
#include <omega/sim/ledger_codec.hpp>
#include <omega/sim/hash.hpp>

#include <doctest/doctest.h>

using namespace omega;
using namespace omega::sim;

namespace {

// One event of every kind, with fields that exercise multi-byte varints and empty/none values.
std::vector<Event> every_kind() {
  return {
      ev::Spawn{FiberId{3}, FiberId{0}, true, "worker-3"},
      ev::Spawn{FiberId{0}, FiberId{}, false, "root"},
      ev::ScheduleChoose{1'000'000, 300, FiberId{2}, 1, {FiberId{0}, FiberId{2}, FiberId{70000}}, FiberId{0}},
      ev::Yield{FiberId{1}},
      ev::Yield{FiberId{300}},  // a fiber id past one varint byte (the writer's slow path)
      ev::Block{FiberId{1}, BlockReason::channel_recv, "channel jobs", ev::Block::kNoObject, {}},
      ev::Block{FiberId{1}, BlockReason::mutex, "mutex accounts (held by 2 (b))", 4, FiberId{2}},
      ev::Wake{FiberId{1}, FiberId{2}},
      ev::Join{FiberId{0}, FiberId{1}},
      ev::Done{FiberId{1}, 0xfedcba9876543210ull},
      ev::Error{FiberId{2}, "std::runtime_error: boom"},
      ev::Choice{17, ChoiceKind::fault, 100, 42},
      ev::Deadlock{"fiber 1 (a) waits on join 2 (b)"},
      ev::Failure{FiberId{4}, "counter == 2"},
      ev::BudgetExhausted{"total steps", 1'000'000},
      ev::Divergence{9, "expected ready set {0,1}"},
      ev::Object{7, "mutex", "accounts"},
      ev::Op{FiberId{2}, 7, OpCode::read_modify_write, 1ull << 40},
      ev::TimeAdvance{5'000'000'000ull},
      ev::Timeout{FiberId{3}},
      ev::Denied{FiberId{1}, "mutex.lock", "cap.mutex"},
      ev::OracleCall{FiberId{2}, 3, 0xabcdefull, std::string("label\0x", 7), 4'000'000, 1, true},
      ev::Site{1, "examples/pipeline.cpp", 42},
      ev::Op{FiberId{2}, 7, OpCode::lock, 0, 1},
      // Fiber verbs with a site (the compact encoding's pseudo-event 24 before each).
      ev::Spawn{FiberId{5}, FiberId{2}, false, "w", 1},
      ev::Yield{FiberId{2}, 1},
      ev::Join{FiberId{2}, FiberId{5}, 1},
      ev::Block{FiberId{2}, BlockReason::join, "join 5 (w)", ev::Block::kNoObject, FiberId{5}, 1},
      ev::OracleCall{FiberId{2}, 3, 0x1234ull, "r", 0, 0, true, 1},
  };
}

// The in-memory encoding leaves sites out (Ledger keeps them beside the bytes).
std::vector<Event> without_sites(std::vector<Event> events) {
  std::erase_if(events, [](const Event& e) { return std::holds_alternative<ev::Site>(e); });
  for (Event& e : events) set_event_site(e, 0);
  return events;
}

}  // namespace

TEST_CASE("encode then decode round-trips every event kind") {
  const std::vector<Event> events = every_kind();
  std::vector<bool> seen(std::variant_size_v<Event>, false);
  for (const Event& e : events) seen[e.index()] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK_MESSAGE(seen[i], "event kind " << i << " has no round-trip case");

  for (const Event& e : without_sites(events)) {
    const std::vector<std::uint8_t> bytes = encode(e);
    const std::vector<Event> back = decode(bytes);
    REQUIRE(back.size() == 1);
    CHECK_MESSAGE(back[0] == e, describe(e));
  }
  CHECK(decode(encode(events)) == without_sites(events));
  CHECK(encode(Event{ev::Site{1, "a.cpp", 1}}).empty());
}

TEST_CASE("sites live beside the ledger's bytes: events() has them, the digest does not") {
  Ledger with, without;
  with.append(ev::Site{1, "examples/pipeline.cpp", 42});
  with.append(ev::Yield{FiberId{1}});
  with.append(ev::Op{FiberId{1}, 0, OpCode::lock, 0, 1});
  with.append(ev::Op{FiberId{1}, 0, OpCode::unlock, 0, 0});
  with.append(ev::Op{FiberId{1}, 0, OpCode::lock, 0, 1});
  without.append(ev::Yield{FiberId{1}});
  without.append(ev::Op{FiberId{1}, 0, OpCode::lock, 0, 0});
  without.append(ev::Op{FiberId{1}, 0, OpCode::unlock, 0, 0});
  without.append(ev::Op{FiberId{1}, 0, OpCode::lock, 0, 0});
  CHECK(with.hash() == without.hash());
  CHECK(with.event_count() == 4);
  const std::vector<Event> expected{ev::Yield{FiberId{1}}, ev::Site{1, "examples/pipeline.cpp", 42},
                                    ev::Op{FiberId{1}, 0, OpCode::lock, 0, 1},
                                    ev::Op{FiberId{1}, 0, OpCode::unlock, 0, 0},
                                    ev::Op{FiberId{1}, 0, OpCode::lock, 0, 1}};
  CHECK(with.events() == expected);
  // A ledger rebuilt from its events (as a file reader does) is the same ledger.
  Ledger again;
  for (const Event& e : with.events()) again.append(e);
  CHECK(again.events() == expected);
  CHECK(again.hash() == with.hash());
  CHECK_THROWS_AS(again.append(ev::Site{5, "x.cpp", 1}), std::invalid_argument);  // ids are dense
  // Compact: a repeated site per (fiber, op code) costs nothing; a change costs the pseudo-event.
  CHECK(decode_compact(encode_compact(expected)) == expected);
}

TEST_CASE("fiber verbs keep their sites beside the bytes too") {
  Ledger l;
  l.append(ev::Site{1, "examples/pipeline.cpp", 7});
  l.append(ev::Spawn{FiberId{1}, FiberId{0}, false, "w", 1});
  l.append(ev::Yield{FiberId{0}, 0});
  l.append(ev::Join{FiberId{0}, FiberId{1}, 1});
  const std::vector<Event> expected{ev::Site{1, "examples/pipeline.cpp", 7},
                                    ev::Spawn{FiberId{1}, FiberId{0}, false, "w", 1}, ev::Yield{FiberId{0}, 0},
                                    ev::Join{FiberId{0}, FiberId{1}, 1}};
  CHECK(l.events() == expected);
  Ledger bare;
  bare.append(ev::Spawn{FiberId{1}, FiberId{0}, false, "w", 0});
  bare.append(ev::Yield{FiberId{0}, 0});
  bare.append(ev::Join{FiberId{0}, FiberId{1}, 0});
  CHECK(l.hash() == bare.hash());
  CHECK(describe(expected[3]) == "Join fiber=0 target=1 site=1");
  CHECK(decode_compact(encode_compact(expected)) == expected);
  // The pseudo-event before an event that cannot have a site is corrupt input.
  const std::vector<Event> done{ev::Done{FiberId{0}, 0}};
  std::vector<std::uint8_t> bad = encode_compact(done);
  bad.insert(bad.begin(), {24, 1});
  CHECK_THROWS_WITH_AS(decode_compact(bad), doctest::Contains("a site followed by an event that has none"), LedgerFormatError);
}

TEST_CASE("the ledger appends encoded events and seals") {
  Ledger l;
  l.append(ev::Yield{FiberId{1}});
  l.write([](LedgerWriter& w) { w.yield(FiberId{2}); });
  CHECK(l.event_count() == 2);
  l.seal();
  l.append(ev::Yield{FiberId{3}});
  CHECK(l.event_count() == 2);
  CHECK(l.events() == std::vector<Event>{ev::Yield{FiberId{1}}, ev::Yield{FiberId{2}}});
}

TEST_CASE("corrupt bytes are rejected with the offset") {
  std::vector<std::uint8_t> bytes = encode(ev::Error{FiberId{2}, "std::runtime_error: boom"});
  bytes.pop_back();
  CHECK_THROWS_WITH_AS(decode(bytes), doctest::Contains("corrupt ledger at byte"), LedgerFormatError);
  const std::vector<std::uint8_t> unknown{0xee};
  CHECK_THROWS_WITH_AS(decode(unknown), doctest::Contains("unknown event code 238"), LedgerFormatError);
  const std::vector<std::uint8_t> bad_enum{ev::Block::kCode, 1, 0xff, 0};
  CHECK_THROWS_WITH_AS(decode(bad_enum), doctest::Contains("out of range"), LedgerFormatError);
}

TEST_CASE("the canonical ready-set hash is FNV-1a over a u32 count and u32 ids") {
  const std::vector<std::uint8_t> bytes{2, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0, 0};
  CHECK(ready_set_hash({FiberId{0}, FiberId{261}}) == fnv1a64(bytes));
  CHECK(ready_set_hash({FiberId{0}, FiberId{1}}) != ready_set_hash({FiberId{1}, FiberId{0}}));
}

TEST_CASE("a ledger's fingerprint tells ledgers apart like its digest, on every length and byte") {
  // Equal bytes, equal fingerprints; a change of any one byte (in the 8-byte words or the tail)
  // or of the length changes it. Explore counts distinct schedules and compares worker processes
  // with it, so a fingerprint blind to some byte would merge different schedules.
  for (std::size_t n = 0; n <= 20; ++n) {
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 1);
    const std::uint64_t f = fingerprint64(bytes);
    CHECK(fingerprint64(std::vector<std::uint8_t>(bytes)) == f);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::uint8_t> changed = bytes;
      changed[i] ^= 0x01;
      CHECK(fingerprint64(changed) != f);
    }
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);  // a zero byte more: the length alone must tell them apart
    CHECK(fingerprint64(longer) != f);
  }
  Ledger a, b;
  a.append(ev::Yield{FiberId{1}});
  b.append(ev::Yield{FiberId{2}});
  CHECK(a.fingerprint() != b.fingerprint());
  CHECK(a.fingerprint() == fingerprint64(a.bytes()));
}

TEST_CASE("the compact encoding round-trips every event kind, alone and in sequence") {
  const std::vector<Event> events = every_kind();
  for (const Event& e : events) {
    const std::vector<Event> one{e};
    CHECK_MESSAGE(decode_compact(encode_compact(one)) == one, describe(e));
  }
  CHECK(decode_compact(encode_compact(events)) == events);
}

TEST_CASE("the compact encoding: an expected decision is one byte; bad input names the cause") {
  // Fiber 0 yields, then 0 and 1 are ready and fiber 1 is chosen: the ready set is new once.
  const std::vector<Event> first{ev::Yield{FiberId{0}},
                                 ev::ScheduleChoose{1, 0, FiberId{1}, 0, {FiberId{0}, FiberId{1}}, FiberId{0}}};
  std::vector<Event> more = first;
  more.push_back(ev::Yield{FiberId{1}});
  more.push_back(ev::ScheduleChoose{2, 1, FiberId{0}, 0, {FiberId{0}, FiberId{1}}, FiberId{1}});
  CHECK(encode_compact(more).size() == encode_compact(first).size() + 2);  // one byte per event
  CHECK(decode_compact(encode_compact(more)) == more);
  const std::vector<std::uint8_t> unknown{0x1f};
  CHECK_THROWS_WITH_AS(decode_compact(unknown), doctest::Contains("unknown event tag 0x1f"), LedgerFormatError);
  const std::vector<std::uint8_t> dangling{ev::Error::kCode | 0x20, 5};  // string 5 of none
  CHECK_THROWS_WITH_AS(decode_compact(dangling), doctest::Contains("string reference 5 past the 0 strings"),
                       LedgerFormatError);
  CompactLimits limits;
  limits.max_events = 2;
  CHECK_THROWS_WITH_AS(decode_compact(encode_compact(more), limits), doctest::Contains("more than 2 events"),
                       LedgerFormatError);
}
