#pragma once

#include <optional>
#include <span>
#include <string>

#include "tcpchat/message.hpp"

namespace tcpchat {

// A durable record of accepted messages, written after they are sequenced and before they are
// broadcast: a message the journal cannot record is not broadcast.
class Journal {
 public:
  // Records `messages` in order; on failure keeps none of them and returns why, one sentence.
  virtual std::optional<std::string> record(std::span<const Message> messages) = 0;

 protected:
  ~Journal() = default;
};

}  // namespace tcpchat
