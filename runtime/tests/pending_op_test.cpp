// Each scheduling point carries what every ready fiber is about to do (PendingOp): the operation
// and the object, as partial-order sampling and DPOR need them.
#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace omega;

namespace {

using Seen = std::vector<std::vector<std::pair<std::uint32_t, sim::PendingOp>>>;  // per decision: (fiber, op)

// Takes the default at every decision and records, per decision, the ready fibers' pending ops.
struct Recorder : sim::ChoiceSource {
  std::shared_ptr<Seen> seen;
  std::optional<std::uint64_t> choose_fiber(const sim::ScheduleQuery& q) override {
    auto& row = seen->emplace_back();
    for (FiberId f : q.ready) row.emplace_back(f.value, q.pending_of(f));
    return 0;
  }
  std::optional<std::uint64_t> choose_data(const sim::DataQuery&) override { return 0; }
};

// Options whose policy is a Recorder writing into `seen`.
sim::RunOptions recording(const std::shared_ptr<Seen>& seen) {
  sim::RunOptions o = testing::options();
  o.policy = sim::policy::Custom{"recorder", [seen](std::uint64_t) {
                                   auto r = std::make_unique<Recorder>();
                                   r->seen = seen;
                                   return std::unique_ptr<sim::ChoiceSource>(std::move(r));
                                 }};
  return o;
}

}  // namespace

TEST_CASE("pending operations: every ready fiber's next operation and object, at every decision") {
  auto seen = std::make_shared<Seen>();
  const sim::RunOptions o = recording(seen);
  std::uint32_t mutex_id = 0, cell_id = 0;
  const auto r = sim::run(o, [&] {
    Mutex m("m");
    Shared<int> cell("cell", 0);
    auto locker = spawn([&] {
      std::lock_guard g(m);
    }, "locker");
    auto writer = spawn([&] { cell.store(1); }, "writer");
    join(locker);
    join(writer);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  for (const auto& e : r.ledger.events())
    if (const auto* obj = std::get_if<sim::ev::Object>(&e)) (obj->kind == "mutex" ? mutex_id : cell_id) = obj->object;
  const sim::OpId lock = sim::register_op("mutex.lock"), write = sim::register_op("shared.store"),
                  join_op = sim::register_op("fiber.join"), spawn_op = sim::register_op("fiber.spawn");
  bool saw_lock = false, saw_write = false, saw_start = false, saw_root = false, saw_join = false;
  for (const auto& row : *seen)
    for (const auto& [fiber, p] : row) {
      saw_lock |= fiber == 1 && p == sim::PendingOp{lock, mutex_id};
      saw_write |= fiber == 2 && p.op == write && p.object == cell_id;
      saw_start |= p.op == sim::PendingOp::kStart && p.object == sim::PendingOp::kNoObject;
      saw_root |= fiber == 0 && p.op == spawn_op && p.object == sim::PendingOp::kNoObject && !p.has_object();
      saw_join |= fiber == 0 && p.op == join_op && !p.has_object() && p.join_target() == FiberId{1};
    }
  CHECK(saw_lock);
  CHECK(saw_write);
  CHECK(saw_start);  // a fiber that has not run yet
  CHECK(saw_root);   // fiber verbs act on no object
  CHECK(saw_join);   // but a join names the fiber it waits for (DPOR: it depends on that fiber alone)
}

TEST_CASE("pending operations: steps inside a compound operation also name its object (memo, singleflight, condvar)") {
  auto seen = std::make_shared<Seen>();
  const auto r = sim::run(recording(seen), [&] {
    Memo<int, int> memo(4, "memo");
    Mutex m("m");
    CondVar cv("cv");
    bool ready = false;
    auto getter = spawn([&] { (void)memo.get(1, [] { return 1; }); }, "getter");
    auto waiter = spawn([&] {
      std::unique_lock lock(m);
      while (!ready) cv.wait(lock);
    }, "waiter");
    auto notifier = spawn([&] {
      std::lock_guard g(m);
      ready = true;
      cv.notify_all();
    }, "notifier");
    join(getter);
    join(waiter);
    join(notifier);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  std::map<std::string, std::uint32_t> id;
  for (const auto& e : r.ledger.events())
    if (const auto* obj = std::get_if<sim::ev::Object>(&e)) id[obj->name] = obj->object;
  REQUIRE(id.count("memo"));
  REQUIRE(id.count("m"));
  REQUIRE(id.count("memo/singleflight"));
  const sim::OpId flight = sim::register_op("singleflight.run"), put = sim::register_op("ivar.put"),
                  wait = sim::register_op("condvar.wait"), get = sim::register_op("memo.get");
  const std::uint32_t none = sim::PendingOp::kNoObject;
  bool flight_in_memo = false, put_in_both = false, wait_on_mutex = false, get_outside = false;
  for (const auto& row : *seen)
    for (const auto& [fiber, p] : row) {
      flight_in_memo |= p.op == flight && p.within[0] == id["memo"] && p.within[1] == none;
      put_in_both |= p.op == put && p.within[0] == id["memo"] && p.within[1] == id["memo/singleflight"];
      wait_on_mutex |= p.op == wait && p.within[0] == id["m"];
      get_outside |= p.op == get && p.within[0] == none;
      if (fiber == 0) CHECK(p.within[0] == none);  // the root is in no compound operation
    }
  CHECK(flight_in_memo);
  CHECK(put_in_both);     // the flight's ivar put: inside the memo and its singleflight
  CHECK(wait_on_mutex);   // a wait's step releases the mutex
  CHECK(get_outside);
}
