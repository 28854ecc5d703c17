#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/sequencer.hpp"
#include "core/time.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat {

// The cluster's order as one node sees it: the messages it has sent to Redis to append and not
// yet read back, and the stream's entries, which alone are delivered, in the stream's order.
// Its own messages come back through the stream too, so every node delivers the same order and
// nothing that Redis did not append. No I/O: the Redis link feeds it.
class ClusterOrder {
 public:
  // One entry of the room's stream, its names viewing the reply it was read from: every node
  // reads every entry, so nothing of it is copied but the frame, which the members share.
  struct Entry {
    std::uint64_t seq;
    std::string_view node;
    std::string_view instance;
    std::uint64_t counter;
    Frame frame;
  };
  // How an entry broke the run of sequence numbers: Redis trimmed past this node, lost the room
  // (another epoch), or lost its last writes (a sequence not after the last one delivered).
  enum class Gap : unsigned char { none, trim, epoch, rewind };

  // What reading an entry showed.
  struct Read {
    Gap gap = Gap::none;
    std::optional<SteadyTime> submitted;  // when the entry is ours: when it was submitted
    std::size_t skipped = 0;              // earlier ones of ours it showed were not appended
  };

  // `node` and `instance` name this node's appends (the instance is drawn at each start).
  // `skipped` is what the sender of one of ours hears when a later one of ours comes back
  // before it: Redis did not append it.
  ClusterOrder(OrderedSink& sink, std::string node, std::string instance, Refusal skipped);

  // Keeps a message to append; returns its counter, the last part of its id.
  std::uint64_t submit(const std::shared_ptr<Origin>& origin, const Message& message,
                       SteadyTime now);
  // A message that will not be sent (Redis is unreachable): refused like one Redis refused.
  void submit_refused(const std::shared_ptr<Origin>& origin, const Message& message,
                      const Refusal& why, SteadyTime now);
  // Redis will never append the message of `counter` (it refused it): its origin hears why, but
  // only after the outcomes of its earlier messages, so that each connection hears of its
  // messages in the order it sent them, as a client counting echoes and refusals expects.
  void refuse(std::uint64_t counter, const Refusal& why);
  // An entry read from the stream under the room's `epoch`: delivered to the sink, with its
  // origin when it is one of ours still pending. Returns the gap it shows, if any; delivery goes
  // on from it either way.
  Read read(std::string_view epoch, const Entry& entry);
  // The gap that reading an entry of `epoch` and `seq` would show, before it is delivered: a
  // notice of the gap goes to clients ahead of the entry.
  Gap gap_before(std::string_view epoch, std::uint64_t seq) const;
  // The room's epoch and newest sequence as a new link reads them: the gap they show against
  // what was delivered (an epoch change or a rewind). The first one is the starting position.
  Gap resume(std::string_view epoch, std::uint64_t newest_seq);
  // The counter of the nearest message before `counter` still undecided (pending and not
  // refused), which Redis must append first; 0 for none.
  std::uint64_t undecided_before(std::uint64_t counter) const;
  // The pending message of `counter`, or null once it is read back or refused.
  const Message* find(std::uint64_t counter) const;
  // Refuses, with `why`, the pending messages submitted before `deadline`; returns how many.
  std::size_t expire(SteadyTime deadline, const Refusal& why);

  std::uint64_t last_seq() const { return last_seq_; }
  const std::string& epoch() const { return epoch_; }
  std::size_t pending() const { return pending_.size(); }
  std::size_t pending_bytes() const { return pending_bytes_; }
  // The counters still pending and not refused, oldest first: what a new link retries, in its
  // order.
  template <class Visit>
  void for_each_pending(Visit&& visit) const {
    for (const auto& p : pending_) {
      if (!p.refusal) visit(p.counter, p.message);
    }
  }

 private:
  struct Pending {
    std::uint64_t counter;
    Message message;
    std::weak_ptr<Origin> origin;
    std::size_t bytes;  // 0 once refused: Redis holds nothing of it
    SteadyTime submitted;
    std::optional<Refusal> refusal;  // refused, waiting for its origin's earlier messages
  };
  using Iterator = std::deque<Pending>::iterator;
  Iterator forget(Iterator it);
  // Tells `it`'s origin it was refused, now; returns the next entry.
  Iterator tell_refusal(Iterator it, const Refusal& why);
  void mark_refused(Pending& p, const Refusal& why);
  // Tells the refusals no earlier message of their origin still waits for.
  void release_refusals();

  OrderedSink& sink_;
  std::string node_;
  std::string instance_;
  Refusal skipped_;
  std::uint64_t next_counter_ = 1;
  std::deque<Pending> pending_;  // counter order, which is the order of the appends
  std::size_t pending_bytes_ = 0;
  std::size_t waiting_refusals_ = 0;
  std::string epoch_;           // empty until the first entry
  std::uint64_t last_seq_ = 0;  // of the last entry delivered
};

}  // namespace tcpchat
