// Bounded exhaustive search (dfs.hpp): the policy text, and the loop that runs the scenario once
// per path of the search (dfs_search.hpp) until the tree within the bound is exhausted.

#include <omega/sim/dfs.hpp>
#include <omega/sim/errors.hpp>

#include "dfs_search.hpp"

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <utility>

namespace omega::sim {

namespace {

using internal::Search;

class DfsSource final : public ChoiceSource {
 public:
  explicit DfsSource(Search& s) : s_(s) {}
  std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) override { return answer(s_.schedule(q)); }
  std::optional<std::uint64_t> choose_data(const DataQuery& q) override { return answer(s_.data(q)); }
  void forced(FiberId chosen, PendingOp op) override { s_.forced(chosen, op); }

 private:
  std::optional<std::uint64_t> answer(std::optional<std::uint64_t> c) {
    if (!c) divergence_ = s_.divergence().empty() ? "dfs: redundant run (every ready fiber asleep)" : s_.divergence();
    return c;
  }
  Search& s_;
};

}  // namespace

bool is_dfs(std::string_view text) { return text == "dfs" || text.starts_with("dfs:"); }

DfsOptions parse_dfs(std::string_view text) {
  DfsOptions o;
  if (text == "dfs") return o;
  const std::string_view prefix = "dfs:pb=";
  std::uint32_t bound = 0;
  const char* first = text.data() + prefix.size();
  const char* last = text.data() + text.size();
  if (!text.starts_with(prefix) || first == last || std::from_chars(first, last, bound).ptr != last || bound > 1000)
    throw UsageError(fmt::format("bad dfs policy '{}' (expected dfs, or dfs:pb=N with N in 0..1000)", text));
  o.preemption_bound = bound;
  return o;
}

std::string describe_dfs(const DfsOptions& o) {
  if (o.preemption_bound && !o.partial_order_reduction)
    return fmt::format("dfs:pb={} (depth-first over schedules with at most {} preemption{}, no partial-order "
                       "reduction)", *o.preemption_bound, *o.preemption_bound, *o.preemption_bound == 1 ? "" : "s");
  if (o.preemption_bound)
    return fmt::format("dfs:pb={} (BPOR: DPOR within at most {} preemption{}, Coons et al. OOPSLA'13)",
                       *o.preemption_bound, *o.preemption_bound, *o.preemption_bound == 1 ? "" : "s");
  return "dfs (unbounded, DPOR with sleep sets: one run per Mazurkiewicz trace)";
}

DfsReport explore_dfs(const DfsOptions& options, const std::function<void()>& body) {
  DfsReport out;
  const RunBatch batch;
  Search search(options);
  RunOptions o = options.base;
  o.policy = policy::Custom{"dfs", [&search](std::uint64_t) { return std::make_unique<DfsSource>(search); }};
  for (;;) {
    if ((options.stop_requested && options.stop_requested()) || out.runs >= options.max_schedules) {
      out.stopped = true;
      break;
    }
    search.begin_run();
    RunResult r = run(o, body);
    ++out.runs;
    if (options.progress) options.progress(out.runs);
    out.max_depth = std::max<std::uint64_t>(out.max_depth, search.depth());
    if (!search.divergence().empty())
      throw UsageError(fmt::format("dfs: the scenario did not repeat itself under the same choices ({} in run {}): "
                                   "something outside the simulation (a static, the wall clock, a thread) "
                                   "steers it", search.divergence(), out.runs));
    if (search.blocked()) {
      ++out.redundant;
    } else {
      ++out.schedules;
      if (options.on_schedule) options.on_schedule(r);
      if (!r.passed()) {
        ++out.failures;
        if (!out.first_failure) {
          out.first_failure_choices = r.choices();
          out.first_failure = std::move(r);
        }
        if (options.stop_after && out.failures >= options.stop_after) break;
      }
    }
    if (!options.preemption_bound || options.partial_order_reduction) search.analyse();
    if (!search.next()) {
      out.complete = true;
      break;
    }
  }
  out.data_points_enumerated = search.data_enumerated();
  out.data_points_fixed = search.data_fixed();
  return out;
}

}  // namespace omega::sim
