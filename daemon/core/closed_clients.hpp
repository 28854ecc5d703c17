#pragma once

#include <cstddef>
#include <vector>

#include "core/client_record.hpp"

namespace tcpchat {

// The most recently closed connections, oldest first, for "why was X dropped": a ring of at most
// `capacity` records, so its memory is bounded (capacity × (sizeof(ClientRecord) + peer and
// name bytes)) however many connections come and go.
class ClosedClients {
 public:
  static constexpr std::size_t default_capacity = 1000;

  explicit ClosedClients(std::size_t capacity = default_capacity) : capacity_(capacity) {}

  void add(ClientRecord record);
  std::size_t size() const { return ring_.size(); }
  // i-th oldest of those kept.
  const ClientRecord& operator[](std::size_t i) const { return ring_[(start_ + i) % ring_.size()]; }

 private:
  std::size_t capacity_;
  std::vector<ClientRecord> ring_;
  std::size_t start_ = 0;  // the oldest, once the ring is full
};

}  // namespace tcpchat
