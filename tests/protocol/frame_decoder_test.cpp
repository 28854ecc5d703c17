#include <catch2/catch.hpp>

#include "decode_helpers.hpp"
#include "fixtures.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/utf8.hpp"

using tcpchat::DecodeResult;
using tcpchat::FrameDecoder;
using tcpchat::Message;
using K = tcpchat::ProtocolErrorKind;
namespace test = tcpchat::test;

namespace {

std::vector<Message> sample_messages() {
  std::vector<Message> out = {
      {"alice", "greeting", "Hello, world!", "24/11/2018 20:43:01"},
      {"", "", "", ""},
      {"João", "ação", "😀 你好 \"quoted\" back\\slash\nnew\tline\x01", "27/11/2018 18:34:13"},
      {"big", "", std::string(70000, 'x'), "d"},
  };
  for (const auto& c : test::load_cases()) {
    for (const auto& m : c.expect_messages) out.push_back(m);
  }
  return out;
}

std::string frames_of(const std::vector<Message>& messages) {
  std::string all;
  for (const auto& m : messages) tcpchat::encode_to(all, m);
  return all;
}

// The kind of the first error for `bytes` fed whole, or nullopt.
std::optional<K> error_kind(std::string_view bytes, tcpchat::Limits limits = {}) {
  const auto results = test::decode_all(bytes, bytes.size(), limits);
  if (const auto e = test::error_of(results)) return e->kind;
  return std::nullopt;
}

std::string body_frame(std::string_view body) {
  return "Content-length:" + std::to_string(body.size()) + "\n" + std::string(body);
}

}  // namespace

TEST_CASE("encode then decode gives the same messages", "[decoder]") {
  const auto messages = sample_messages();
  const auto all = frames_of(messages);
  CHECK(test::messages_of(test::decode_all(all, all.size())) == messages);
  CHECK(test::messages_of(test::decode_all(all, 1)) == messages);
  CHECK(test::messages_of(test::decode_all(all, 4096)) == messages);
}

TEST_CASE("every split point of a multi-frame buffer decodes the same", "[decoder]") {
  const std::vector<Message> messages = {
      {"a", "s", "first ção", "d1"}, {"b", "", "second 😀", "d2"}, {"c", "x", "third", "d3"}};
  const auto all = frames_of(messages);
  for (std::size_t split = 0; split <= all.size(); ++split) {
    INFO("split at " << split);
    FrameDecoder decoder;
    std::vector<DecodeResult> results;
    for (const auto part :
         {std::string_view(all).substr(0, split), std::string_view(all).substr(split)}) {
      decoder.feed(part);
      while (auto r = decoder.next()) results.push_back(std::move(*r));
    }
    REQUIRE(test::messages_of(results) == messages);
    CHECK_FALSE(decoder.in_frame());
    CHECK(decoder.buffered_bytes() == 0);
  }
}

TEST_CASE("decoding 100,000 frames from one buffer", "[decoder]") {
  std::vector<Message> messages;
  for (int i = 0; i < 100000; ++i) {
    messages.push_back(
        {"user" + std::to_string(i % 100), "s", "message " + std::to_string(i), "d"});
  }
  const auto all = frames_of(messages);
  CHECK(test::messages_of(test::decode_all(all, all.size())) == messages);
}

TEST_CASE("accepted header forms", "[decoder]") {
  const std::string body = R"({"client_name": "a", "subject": "b", "message": "c", "date": "d"})";
  const Message expected{"a", "b", "c", "d"};
  const auto n = std::to_string(body.size());
  for (const std::string& header :
       {"Content-length:" + n, "Content-length: " + n, "Content-length:\t" + n + " \t",
        "Content-length:+" + n, "Content-length:000" + n, "Content-length: +" + n + "\r"}) {
    INFO("header " << header);
    const auto results = test::decode_all(header + "\n" + body, 3);
    CHECK(test::messages_of(results) == std::vector<Message>{expected});
    CHECK_FALSE(test::error_of(results));
  }
}

TEST_CASE("accepted body forms", "[decoder]") {
  const Message abcd{"a", "b", "c", "d"};
  auto decodes_to = [](std::string_view body, const Message& m) {
    INFO("body " << body);
    CHECK(test::messages_of(test::decode_all(body_frame(body), 5)) == std::vector<Message>{m});
  };
  decodes_to(R"({"client_name": "a", "subject": "b", "message": "c", "date": "d"})", abcd);
  decodes_to(R"({"client_name": "a", "subject": "b", "message": "c", "date": "d"})"
             "\n",
             abcd);
  decodes_to(R"({"date":"d","message":"c","subject":"b","client_name":"a"})", abcd);
  decodes_to(R"(  {"client_name":"a","subject":null,"message":"c","date":"d"} )",
             {"a", "", "c", "d"});
  decodes_to(R"({"client_name":"\u00e7\ud83d\ude00","subject":"b","message":"c","date":"d"})",
             {"ç😀", "b", "c", "d"});
  decodes_to(
      R"({"client_name":"a","subject":"b","message":"c","date":"d","x":[1,{"y":null}],"z":3})",
      abcd);
  decodes_to(R"({"client_name":"first","client_name":"a","subject":"b","message":"c","date":"d"})",
             abcd);
}

TEST_CASE("rejections carry a kind and a reason", "[decoder]") {
  const std::string ok = R"({"client_name": "a", "subject": "b", "message": "c", "date": "d"})";
  CHECK(error_kind("\n") == K::empty_line);
  CHECK(error_kind("\r\n") == K::empty_line);
  CHECK(error_kind("Content-Length:5\n") == K::bad_header_name);
  CHECK(error_kind("content-length:5\n") == K::bad_header_name);
  CHECK(error_kind(" Content-length:5\n") == K::bad_header_name);
  CHECK(error_kind("Length 5\n") == K::bad_header_name);
  CHECK(error_kind("Content-length:\n") == K::invalid_length);
  CHECK(error_kind("Content-length: \t\n") == K::invalid_length);
  CHECK(error_kind("Content-length:-5\n") == K::invalid_length);
  CHECK(error_kind("Content-length:0\n") == K::invalid_length);
  CHECK(error_kind("Content-length:000\n") == K::invalid_length);
  CHECK(error_kind("Content-length:0x10\n") == K::invalid_length);
  CHECK(error_kind("Content-length:1 2\n") == K::invalid_length);
  CHECK(error_kind("Content-length:++5\n") == K::invalid_length);
  CHECK(error_kind("Content-length:5:6\n") == K::invalid_length);
  CHECK(error_kind("Content-length:99999999999999999999999\n") == K::length_overflow);
  CHECK(error_kind("Content-length:18446744073709551615\n") == K::body_too_large);
  CHECK(error_kind("Content-length:1048577\n") == K::body_too_large);
  CHECK(error_kind("Content-length:" + std::string(60, '0') + "1\n") == K::header_too_long);
  CHECK(error_kind(body_frame("{\"client_name\": \"\xff\"}")) == K::invalid_utf8);
  CHECK(error_kind(
            body_frame(R"({"client_name":"\ud800","subject":"b","message":"c","date":"d"})")) ==
        K::invalid_utf8);
  CHECK(error_kind(
            body_frame(R"({"client_name":"\udc00x","subject":"b","message":"c","date":"d"})")) ==
        K::invalid_utf8);
  CHECK(error_kind(body_frame("\xef\xbb\xbf" + ok)) == K::invalid_json);  // a BOM
  CHECK(error_kind(body_frame("{")) == K::invalid_json);
  CHECK(error_kind(body_frame(ok + ok)) == K::invalid_json);
  CHECK(error_kind(body_frame(R"({"client_name":"a","subject":"b","message":NaN,"date":"d"})")) ==
        K::invalid_json);
  CHECK(error_kind(body_frame("[]")) == K::not_an_object);
  CHECK(error_kind(body_frame("\"text\"")) == K::not_an_object);
  CHECK(error_kind(body_frame("42")) == K::not_an_object);
  CHECK(error_kind(body_frame("null")) == K::not_an_object);
  CHECK(error_kind(body_frame(R"({"client_name":"a","subject":"b","message":"c"})")) ==
        K::missing_field);
  CHECK(error_kind(body_frame(R"({"client_name":"a","subject":"b","message":null,"date":"d"})")) ==
        K::field_not_string);
  CHECK(error_kind(body_frame(R"({"client_name":1,"subject":"b","message":"c","date":"d"})")) ==
        K::field_not_string);
  CHECK(error_kind(body_frame(R"({"client_name":"a","subject":true,"message":"c","date":"d"})")) ==
        K::field_not_string);
  CHECK(error_kind(body_frame(R"({"client_name":"a","subject":"b","message":["c"],"date":"d"})")) ==
        K::field_not_string);
  CHECK(error_kind(body_frame(R"({"client_name":"a","subject":"b","message":"c","date":{}})")) ==
        K::field_not_string);
}

TEST_CASE("error reasons are valid UTF-8 and never quote the input", "[decoder]") {
  for (const std::string& input :
       {std::string("Content-length:\xff\xfe\n"), std::string("\xff\xff:1\n"),
        body_frame("{\"a\xff\": 1}"), body_frame("[\"\xc3\"]"), std::string(100, '\xff')}) {
    const auto error = test::error_of(test::decode_all(input, input.size()));
    REQUIRE(error);
    CHECK(tcpchat::is_valid_utf8(error->reason));
    CHECK(error->reason.find('\xff') == std::string::npos);
  }
}

TEST_CASE("the size limit triggers on the header, before any body byte", "[decoder]") {
  FrameDecoder decoder(tcpchat::Limits{.max_body_bytes = 100});
  decoder.feed("Content-length:101\n");
  auto r = decoder.next();
  REQUIRE(r);
  REQUIRE(std::holds_alternative<tcpchat::ProtocolError>(*r));
  CHECK(std::get<tcpchat::ProtocolError>(*r).kind == K::body_too_large);
  CHECK(std::get<tcpchat::ProtocolError>(*r).reason.find("100") != std::string::npos);
  CHECK(decoder.buffered_bytes() == 0);
  CHECK(decoder.failed());
}

TEST_CASE("a body at the limit is accepted", "[decoder]") {
  const Message m{"a", "b", std::string(200, 'x'), "d"};
  const auto frame = tcpchat::encode(m);
  const auto body_size = frame.size() - frame.find('\n') - 1;
  CHECK(test::messages_of(test::decode_all(frame, 10, {.max_body_bytes = body_size})) ==
        std::vector<Message>{m});
  CHECK(error_kind(frame, {.max_body_bytes = body_size - 1}) == K::body_too_large);
}

TEST_CASE("the header limit is a parameter", "[decoder]") {
  const auto frame = tcpchat::encode({"a", "b", "c", "d"});
  CHECK(error_kind(frame, {.max_header_bytes = 10}) == K::header_too_long);
  CHECK_FALSE(error_kind(frame, {.max_header_bytes = 18}));
  // A header that grows past the limit byte by byte fails as soon as it does.
  FrameDecoder decoder({.max_header_bytes = 64});
  const std::string endless(65, '0');
  std::size_t fed = 0;
  std::optional<DecodeResult> r;
  while (!r && fed < endless.size()) {
    decoder.feed(std::string_view(endless).substr(fed++, 1));
    r = decoder.next();
  }
  REQUIRE(r);
  CHECK(fed == 65);
}

TEST_CASE("after an error the decoder stays finished", "[decoder]") {
  FrameDecoder decoder;
  decoder.feed("\n");
  REQUIRE(decoder.next());
  CHECK_FALSE(decoder.next());
  decoder.feed(tcpchat::encode({"a", "b", "c", "d"}));
  CHECK_FALSE(decoder.next());
}

TEST_CASE("in_frame tracks a started frame", "[decoder]") {
  FrameDecoder decoder;
  CHECK_FALSE(decoder.in_frame());
  const auto frame = tcpchat::encode({"a", "b", "c", "d"});
  decoder.feed(std::string_view(frame).substr(0, 3));
  CHECK_FALSE(decoder.next());
  CHECK(decoder.in_frame());
  decoder.feed(std::string_view(frame).substr(3, 16));  // the header's end and no body yet
  CHECK_FALSE(decoder.next());
  CHECK(decoder.in_frame());
  decoder.feed(std::string_view(frame).substr(19));
  CHECK(decoder.next());
  CHECK_FALSE(decoder.next());
  CHECK_FALSE(decoder.in_frame());
}

TEST_CASE("decode_body on its own", "[decoder]") {
  const auto r =
      tcpchat::decode_body(R"({"client_name":"a","subject":null,"message":"c","date":"d"})");
  REQUIRE(std::holds_alternative<Message>(r));
  CHECK(std::get<Message>(r) == Message{"a", "", "c", "d"});
}

TEST_CASE("take_unread lets a caller pause and resume between frames", "[decoder]") {
  const std::vector<Message> messages = {
      {"a", "", "1", "d"}, {"b", "", "2", "d"}, {"c", "", "3", "d"}};
  const auto all = frames_of(messages);
  FrameDecoder decoder;
  decoder.feed(all);
  auto first = decoder.next();
  REQUIRE(first);
  CHECK(std::get<Message>(*first) == messages[0]);
  const std::string kept(decoder.take_unread());
  CHECK_FALSE(decoder.next());
  decoder.feed(kept);
  std::vector<DecodeResult> rest;
  while (auto r = decoder.next()) rest.push_back(std::move(*r));
  CHECK(test::messages_of(rest) == std::vector<Message>{messages[1], messages[2]});
}

TEST_CASE("the decoder tells whether the unfinished frame began in the last chunk", "[decoder]") {
  const std::string frame = tcpchat::encode({"a", "", std::string(100, 'x'), "d"});
  tcpchat::FrameDecoder d;
  // feed() keeps a view: each chunk must outlive the next() calls that read it.
  const std::string first = frame.substr(0, 10), second = frame.substr(10, 20);
  const std::string third = frame.substr(30) + frame + frame.substr(0, 5), last = frame.substr(5);
  d.feed(first);  // a frame begins
  while (d.next()) {
  }
  CHECK(d.frame_began_in_last_chunk());
  d.feed(second);  // the same frame goes on
  while (d.next()) {
  }
  CHECK_FALSE(d.frame_began_in_last_chunk());
  // The rest of it, a whole frame, and the start of a third: that third began in this chunk.
  d.feed(third);
  int complete = 0;
  while (auto r = d.next()) complete += std::holds_alternative<tcpchat::Message>(*r);
  CHECK(complete == 2);
  CHECK(d.frame_began_in_last_chunk());
  d.feed(last);  // finishes it: no frame is unfinished
  while (d.next()) {
  }
  CHECK_FALSE(d.in_frame());
  CHECK_FALSE(d.frame_began_in_last_chunk());
}
