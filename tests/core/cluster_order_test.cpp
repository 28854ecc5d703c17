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

ClusterOrder::Entry entry(std::uint64_t seq, std::string node, std::string instance,
                          std::uint64_t counter, std::string text) {
  return {seq, std::move(node), std::move(instance), counter, message(std::move(text))};
}

const std::string epoch = "0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("entries are delivered in the stream's order, ours with their origin", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1");
  auto origin = std::make_shared<RecordingOrigin>();
  CHECK(order.submit(origin, message("mine")) == 1);
  CHECK(order.submit(origin, message("mine too")) == 2);
  CHECK(order.pending() == 2);
  CHECK(order.pending_bytes() > 0);
  CHECK(order.read(epoch, entry(7, "n2", "x", 1, "theirs")) == Gap::none);
  CHECK(order.read(epoch, entry(8, "n1", "i1", 1, "mine")) == Gap::none);
  CHECK(order.read(epoch, entry(9, "n1", "i1", 2, "mine too")) == Gap::none);
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
  ClusterOrder order(sink, "n1", "i2");
  auto origin = std::make_shared<RecordingOrigin>();
  order.submit(origin, message("new"));
  // Counter 1 of the instance before the restart is not ours: it must not take our pending one.
  order.read(epoch, entry(1, "n1", "i1", 1, "old"));
  CHECK(sink.accepted.back().origin == nullptr);
  CHECK(order.pending() == 1);
  order.read(epoch, entry(2, "n1", "i2", 1, "new"));
  CHECK(sink.accepted.back().origin == origin.get());
}

TEST_CASE("a refused append reaches its sender, and nobody else hears of it", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1");
  auto origin = std::make_shared<RecordingOrigin>();
  const auto refused = order.submit(origin, message("refused"));
  order.submit(origin, message("kept"));
  order.refuse(refused, {"ClusterUnavailable", "the cluster is unavailable", "detail"});
  CHECK(origin->refusals ==
        std::vector<RecordingOrigin::Refused>{{"refused", "ClusterUnavailable"}});
  CHECK(sink.accepted.empty());
  CHECK(order.pending() == 1);
  order.refuse(refused, {"ClusterUnavailable", "again", ""});  // once only
  CHECK(origin->refusals.size() == 1);
  // A sender gone by then is simply forgotten.
  const auto orphan = order.submit(std::make_shared<RecordingOrigin>(), message("orphan"));
  order.refuse(orphan, {"ClusterError", "OOM", ""});
  CHECK(order.pending() == 1);
}

TEST_CASE("a jump, a rewind and a new epoch are each told, and delivery goes on", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1");
  CHECK(order.read(epoch, entry(100, "n2", "x", 1, "first")) == Gap::none);  // any start
  CHECK(order.read(epoch, entry(101, "n2", "x", 2, "next")) == Gap::none);
  CHECK(order.read(epoch, entry(150, "n2", "x", 3, "trimmed past")) == Gap::trim);
  CHECK(order.read(epoch, entry(120, "n2", "x", 4, "lost writes")) == Gap::rewind);
  CHECK(order.read("another epoch", entry(1, "n2", "y", 1, "room lost")) == Gap::epoch);
  CHECK(order.read("another epoch", entry(2, "n2", "y", 2, "again")) == Gap::none);
  CHECK(sink.accepted.size() == 6);
  CHECK(order.last_seq() == 2);
}

TEST_CASE("our pending messages that the stream skipped are forgotten", "[cluster]") {
  RecordingSink sink;
  ClusterOrder order(sink, "n1", "i1");
  auto origin = std::make_shared<RecordingOrigin>();
  order.submit(origin, message("trimmed before read"));
  order.submit(origin, message("read"));
  order.read(epoch, entry(5, "n1", "i1", 2, "read"));
  CHECK(order.pending() == 0);
  CHECK(origin->refusals.empty());  // it was appended: in the order, though not seen here
}
