#include "echo_tracker.hpp"

#include <utility>

#include "outcome.hpp"

namespace tcpchat::client {

void EchoTracker::sent(Message m, std::size_t frame_bytes) {
  pending_.push_back({std::move(m), frame_bytes});
  pending_bytes_ += frame_bytes;
  ++sent_count_;
}

bool EchoTracker::confirm(const Message& received) {
  if (pending_.empty() || !(pending_.front().message == received)) return false;
  refuse_oldest();
  return true;
}

void EchoTracker::refuse_oldest() {
  if (pending_.empty()) return;
  pending_bytes_ -= pending_.front().frame_bytes;
  pending_.pop_front();
}

std::string with_unconfirmed(std::string sentence, const EchoTracker& echoes) {
  if (echoes.sent_count() == 0) return sentence;
  return sentence + "; " + std::to_string(echoes.unconfirmed()) + " of " +
         count_of(echoes.sent_count(), "sent message was", "sent messages were") + " not confirmed";
}

}  // namespace tcpchat::client
