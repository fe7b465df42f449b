#include "lock_order_check.hpp"

#include <omega/detail/primitive.hpp>
#include <omega/sim/run.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <vector>

namespace omega::detail {

namespace {

constexpr std::size_t kUnranked = static_cast<std::size_t>(-1);

// Per thread, and per run by serial: what each fiber holds, as ranks in the imposed order.
struct Held {
  std::uint64_t run = 0;
  std::map<std::uint32_t, std::vector<std::size_t>> by_fiber;
};

Held& held() {
  thread_local Held h;
  const std::uint64_t run = sim::kernel::run_serial();
  if (h.run != run) {
    h.run = run;
    h.by_fiber.clear();
  }
  return h;
}

std::size_t rank_of(const std::vector<std::string>& order, const std::string& name) {
  const auto it = std::find(order.begin(), order.end(), name);
  return it == order.end() ? kUnranked : static_cast<std::size_t>(it - order.begin());
}

}  // namespace

void lock_order_before_take(const std::string& mutex_name, FiberId fiber) {
  const auto& order = sim::repair_checks().lock_order;
  if (order.empty()) [[likely]] return;
  const std::size_t rank = rank_of(order, mutex_name);
  if (rank == kUnranked) return;
  for (std::size_t h : held().by_fiber[fiber.value])
    if (h > rank)
      sim::kernel::fail(fmt::format("lock order violated: fiber {} takes mutex {} while holding mutex {} "
                                    "(imposed order: {}) at step {}",
                                    label(fiber), mutex_name, order[h], fmt::join(order, " before "), step()));
}

void lock_order_taken(const std::string& mutex_name, FiberId fiber) {
  const auto& order = sim::repair_checks().lock_order;
  if (order.empty()) [[likely]] return;
  if (const std::size_t rank = rank_of(order, mutex_name); rank != kUnranked) held().by_fiber[fiber.value].push_back(rank);
}

void lock_order_released(const std::string& mutex_name, FiberId fiber) {
  const auto& order = sim::repair_checks().lock_order;
  if (order.empty()) [[likely]] return;
  const std::size_t rank = rank_of(order, mutex_name);
  auto& mine = held().by_fiber[fiber.value];
  if (auto it = std::find(mine.begin(), mine.end(), rank); it != mine.end()) mine.erase(it);
}

}  // namespace omega::detail
