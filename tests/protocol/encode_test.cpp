#include "tcpchat/encode.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "fixtures.hpp"

using tcpchat::encode;
using tcpchat::Message;
namespace test = tcpchat::test;

TEST_CASE("encode matches the original sender byte for byte on every string vector", "[encode]") {
  int checked = 0;
  for (const auto& v : test::load_encoder_vectors()) {
    if (!v.fields) continue;  // non-string fields document the original only
    INFO("vector " << v.name);
    CHECK(encode(*v.fields) == v.send);
    ++checked;
  }
  CHECK(checked >= 15);
}

TEST_CASE("encode reproduces every recorded broadcast frame", "[encode]") {
  int checked = 0;
  for (const auto& c : test::load_cases()) {
    if (c.expect_broadcast.empty()) continue;
    INFO("case " << c.name);
    REQUIRE(c.expect_messages.size() == c.expect_broadcast.size());
    for (std::size_t i = 0; i < c.expect_messages.size(); ++i) {
      CHECK(encode(c.expect_messages[i]) == c.expect_broadcast[i]);
    }
    const auto file = test::fixtures_dir() + "/frames/" + c.name + ".broadcast.bin";
    if (std::filesystem::exists(file)) {
      std::string all;
      for (const auto& m : c.expect_messages) all += encode(m);
      CHECK(all == test::read_file(file));
      ++checked;
    }
  }
  CHECK(checked >= 15);
}

TEST_CASE("encode escapes like Python's json.dumps", "[encode]") {
  const Message m{"a\"b\\c", "\n\r\t\b\f", "\x01\x1f\x7f/\xe2\x80\xa8", "é😀"};
  const std::string body =
      "{\"client_name\": \"a\\\"b\\\\c\", \"subject\": \"\\n\\r\\t\\b\\f\", "
      "\"message\": \"\\u0001\\u001f\x7f/\xe2\x80\xa8\", \"date\": \"é😀\"}\n";
  CHECK(encode(m) == "Content-length:" + std::to_string(body.size()) + "\n" + body);
}

TEST_CASE("encode counts the body in bytes, not characters", "[encode]") {
  const Message m{"", "", "ção", ""};
  const std::string frame = encode(m);
  const auto newline = frame.find('\n');
  CHECK(frame.substr(0, newline) == "Content-length:" + std::to_string(frame.size() - newline - 1));
  CHECK(frame.back() == '\n');
}

TEST_CASE("encode_to appends to a reused buffer", "[encode]") {
  std::string out = "prefix";
  const Message m{"a", "b", "c", "d"};
  tcpchat::encode_to(out, m);
  CHECK(out == "prefix" + encode(m));
}

TEST_CASE("a body kept alone frames again to the same bytes as encode", "[encode]") {
  int checked = 0;
  for (const auto& v : test::load_encoder_vectors()) {
    if (!v.fields) continue;
    INFO("vector " << v.name);
    const std::string body = tcpchat::encode_body(*v.fields);
    CHECK(body.size() == tcpchat::encoded_body_size(*v.fields));
    CHECK(tcpchat::frame_body(body) == v.send);
    ++checked;
  }
  CHECK(checked >= 15);
}

TEST_CASE("the encoded size counts every byte's escape as encode writes it", "[encode]") {
  for (unsigned c = 0; c < 256; ++c) {
    INFO("byte " << c);
    const Message m{std::string(3, static_cast<char>(c)), "", "x", ""};
    CHECK(tcpchat::encoded_body_size(m) == tcpchat::encode_body(m).size());
    CHECK(tcpchat::encode_body(m).size() == encode(m).size() - encode(m).find('\n') - 1);
  }
}
