#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/frame.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat {

// Why messages were not accepted: `subject` and `text` go to their sender as an @SERVER frame,
// `detail` to the operator's log (empty: the sequencer logs such refusals itself, summed up).
struct Refusal {
  std::string subject;
  std::string text;
  std::string detail;
};

// Who submitted a batch: a connection of this node. It hears about refusals and is asked to stop
// and start reading when the order cannot take more for now (back-pressure).
class Origin {
 public:
  virtual const std::string& peer() const = 0;
  // `messages` (a run of one submitted batch, in its order) will never be broadcast.
  virtual void refused(std::span<const Message> messages, const Refusal& why) = 0;
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;

 protected:
  ~Origin() = default;
};

// An accepted message with its place in the one order, as the frame every member receives:
// encoded once, by the sequencer, which in a cluster receives it encoded already. `message` is
// the message itself where the sequencer holds it, and null where it has the frame alone
// (another node's message, read from the cluster's stream). `origin` is null for a message that
// did not come from a connection of this node, or whose connection has gone since it was
// submitted.
struct Sequenced {
  std::uint64_t seq;
  const Frame& frame;
  const Message* message;
  const Origin* origin;
};

// Receives every accepted message exactly once, in the order, seq counting up by one.
class OrderedSink {
 public:
  virtual void on_sequenced(const Sequenced& accepted) = 0;

 protected:
  ~OrderedSink() = default;
};

// Puts the messages of every origin into one total order. Each submitted message ends either
// accepted (handed to the sink) or refused (reported to its origin), at once or later: an
// implementation that answers later keeps the origin by its weak reference and forgets it if
// the origin is gone by then.
class Sequencer {
 public:
  virtual ~Sequencer() = default;
  virtual void submit(const std::shared_ptr<Origin>& origin, std::span<const Message> messages) = 0;
};

}  // namespace tcpchat
