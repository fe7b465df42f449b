#include <omega/sim/governance.hpp>

#include <map>
#include <mutex>
#include <vector>

namespace omega::sim {

std::string required_cap(std::string_view op) {
  if (op == "fiber.spawn") return "cap.fiber.spawn";
  if (op.substr(0, 6) == "fiber.") return "";
  const auto dot = op.find('.');
  return "cap." + std::string(op.substr(0, dot));
}

namespace {

struct Registry {
  std::mutex mutex;  // lint: registration happens from any thread running simulations
  std::map<std::string, OpId, std::less<>> ids;
  std::vector<std::string> names;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

OpId register_op(std::string_view name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (auto it = r.ids.find(name); it != r.ids.end()) return it->second;
  const auto id = static_cast<OpId>(r.names.size());
  r.names.emplace_back(name);
  r.ids.emplace(std::string(name), id);
  return id;
}

std::string op_name(OpId id) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return id < r.names.size() ? r.names[id] : std::string("?");
}

}  // namespace omega::sim
