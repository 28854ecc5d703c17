#include "core/room.hpp"

#include <catch2/catch.hpp>

#include "fake_members.hpp"

using namespace tcpchat;
using tcpchat::test::message;
using tcpchat::test::RecordingMember;

namespace {

constexpr RoomLimits no_history{};

// A history of `messages` frames with byte bounds that do not get in the way.
constexpr RoomLimits history_of(std::size_t messages, std::size_t replay_budget_bytes = 1 << 20) {
  return {.history_messages = messages,
          .history_bytes = 1 << 20,
          .replay_budget_bytes = replay_budget_bytes,
          .max_body_bytes = 1 << 20};
}

Frame publish(Room& room, std::uint64_t seq, const Message& m) {
  Frame frame = encode_frame(m);
  room.publish({seq, frame, &m, nullptr});
  return frame;
}

}  // namespace

TEST_CASE("a published message reaches every member, its sender included", "[room]") {
  Room room(no_history);
  RecordingMember sender, other;
  room.join(sender);
  room.join(other);
  const Frame frame = publish(room, 1, message("hi"));
  CHECK(frame->bytes() == encode(message("hi")));
  REQUIRE(sender.frames.size() == 1);
  REQUIRE(other.frames.size() == 1);
  // Encoded once: every member holds the very same buffer.
  CHECK(sender.frames[0] == frame);
  CHECK(other.frames[0] == frame);
  CHECK(room.messages() == 1);
}

TEST_CASE("every member hears the messages in the one order", "[room]") {
  Room room(no_history);
  std::vector<RecordingMember> members(5);
  for (auto& m : members) room.join(m);
  for (std::uint64_t i = 1; i <= 100; ++i) publish(room, i, message(std::to_string(i)));
  for (const auto& m : members) CHECK(m.texts() == members[0].texts());
  REQUIRE(members[0].frames.size() == 100);
  CHECK(members[0].frames[41]->bytes() == encode(message("42")));
}

TEST_CASE("a member that left hears nothing more, the others are unaffected", "[room]") {
  Room room(no_history);
  RecordingMember a, b, c;
  room.join(a);
  room.join(b);
  room.join(c);
  room.leave(a);
  CHECK_FALSE(a.in_room());
  CHECK(room.size() == 2);
  publish(room, 1, message("x"));
  CHECK(a.frames.empty());
  CHECK(b.frames.size() == 1);
  CHECK(c.frames.size() == 1);
  room.leave(a);  // leaving twice changes nothing
  CHECK(room.size() == 2);
}

TEST_CASE("members leave in any order, the last one included", "[room]") {
  Room room(no_history);
  RecordingMember a, b, c;
  for (auto* m : {&a, &b, &c}) room.join(*m);
  room.leave(c);  // the last slot
  CHECK_FALSE(c.in_room());
  room.leave(c);
  CHECK(room.size() == 2);
  room.leave(a);
  CHECK(b.in_room());
  room.leave(b);
  CHECK(room.size() == 0);
  CHECK_FALSE(b.in_room());
  room.join(c);
  publish(room, 1, message("only c"));
  CHECK(c.frames.size() == 1);
  CHECK(a.frames.empty());
  CHECK(b.frames.empty());
}

TEST_CASE("members leaving during a broadcast: the rest hear it exactly once", "[room]") {
  Room room(no_history);
  std::vector<RecordingMember> members(6);
  for (auto& m : members) room.join(m);
  // The second member, while it is delivered to, makes itself, the first and the last leave.
  members[1].on_deliver = [&] {
    room.leave(members[0]);
    room.leave(members[1]);
    room.leave(members[5]);
  };
  publish(room, 1, message("one"));
  CHECK(members[0].frames.size() == 1);  // delivered before it left
  CHECK(members[1].frames.size() == 1);
  CHECK(members[5].frames.empty());  // left before its turn
  for (int i : {2, 3, 4}) CHECK(members[i].frames.size() == 1);
  CHECK(room.size() == 3);
  members[1].on_deliver = nullptr;
  publish(room, 2, message("two"));
  CHECK(members[0].frames.size() == 1);
  CHECK(members[1].frames.size() == 1);
  CHECK(members[5].frames.empty());
  for (int i : {2, 3, 4}) CHECK(members[i].frames.size() == 2);
}

TEST_CASE("a member joining during a broadcast hears it once, through the history", "[room]") {
  Room room(history_of(10));
  RecordingMember first, late;
  room.join(first);
  first.on_deliver = [&] {
    if (!late.in_room()) room.join(late);
  };
  publish(room, 1, message("during"));
  REQUIRE(late.frames.size() == 1);
  CHECK(late.frames[0]->bytes() == encode(message("during")));
  publish(room, 2, message("after"));
  CHECK(late.frames.size() == 2);
  CHECK(first.texts() == late.texts());
}

TEST_CASE("a member joining during a broadcast without history misses only that one", "[room]") {
  Room room(no_history);
  RecordingMember first, late;
  room.join(first);
  first.on_deliver = [&] {
    if (!late.in_room()) room.join(late);
  };
  publish(room, 1, message("during"));
  CHECK(late.frames.empty());
  publish(room, 2, message("after"));
  CHECK(late.texts() == std::vector{encode(message("after"))});
}

TEST_CASE("a joining member is replayed the newest history, oldest first", "[room]") {
  Room room(history_of(3));
  for (std::uint64_t i = 1; i <= 5; ++i) publish(room, i, message(std::to_string(i)));
  CHECK(room.history_size() == 3);
  RecordingMember late;
  room.join(late);
  CHECK(late.texts() ==
        std::vector{encode(message("3")), encode(message("4")), encode(message("5"))});
}

TEST_CASE("the history replay stays within its byte budget, newest kept", "[room]") {
  const std::size_t one = encode(message("aaaa")).size();
  Room room(history_of(10, 2 * one + one / 2));
  for (const char* text : {"aaaa", "bbbb", "cccc", "dddd"}) publish(room, 1, message(text));
  RecordingMember late;
  room.join(late);
  CHECK(late.texts() == std::vector{encode(message("cccc")), encode(message("dddd"))});
}

TEST_CASE("a frame larger than the replay budget is not replayed", "[room]") {
  Room room(history_of(10, 10));
  publish(room, 1, message("more than ten bytes"));
  RecordingMember late;
  room.join(late);
  CHECK(late.frames.empty());
}

TEST_CASE("preloaded messages are replayed but delivered to nobody", "[room]") {
  Room room(history_of(2));
  RecordingMember present;
  room.join(present);
  const std::vector<Message> old{message("old 1"), message("old 2"), message("old 3")};
  room.preload(old);
  CHECK(present.frames.empty());
  CHECK(room.messages() == 0);
  RecordingMember late;
  room.join(late);
  CHECK(late.texts() == std::vector{encode(old[1]), encode(old[2])});
}

TEST_CASE("a cleared history is replaced by what is preloaded after it", "[room]") {
  Room room(history_of(3));
  for (std::uint64_t i = 1; i <= 3; ++i) publish(room, i, message(std::to_string(i)));
  room.clear_history();
  CHECK(room.history_size() == 0);
  const std::vector<Message> fresh{message("new 1"), message("new 2")};
  room.preload(fresh);
  CHECK(room.messages() == 3);
  RecordingMember late;
  room.join(late);
  CHECK(late.texts() == std::vector{encode(fresh[0]), encode(fresh[1])});
}

TEST_CASE("lowering the history limit trims the ring at once", "[room]") {
  Room room(history_of(5));
  for (std::uint64_t i = 1; i <= 5; ++i) publish(room, i, message(std::to_string(i)));
  room.set_limits(history_of(2));
  CHECK(room.history_size() == 2);
  room.set_limits(no_history);
  CHECK(room.history_size() == 0);
  publish(room, 6, message("6"));
  CHECK(room.history_size() == 0);
}

TEST_CASE("joining twice does not deliver twice", "[room]") {
  Room room(no_history);
  RecordingMember m;
  room.join(m);
  room.join(m);
  CHECK(room.size() == 1);
  publish(room, 1, message("once"));
  CHECK(m.frames.size() == 1);
}

TEST_CASE("the history is bounded in bytes too, the oldest frames going first", "[room]") {
  const std::size_t one = encode(message("aaaa")).size();
  RoomLimits limits = history_of(100);
  limits.history_bytes = 3 * one;
  Room room(limits);
  for (const char* text : {"aaaa", "bbbb", "cccc", "dddd", "eeee"}) publish(room, 1, message(text));
  CHECK(room.history_size() == 3);
  CHECK(room.history_bytes() == 3 * one);
  RecordingMember late;
  room.join(late);
  CHECK(late.texts() ==
        std::vector{encode(message("cccc")), encode(message("dddd")), encode(message("eeee"))});
  limits.history_bytes = one;  // a reload lowers it
  room.set_limits(limits);
  CHECK(room.history_size() == 1);
  CHECK(room.history_bytes() == one);
}

TEST_CASE("a frame larger than the whole history bound is not kept", "[room]") {
  RoomLimits limits = history_of(100);
  limits.history_bytes = 50;
  Room room(limits);
  publish(room, 1, message(std::string(100, 'x')));
  CHECK(room.history_size() == 0);
  CHECK(room.history_bytes() == 0);
}

TEST_CASE("lowering the message limit drops the longer frames from the history", "[room]") {
  Room room(history_of(10));
  const Message big = message(std::string(500, 'b')), small = message("s");
  publish(room, 1, big);
  publish(room, 2, small);
  RoomLimits lower = history_of(10);
  lower.max_body_bytes = encoded_body_size(big) - 1;
  room.set_limits(lower);
  RecordingMember late;
  room.join(late);
  CHECK(late.texts() == std::vector{encode(small)});
  CHECK(room.history_bytes() == encode(small).size());
}
