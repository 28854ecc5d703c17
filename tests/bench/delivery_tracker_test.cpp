#include "delivery_tracker.hpp"

#include <catch2/catch.hpp>
#include <vector>

using tcpchat::bench::DeliveryTracker;

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
