#include "histogram.hpp"

#include <catch2/catch.hpp>

using tcpchat::bench::LatencyHistogram;

TEST_CASE("an empty histogram reports zeros") {
  const LatencyHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(99) == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("small values are exact and large ones within 1/128, never below the truth") {
  LatencyHistogram h;
  for (std::int64_t v = 1; v <= 100; ++v) h.add(v);
  CHECK(h.percentile(50) == 50);
  CHECK(h.percentile(99) == 99);
  CHECK(h.percentile(100) == 100);

  LatencyHistogram big;
  for (std::int64_t v = 1; v <= 100'000; ++v) big.add(v * 1000);  // 1 us .. 100 ms
  for (const double p : {50.0, 90.0, 99.0, 99.9}) {
    const double truth = p / 100.0 * 100'000 * 1000;
    INFO("p" << p);
    CHECK(big.percentile(p) >= truth);
    CHECK(big.percentile(p) <= truth * (1 + 1.0 / 128));
  }
  CHECK(big.max() == 100'000'000);
  CHECK(big.percentile(100) == 100'000'000);
  CHECK(big.mean() == Approx(50'000'500.0));
}

TEST_CASE("a negative latency counts as zero") {
  LatencyHistogram h;
  h.add(-5);
  CHECK(h.percentile(50) == 0);
}
