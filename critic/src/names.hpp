#pragma once
// Internal to the critic: fiber and object names of one ledger, from its Spawn and Object events.

#include <omega/sim/events.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <string>
#include <vector>

namespace omega::critic::detail {

struct Names {
  std::map<std::uint32_t, std::string> fibers;                       // id -> name
  std::map<std::uint32_t, std::pair<std::string, std::string>> objects;  // id -> (kind, name)
  enum class Kind : std::uint8_t { other, shared, mutex };
  static constexpr std::uint32_t kMaxDense = 1u << 20;  // ids past this (an untrusted file) count as other
  std::vector<Kind> kinds;  // by object id

  explicit Names(const std::vector<sim::Event>& events) {
    for (const auto& e : events) {
      if (const auto* s = std::get_if<sim::ev::Spawn>(&e)) fibers[s->fiber.value] = s->name;
      if (const auto* o = std::get_if<sim::ev::Object>(&e)) {
        objects[o->object] = {o->kind, o->name};
        if (o->object < kMaxDense) {
          if (kinds.size() <= o->object) kinds.resize(o->object + 1, Kind::other);
          kinds[o->object] = o->kind == "shared" ? Kind::shared : o->kind == "mutex" ? Kind::mutex : Kind::other;
        }
      }
    }
  }
  // The detectors' per-event questions, answered without a string compare.
  bool is_shared(std::uint32_t id) const noexcept { return id < kinds.size() && kinds[id] == Kind::shared; }
  bool is_mutex(std::uint32_t id) const noexcept { return id < kinds.size() && kinds[id] == Kind::mutex; }
  std::string fiber(FiberId f) const {
    const auto it = fibers.find(f.value);
    return it == fibers.end() ? fmt::format("fiber {}", f.value) : fmt::format("fiber {} ({})", f.value, it->second);
  }
  // "mutex accounts": stable across runs of a scenario (ids are not).
  std::string object(std::uint32_t id) const {
    const auto it = objects.find(id);
    return it == objects.end() ? fmt::format("object #{}", id) : it->second.first + " " + it->second.second;
  }
  const std::string& kind(std::uint32_t id) const {
    static const std::string none;
    const auto it = objects.find(id);
    return it == objects.end() ? none : it->second.first;
  }
};

}  // namespace omega::critic::detail
