#include "inbox.hpp"

#include <catch2/catch.hpp>
#include <variant>
#include <vector>

#include "tcpchat/encode.hpp"

using namespace tcpchat;
using namespace tcpchat::bench;

namespace {

const MarkerCodec marker(0x77);
const Message base{"tcpchat-bench", "", "", "01/02/2026 03:04:05"};
const DataFrameTemplate data_frame(marker, base, 64);

std::string data(std::uint32_t publisher, std::uint64_t seq) {
  Message m = base;
  marker.write_data(m.message, Stamp{publisher, seq, 1000 + static_cast<std::int64_t>(seq)}, 64);
  return encode(m);
}

// What an Inbox makes of `stream` fed in chunks of `chunk` bytes, as short descriptions.
std::vector<std::string> receive(const std::string& stream, std::size_t chunk) {
  Inbox inbox(data_frame);
  std::vector<std::string> out;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const std::string piece = stream.substr(at, chunk);  // gone after this turn, like a read buffer
    inbox.feed(piece);
    while (auto r = inbox.next()) {
      if (const auto* s = std::get_if<Stamp>(&*r)) {
        out.push_back("data " + std::to_string(s->publisher) + "/" + std::to_string(s->seq));
      } else if (const auto* m = std::get_if<Message>(&*r)) {
        out.push_back("message " + m->client_name + ": " + m->message);
      } else {
        out.push_back("error " + std::string(to_string(std::get<ProtocolError>(*r).kind)));
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("an inbox recognises data frames and decodes the rest, however the stream is cut") {
  const std::string stream = data(0, 0) + encode(Message{"alice", "s", "hi", "d"}) + data(1, 0) +
                             data(0, 1) + encode(Message{"@SERVER", "X", "a\nb", "d"});
  const std::vector<std::string> expected = {"data 0/0", "message alice: hi", "data 1/0",
                                             "data 0/1", "message @SERVER: a\nb"};
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    INFO("chunks of " << chunk << " bytes");
    REQUIRE(receive(stream, chunk) == expected);
  }
}

TEST_CASE("a header not in canonical form hands the stream to the protocol's FrameDecoder") {
  const std::string body = R"({"client_name": "bob", "subject": "", "message": "x", "date": "d"})";
  const std::string odd = "Content-length: 0" + std::to_string(body.size()) + "\r\n" + body;
  const std::string stream = data(0, 0) + odd + data(0, 1);
  const std::vector<std::string> expected = {
      "data 0/0", "message bob: x",
      "message tcpchat-bench: " + std::string("tcb1:00000077:0:1:1001:") + std::string(41, '.')};
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    INFO("chunks of " << chunk << " bytes");
    REQUIRE(receive(stream, chunk) == expected);
  }
}

TEST_CASE("an invalid frame is reported once and ends the stream") {
  const std::string stream = data(0, 0) + "Content-length:3\n[1]" + data(0, 1);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, stream.size()}) {
    INFO("chunks of " << chunk << " bytes");
    CHECK(receive(stream, chunk) == std::vector<std::string>{"data 0/0", "error not_an_object"});
  }
  CHECK(receive(data(0, 0) + "content-length:3\n", 5) ==
        std::vector<std::string>{"data 0/0", "error bad_header_name"});
}
