// The README's demo: explore a small buggy scenario over 1000 seeds of the Random policy and
// print a one-line summary. (The full scenario runner arrives with the exploration issue.)
//
//   omega-demo [--seeds N]

#include <omega/omega.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace {

// Two fibers increment a counter with a read, a yield, and a write: a lost update.
void lost_update() {
  int counter = 0;
  auto increment = [&counter] {
    const int seen = counter;
    omega::yield();
    counter = seen + 1;
  };
  auto a = omega::spawn(increment, "incrementer-a");
  auto b = omega::spawn(increment, "incrementer-b");
  omega::join(a);
  omega::join(b);
  omega::check(counter == 2, "counter == 2 (got " + std::to_string(counter) + ")");
}

int usage(const char* why) {
  std::fprintf(stderr, "omega-demo: %s\nusage: omega-demo [--seeds N]   (N >= 1, default 1000)\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seeds = 1000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("omega-demo: explores demo/lost-update over seeds 0..N-1 with the random policy\n"
                  "usage: omega-demo [--seeds N]   (default 1000)\n");
      return 0;
    }
    if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
      char* end = nullptr;
      seeds = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || seeds == 0) return usage("--seeds needs a positive integer");
      continue;
    }
    return usage((std::string("unknown argument ") + argv[i]).c_str());
  }
  try {
    std::uint64_t failures = 0, first_failing = 0;
    std::string first_message;
    for (std::uint64_t seed = 0; seed < seeds; ++seed) {
      omega::sim::RunOptions options;
      options.policy = omega::sim::random_policy();
      options.seed = seed;
      const auto result = omega::sim::run(options, lost_update);
      if (!result.passed() && failures++ == 0) {
        first_failing = seed;
        first_message = result.message;
      }
    }
    std::printf("demo/lost-update: %llu schedules explored (random, seeds 0..%llu), %llu failed",
                static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(seeds - 1),
                static_cast<unsigned long long>(failures));
    if (failures > 0)
      std::printf("; first at seed %llu: %s", static_cast<unsigned long long>(first_failing),
                  first_message.c_str());
    std::printf("\n");
    return 0;  // the demo exists to find this bug: finding it is success
  } catch (const std::exception& e) {
    std::fprintf(stderr, "omega-demo: error: %s\n", e.what());
    return 1;
  }
}
