// An exception rethrown at join: the run's message names the fiber that threw it and each join
// that passed it on, not only the fiber it finally ended.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using namespace omega;
using omega::testing::events_of;
using omega::testing::options;

TEST_CASE("join exception: the message names the worker that threw and the fiber that joined") {
  auto r = sim::run(options(), [] {
    auto worker = spawn([] {
      yield();
      throw std::runtime_error("disk full");
    }, "worker");
    join(worker);  // rethrows; the root does not catch
  });
  CHECK(r.outcome == sim::Outcome::exception);
  // The worker ends by its exception at step 4; the root's join resumes at step 5 and rethrows.
  CHECK(r.message ==
        "fiber 1 (worker) threw std::runtime_error: disk full at step 4, rethrown at join by fiber "
        "0 (root) at step 5");
  // The ledger records each fiber's end where it happened: the worker's first, then the root's.
  const auto errors = events_of<sim::ev::Error>(r);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].fiber == FiberId{1});
  CHECK(errors[0].message == "std::runtime_error: disk full");
  CHECK(errors[1].fiber == FiberId{0});
}

TEST_CASE("join exception: the join's step is reported, not the step the joiner finally ended at") {
  auto r = sim::run(options(), [] {
    auto worker = spawn([]() -> int { throw std::invalid_argument("bad record"); }, "parser");
    yield();  // the worker throws meanwhile
    yield();
    try {
      (void)join(worker);
    } catch (...) {
      yield();  // more steps before the exception leaves the root
      yield();
      throw;
    }
  });
  CHECK(r.outcome == sim::Outcome::exception);
  CHECK(r.message ==
        "fiber 1 (parser) threw std::invalid_argument: bad record at step 2, rethrown at join by "
        "fiber 0 (root) at step 5");
  // Not the step the root finally ended at, two yields later.
  CHECK(r.steps > 5);
}

TEST_CASE("join exception: a chain of joins names every hop, from the fiber that threw first") {
  auto r = sim::run(options(), [] {
    auto mid = spawn([] {
      auto leaf = spawn([] { throw std::runtime_error("timeout talking to the model"); }, "leaf");
      join(leaf);
    }, "mid");
    join(mid);
  });
  CHECK(r.outcome == sim::Outcome::exception);
  CHECK(r.message ==
        "fiber 2 (leaf) threw std::runtime_error: timeout talking to the model at step 6, rethrown "
        "at join by fiber 1 (mid) at step 7, rethrown at join by fiber 0 (root) at step 8");
}

TEST_CASE("join exception: a rethrowing fiber that is never joined names the origin too") {
  auto r = sim::run(options(), [] {
    spawn([] {
      auto leaf = spawn([] { throw std::runtime_error("boom"); }, "leaf");
      join(leaf);
    }, "mid");
  });
  CHECK(r.outcome == sim::Outcome::exception);
  CHECK(r.message ==
        "fiber 2 (leaf) threw std::runtime_error: boom at step 5, rethrown at join by fiber 1 (mid) "
        "at step 6; fiber 1 (mid) was never joined (step 6)");
}

TEST_CASE("join exception: a different exception thrown by the joiner is the joiner's own") {
  auto r = sim::run(options(), [] {
    auto worker = spawn([] { throw std::runtime_error("inner"); }, "worker");
    try {
      join(worker);
    } catch (const std::runtime_error& e) {
      throw std::logic_error(std::string("wrapped: ") + e.what());
    }
  });
  CHECK(r.outcome == sim::Outcome::exception);
  CHECK(r.message == "fiber 0 (root) threw std::logic_error: wrapped: inner at step 4");
}

TEST_CASE("join exception: the root's own exception and an unjoined one keep their messages") {
  auto own = sim::run(options(), [] { throw std::logic_error("bad input"); });
  CHECK(own.message == "fiber 0 (root) threw std::logic_error: bad input at step 0");
  auto unjoined = sim::run(options(), [] { spawn([] { throw std::runtime_error("boom"); }, "thrower"); });
  CHECK(unjoined.message == "fiber 1 (thrower) threw std::runtime_error: boom and was never joined (step 2)");
}
