// Scenarios for explore --critic: latent bugs in runs that all pass (the critic must find them),
// each beside a fixed twin (the critic must stay silent), and a spin loop with and without progress
// marks (a livelock, and not one).
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <mutex>
#include <string>

namespace {

void transfer_then_report(bool fixed) {
  omega::Mutex accounts("accounts"), audit("audit");
  auto transfer = omega::spawn([&] {
    std::lock_guard a(accounts);
    std::lock_guard b(audit);
  }, "transfer");
  omega::join(transfer);  // the two never overlap: no run deadlocks, the order cycle is latent
  auto report = omega::spawn([&] {
    if (fixed) {
      std::lock_guard a(accounts);
      std::lock_guard b(audit);
    } else {
      std::lock_guard b(audit);
      std::lock_guard a(accounts);
    }
  }, "report");
  omega::join(report);
}

void both_set_the_flag(bool fixed) {
  omega::Shared<int> flag("flag", 0);
  omega::Mutex m("flag-lock");
  auto set = [&] {
    if (fixed) {
      std::lock_guard g(m);
      flag.store(1);
    } else {
      flag.store(1);  // both write the same value: the check passes, the race is latent
    }
  };
  auto a = omega::spawn(set, "setter-a");
  auto b = omega::spawn(set, "setter-b");
  omega::join(a);
  omega::join(b);
  omega::check(flag.load() == 1, "flag == 1");
}

void summarise_twice(bool fixed) {
  auto& model = omega::oracle("summariser");
  omega::Shared<std::string> cache("summary", "");
  auto summarise = [&] {
    if (fixed && !cache.load().empty()) return;  // the fix: look in the cache first
    cache.store(model.call(std::string("report"), [](const std::string& d) { return "summary of " + d; }));
  };
  auto first = omega::spawn(summarise, "first");
  omega::join(first);
  auto second = omega::spawn(summarise, "second");
  omega::join(second);
  omega::check(!cache.load().empty(), "a summary");
}

void spin(bool marks_progress) {
  omega::Shared<bool> ready("ready", false);
  auto waiter = omega::spawn([&] {
    while (!ready.load()) {  // nobody sets it: this spins until a budget runs out
      if (marks_progress) omega::progress("retries");
      omega::yield();
    }
  }, "waiter");
  omega::join(waiter);
}

}  // namespace

OMEGA_SCENARIO("critic/latent-lock-order") { transfer_then_report(false); }
OMEGA_SCENARIO("critic/latent-lock-order-fixed") { transfer_then_report(true); }
OMEGA_SCENARIO("critic/latent-race") { both_set_the_flag(false); }
OMEGA_SCENARIO("critic/latent-race-fixed") { both_set_the_flag(true); }
OMEGA_SCENARIO("critic/repeated-oracle") { summarise_twice(false); }
OMEGA_SCENARIO("critic/repeated-oracle-fixed") { summarise_twice(true); }
OMEGA_SCENARIO("critic/spin") { spin(false); }
OMEGA_SCENARIO("critic/spin-progress") { spin(true); }
