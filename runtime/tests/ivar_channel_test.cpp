#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::options;

TEST_CASE("ivar: get blocks until put, does not consume, and every waiter wakes") {
  auto r = sim::run(options(), [] {
    IVar<int> answer("answer");
    std::vector<Fiber<int>> readers;
    for (int i = 0; i < 3; ++i) readers.push_back(spawn([&] { return answer.get(); }, "reader"));
    yield();  // the readers block
    check(info(readers[0].id()).status == FiberStatus::blocked, "reader blocked");
    check(info(readers[0].id()).waits_on == "ivar answer (empty)", info(readers[0].id()).waits_on);
    check(!answer.try_get().has_value(), "try_get on empty");
    answer.put(42);
    for (auto& rd : readers) check(join(rd) == 42, "every reader sees the value");
    check(answer.get() == 42 && answer.try_get() == 42, "get does not consume");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("a wait text is the run's own: an unnamed object renamed by a later run says so") {
  // The text is cached per object; an unnamed object is "<kind>#<id>" of each run, and its id
  // depends on what that run attached first. A cache keyed on the text alone would repeat the
  // first run's name.
  static IVar<int> shared_unnamed;  // outlives runs, as a static primitive may
  std::vector<std::string> seen;
  for (int extra = 0; extra < 2; ++extra) {
    auto r = sim::run(options(), [&] {
      IVar<int> first;
      if (extra) first.put(1);  // attached first in the second run only: shifts the ids
      auto reader = spawn([&] { return shared_unnamed.get(); }, "reader");
      yield();
      seen.push_back(info(reader.id()).waits_on);
      shared_unnamed.put(7);
      check(join(reader) == 7, "the reader sees the value");
    });
    CHECK_MESSAGE(r.passed(), r.message);
  }
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == "ivar ivar#0 (empty)");
  CHECK(seen[1] == "ivar ivar#1 (empty)");
}

TEST_CASE("ivar: a second put is an error naming both fibers") {
  auto r = sim::run(options(), [] {
    IVar<std::string> v("result");
    v.put("first");
    auto f = spawn([&] { v.put("second"); }, "late");
    join(f);
  });
  CHECK(r.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(r.message.find("fiber 1 (late) puts to ivar result, already filled by fiber 0 (root)") !=
                    std::string::npos,
                r.message);
}

TEST_CASE("ivar: get_for times out; a put on the same tick as the timeout wins") {
  auto r = sim::run(options(), [] {
    IVar<int> never("never");
    check(!never.get_for(3ms).has_value(), "timed out");
    check(now() == 3ms, "at the deadline");

    IVar<int> v("v");
    auto reader = spawn([&] { return v.get_for(10ms); }, "reader");
    auto writer = spawn([&] {
      sleep_for(10ms);
      v.put(7);
    }, "writer");
    join(writer);
    check(join(reader) == 7, "the put at the timeout's tick wins");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("channel: capacity 0 is a rendezvous — send completes only when a receiver took the value") {
  std::vector<std::string> log;
  auto r = sim::run(options(), [&] {
    Channel<int> ch(0, "rendezvous");
    auto sender = spawn([&] {
      ch.send(1);
      log.push_back("send returned at " + std::to_string(now().count()));
    }, "sender");
    auto receiver = spawn([&] {
      sleep_for(5ms);
      log.push_back("receiving");
      check(ch.recv() == 1, "value");
    }, "receiver");
    join(sender);
    join(receiver);
  });
  CHECK_MESSAGE(r.passed(), r.message);
  REQUIRE(log.size() == 2);
  CHECK(log[0] == "receiving");
  CHECK(log[1] == "send returned at 5000000");
}

TEST_CASE("channel: capacity n buffers n values, then senders block until a receive") {
  auto r = sim::run(options(), [] {
    Channel<int> ch(2, "jobs");
    ch.send(1);
    ch.send(2);
    check(ch.buffered() == 2, "two buffered without a receiver");
    auto third = spawn([&] { ch.send(3); }, "third");
    yield();
    check(info(third.id()).status == FiberStatus::blocked, "the third send blocks");
    check(info(third.id()).waits_on == "channel jobs (full)", info(third.id()).waits_on);
    check(ch.recv() == 1, "FIFO 1");
    join(third);
    check(ch.recv() == 2 && ch.recv() == 3, "FIFO 2, 3");
    check(!ch.send_for(4, 1ms) || ch.buffered() == 1, "send_for with room succeeds");
    ch.send(5);
    check(!ch.send_for(6, 2ms), "send_for on a full channel times out");
    check(!Channel<int>(0, "empty").recv_for(1ms).has_value(), "recv_for times out");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("channel: close wakes blocked receivers and senders; receive drains then reports closed") {
  auto r = sim::run(options(), [] {
    Channel<int> empty(1, "empty");
    auto receiver = spawn([&] { return empty.recv(); }, "receiver");
    yield();
    empty.close();
    check(!join(receiver).has_value(), "a blocked receiver sees closed");

    Channel<int> full(1, "full");
    full.send(1);
    auto sender = spawn([&] {
      try {
        full.send(2);
        return std::string("sent");
      } catch (const ChannelClosed& e) {
        return std::string(e.what());
      }
    }, "sender");
    yield();
    full.close();
    const std::string what = join(sender);
    check(what.find("fiber 2 (sender) was blocked sending on channel full, which is closed") == 0, what);
    check(full.recv() == 1, "drains the buffer after close");
    check(!full.recv().has_value(), "then reports closed");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("channel: send on a closed channel, and closing twice, are errors") {
  auto send = sim::run(options(), [] {
    Channel<int> ch(1, "done");
    ch.close();
    ch.send(1);
  });
  CHECK(send.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(send.message.find("ChannelClosed: fiber 0 (root) sends on channel done, which is closed") !=
                    std::string::npos,
                send.message);
  auto twice = sim::run(options(), [] {
    Channel<int> ch(1, "done");
    ch.close();
    ch.close();
  });
  CHECK_MESSAGE(twice.message.find("closes channel done twice") != std::string::npos, twice.message);
}
