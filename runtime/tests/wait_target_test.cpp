// FiberInfo::wait: what a blocked fiber waits on, as data, beside the report text waits_on.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::events_of;
using omega::testing::options;

namespace {

// The object id the run gave the object named `name`.
std::uint32_t object_id(const sim::RunResult& r, const std::string& name) {
  for (const auto& o : events_of<sim::ev::Object>(r))
    if (o.name == name) return o.object;
  FAIL("no object named " << name);
  return 0;
}

}  // namespace

TEST_CASE("wait target: a mutex waiter names the mutex and its holder, which follows hand-overs") {
  FiberInfo first, after;
  auto r = sim::run(options(), [&] {
    Mutex m("accounts");
    m.lock();
    auto b = spawn([&] { std::lock_guard<Mutex> g(m); sleep_for(1ms); }, "b");
    auto c = spawn([&] { std::lock_guard<Mutex> g(m); }, "c");
    sleep_for(1ms);  // b and c queue on the mutex the root holds
    first = info(c.id());
    m.unlock();      // hands the mutex to b; c now waits for b
    after = info(c.id());
    join(b);
    join(c);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(first.status == FiberStatus::blocked);
  CHECK(first.waits_on == "mutex accounts (held by fiber 0 (root))");
  CHECK(first.wait.kind == sim::BlockReason::mutex);
  CHECK(first.wait.object_kind == "mutex");
  CHECK(first.wait.object_name == "accounts");
  CHECK(first.wait.object_id == object_id(r, "accounts"));
  CHECK(first.wait.holder == FiberId{0});
  CHECK_FALSE(first.wait.target.has_value());
  CHECK_FALSE(first.wait.deadline_ns.has_value());
  CHECK(after.wait.holder == FiberId{1});
  CHECK(after.waits_on == "mutex accounts (held by fiber 0 (root))");  // the text is unchanged
}

TEST_CASE("wait target: try_lock_for carries its deadline") {
  FiberInfo seen;
  auto r = sim::run(options(), [&] {
    Mutex m;  // unnamed: "mutex#<id>"
    m.lock();
    auto t = spawn([&] { return m.try_lock_for(3ms); }, "trier");
    yield();
    seen = info(t.id());
    check(!join(t), "the try_lock_for timed out");
    m.unlock();
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(seen.wait.object_name == "mutex#0");
  CHECK(seen.wait.holder == FiberId{0});
  CHECK(seen.wait.deadline_ns == 3'000'000u);
}

TEST_CASE("wait target: a join names the fiber waited for") {
  FiberInfo seen;
  auto r = sim::run(options(), [&] {
    auto worker = spawn([] { sleep_for(2ms); }, "worker");
    auto joiner = spawn([&] { join(worker); }, "joiner");
    sleep_for(1ms);
    seen = info(joiner.id());
    join(joiner);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(seen.waits_on == "join 1 (worker)");
  CHECK(seen.wait.kind == sim::BlockReason::join);
  CHECK(seen.wait.object_kind == "fiber");
  CHECK(seen.wait.object_name == "worker");
  CHECK(seen.wait.target == FiberId{1});
  CHECK_FALSE(seen.wait.object_id.has_value());
  CHECK_FALSE(seen.wait.holder.has_value());
}

TEST_CASE("wait target: channel senders and receivers name the channel and the direction") {
  FiberInfo sender, receiver;
  auto r = sim::run(options(), [&] {
    Channel<int> full(0, "jobs");
    Channel<int> empty(1, "results");
    auto s = spawn([&] { full.send(1); }, "sender");
    auto rx = spawn([&] { return empty.recv_for(10ms); }, "receiver");
    sleep_for(1ms);
    sender = info(s.id());
    receiver = info(rx.id());
    (void)full.recv();
    empty.send(2);
    join(s);
    join(rx);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(sender.waits_on == "channel jobs (waiting for a receiver)");
  CHECK(sender.wait.kind == sim::BlockReason::channel_send);
  CHECK(sender.wait.object_kind == "channel");
  CHECK(sender.wait.object_name == "jobs");
  CHECK(sender.wait.object_id == object_id(r, "jobs"));
  CHECK(receiver.wait.kind == sim::BlockReason::channel_recv);
  CHECK(receiver.wait.object_name == "results");
  CHECK(receiver.wait.object_id == object_id(r, "results"));
  CHECK(receiver.wait.deadline_ns == 10'000'000u);
}

TEST_CASE("wait target: ivar, condvar and semaphore waiters; a sleeper has only a deadline") {
  FiberInfo ivar_getter, ivar_timed, cv_waiter, sem_waiter, sleeper, running;
  auto r = sim::run(options(), [&] {
    IVar<int> answer("answer");
    Mutex m("m");
    CondVar cv("ready");
    Semaphore pool(0, "pool");
    auto g = spawn([&] { return answer.get(); }, "getter");
    auto t = spawn([&] { return answer.get_for(5ms); }, "timed");
    auto w = spawn([&] {
      std::unique_lock<Mutex> lock(m);
      (void)cv.wait_for(lock, 4ms);
    }, "waiter");
    auto p = spawn([&] { pool.acquire(); }, "acquirer");
    auto s = spawn([] { sleep_for(7ms); }, "sleeper");
    sleep_for(1ms);
    ivar_getter = info(g.id());
    ivar_timed = info(t.id());
    cv_waiter = info(w.id());
    sem_waiter = info(p.id());
    sleeper = info(s.id());
    running = info(current());
    answer.put(42);
    pool.release();
    join(g);
    join(t);
    join(w);
    join(p);
    join(s);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(ivar_getter.waits_on == "ivar answer (empty)");
  CHECK(ivar_getter.wait.kind == sim::BlockReason::ivar);
  CHECK(ivar_getter.wait.object_kind == "ivar");
  CHECK(ivar_getter.wait.object_name == "answer");
  CHECK(ivar_getter.wait.object_id == object_id(r, "answer"));
  CHECK_FALSE(ivar_getter.wait.deadline_ns.has_value());
  CHECK(ivar_timed.wait.object_name == "answer");
  CHECK(ivar_timed.wait.deadline_ns == 5'000'000u);
  CHECK(cv_waiter.wait.kind == sim::BlockReason::condvar);
  CHECK(cv_waiter.wait.object_kind == "condvar");
  CHECK(cv_waiter.wait.object_name == "ready");
  CHECK(cv_waiter.wait.deadline_ns == 4'000'000u);
  CHECK(sem_waiter.wait.kind == sim::BlockReason::semaphore);
  CHECK(sem_waiter.wait.object_kind == "semaphore");
  CHECK(sem_waiter.wait.object_name == "pool");
  CHECK(sleeper.wait.kind == sim::BlockReason::sleep);
  CHECK(sleeper.wait.object_kind.empty());
  CHECK_FALSE(sleeper.wait.object_id.has_value());
  CHECK(sleeper.wait.deadline_ns == 7'000'000u);
  CHECK(running.wait == WaitTarget{});  // not blocked: nothing
}

TEST_CASE("wait target: the deadlock's fibers form a wait-for cycle through holders") {
  std::vector<FiberInfo> infos;
  auto r = sim::run(options(), [&] {
    Mutex a("A"), b("B");
    auto ab = spawn([&] { std::lock_guard<Mutex> x(a); sleep_for(1ms); std::lock_guard<Mutex> y(b); }, "ab");
    auto ba = spawn([&] { std::lock_guard<Mutex> x(b); sleep_for(1ms); std::lock_guard<Mutex> y(a); }, "ba");
    sleep_for(2ms);
    infos = {info(ab.id()), info(ba.id())};
    join(ab);
    join(ba);
  });
  CHECK(r.outcome == sim::Outcome::deadlock);
  REQUIRE(infos.size() == 2);
  CHECK(infos[0].wait.object_name == "B");
  CHECK(infos[0].wait.holder == FiberId{2});
  CHECK(infos[1].wait.object_name == "A");
  CHECK(infos[1].wait.holder == FiberId{1});
}
