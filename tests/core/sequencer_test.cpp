#include <catch2/catch.hpp>
#include <deque>
#include <optional>

#include "core/local_sequencer.hpp"
#include "core/room.hpp"
#include "fake_members.hpp"

using namespace tcpchat;
using tcpchat::test::Accepted;
using tcpchat::test::message;
using tcpchat::test::RecordingMember;
using tcpchat::test::RecordingOrigin;
using tcpchat::test::RecordingSink;

namespace {

// Records what it is given, or refuses with `failure` while that is set.
class FakeJournal final : public Journal {
 public:
  std::optional<std::string> record(std::span<const Message> messages) override {
    if (failure) return failure;
    for (const auto& m : messages) recorded.push_back(m.message);
    return std::nullopt;
  }
  std::optional<std::string> failure;
  std::vector<std::string> recorded;
};

// A sequencer whose answers come later, as a remote one's do: it keeps each batch with a weak
// reference to its origin and refuses or accepts it when told to.
class DeferredSequencer final : public Sequencer {
 public:
  explicit DeferredSequencer(OrderedSink& sink) : sink_(sink) {}
  void submit(const std::shared_ptr<Origin>& origin, std::span<const Message> messages) override {
    pending_.push_back({origin, {messages.begin(), messages.end()}});
  }
  void refuse_next(const Refusal& why) {
    Batch batch = take();
    if (auto origin = batch.origin.lock()) origin->refused(batch.messages, why);
  }
  void accept_next() {
    Batch batch = take();
    const auto origin = batch.origin.lock();
    for (const auto& m : batch.messages) {
      sink_.on_sequenced({++seq_, encode_frame(m), &m, origin.get()});
    }
  }

 private:
  struct Batch {
    std::weak_ptr<Origin> origin;
    std::vector<Message> messages;
  };
  Batch take() {
    Batch b = std::move(pending_.front());
    pending_.pop_front();
    return b;
  }
  OrderedSink& sink_;
  std::deque<Batch> pending_;
  std::uint64_t seq_ = 0;
};

}  // namespace

TEST_CASE("the local sequencer accepts a batch at once, in order, numbered from 1", "[sequencer]") {
  RecordingSink sink;
  LocalSequencer sequencer(sink, nullptr);
  auto origin = std::make_shared<RecordingOrigin>();
  const std::vector<Message> batch{message("a"), message("b"), message("c")};
  sequencer.submit(origin, batch);
  CHECK(sink.accepted == std::vector<Accepted>{{1, "a", origin.get()},
                                               {2, "b", origin.get()},
                                               {3, "c", origin.get()}});
  sequencer.submit(origin, std::vector{message("d")});
  CHECK(sink.accepted.back() == Accepted{4, "d", origin.get()});
  CHECK(sequencer.last_seq() == 4);
  CHECK(origin->refusals.empty());
}

TEST_CASE("the local sequencer interleaves origins in submission order", "[sequencer]") {
  RecordingSink sink;
  LocalSequencer sequencer(sink, nullptr);
  auto a = std::make_shared<RecordingOrigin>();
  auto b = std::make_shared<RecordingOrigin>();
  sequencer.submit(a, std::vector{message("a1")});
  sequencer.submit(b, std::vector{message("b1"), message("b2")});
  sequencer.submit(a, std::vector{message("a2")});
  CHECK(sink.accepted ==
        std::vector<Accepted>{
            {1, "a1", a.get()}, {2, "b1", b.get()}, {3, "b2", b.get()}, {4, "a2", a.get()}});
}

TEST_CASE("the journal records a batch before it is accepted", "[sequencer]") {
  RecordingSink sink;
  FakeJournal journal;
  LocalSequencer sequencer(sink, &journal);
  auto origin = std::make_shared<RecordingOrigin>();
  sequencer.submit(origin, std::vector{message("kept"), message("too")});
  CHECK(journal.recorded == std::vector<std::string>{"kept", "too"});
  CHECK(sink.accepted.size() == 2);
}

TEST_CASE("a batch the journal cannot record is refused, every message, and not sequenced",
          "[sequencer]") {
  RecordingSink sink;
  FakeJournal journal;
  LocalSequencer sequencer(sink, &journal);
  auto origin = std::make_shared<RecordingOrigin>();
  journal.failure = "cannot write history file h: No space left on device";
  sequencer.submit(origin, std::vector{message("lost 1"), message("lost 2")});
  CHECK(sink.accepted.empty());
  CHECK(origin->refusals == std::vector<RecordingOrigin::Refused>{{"lost 1", "StorageError"},
                                                                  {"lost 2", "StorageError"}});
  // The order has no gap: the next accepted message is number 1.
  journal.failure.reset();
  sequencer.submit(origin, std::vector{message("kept")});
  CHECK(sink.accepted == std::vector<Accepted>{{1, "kept", origin.get()}});
}

TEST_CASE("a refusal that arrives later reaches its origin", "[sequencer]") {
  RecordingSink sink;
  DeferredSequencer sequencer(sink);
  auto origin = std::make_shared<RecordingOrigin>();
  sequencer.submit(origin, std::vector{message("first")});
  sequencer.submit(origin, std::vector{message("second")});
  CHECK(origin->refusals.empty());
  sequencer.refuse_next({"ClusterError", "the cluster is unreachable", "redis: timeout"});
  sequencer.accept_next();
  CHECK(origin->refusals == std::vector<RecordingOrigin::Refused>{{"first", "ClusterError"}});
  CHECK(sink.accepted == std::vector<Accepted>{{1, "second", origin.get()}});
}

TEST_CASE("an answer for an origin that has gone reaches nobody and breaks nothing",
          "[sequencer]") {
  RecordingSink sink;
  DeferredSequencer sequencer(sink);
  auto origin = std::make_shared<RecordingOrigin>();
  sequencer.submit(origin, std::vector{message("refused later")});
  sequencer.submit(origin, std::vector{message("accepted later")});
  origin.reset();
  sequencer.refuse_next({"ClusterError", "gone", ""});
  sequencer.accept_next();
  // Still sequenced and broadcast, with no origin to name.
  CHECK(sink.accepted == std::vector<Accepted>{{1, "accepted later", nullptr}});
}

TEST_CASE("sequenced messages reach every room member in the one order", "[sequencer]") {
  struct RoomSink final : OrderedSink {
    explicit RoomSink(Room& r) : room(r) {}
    void on_sequenced(const Sequenced& s) override { room.publish(s); }
    Room& room;
  };
  Room room(RoomLimits{});
  RoomSink sink(room);
  LocalSequencer sequencer(sink, nullptr);
  RecordingMember a, b;
  room.join(a);
  room.join(b);
  auto from_a = std::make_shared<RecordingOrigin>();
  auto from_b = std::make_shared<RecordingOrigin>();
  sequencer.submit(from_a, std::vector{message("1", "a")});
  sequencer.submit(from_b, std::vector{message("2", "b")});
  sequencer.submit(from_a, std::vector{message("3", "a")});
  CHECK(a.texts() == b.texts());
  CHECK(a.texts() == std::vector{encode(message("1", "a")), encode(message("2", "b")),
                                 encode(message("3", "a"))});
}

TEST_CASE("an empty batch is neither recorded nor sequenced", "[sequencer]") {
  RecordingSink sink;
  FakeJournal journal;
  journal.failure = "would refuse";
  LocalSequencer sequencer(sink, &journal);
  auto origin = std::make_shared<RecordingOrigin>();
  sequencer.submit(origin, std::span<const Message>{});
  CHECK(sink.accepted.empty());
  CHECK(origin->refusals.empty());
}
