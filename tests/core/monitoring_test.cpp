// What the monitoring endpoint reads of the core: close reasons, the closed-client ring, the
// loop-lag histogram, the short name and the deliveries a write completes.
#include <catch2/catch.hpp>

#include "core/client_record.hpp"
#include "core/closed_clients.hpp"
#include "core/frame.hpp"
#include "core/lag_histogram.hpp"
#include "core/send_queue.hpp"

using namespace tcpchat;

TEST_CASE("every close reason has its own name", "[monitoring]") {
  CHECK(name(CloseReason::client_closed) == "client_closed");
  CHECK(name(CloseReason::slow_consumer_write_timeout) == "slow_consumer_write_timeout");
  CHECK(name(CloseReason::error) == "error");
  for (std::size_t i = 0; i < close_reason_count; ++i) {
    for (std::size_t j = i + 1; j < close_reason_count; ++j)
      CHECK(close_reason_names[i] != close_reason_names[j]);
  }
}

namespace {
ClientRecord with_id(std::uint64_t id) {
  ClientRecord r;
  r.id = id;
  return r;
}
}  // namespace

TEST_CASE("the closed-client ring keeps the newest, oldest first", "[monitoring]") {
  ClosedClients ring(3);
  for (std::uint64_t id = 1; id <= 2; ++id) ring.add(with_id(id));
  REQUIRE(ring.size() == 2);
  CHECK(ring[0].id == 1);
  for (std::uint64_t id = 3; id <= 7; ++id) ring.add(with_id(id));
  REQUIRE(ring.size() == 3);
  CHECK(ring[0].id == 5);
  CHECK(ring[1].id == 6);
  CHECK(ring[2].id == 7);
  ClosedClients none(0);
  none.add(with_id(1));
  CHECK(none.size() == 0);
}

TEST_CASE("the lag histogram is cumulative, its last bucket is everything", "[monitoring]") {
  LagHistogram h;
  h.observe(0.0001);  // first bucket
  h.observe(0.0005);  // on a bound: that bucket (le)
  h.observe(0.03);    // 0.05
  h.observe(60);      // +Inf only
  CHECK(h.cumulative(0) == 2);
  CHECK(h.cumulative(5) == 2);  // le 0.025
  CHECK(h.cumulative(6) == 3);  // le 0.05
  CHECK(h.cumulative(LagHistogram::bounds_seconds.size() - 1) == 3);
  CHECK(h.cumulative(LagHistogram::bounds_seconds.size()) == 4);
  CHECK(h.count() == 4);
  CHECK(h.sum() == Approx(60.0306));
}

TEST_CASE("a short name keeps at most 64 bytes and never half a character", "[monitoring]") {
  ShortName n;
  n.assign("alice");
  CHECK(n.text() == "alice");
  CHECK_FALSE(n.cut());
  n.assign(std::string(64, 'a'));
  CHECK(n.text().size() == 64);
  CHECK_FALSE(n.cut());
  n.assign(std::string(65, 'b'));
  CHECK(n.text() == std::string(64, 'b'));
  CHECK(n.cut());
  // "é" is two bytes: at 63 + 2 the 64th byte is the first half of one.
  n.assign(std::string(63, 'c') + "\xc3\xa9" + "d");
  CHECK(n.text() == std::string(63, 'c'));
  CHECK(n.cut());
  // A three-byte character ending exactly at 64 is kept whole.
  n.assign(std::string(61, 'e') + "\xe2\x82\xac" + "tail");
  CHECK(n.text() == std::string(61, 'e') + "\xe2\x82\xac");
  n.assign(std::string(1 << 20, 'x'));  // a megabyte
  CHECK(n.text().size() == 64);
}

TEST_CASE("a write counts the broadcasts it completes, not @SERVER frames", "[monitoring]") {
  HeldBytes held;
  SendQueue q;
  q.push(make_frame("aaaa"), held);
  q.push(make_frame("sss", FrameKind::server), held);
  q.push(make_frame("bb"), held);
  CHECK(q.consume(3, held) == 0);  // into the first
  CHECK(q.consume(1, held) == 1);  // the first completes
  CHECK(q.consume(3, held) == 0);  // the server frame
  CHECK(q.consume(2, held) == 1);  // the last
  CHECK(q.empty());
}
