// The cluster's order as a node sees it, without Redis: entries are delivered as the stream
// has them, ours with their origin, refusals reach the sender, and every break in the run of
// sequence numbers is told for what it is.
#include "core/cluster_order.hpp"

#include <catch2/catch.hpp>

#include "fake_members.hpp"

using namespace tcpchat;
using tcpchat::test::Accepted;
using tcpchat::test::message;
using tcpchat::test::RecordingOrigin;
using tcpchat::test::RecordingSink;
using Gap = ClusterOrder::Gap;

namespace {

ClusterOrder::Entry entry(std::uint64_t seq, std::string_view node, std::string_view instance,
                          std::uint64_t counter, std::string text) {
  return {seq, node, instance, counter, encode_frame(message(std::move(text)))};
}

const std::string epoch = "0123456789abcdef0123456789abcdef";
const Refusal skipped{"ClusterUnavailable", "not confirmed", "skipped"};
const SteadyTime t0{std::chrono::seconds(100)};

}  // namespace

TEST_CASE("entries are delivered in the stream's order, ours with their origin", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto origin = std::make_shared<RecordingOrigin>();
  CHECK(order.submit(origin, message("mine"), t0) == 1);
  CHECK(order.submit(origin, message("mine too"), t0) == 2);
  CHECK(order.pending() == 2);
  CHECK(order.pending_bytes() > 0);
  CHECK(order.read(epoch, entry(7, "n2", "x", 1, "theirs")).gap == Gap::none);
  CHECK(order.read(epoch, entry(8, "n1", "i1", 1, "mine")).gap == Gap::none);
  CHECK(order.read(epoch, entry(9, "n1", "i1", 2, "mine too")).gap == Gap::none);
  CHECK(sink.accepted == std::vector<Accepted>{{7, "theirs", nullptr},
                                               {8, "mine", origin.get()},
                                               {9, "mine too", origin.get()}});
  CHECK(order.pending() == 0);
  CHECK(order.pending_bytes() == 0);
  CHECK(order.last_seq() == 9);
  CHECK(order.epoch() == epoch);
}

TEST_CASE("a previous instance of this node is another origin", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i2", skipped);
  auto origin = std::make_shared<RecordingOrigin>();
  order.submit(origin, message("new"), t0);
  // Counter 1 of the instance before the restart is not ours: it must not take our pending one.
  order.read(epoch, entry(1, "n1", "i1", 1, "old"));
  CHECK(sink.accepted.back().origin == nullptr);
  CHECK(order.pending() == 1);
  order.read(epoch, entry(2, "n1", "i2", 1, "new"));
  CHECK(sink.accepted.back().origin == origin.get());
}

TEST_CASE("a refused append reaches its sender, and nobody else hears of it", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto origin = std::make_shared<RecordingOrigin>();
  const auto refused = order.submit(origin, message("refused"), t0);
  order.submit(origin, message("kept"), t0);
  order.refuse(refused, {"ClusterUnavailable", "the cluster is unavailable", "detail"});
  CHECK(origin->refusals ==
        std::vector<RecordingOrigin::Refused>{{"refused", "ClusterUnavailable"}});
  CHECK(sink.accepted.empty());
  CHECK(order.pending() == 1);
  order.refuse(refused, {"ClusterUnavailable", "again", ""});  // once only
  CHECK(origin->refusals.size() == 1);
  // A sender gone by then is simply forgotten.
  const auto orphan = order.submit(std::make_shared<RecordingOrigin>(), message("orphan"), t0);
  order.refuse(orphan, {"ClusterError", "OOM", ""});
  CHECK(order.pending() == 1);
}

TEST_CASE("a jump, a rewind and a new epoch are each told, and delivery goes on", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  CHECK(order.read(epoch, entry(100, "n2", "x", 1, "first")).gap == Gap::none);  // any start
  CHECK(order.read(epoch, entry(101, "n2", "x", 2, "next")).gap == Gap::none);
  CHECK(order.read(epoch, entry(150, "n2", "x", 3, "trimmed past")).gap == Gap::trim);
  CHECK(order.read(epoch, entry(120, "n2", "x", 4, "lost writes")).gap == Gap::rewind);
  CHECK(order.read("another epoch", entry(1, "n2", "y", 1, "room lost")).gap == Gap::epoch);
  CHECK(order.read("another epoch", entry(2, "n2", "y", 2, "again")).gap == Gap::none);
  CHECK(sink.accepted.size() == 6);
  CHECK(order.last_seq() == 2);
}

TEST_CASE("a pending message of ours that the stream skipped is refused to its sender",
          "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto origin = std::make_shared<RecordingOrigin>();
  order.submit(origin, message("skipped"), t0);
  order.submit(origin, message("read"), t0 + std::chrono::seconds(1));
  const auto read = order.read(epoch, entry(5, "n1", "i1", 2, "read"));
  CHECK(read.submitted == t0 + std::chrono::seconds(1));
  CHECK(read.skipped == 1);
  CHECK(order.pending() == 0);
  CHECK(origin->refusals ==
        std::vector<RecordingOrigin::Refused>{{"skipped", "ClusterUnavailable"}});
  CHECK(sink.accepted == std::vector<Accepted>{{5, "read", origin.get()}});
}

TEST_CASE("pending messages past the deadline are refused, oldest first", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto origin = std::make_shared<RecordingOrigin>();
  order.submit(origin, message("old"), t0);
  order.submit(origin, message("new"), t0 + std::chrono::seconds(5));
  const Refusal unknown{"ClusterUnavailable", "outcome unknown", ""};
  CHECK(order.expire(t0 + std::chrono::seconds(1), unknown) == 1);
  CHECK(order.pending() == 1);
  CHECK(origin->refusals == std::vector<RecordingOrigin::Refused>{{"old", "ClusterUnavailable"}});
  // Read back after all: delivered, without its origin, which has heard already.
  order.read(epoch, entry(1, "n1", "i1", 1, "old"));
  CHECK(sink.accepted == std::vector<Accepted>{{1, "old", nullptr}});
  CHECK(order.pending() == 1);
}

TEST_CASE("a new link's position tells an epoch change or a rewind", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  CHECK(order.resume(epoch, 0) == Gap::none);  // nothing delivered yet: any position
  order.read(epoch, entry(10, "n2", "x", 1, "ten"));
  CHECK(order.resume(epoch, 12) == Gap::none);  // the reader will read 11 and 12
  CHECK(order.resume(epoch, 8) == Gap::rewind);
  CHECK(order.last_seq() == 8);
  CHECK(order.read(epoch, entry(9, "n2", "x", 2, "nine")).gap == Gap::none);
  CHECK(order.resume("another epoch", 0) == Gap::epoch);
  CHECK(order.read("another epoch", entry(1, "n2", "y", 1, "one")).gap == Gap::none);
}

TEST_CASE("a sender hears of its messages in the order it sent them", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto a = std::make_shared<RecordingOrigin>();
  auto b = std::make_shared<RecordingOrigin>();
  const auto first = order.submit(a, message("a1"), t0);
  const auto second = order.submit(a, message("a2"), t0);
  order.submit(b, message("b1"), t0);
  // Redis refuses a2 before a1 is read back: a hears of a2 after a1's echo.
  order.refuse(second, {"ClusterError", "OOM", ""});
  CHECK(a->refusals.empty());
  order.submit_refused(b, message("b2"), {"ClusterUnavailable", "down", ""}, t0);
  CHECK(b->refusals.empty());  // b1 is still undecided
  order.submit_refused(std::make_shared<RecordingOrigin>(), message("c1"),
                       {"ClusterUnavailable", "down", ""}, t0);
  order.read(epoch, entry(1, "n1", "i1", first, "a1"));
  CHECK(sink.accepted == std::vector<Accepted>{{1, "a1", a.get()}});
  CHECK(a->refusals == std::vector<RecordingOrigin::Refused>{{"a2", "ClusterError"}});
  CHECK(b->refusals.empty());
  order.read(epoch, entry(2, "n1", "i1", 3, "b1"));
  CHECK(b->refusals == std::vector<RecordingOrigin::Refused>{{"b2", "ClusterUnavailable"}});
  CHECK(order.pending() == 0);
  CHECK(order.pending_bytes() == 0);
  // With nothing undecided, a refusal is told at once.
  order.submit_refused(a, message("a3"), {"ClusterUnavailable", "down", ""}, t0);
  CHECK(a->refusals.size() == 2);
}

TEST_CASE("messages refused as of unknown outcome are told at once and not sent again",
          "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto a = std::make_shared<RecordingOrigin>();
  order.submit(a, message("a1"), t0);
  order.submit(a, message("a2"), t0 + std::chrono::seconds(5));
  CHECK(order.expire(t0 + std::chrono::seconds(10), {"ClusterUnavailable", "unknown", ""}) == 2);
  CHECK(a->refusals.size() == 2);
  // Nothing waits here: both heard at once, and a retry of theirs is not sent again.
  std::size_t retried = 0;
  order.for_each_pending([&](std::uint64_t, const Message&) { ++retried; });
  CHECK(retried == 0);
}

TEST_CASE("an append names the undecided message before it, which must go in first", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1", skipped);
  auto a = std::make_shared<RecordingOrigin>();
  const auto first = order.submit(a, message("1"), t0);
  const auto second = order.submit(a, message("2"), t0);
  const auto third = order.submit(a, message("3"), t0);
  CHECK(order.undecided_before(first) == 0);
  CHECK(order.undecided_before(third) == second);
  order.refuse(second, {"ClusterError", "OOM", ""});  // never goes in: the third skips it
  CHECK(order.undecided_before(third) == first);
  order.read(epoch, entry(1, "n1", "i1", first, "1"));
  CHECK(order.undecided_before(third) == 0);
}
