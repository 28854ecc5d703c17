#include "core/closed_clients.hpp"

#include <utility>

namespace tcpchat {

void ClosedClients::add(ClientRecord record) {
  if (capacity_ == 0) return;
  if (ring_.size() < capacity_) {
    ring_.push_back(std::move(record));
    return;
  }
  ring_[start_] = std::move(record);
  start_ = (start_ + 1) % capacity_;
}

}  // namespace tcpchat
