#include "delivery_tracker.hpp"

#include <catch2/catch.hpp>
#include <vector>

using tcpchat::bench::DeliveryTracker;
using tcpchat::bench::Tally;

TEST_CASE("deliveries in order, to every receiver, are clean") {
  DeliveryTracker t(3, 2);
  for (std::uint64_t seq = 0; seq < 5; ++seq) {
    for (std::size_t r = 0; r < 3; ++r) {
      t.record(r, 0, seq);
      t.record(r, 1, seq);
    }
  }
  const auto tally = t.tally({5, 5});
  CHECK(tally.delivered == 30);
  CHECK(tally.lost == 0);
  CHECK(tally.duplicates == 0);
  CHECK(tally.reordered == 0);
  CHECK(tally.order_divergent_receivers == 0);
}

TEST_CASE("gaps, late arrivals, duplicates and missing tails are counted exactly") {
  DeliveryTracker t(1, 1);
  for (const std::uint64_t seq : {0, 3, 1, 1, 5, 6, 6, 0}) t.record(0, 0, seq);
  // 0 in order; 3 skips 1 and 2; 1 late (reordered); 1 again and 0 again are duplicates;
  // 5 skips 4; 6 twice. Published 8: 2, 4 and 7 never came.
  const auto tally = t.tally({8});
  CHECK(tally.delivered == 5);
  CHECK(tally.reordered == 1);
  CHECK(tally.duplicates == 3);
  CHECK(tally.lost == 3);
}

TEST_CASE("receivers that see another interleaving of the publishers diverge") {
  DeliveryTracker t(3, 2);
  for (const std::size_t r : {0, 1}) {
    t.record(r, 0, 0);
    t.record(r, 1, 0);
  }
  t.record(2, 1, 0);
  t.record(2, 0, 0);
  const auto tally = t.tally({1, 1});
  CHECK(tally.reordered == 0);  // each publisher's own order holds everywhere
  CHECK(tally.order_divergent_receivers == 1);
}

TEST_CASE("a receiver that rejoined is owed only its period, and counted exactly within it") {
  DeliveryTracker t(1, 2);  // receiver 0: connected all along
  const std::size_t period = t.add_receiver();
  CHECK(period == 1);
  // The period owes publisher 0's messages 3..6 and publisher 1's 2..3.
  t.owe_from(period, 0, 3);
  t.owe_until(period, 0, 7);
  t.owe_from(period, 1, 2);
  t.owe_until(period, 1, 4);
  for (std::uint64_t seq = 0; seq < 8; ++seq) t.record(0, 0, seq);
  for (std::uint64_t seq = 0; seq < 5; ++seq) t.record(0, 1, seq);
  // Publisher 0: 3 and 4, then 6 before 5 (reordered); 7 is past the period's end.
  for (const std::uint64_t seq : {3, 4, 6, 5, 7}) t.record(period, 0, seq);
  // Publisher 1: 1 was before the period began, 2 is owed, 3 never came.
  for (const std::uint64_t seq : {1, 2}) t.record(period, 1, seq);
  // Lost: publisher 1's 3. Reordered: publisher 0's 5. Outside: publisher 0's 7, publisher 1's 1.
  // The period saw another part of the order than receiver 0 and is not held against it.
  CHECK(t.tally({8, 5}) == Tally{.delivered = 8 + 5 + 5 + 2,
                                 .lost = 1,
                                 .reordered = 1,
                                 .outside = 2,
                                 .owed = 8 + 5 + 4 + 2});
}

TEST_CASE("a period that lasts to the end of the run is owed through the last message") {
  DeliveryTracker t(1, 1);
  const std::size_t period = t.add_receiver();
  t.owe_from(period, 0, 2);
  for (const std::uint64_t seq : {2, 3}) t.record(period, 0, seq);
  for (std::uint64_t seq = 0; seq < 5; ++seq) t.record(0, 0, seq);
  // Message 4 never came.
  CHECK(t.tally({5}) == Tally{.delivered = 5 + 2, .lost = 1, .owed = 5 + 3});
}

TEST_CASE("a refused message that reached no one is neither owed nor lost") {
  DeliveryTracker t(3, 2);
  for (std::size_t r = 0; r < 3; ++r) {
    for (const std::uint64_t seq : {0, 1, 3, 4}) t.record(r, 0, seq);
    t.record(r, 1, 0);
  }
  // Publisher 0's message 2 came nowhere: refused, not lost. Without the refusal it is lost.
  CHECK(t.tally({5, 1}, {1, 0}) == Tally{.delivered = 15, .owed = 15, .refused = 1});
  CHECK(t.tally({5, 1}) == Tally{.delivered = 15, .lost = 3, .owed = 18});
}

TEST_CASE("refusals explain only messages that no receiver got, the earliest first") {
  DeliveryTracker t(3, 1);
  // 4 reached receiver 0 only: lost for the other two, refused or not.
  for (const std::uint64_t seq : {0, 1, 3, 4, 5}) t.record(0, 0, seq);
  for (const std::size_t r : {1, 2}) {
    for (const std::uint64_t seq : {0, 1, 3, 5}) t.record(r, 0, seq);
  }
  // Three refusals, but only 2 and 6 (the tail) reached no one: the third (unknown outcome,
  // say, and delivered after all) explains nothing. Receiver 0's order is not the others'.
  CHECK(t.tally({7}, {3}) == Tally{.delivered = 13,
                                   .lost = 2,
                                   .owed = 21 - 6,
                                   .refused = 2,
                                   .order_divergent_receivers = 1});
  CHECK(t.tally({7}, {1}) == Tally{.delivered = 13,
                                   .lost = 2 + 3,
                                   .owed = 21 - 3,
                                   .refused = 1,
                                   .order_divergent_receivers = 1});
}

TEST_CASE("a refused message is taken from the periods that were owed it, and only those") {
  DeliveryTracker t(1, 1);  // receiver 0: connected all along
  const std::size_t period = t.add_receiver();
  t.owe_from(period, 0, 2);
  for (const std::uint64_t seq : {1, 2, 4}) t.record(0, 0, seq);
  // Message 0 missed receiver 0, but the period saw it before it was owed anything: delivered,
  // so not refused. Message 3 reached no one; only the two were owed it.
  for (const std::uint64_t seq : {0, 2, 4}) t.record(period, 0, seq);
  CHECK(t.tally({5}, {2}) ==
        Tally{.delivered = 6, .lost = 1, .outside = 1, .owed = 5 + 3 - 2, .refused = 1});
}
