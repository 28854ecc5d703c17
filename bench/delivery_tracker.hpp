#pragma once

// What every receiver must see: each publisher's messages once each, in publication order, and the
// same total order as every other receiver.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tcpchat::bench {

struct Tally {
  std::uint64_t delivered = 0;   // distinct (receiver, message) pairs
  std::uint64_t lost = 0;        // published, never received
  std::uint64_t duplicates = 0;  // received again
  std::uint64_t reordered = 0;   // received after a later message of the same publisher
  std::uint64_t outside = 0;     // received, but outside what the receiver was owed
  std::uint64_t owed = 0;        // deliveries the receivers were owed
  // Messages the daemon refused that no receiver got: neither owed nor lost.
  std::uint64_t refused = 0;
  // Receivers whose sequence of messages differs from the most common one.
  std::uint64_t order_divergent_receivers = 0;

  bool operator==(const Tally&) const = default;
};

// Per receiver and publisher it keeps the next expected sequence number and, only when something
// went missing, the gaps below it: constant memory per stream while all is well.
//
// A receiver is owed every message of every publisher unless told otherwise: a client that leaves
// and rejoins is a new receiver for each period it is connected, owed per publisher only the
// messages [first, end) of that period, and left out of the common-order check.
class DeliveryTracker {
 public:
  DeliveryTracker(std::size_t receivers, std::size_t publishers);

  // A new receiver, owed everything until owe_from()/owe_until() narrow it; returns its number.
  std::size_t add_receiver();
  void owe_from(std::size_t receiver, std::uint32_t publisher, std::uint64_t first);
  void owe_until(std::size_t receiver, std::uint32_t publisher, std::uint64_t end);

  // `seq` must be below what `publisher` has published so far. True the first time `receiver`
  // gets that message, false for a duplicate.
  bool record(std::size_t receiver, std::uint32_t publisher, std::uint64_t seq);

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t anomalies() const { return duplicates_ + reordered_; }
  // `published[p]`: how many messages publisher p sent in all; `refused[p]` (empty: none), how
  // many of them the daemon refused. A refusal does not say which message it was, and one of
  // unknown outcome may still be delivered: so up to refused[p] of p's messages that no receiver
  // got, the earliest first, count as refused instead of lost. One that some receivers got is
  // lost for the others.
  Tally tally(const std::vector<std::uint64_t>& published,
              const std::vector<std::uint64_t>& refused = {}) const;

 private:
  using Gaps = std::map<std::uint64_t, std::uint64_t>;  // [first, end) ranges not yet received

  bool fill_gap(std::size_t stream, std::uint64_t seq);
  // Sequence numbers in [from, to) that `stream` has not received.
  std::uint64_t missing(std::size_t stream, std::uint64_t from, std::uint64_t to) const;
  // Takes up to `count` of `publisher`'s messages below `published` that no receiver got out of
  // `t`'s owed and lost deliveries, and counts them in t.refused.
  void excuse_refused(Tally& t, std::uint32_t publisher, std::uint64_t published,
                      std::uint64_t count) const;
  // How many receivers were owed message `seq` of `publisher` when no receiver got it (owed it
  // or not), else nullopt.
  std::optional<std::uint64_t> owed_if_received_by_none(std::uint32_t publisher, std::uint64_t seq,
                                                        std::uint64_t published) const;

  std::size_t publishers_;
  std::vector<std::uint64_t> next_;   // [receiver * publishers + publisher]
  std::vector<std::uint64_t> first_;  // owed from, per stream
  std::vector<std::uint64_t> end_;    // owed until (exclusive), per stream
  std::vector<bool> partial_;         // per receiver: owed less than everything
  std::unordered_map<std::size_t, Gaps> gaps_;
  std::vector<std::uint64_t> order_hash_;  // per receiver, over every message in arrival order
  std::uint64_t delivered_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t reordered_ = 0;
};

}  // namespace tcpchat::bench
