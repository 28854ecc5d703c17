// Hostile clients against the real daemon (the hardening issue's list): every attack is bounded
// in time, and both what the attacker gets and what everyone else still gets are asserted.
#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <unordered_map>

#include "daemon_process.hpp"
#include "process_stats.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::Clock;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::occurrences;
using tcpchat::test::open_descriptors;
using tcpchat::test::Peer;
using tcpchat::test::ready_peers;
using tcpchat::test::repeated_warnings;
using tcpchat::test::sync_room;
using tcpchat::test::wait_until;
using namespace std::chrono_literals;

namespace {

std::string frame_of(std::string_view body) {
  return "Content-length:" + std::to_string(body.size()) + "\n" + std::string(body);
}

bool is_refusal(const std::optional<Message>& reply, std::string_view reason) {
  return reply && reply->client_name == "@SERVER" && reply->subject == "InvalidRequestError" &&
         reply->message == reason;
}

// The one reply a refused client gets, then the end of its connection.
void expect_refusal(Peer& hostile, std::string_view reason) {
  const auto reply = hostile.read_message(10s);
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "InvalidRequestError");
  CHECK(reply->message == reason);
  CHECK(hostile.wait_closed(10s));
}

// Waits, bounded, for the daemon to hold the descriptors it held before an attack.
bool descriptors_return_to(Daemon& daemon, std::size_t baseline) {
  const pid_t pid = daemon.process().pid();
  return wait_until([&] { return open_descriptors(pid) == baseline; }, 30s);
}

}  // namespace

TEST_CASE("slowloris: 1,000 connections trickling a frame are refused at --frame-timeout",
          "[hostile]") {
  constexpr std::size_t count = 1000;
  tcpchat::test::need_open_files(count + 100);
  Daemon daemon({"--frame-timeout", "2s", "--quiet"});
  Peer normal(daemon.port());
  REQUIRE(sync_room({&normal}));
  const std::size_t baseline = open_descriptors(daemon.process().pid());

  // Each announces 50 bytes, then sends one a second: a frame that would take 50 s.
  constexpr std::size_t announced = 50;
  const std::string body = R"({"client_name": "slow", "subject": "", "message": "never")";
  std::vector<Peer> slow;
  slow.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    slow.emplace_back(daemon.port());
    slow.back().send("Content-length:" + std::to_string(announced) + "\n" + body.substr(0, 1));
  }
  // The count sees the sessions: whatever else happens, the newest is open for 2 s.
  CHECK(wait_until([&] { return open_descriptors(daemon.process().pid()) > baseline; }, 30s));
  std::vector<bool> replied(count);
  // Until refused they are members of the room, and hear the normal client's chat.
  std::size_t refusals = 0, strange = 0, closed = 0, echoes = 0, chats = 0;
  std::size_t trickled = 1;
  auto next_byte = Clock::now() + 1s;
  auto next_chat = Clock::now();
  const auto deadline = Clock::now() + 60s;
  while (closed < count && Clock::now() < deadline) {
    if (Clock::now() >= next_byte) {
      for (std::size_t i = 0; i < count; ++i) {
        if (!replied[i]) slow[i].try_send(body.substr(trickled, 1));
      }
      ++trickled;
      next_byte += 1s;
    }
    if (Clock::now() >= next_chat) {
      const Message m{"normal", "", "chat " + std::to_string(chats++), "d"};
      normal.send_message(m);
      echoes += normal.read_message(10s) == m;
      next_chat += 100ms;
    }
    for (const std::size_t i : ready_peers(slow, 100ms)) {
      while (const auto m = slow[i].read_message(0ms)) {
        if (is_refusal(m, "the frame was not completed within 2s of its first byte")) {
          refusals += !replied[i];
          strange += replied[i];
          replied[i] = true;
        } else {
          strange += replied[i] || m->client_name != "normal";
        }
      }
      if (slow[i].closed()) {
        ++closed;
        slow[i].close();
      }
    }
  }
  CHECK(refusals == count);
  CHECK(strange == 0);  // nothing but the chat, then one refusal, then nothing
  CHECK(closed == count);
  CHECK(trickled < announced);  // no frame could have been completed
  CHECK(chats > 0);
  CHECK(echoes == chats);
  // The daemon logs the first refusal of each second and counts the rest in a summary line,
  // which comes when the second is over.
  CHECK(wait_until(
      [&] {
        return repeated_warnings(daemon.log(), "(--frame-timeout)", "invalid request") == count;
      },
      10s));
  CHECK(descriptors_return_to(daemon, baseline));
  CHECK(sync_room({&normal}));
}

TEST_CASE("hostile Content-length values are refused on the header, without waiting for a body",
          "[hostile]") {
  // A frame timeout far beyond the reads' bounds: a reply can only come from the header.
  Daemon daemon({"--frame-timeout", "60s", "--quiet"});
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(sync_room({&a, &b}));
  const std::string over_limit = " exceeds the limit of 1048576 bytes";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1000000000000000000", "the Content-length value 1000000000000000000" + over_limit},
      {"9223372036854775808", "the Content-length value 9223372036854775808" + over_limit},
      {"18446744073709551616", "the Content-length value does not fit in 64 bits"},
      {"-1", "the Content-length value is negative; it must be a positive byte count"},
      {std::string(1'000'000, '7'),
       "the header line is longer than 64 bytes; expected \"Content-length:<N>\""},
  };
  for (const auto& [length, reason] : cases) {
    INFO("Content-length:" << length.substr(0, 30) << " (" << length.size() << " characters)");
    Peer hostile(daemon.port());
    // The daemon may refuse and close before the million digits are all sent.
    hostile.try_send("Content-length:" + length + "\n");
    expect_refusal(hostile, reason);
    CHECK(sync_room({&a, &b}));
  }
}

TEST_CASE("a storm of connections that close, half-close and reset leaves nothing behind",
          "[hostile]") {
  constexpr std::size_t waves = 15, wave_size = 200;
  tcpchat::test::need_open_files(wave_size + 100);
  Daemon daemon({"--quiet"});
  Peer normal(daemon.port());
  REQUIRE(sync_room({&normal}));
  const std::size_t baseline = open_descriptors(daemon.process().pid());

  enum Kind {
    close_at_once,
    reset_at_once,
    half_frame_then_fin,
    frame_then_fin,
    half_frame_then_reset,
    frame_then_reset,
    kinds
  };
  std::vector<Message> must_arrive, may_arrive;
  std::size_t own_echoes = 0, finished = 0, half_closers = 0;
  std::vector<Message> heard;  // by the normal client, which keeps reading throughout
  for (std::size_t wave = 0; wave < waves; ++wave) {
    std::vector<Peer> storm;
    std::vector<Kind> kind_of;
    std::vector<Message> sent;
    for (std::size_t i = 0; i < wave_size; ++i) {
      const auto kind = static_cast<Kind>(i % kinds);
      const Message m{"storm", "", std::to_string(wave) + "/" + std::to_string(i), "d"};
      const std::string frame = tcpchat::encode(m);
      storm.emplace_back(daemon.port());
      Peer& p = storm.back();
      kind_of.push_back(kind);
      sent.push_back(m);
      if (kind == half_frame_then_fin || kind == half_frame_then_reset) {
        p.try_send(frame.substr(0, frame.size() / 2));
      } else if (kind == frame_then_fin || kind == frame_then_reset) {
        p.try_send(frame);
      }
      if (kind == close_at_once) p.close();
      if (kind == reset_at_once || kind == half_frame_then_reset || kind == frame_then_reset) {
        p.reset();
      }
      if (kind == half_frame_then_fin || kind == frame_then_fin) p.shutdown_write();
      if (kind == frame_then_fin) must_arrive.push_back(m);
      if (kind == frame_then_reset) may_arrive.push_back(m);
    }
    // A half-closed client still reads: the daemon finishes what it owes it, then closes.
    for (std::size_t i = 0; i < wave_size; ++i) {
      if (kind_of[i] != half_frame_then_fin && kind_of[i] != frame_then_fin) continue;
      ++half_closers;
      while (const auto m = storm[i].read_message(30s)) own_echoes += *m == sent[i];
      finished += storm[i].closed();
    }
    while (const auto m = normal.read_message(0ms)) heard.push_back(*m);
  }
  CHECK(finished == half_closers);
  CHECK(own_echoes == must_arrive.size());
  CHECK(descriptors_return_to(daemon, baseline));

  // Still chatting: and the normal client heard every finished frame once, and of the frames
  // followed by a reset at most those sent, each once. (Connections have no order among them.)
  const Message last{"normal", "", "after the storm", "d"};
  normal.send_message(last);
  for (auto m = normal.read_message(10s); m; m = normal.read_message(10s)) {
    heard.push_back(*m);
    if (*m == last) break;
  }
  REQUIRE_FALSE(heard.empty());
  CHECK(heard.back() == last);
  heard.pop_back();
  std::vector<Message> finished_heard, reset_heard;
  for (const auto& m : heard) {
    const bool must = std::find(must_arrive.begin(), must_arrive.end(), m) != must_arrive.end();
    (must ? finished_heard : reset_heard).push_back(m);
  }
  const auto by_text = [](const Message& x, const Message& y) { return x.message < y.message; };
  std::sort(finished_heard.begin(), finished_heard.end(), by_text);
  std::sort(must_arrive.begin(), must_arrive.end(), by_text);
  CHECK(finished_heard == must_arrive);
  for (const auto& m : reset_heard) {
    INFO(m.message);
    CHECK(std::count(may_arrive.begin(), may_arrive.end(), m) == 1);
    CHECK(std::count(reset_heard.begin(), reset_heard.end(), m) == 1);
  }
}

TEST_CASE("hostile bodies are refused, or delivered in their canonical form", "[hostile]") {
  Daemon daemon({"--quiet"});
  Peer reader(daemon.port());
  REQUIRE(sync_room({&reader}));
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string fields = R"("client_name": "n", "subject": "", "message": "m", "date": "d")";
  const auto with_message = [](std::string_view raw) {
    return R"({"client_name": "n", "subject": "", "message": )" + std::string(raw) +
           R"(, "date": "d"})" + "\n";
  };
  const std::string not_utf8 = "the body is not valid UTF-8";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {with_message(deep), R"(the "message" field is an array, not a string)"},
      {"{\"x\": " + deep + ", " + fields + "}\n",
       "the body is not valid JSON: too deep at byte 37 of the body"},
      {deep, "the body is an array, not a JSON object"},
      {with_message("\"a\xff"
                    "b\""),
       not_utf8},
      {with_message("\"a\xc0\xaf"
                    "b\""),
       not_utf8},  // an overlong '/'
      {with_message("\"a\xed\xa0\x80"
                    "b\""),
       not_utf8},                                 // an encoded surrogate
      {with_message("\"a\xe2\x82\""), not_utf8},  // a truncated sequence
      {with_message(R"("a\ud800b")"),
       "the body contains a lone UTF-16 surrogate escape (syntax error at byte 55 of the body)"},
      {with_message(std::string("\"a\0b\"", 5)),
       "the body is not valid JSON: syntax error at byte 49 of the body"},
      {std::string(R"({"client_name": "n",)") + '\0' +
           R"("subject": "", "message": "m", "date": "d"})",
       "the body is not valid JSON: syntax error at byte 20 of the body"},
      {R"({"client_name": "n\u0000", "subject": "", "message": "m", "date": "d"})",
       "the name contains a control or bidirectional character"},
  };
  for (const auto& [body, reason] : refused) {
    INFO(reason);
    Peer hostile(daemon.port());
    hostile.send(frame_of(body));
    expect_refusal(hostile, reason);
    CHECK(sync_room({&reader}));  // the next message it hears is its own: nothing came between
  }

  // 64 KiB of escapes, which the daemon sends back decoded: raw UTF-8, with only \n escaped.
  std::string escapes, decoded;
  while (escapes.size() < 64 * 1024) {
    escapes += R"(\n\u00e9\ud83d\ude00)";
    decoded += std::string("\\n") + "\u00e9" + "\U0001F600";
  }
  const std::vector<std::pair<std::string, std::string>> delivered = {
      {with_message(R"("a\u0000b")"), with_message(R"("a\u0000b")")},
      {R"({"date":"d","message":"\u0000","subject":null,"client_name":"n"})",
       with_message(R"("\u0000")")},
      {with_message("\"" + escapes + "\""), with_message("\"" + decoded + "\"")},
      // The deepest an ignored field may nest: the object and 31 arrays.
      {"{\"x\": " + std::string(31, '[') + std::string(31, ']') + ", " + fields + "}",
       with_message(R"("m")")},
  };
  for (const auto& [body, canonical] : delivered) {
    INFO(canonical.substr(0, 80));
    Peer sender(daemon.port());
    REQUIRE(sync_room({&reader, &sender}));
    sender.send(frame_of(body));
    CHECK(sender.read_frame(10s) == frame_of(canonical));
    CHECK(reader.read_frame(10s) == frame_of(canonical));
  }
}

TEST_CASE("a flood under --rate-limit is throttled, loses nothing, and starves nobody",
          "[hostile]") {
  constexpr int rate = 100, burst = 10, flood = 500, others = 4, each = 10;
  Daemon daemon(
      {"--rate-limit", std::to_string(rate), "--burst", std::to_string(burst), "--quiet"});
  std::vector<Peer> peers;  // the flooder first
  for (int i = 0; i <= others; ++i) peers.emplace_back(daemon.port());
  std::vector<Peer*> all;
  for (auto& p : peers) all.push_back(&p);
  REQUIRE(sync_room(all));

  std::vector<std::vector<Message>> sent(others + 1);
  std::string flood_bytes;
  for (int i = 0; i < flood; ++i) {
    sent[0].push_back({"flooder", "", std::to_string(i), "d"});
    tcpchat::encode_to(flood_bytes, sent[0].back());
  }
  const auto start = Clock::now();
  peers[0].send(flood_bytes);  // as fast as the socket takes it: 50 times the rate
  for (int k = 1; k <= others; ++k) {
    for (int i = 0; i < each; ++i) {
      sent[k].push_back({"other " + std::to_string(k), "", std::to_string(i), "d"});
      peers[k].send_message(sent[k].back());
    }
  }
  const std::size_t total = flood + others * each;
  std::vector<std::vector<Message>> heard(peers.size());
  const auto everyone_heard_all = [&] {
    return std::all_of(heard.begin(), heard.end(),
                       [&](const auto& h) { return h.size() >= total; });
  };
  const auto deadline = Clock::now() + 60s;
  while (!everyone_heard_all() && Clock::now() < deadline) {
    for (const std::size_t i : ready_peers(peers, 1000ms)) {
      while (const auto m = peers[i].read_message(0ms)) heard[i].push_back(*m);
    }
  }
  // Five seconds at the least: the burst at once, the other 490 at 100 a second.
  CHECK(Clock::now() - start >= 4500ms);
  for (std::size_t r = 0; r < peers.size(); ++r) {
    INFO("reader " << r);
    CHECK(heard[r].size() == total);
    CHECK_FALSE(peers[r].closed());
    for (int k = 0; k <= others; ++k) {
      std::vector<Message> from_k;
      std::copy_if(heard[r].begin(), heard[r].end(), std::back_inserter(from_k),
                   [&](const Message& m) { return m.client_name == sent[k].front().client_name; });
      CHECK(from_k == sent[k]);  // all of them, in the order sent
    }
    // The others were heard while the flood was still being paced, not after it.
    REQUIRE_FALSE(heard[r].empty());
    CHECK(heard[r].back().client_name == "flooder");
  }
  const Message after{"flooder", "", "still connected", "d"};
  peers[0].send_message(after);
  CHECK(peers[0].read_message(10s) == after);
  CHECK_FALSE(contains(daemon.log(), "dropping client"));
  CHECK_FALSE(contains(daemon.log(), "invalid request"));
}

TEST_CASE("a client that never reads is dropped while 1,000 others get every message",
          "[hostile]") {
  constexpr std::size_t chatters = 1000, rounds = 3;
  tcpchat::test::need_open_files(chatters + 100);
  // A write timeout beyond the run, so that only the queue bound can drop the reader.
  Daemon daemon({"--max-queue-bytes", "256KiB", "--write-timeout", "120s", "--quiet"});
  Peer stalled = tcpchat::test::stalled_peer(daemon.port());
  const std::string stalled_name = stalled.local_name();
  std::vector<Peer> peers;
  peers.reserve(chatters);
  for (std::size_t i = 0; i < chatters; ++i) peers.emplace_back(daemon.port());
  std::vector<Peer*> all;
  for (auto& p : peers) all.push_back(&p);
  REQUIRE(sync_room(all));

  // Every message's exact frame, and which one it is: 3,000 messages, about 870 KB to each
  // client, over three times what the stalled one's queue bound and kernel buffers hold.
  std::vector<std::string> frames;
  std::unordered_map<std::string, std::size_t> index_of;
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t s = 0; s < chatters; ++s) {
      const Message m{"chatter " + std::to_string(s), "round " + std::to_string(r),
                      std::string(200, static_cast<char>('a' + r)), "d"};
      frames.push_back(tcpchat::encode(m));
      index_of.emplace(frames.back(), frames.size() - 1);
    }
  }
  std::vector<std::vector<bool>> got(chatters, std::vector<bool>(frames.size()));
  std::vector<std::size_t> deliveries(chatters);
  std::size_t unexpected = 0, closed = 0;
  const auto deadline = Clock::now() + 90s;
  // A round goes out once every client has all of the one before, so that however slowly this
  // process reads, nobody but the stalled client falls far behind.
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t s = 0; s < chatters; ++s) peers[s].send(frames[r * chatters + s]);
    const std::size_t due = (r + 1) * chatters;
    const auto round_done = [&] {
      return std::all_of(deliveries.begin(), deliveries.end(),
                         [&](std::size_t d) { return d >= due; });
    };
    while (!round_done() && closed == 0 && Clock::now() < deadline) {
      for (const std::size_t i : ready_peers(peers, 1000ms)) {
        while (const auto frame = peers[i].read_frame(0ms)) {
          const auto it = index_of.find(*frame);
          if (it == index_of.end() || got[i][it->second]) {
            ++unexpected;
            continue;
          }
          got[i][it->second] = true;
          ++deliveries[i];
        }
        closed += peers[i].closed();
      }
    }
  }
  CHECK(closed == 0);
  CHECK(unexpected == 0);
  CHECK(std::count(deliveries.begin(), deliveries.end(), frames.size()) == chatters);

  const std::string drop = "dropping client " + stalled_name + ": slow consumer: ";
  REQUIRE(daemon.wait_log(drop));
  const std::string log = daemon.log();
  const auto at = log.find(drop);
  const std::string drop_line = log.substr(at, log.find('\n', at) - at);
  CHECK(contains(drop_line, " bytes queued, over the limit of 262144 (--max-queue-bytes)"));
  CHECK(occurrences(daemon.log(), "dropping client") == 1);
  CHECK(stalled.wait_closed(30s));  // it may read now: it was dropped without reading a byte
#ifndef __SANITIZE_ADDRESS__
  // ASan's shadow memory and quarantine inflate RSS several times over, so the bound is only
  // meaningful in a build without it.
  CHECK(tcpchat::test::peak_rss_bytes(daemon.process().pid()) < 150u * 1024 * 1024);
#endif
}
