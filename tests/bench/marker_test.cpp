#include "marker.hpp"

#include <catch2/catch.hpp>

#include "data_frame.hpp"
#include "tcpchat/encode.hpp"

using namespace tcpchat;
using namespace tcpchat::bench;

TEST_CASE("a data marker round-trips and is padded to the text size") {
  const MarkerCodec marker(0xdeadbeef);
  std::string text;
  marker.write_data(text, Stamp{3, 1234, 987654321}, 100);
  CHECK(text.size() == 100);
  CHECK(text.starts_with("tcb1:deadbeef:3:1234:987654321:"));
  CHECK(text.find_first_not_of('.', 31) == std::string::npos);

  const ParsedText parsed = marker.parse(text);
  REQUIRE(parsed.kind == TextKind::data);
  CHECK(parsed.stamp.publisher == 3);
  CHECK(parsed.stamp.seq == 1234);
  CHECK(parsed.stamp.sent_ns == 987654321);
  CHECK(parsed.marker_bytes == 31);
}

TEST_CASE("a marker longer than the text size is kept whole") {
  const MarkerCodec marker(1);
  std::string text;
  marker.write_data(text, Stamp{0, 7, 42}, 4);
  CHECK(text == "tcb1:00000001:0:7:42:");
}

TEST_CASE("warm-up, foreign and malformed texts are told apart") {
  const MarkerCodec marker(0xabc);
  std::string text;
  marker.write_warm_up(text, 17);
  CHECK(marker.parse(text).kind == TextKind::warm_up);
  CHECK(marker.parse("hello").kind == TextKind::foreign);
  CHECK(marker.parse("tcb1:00000abd:0:1:2:").kind == TextKind::foreign);  // another run
  CHECK(marker.parse("tcb1:00000abc:0:1:").kind == TextKind::malformed);
  CHECK(marker.parse("tcb1:00000abc:x:1:2:").kind == TextKind::malformed);
}

TEST_CASE("join and leave markers name the client and its period") {
  const MarkerCodec marker(0xabc);
  std::string text;
  marker.write_churn(text, TextKind::join, 17, 3);
  CHECK(text == "tcb1:00000abc:j:17:3:");
  auto parsed = marker.parse(text);
  CHECK(parsed.kind == TextKind::join);
  CHECK(parsed.client == 17);
  CHECK(parsed.period == 3);
  marker.write_churn(text, TextKind::leave, 4, 0);
  parsed = marker.parse(text);
  CHECK(parsed.kind == TextKind::leave);
  CHECK(parsed.client == 4);
  CHECK(parsed.period == 0);
  CHECK(marker.parse("tcb1:00000abc:j:17:").kind == TextKind::malformed);
  CHECK(marker.parse("tcb1:00000abc:l:1:2:x").kind == TextKind::malformed);
}

TEST_CASE("the data frame template matches this run's frames byte for byte, and nothing else") {
  const MarkerCodec marker(0x1234);
  const Message base{"tcpchat-bench", "", "", "24/11/2018 20:43:01"};
  const DataFrameTemplate data_frame(marker, base, 80);
  Message m = base;
  marker.write_data(m.message, Stamp{2, 99, 5000}, 80);
  const std::string frame = encode(m);

  const auto stamp = data_frame.match(frame);
  REQUIRE(stamp);
  CHECK(stamp->publisher == 2);
  CHECK(stamp->seq == 99);
  CHECK(stamp->sent_ns == 5000);

  SECTION("any byte changed") {
    for (std::size_t i = 0; i < frame.size(); ++i) {
      std::string changed = frame;
      changed[i] = changed[i] == '#' ? '$' : '#';
      INFO("byte " << i);
      CHECK_FALSE(data_frame.match(changed));
    }
  }
  SECTION("another run, another size, another sender") {
    Message other = m;
    MarkerCodec(0x1235).write_data(other.message, Stamp{2, 99, 5000}, 80);
    CHECK_FALSE(data_frame.match(encode(other)));
    other = m;
    marker.write_data(other.message, Stamp{2, 99, 5000}, 81);
    CHECK_FALSE(data_frame.match(encode(other)));
    other = m;
    other.client_name = "tcpchat-bencH";
    CHECK_FALSE(data_frame.match(encode(other)));
  }
}
