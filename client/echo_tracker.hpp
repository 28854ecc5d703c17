#pragma once

// Which sent messages the server has echoed back. The daemon broadcasts every frame to its
// sender too, in one total order, re-encoded canonically, so the echo of a message has the same
// four fields as what was sent, and the echoes of one connection come back in the order sent.
// A received message confirms the oldest unconfirmed one when all four fields are equal; a
// message another client sent with the same name, subject, text and date (to the second) cannot
// be told apart from an echo, and counts as one.

#include <cstddef>
#include <deque>
#include <string>

#include "tcpchat/message.hpp"

namespace tcpchat::client {

class EchoTracker {
 public:
  void sent(Message m, std::size_t frame_bytes);
  // True when `received` is the echo of the oldest unconfirmed message.
  bool confirm(const Message& received);
  // The server refused the oldest unconfirmed message: no echo will come for it.
  void refuse_oldest();

  std::size_t sent_count() const { return sent_count_; }
  std::size_t unconfirmed() const { return pending_.size(); }
  std::size_t unconfirmed_bytes() const { return pending_bytes_; }

 private:
  struct Pending {
    Message message;
    std::size_t frame_bytes;
  };
  std::deque<Pending> pending_;
  std::size_t pending_bytes_ = 0;
  std::size_t sent_count_ = 0;
};

// `sentence` + "; 2 of 5 sent messages were not confirmed", when any message was sent.
std::string with_unconfirmed(std::string sentence, const EchoTracker& echoes);

}  // namespace tcpchat::client
