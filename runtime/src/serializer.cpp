#include <omega/serializer.hpp>

#include <fmt/format.h>

namespace omega {

Serializer::Serializer(std::string name) : state_(std::make_shared<State>(std::move(name))) {}

Serializer make_serializer(std::string name) { return Serializer(std::move(name)); }

Serializer::Section::Section(std::shared_ptr<State> s) : state_(std::move(s)) {
  Mutex& m = state_->mutex;
  if (m.held_by_current_fiber()) {
    // Waiting for ourselves: block for good, so the deadlock report says what happened.
    sim::kernel::block(sim::BlockReason::mutex,
                       fmt::format("serializer {}, which it holds itself: self-deadlock (a "
                                   "serialized procedure called another on the same serializer)",
                                   m.name()));
  }
  m.lock();
}

Serializer::Section::~Section() { state_->mutex.unlock(); }

}  // namespace omega
