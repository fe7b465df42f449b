#include <omega/progress.hpp>

#include <omega/detail/primitive.hpp>

#include <map>
#include <memory>

namespace omega {

namespace {

class ProgressMark : public detail::Primitive {
 public:
  explicit ProgressMark(std::string name) : Primitive("progress", std::move(name)) {}
  void mark() {
    if (!begin_without_point("omega::progress")) return;
    record(sim::OpCode::put, ++marks_);
  }

 private:
  void reset() override { marks_ = 0; }
  std::uint64_t marks_ = 0;
};

}  // namespace

void progress(const std::string& name) {
  sim::kernel::require("omega::progress");
  // Marks outlive runs on this thread; a mark first used in a run starts afresh (Primitive).
  thread_local std::map<std::string, std::unique_ptr<ProgressMark>, std::less<>> marks;
  auto it = marks.find(name);
  if (it == marks.end()) it = marks.emplace(name, std::make_unique<ProgressMark>(name)).first;
  it->second->mark();
}

}  // namespace omega
