#include "core/token_bucket.hpp"

#include <catch2/catch.hpp>

using namespace tcpchat;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;

// Takes every token there is at `now`; returns how many.
int drain(TokenBucket& bucket, SteadyTime now, const RateLimit& limit) {
  int n = 0;
  while (bucket.has_token(now, limit)) {
    bucket.spend();
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a bucket starts full: the burst goes through at once", "[token_bucket]") {
  TokenBucket bucket;
  CHECK(drain(bucket, t0, {.per_second = 10, .burst = 5}) == 5);
}

TEST_CASE("a bucket refills at its rate", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 10, .burst = 5};
  drain(bucket, t0, limit);
  CHECK_FALSE(bucket.has_token(t0 + 50ms, limit));  // half a token
  CHECK(drain(bucket, t0 + 100ms, limit) == 1);
  CHECK(drain(bucket, t0 + 400ms, limit) == 3);
}

TEST_CASE("a bucket never holds more than its burst", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 10, .burst = 5};
  drain(bucket, t0, limit);
  CHECK(drain(bucket, t0 + 1h, limit) == 5);
}

TEST_CASE("time that stands still refills nothing", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 1000, .burst = 2};
  drain(bucket, t0, limit);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(bucket.has_token(t0, limit));
}

TEST_CASE("a time that jumps back refills nothing and loses nothing", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 10, .burst = 5};
  drain(bucket, t0 + 10s, limit);
  CHECK_FALSE(bucket.has_token(t0, limit));
  // Refilling resumes from the latest time seen, not from the earlier one.
  CHECK_FALSE(bucket.has_token(t0 + 10s + 50ms, limit));
  CHECK(bucket.has_token(t0 + 10s + 100ms, limit));
}

TEST_CASE("a time that jumps far forward refills to the burst at most", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 1, .burst = 3};
  drain(bucket, t0, limit);
  CHECK(drain(bucket, t0 + 24h * 365, limit) == 3);
}

TEST_CASE("the wait for the next token follows the deficit and the rate", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 4, .burst = 1};
  drain(bucket, t0, limit);
  CHECK(bucket.until_token(limit) ==
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(250ms));
  CHECK_FALSE(bucket.has_token(t0 + 125ms, limit));
  CHECK(bucket.until_token(limit) ==
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(125ms));
}

TEST_CASE("the wait is at least a millisecond, so a timer never spins", "[token_bucket]") {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 1e8, .burst = 1};
  drain(bucket, t0, limit);
  CHECK(bucket.until_token(limit) >= 1ms);
}

TEST_CASE("a new rate applies to a bucket that already exists", "[token_bucket]") {
  TokenBucket bucket;
  drain(bucket, t0, {.per_second = 1, .burst = 1});
  CHECK(drain(bucket, t0 + 1s, {.per_second = 3, .burst = 3}) == 3);
}
