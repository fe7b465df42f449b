// Drift-tolerant replay: follows a recorded schedule by fiber identity rather than by position, so
// a recording still steers a program whose code changed (an extra step, a renumbered fiber). A
// fiber's identity is its name path from the root with the index among same-named siblings
// ("root/worker#1"). At each decision the source takes the fiber the next recorded decision chose
// if it is among the alternatives (a match: the recording advances), else the default (the
// decision is taken as new, and the recording waits). Data choices follow the recorded ones of the
// same kind in order, clamped to the bound. Oracles run (nothing is answered from the record).

#include <omega/sim/kernel.hpp>
#include <omega/sim/policies.hpp>

#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace omega::sim {

namespace {

// Identities from Spawn events (the recording).
std::map<std::uint32_t, std::string> recorded_identities(const std::vector<Event>& events) {
  std::map<std::uint32_t, std::string> id;
  std::map<std::pair<std::string, std::string>, std::uint32_t> seen;  // (parent identity, name) -> count
  for (const auto& e : events)
    if (const auto* s = std::get_if<ev::Spawn>(&e)) {
      const std::string parent = s->parent.valid() && id.count(s->parent.value) ? id[s->parent.value] : "";
      const std::uint32_t n = seen[{parent, s->name}]++;
      id[s->fiber.value] = fmt::format("{}{}{}#{}", parent, parent.empty() ? "" : "/", s->name, n);
    }
  return id;
}

class FollowSource : public ChoiceSource {
 public:
  FollowSource(std::shared_ptr<const std::vector<std::string>> targets,
               std::shared_ptr<const std::vector<ev::Choice>> data, std::shared_ptr<FollowStats> stats)
      : targets_(std::move(targets)), data_(std::move(data)), stats_(std::move(stats)) {
    stats_->recorded = targets_->size();
    stats_->matched = 0;
  }

  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override {
    if (next_ >= targets_->size()) return 0;
    const std::string& want = (*targets_)[next_];
    for (std::size_t i = 0; i < q.size(); ++i)
      if (identity(q.alternative(i)) == want) {
        ++next_;
        ++stats_->matched;
        return i;
      }
    return 0;
  }

  std::optional<std::uint64_t> choose_data(const DataQuery& q) override {
    if (next_data_ >= data_->size() || (*data_)[next_data_].kind != q.kind) return 0;
    return std::min((*data_)[next_data_++].value, q.bound - 1);
  }

 private:
  // This run's identity of f, built from the kernel's fiber info and cached (names do not change).
  const std::string& identity(FiberId f) {
    if (auto it = cache_.find(f.value); it != cache_.end()) return it->second;
    const FiberInfo info = kernel::info(f);
    std::string parent;
    std::uint32_t index = 0;
    if (info.parent.valid()) {
      parent = identity(info.parent);
      for (FiberId sibling : kernel::info(info.parent).children) {
        if (sibling == f) break;
        if (kernel::info(sibling).name == info.name) ++index;
      }
    }
    return cache_[f.value] = fmt::format("{}{}{}#{}", parent, parent.empty() ? "" : "/", info.name, index);
  }

  std::shared_ptr<const std::vector<std::string>> targets_;
  std::shared_ptr<const std::vector<ev::Choice>> data_;
  std::shared_ptr<FollowStats> stats_;
  std::size_t next_ = 0, next_data_ = 0;
  std::map<std::uint32_t, std::string> cache_;
};

}  // namespace

Policy follow_fibers_of(const std::vector<Event>& recorded, std::shared_ptr<FollowStats> stats) {
  const auto ids = recorded_identities(recorded);
  auto targets = std::make_shared<std::vector<std::string>>();
  auto data = std::make_shared<std::vector<ev::Choice>>();
  for (const auto& e : recorded) {
    if (const auto* s = std::get_if<ev::ScheduleChoose>(&e)) {
      const auto it = ids.find(s->chosen.value);
      targets->push_back(it == ids.end() ? fmt::format("?{}", s->chosen.value) : it->second);
    }
    if (const auto* c = std::get_if<ev::Choice>(&e)) data->push_back(*c);
  }
  return policy::Custom{"follow-fibers", [targets, data, stats](std::uint64_t) -> std::unique_ptr<ChoiceSource> {
                          return std::make_unique<FollowSource>(targets, data, stats);
                        }};
}

}  // namespace omega::sim
