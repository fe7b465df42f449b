#include <omega/omega.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace omega;

TEST_CASE("join returns move-only and string results; Done hashes the value") {
  auto r = sim::run(sim::RunOptions{}, [] {
    auto p = spawn([] { return std::make_unique<int>(7); }, "boxed");
    auto s = spawn([] { return std::string("text"); }, "text");
    check(*join(p) == 7, "move-only result");
    check(join(s) == "text", "string result");
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  std::uint64_t text_hash = 0;
  for (const auto& e : r.ledger.events())
    if (const auto* d = std::get_if<sim::ev::Done>(&e); d && d->fiber == FiberId{2}) text_hash = d->value_hash;
  CHECK(text_hash == sim::fnv1a64(std::string_view("text")));
}

TEST_CASE("children of children, and joins of already-finished fibers") {
  auto r = sim::run(sim::RunOptions{}, [] {
    auto outer = spawn([] {
      auto inner = spawn([] { return 2; }, "inner");
      return join(inner) * 10;
    }, "outer");
    check(join(outer) == 20, "nested result");
    check(join(outer) == 20, "a second join returns the value again");
    check(info(FiberId{2}).parent == outer.id(), "inner's parent is outer");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}
