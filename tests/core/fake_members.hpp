#pragma once

// Room members and message origins that only record what happens to them.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/member.hpp"
#include "core/sequencer.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/encode.hpp"

namespace tcpchat::test {

inline Message message(std::string text, std::string name = "alice") {
  return {std::move(name), "", std::move(text), "24/11/2018 20:43:01"};
}

// Records every delivered frame; `on_deliver` runs after recording, to act during a broadcast.
class RecordingMember final : public Member {
 public:
  void deliver(const Frame& frame) override {
    frames.push_back(frame);
    if (on_deliver) on_deliver();
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& f : frames) out.push_back(f->bytes());
    return out;
  }

  std::vector<Frame> frames;
  std::function<void()> on_deliver;
};

class RecordingOrigin final : public Origin {
 public:
  const std::string& peer() const override { return peer_; }
  void refused(std::span<const Message> messages, const Refusal& why) override {
    for (const auto& m : messages) refusals.push_back({m.message, why.subject});
  }
  void pause_reading() override { paused = true; }
  void resume_reading() override { paused = false; }

  struct Refused {
    std::string text;
    std::string subject;
    bool operator==(const Refused&) const = default;
  };
  std::vector<Refused> refusals;
  bool paused = false;

 private:
  std::string peer_ = "127.0.0.1:5000";
};

// What a sink was given: the sequence, the text (from the frame, as members receive it) and the
// origin of each accepted message.
struct Accepted {
  std::uint64_t seq;
  std::string text;
  const Origin* origin;
  bool operator==(const Accepted&) const = default;
};

class RecordingSink final : public OrderedSink {
 public:
  void on_sequenced(const Sequenced& s) override {
    const auto decoded = decode_body(s.frame->body());
    const auto* m = std::get_if<Message>(&decoded);
    accepted.push_back({s.seq, m ? m->message : "not a message", s.origin});
  }
  std::vector<Accepted> accepted;
};

}  // namespace tcpchat::test
