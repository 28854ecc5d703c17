// Faults in the middle of a load: the daemon killed with SIGKILL, or stopped with SIGTERM while its
// queues are full. Each checks what the daemon promises about the messages it had already echoed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

// A burst message: which sender, its place in that sender's sequence.
using Id = std::pair<int, int>;

// "<sender>:<seq>:" padded with '.' to `text_bytes`, so a message names itself.
Message burst_message(Id id, std::size_t text_bytes) {
  std::string text = std::to_string(id.first) + ":" + std::to_string(id.second) + ":";
  text.resize(std::max(text.size(), text_bytes), '.');
  return {"sender" + std::to_string(id.first), "", std::move(text), "d"};
}

std::optional<Id> burst_id(const Message& m) {
  Id id;
  const char* p = m.message.data();
  const char* end = p + m.message.size();
  auto r = std::from_chars(p, end, id.first);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ':') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, id.second);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ':') return std::nullopt;
  return id;
}

std::string burst_frames(int sender, int first_seq, int count, std::size_t text_bytes) {
  std::string bytes;
  for (int seq = first_seq; seq < first_seq + count; ++seq) {
    bytes += tcpchat::encode(burst_message({sender, seq}, text_bytes));
  }
  return bytes;
}

// Reads burst messages into `out` until the stream ends or nothing comes for `quiet`.
void read_to_end(Peer& peer, std::vector<Id>& out, std::chrono::milliseconds quiet) {
  while (auto m = peer.read_message(quiet)) {
    if (auto id = burst_id(*m)) out.push_back(*id);
  }
}

// Each sender's messages in `stream`, in the order they came.
std::vector<std::vector<int>> by_sender(const std::vector<Id>& stream, int senders) {
  std::vector<std::vector<int>> out(static_cast<std::size_t>(senders));
  for (const auto& [sender, seq] : stream) {
    if (sender >= 0 && sender < senders) out[static_cast<std::size_t>(sender)].push_back(seq);
  }
  return out;
}

// True when `seqs` is exactly 0, 1, ..., n-1: nothing missing, repeated or out of order.
bool is_prefix(const std::vector<int>& seqs) {
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] != static_cast<int>(i)) return false;
  }
  return true;
}

std::vector<Peer*> pointers(std::vector<Peer>& peers) {
  std::vector<Peer*> out;
  for (Peer& p : peers) out.push_back(&p);
  return out;
}

}  // namespace

TEST_CASE("kill -9 mid-burst: every message any client saw echoed is in the history after restart",
          "[fault]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  constexpr int senders = 4;
  constexpr int per_round = 10;    // messages per sender per round
  constexpr int planned = 400;     // rounds the senders would send
  constexpr int kill_after = 200;  // rounds sent when the daemon is killed
  constexpr std::size_t text = 100;
  std::vector<Id> seen;  // burst messages received by any client, before or after the kill
  {
    // The default --history-fsync (interval): a message is written to the kernel before it is
    // broadcast, and SIGKILL loses nothing the kernel has. The large queue bound lets the senders
    // leave their echoes unread during the burst.
    Daemon daemon({"--history-file", file, "--max-queue-bytes", "64MiB", "--quiet"});
    std::vector<Peer> peers;  // #0 observes, the others send
    for (int i = 0; i <= senders; ++i) peers.emplace_back(daemon.port());
    REQUIRE(tcpchat::test::sync_room(pointers(peers)));
    std::size_t observed = 0;
    for (int round = 0; round < kill_after; ++round) {
      for (int s = 0; s < senders; ++s) {
        peers[static_cast<std::size_t>(s) + 1].send(
            burst_frames(s, round * per_round, per_round, text));
      }
      // The observer keeps the daemon at most about a round behind the senders, so the kill
      // falls while the daemon still has input to read and echoes to send.
      const std::size_t behind = static_cast<std::size_t>(round) * senders * per_round;
      while (observed < behind) {
        const auto m = peers[0].read_message(10s);
        REQUIRE(m);
        if (const auto id = burst_id(*m)) {
          seen.push_back(*id);
          ++observed;
        }
      }
    }
    daemon.process().signal(SIGKILL);
    REQUIRE(daemon.process().wait_exit() == 128 + SIGKILL);
    // What reached a client before the kill is still in its socket; read it all.
    for (Peer& p : peers) {
      read_to_end(p, seen, 10s);
      CHECK(p.closed());
    }
  }
  REQUIRE_FALSE(seen.empty());

  Daemon daemon({"--history", "100000", "--history-file", file, "--quiet"});
  Peer late(daemon.port());
  const Message marker{"late", "", "after the restart", "d"};
  late.send_message(marker);
  std::vector<Id> replayed;
  for (;;) {
    const auto m = late.read_message(10s);
    REQUIRE(m);
    if (*m == marker) break;
    if (const auto id = burst_id(*m)) replayed.push_back(*id);
  }
  INFO(seen.size() << " messages seen by clients, " << replayed.size() << " replayed");
  // The kill came mid-burst: the daemon never had all the planned messages.
  CHECK(replayed.size() < static_cast<std::size_t>(planned) * senders * per_round);
  const std::set<Id> history(replayed.begin(), replayed.end());
  std::size_t missing = 0;
  for (const Id& id : seen) missing += history.count(id) == 0 ? 1 : 0;
  CHECK(missing == 0);
  // The history holds, per sender, its first messages in order, without holes or repeats.
  for (const auto& seqs : by_sender(replayed, senders)) CHECK(is_prefix(seqs));
  CHECK(daemon.stop() == 0);
}

TEST_CASE("SIGTERM under load: every reader gets everything echoed before it, then exit 0",
          "[fault]") {
  Daemon daemon({"--quiet", "--max-queue-bytes", "64MiB", "--write-timeout", "120s",
                 "--shutdown-timeout", "60s"});
  constexpr int readers = 5;
  constexpr int senders = 3;
  constexpr int messages = 3000;  // in all, before the signal
  constexpr int read_every = 8;   // a reader reads one message per this many sent
  constexpr int last_burst = 8;   // per sender, sent unacknowledged just before the signal
  constexpr std::size_t text = 4000;
  std::vector<Peer> peers;  // readers first, then senders
  for (int i = 0; i < readers + senders; ++i) peers.emplace_back(daemon.port());
  REQUIRE(tcpchat::test::sync_room(pointers(peers)));
  std::vector<std::vector<Id>> got(peers.size());
  std::vector<int> echoed(senders, 0);  // each sender's messages it saw echoed before the signal
  for (int i = 0; i < messages; ++i) {
    const int s = i % senders;
    const std::size_t at = readers + static_cast<std::size_t>(s);
    peers[at].send(burst_frames(s, echoed[static_cast<std::size_t>(s)], 1, text));
    // A sender reads until its own echo: it is a fast reader.
    for (;;) {
      const auto m = peers[at].read_message(10s);
      REQUIRE(m);
      const auto id = burst_id(*m);
      if (!id) continue;
      got[at].push_back(*id);
      if (id->first == s) break;
    }
    ++echoed[static_cast<std::size_t>(s)];
    if (i % read_every != 0) continue;
    for (std::size_t r = 0; r < readers; ++r) {
      const auto m = peers[r].read_message(10s);
      REQUIRE(m);
      if (const auto id = burst_id(*m)) got[r].push_back(*id);
    }
  }
  for (int s = 0; s < senders; ++s) {
    peers[readers + static_cast<std::size_t>(s)].send(
        burst_frames(s, echoed[static_cast<std::size_t>(s)], last_burst, text));
  }
  daemon.process().signal(SIGTERM);
  REQUIRE(daemon.wait_log(" bytes queued), at most 60s"));
  const auto start = tcpchat::test::Clock::now();
  for (std::size_t p = 0; p < peers.size(); ++p) {
    read_to_end(peers[p], got[p], 30s);
    CHECK(peers[p].closed());
  }
  CHECK(daemon.process().wait_exit(60s) == 0);
  const auto took = tcpchat::test::Clock::now() - start;
  const auto log = daemon.log();
  INFO(log);
  CHECK(took < 60s);
  CHECK_FALSE(contains(log, "shutdown timeout"));
  // The readers were far behind: megabytes per reader were still in the daemon's queues.
  const auto at = log.find("client queue(s) (");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoull(log.substr(at + 17)) > readers * 1024 * 1024ull);
  // Everyone received one and the same stream, which holds every message echoed before the
  // signal and, per sender, its messages from the first in order without holes or repeats.
  for (std::size_t p = 1; p < peers.size(); ++p) {
    INFO("peer " << p);
    CHECK(got[p] == got[0]);
  }
  const auto streams = by_sender(got[0], senders);
  for (int s = 0; s < senders; ++s) {
    INFO("sender " << s);
    const auto& seqs = streams[static_cast<std::size_t>(s)];
    CHECK(is_prefix(seqs));
    CHECK(seqs.size() >= static_cast<std::size_t>(echoed[static_cast<std::size_t>(s)]));
    CHECK(seqs.size() <=
          static_cast<std::size_t>(echoed[static_cast<std::size_t>(s)] + last_burst));
  }
}
