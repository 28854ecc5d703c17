// Replays every recorded case of the original Python chat against the real daemon: the sender S
// and an observer O connect, S sends the recorded bytes split as recorded, then probes show the
// room still works for O and for a newcomer N.
#include "fixtures.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::Daemon;
using tcpchat::test::FixtureCase;
using tcpchat::test::Peer;
using namespace std::chrono_literals;

namespace {

void send_as_recorded(Peer& sender, const FixtureCase& c) {
  std::size_t at = 0;
  for (std::size_t i = 0; i < c.chunks.size(); ++i) {
    // The recorder paused between chunks so that each went out as its own TCP segment.
    if (i > 0) std::this_thread::sleep_for(c.chunks.size() > 10 ? 2ms : 200ms);
    sender.send(std::string_view(c.sent).substr(at, c.chunks[i]));
    at += c.chunks[i];
  }
  if (c.shutdown_after) sender.shutdown_write();
}

void expect_server_error(Peer& peer) {
  const auto reply = peer.read_message();
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "InvalidRequestError");
  CHECK_FALSE(reply->message.empty());
  CHECK(reply->date.size() == 19);  // the server's current date, dd/mm/yyyy hh:mm:ss
  CHECK(peer.wait_closed());
}

// The room still delivers to the observer and to a client that connects afterwards.
void probe(Daemon& daemon, Peer& observer) {
  Peer newcomer(daemon.port());
  const Message p{"prober", "", "probe", "d"};
  newcomer.send_message(p);
  CHECK(observer.read_message() == p);
  CHECK(newcomer.read_message() == p);
}

}  // namespace

TEST_CASE("every recorded case of the original behaves as its category says", "[fixtures]") {
  const auto cases = tcpchat::test::load_cases();
  REQUIRE(cases.size() >= 40);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name << " (" << c.category << ")") {
      Daemon daemon({"--quiet"});
      Peer sender(daemon.port()), observer(daemon.port());
      REQUIRE(tcpchat::test::sync_room({&sender, &observer}));
      send_as_recorded(sender, c);
      if (c.category == "valid") {
        for (const auto& frame : c.expect_broadcast) {
          CHECK(observer.read_frame() == frame);
          CHECK(sender.read_frame() == frame);
        }
      } else if (c.category == "invalid") {
        expect_server_error(sender);
        CHECK(observer.nothing_within(50ms));
      } else if (c.category == "valid_then_invalid") {
        for (const auto& frame : c.expect_broadcast) {
          CHECK(observer.read_frame() == frame);
          CHECK(sender.read_frame() == frame);
        }
        expect_server_error(sender);
      } else if (c.category == "robustness") {
        // An incomplete frame then EOF: no reply, the connection simply ends.
        CHECK(sender.wait_closed());
        CHECK(sender.buffered() == 0);
      } else if (c.category == "quirk") {
        if (c.name == "length_too_large_then_idle") {
          // A correct framer waits for the announced bytes instead of guessing.
          CHECK(observer.nothing_within(200ms));
          CHECK_FALSE(sender.closed());
        } else {
          // Python-only leniency (Unicode digits, `_`, NBSP, NaN, non-string fields) is refused.
          expect_server_error(sender);
        }
      } else {
        FAIL("unknown category " << c.category);
      }
      probe(daemon, observer);
    }
  }
}

TEST_CASE("a refused client gets the reply even with its input left unread", "[fixtures]") {
  Daemon daemon({"--quiet"});
  Peer sender(daemon.port());
  // A bad header followed by a large body the daemon never reads as a frame.
  sender.send("Content-Length:200000\n" + std::string(200000, 'x'));
  expect_server_error(sender);
}
