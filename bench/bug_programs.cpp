// Our own ports of classic concurrency-bug benchmark shapes (SCTBench's CS programs), for
// bench_bugs.py: schedules to the first bug per policy.
//   bench/reorder-N     N-1 setters write a = 1 then b = -1; a checker reads a then b and expects
//                       (0, 0) or (1, -1): it must run between one setter's two writes.
//   bench/twostage-N    N stage writers (data1 = 1 under one lock, then data2 = data1 + 1 under
//                       another) and one reader that expects data2 == data1 + 1 once data1 is set.
//   bench/wronglock     one fiber increments and checks under lock A, seven increment under lock B.
//   bench/account       deposit and withdraw under one lock; a checker asserts the wrong formula
//                       once both are done.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace {

void reorder(int threads) {
  omega::Shared<int> a("a", 0), b("b", 0);
  std::vector<omega::Fiber<void>> all;
  for (int i = 0; i + 1 < threads; ++i)
    all.push_back(omega::spawn([&] {
      a.store(1);
      b.store(-1);
    }, "set"));
  all.push_back(omega::spawn([&] {
    const int x = a.load(), y = b.load();
    omega::check((x == 0 && y == 0) || (x == 1 && y == -1), "reorder: a and b seen half set");
  }, "check"));
  for (auto& f : all) omega::join(f);
}

void twostage(int writers) {
  omega::Shared<int> data1("data1", 0), data2("data2", 0);
  omega::Mutex lock1("data1-lock"), lock2("data2-lock");
  std::vector<omega::Fiber<void>> all;
  for (int i = 0; i < writers; ++i)
    all.push_back(omega::spawn([&] {
      {
        std::lock_guard g(lock1);
        data1.store(1);
      }
      std::lock_guard g(lock2);
      data2.store(data1.load() + 1);
    }, "stage"));
  all.push_back(omega::spawn([&] {
    int t1 = 0;
    {
      std::lock_guard g(lock1);
      if (data1.load() == 0) return;
      t1 = data1.load();
    }
    std::lock_guard g(lock2);
    omega::check(data2.load() == t1 + 1, "twostage: the second stage is not done");
  }, "read"));
  for (auto& f : all) omega::join(f);
}

}  // namespace

OMEGA_SCENARIO("bench/reorder-3") { reorder(3); }
OMEGA_SCENARIO("bench/reorder-5") { reorder(5); }
OMEGA_SCENARIO("bench/reorder-10") { reorder(10); }
OMEGA_SCENARIO("bench/reorder-20") { reorder(20); }
OMEGA_SCENARIO("bench/twostage") { twostage(1); }
OMEGA_SCENARIO("bench/twostage-100") { twostage(100); }

OMEGA_SCENARIO("bench/wronglock") {
  omega::Shared<int> value("value", 0);
  omega::Mutex data_lock("data-lock"), this_lock("this-lock");
  std::vector<omega::Fiber<void>> all;
  all.push_back(omega::spawn([&] {
    std::lock_guard g(data_lock);
    const int x = value.load();
    value.store(x + 1);
    omega::check(value.load() == x + 1, "wronglock: another fiber incremented under another lock");
  }, "a"));
  for (int i = 0; i < 7; ++i)
    all.push_back(omega::spawn([&] {
      std::lock_guard g(this_lock);
      value.store(value.load() + 1);
    }, "b"));
  for (auto& f : all) omega::join(f);
}

OMEGA_SCENARIO("bench/account") {
  const int x = 1, y = 2, z = 4;
  omega::Shared<int> balance("balance", x);
  omega::Shared<bool> deposited("deposited", false), withdrawn("withdrawn", false);
  omega::Mutex m("m");
  auto check = omega::spawn([&] {
    std::lock_guard g(m);
    if (deposited.load() && withdrawn.load())
      omega::check(balance.load() == (x - y) - z, "account: the balance after deposit and withdraw");
  }, "check");
  auto deposit = omega::spawn([&] {
    std::lock_guard g(m);
    balance.store(balance.load() + y);
    deposited.store(true);
  }, "deposit");
  auto withdraw = omega::spawn([&] {
    std::lock_guard g(m);
    balance.store(balance.load() - z);
    withdrawn.store(true);
  }, "withdraw");
  omega::join(check);
  omega::join(deposit);
  omega::join(withdraw);
}
