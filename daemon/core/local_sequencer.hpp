#pragma once

#include <cstdint>

#include "core/journal.hpp"
#include "core/sequencer.hpp"

namespace tcpchat {

// The order of a single node: messages are accepted in the order they are submitted, at once,
// after the journal (when there is one) has recorded them.
class LocalSequencer final : public Sequencer {
 public:
  LocalSequencer(OrderedSink& sink, Journal* journal) : sink_(sink), journal_(journal) {}

  void submit(const std::shared_ptr<Origin>& origin, std::span<const Message> messages) override;
  std::uint64_t last_seq() const { return last_seq_; }

 private:
  OrderedSink& sink_;
  Journal* journal_;
  std::uint64_t last_seq_ = 0;
};

}  // namespace tcpchat
