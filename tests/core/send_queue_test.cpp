#include "core/send_queue.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/held_bytes.hpp"

using namespace tcpchat;

namespace {

Frame frame(std::string text) {
  return make_frame(std::move(text));
}

// What fill() describes, as one string.
std::string unsent(const SendQueue& q, std::size_t max_buffers = 1024) {
  std::vector<iovec> iov(max_buffers);
  std::size_t bytes = 0;
  const std::size_t n = q.fill(iov, bytes);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  CHECK(out.size() == bytes);
  return out;
}

}  // namespace

TEST_CASE("a send queue describes its frames in order and counts their bytes", "[send_queue]") {
  HeldBytes held;
  SendQueue q;
  CHECK(q.empty());
  q.push(frame("abc"), held);
  q.push(frame("defg"), held);
  CHECK_FALSE(q.empty());
  CHECK(q.bytes() == 7);
  CHECK(q.frames() == 2);
  CHECK(unsent(q) == "abcdefg");
}

TEST_CASE("a partial write at every offset leaves exactly the rest", "[send_queue]") {
  const std::string all = "first|second frame|3";
  for (std::size_t written = 0; written <= all.size(); ++written) {
    HeldBytes held;
    SendQueue q;
    q.push(frame("first|"), held);
    q.push(frame("second frame|"), held);
    q.push(frame("3"), held);
    q.consume(written, held);
    CHECK(q.bytes() == all.size() - written);
    CHECK(unsent(q) == all.substr(written));
    CHECK(q.empty() == (written == all.size()));
  }
}

TEST_CASE("writes in small steps at every offset add up to the whole queue", "[send_queue]") {
  const std::string all = "ab|cdef|g|hijkl";
  for (std::size_t step = 1; step <= all.size(); ++step) {
    HeldBytes held;
    SendQueue q;
    for (const char* f : {"ab|", "cdef|", "g|", "hijkl"}) q.push(frame(f), held);
    std::string sent;
    while (!q.empty()) {
      const std::string rest = unsent(q);
      const std::size_t n = std::min(step, rest.size());
      sent += rest.substr(0, n);
      q.consume(n, held);
    }
    CHECK(sent == all);
    CHECK(q.bytes() == 0);
  }
}

TEST_CASE("fill stops at the number of buffers it is given", "[send_queue]") {
  HeldBytes held;
  SendQueue q;
  for (int i = 0; i < 10; ++i) q.push(frame(std::to_string(i)), held);
  q.consume(2, held);  // frames 0 and 1 sent
  CHECK(unsent(q, 3) == "234");
  CHECK(unsent(q) == "23456789");
}

TEST_CASE("the queue shares frames rather than copying them", "[send_queue]") {
  const Frame shared = frame("shared");
  HeldBytes held;
  SendQueue a, b;
  a.push(shared, held);
  b.push(shared, held);
  CHECK(shared.use_count() == 3);
  a.consume(shared->size(), held);
  CHECK(shared.use_count() == 2);  // a fully sent frame is released at once
  b.clear(held);
  CHECK(shared.use_count() == 1);
}

TEST_CASE("compaction drops sent frames once they are most of the queue", "[send_queue]") {
  HeldBytes held;
  SendQueue q;
  const std::size_t total = 2 * SendQueue::compact_threshold + 10;
  for (std::size_t i = 0; i < total; ++i) q.push(frame("x"), held);
  q.consume(SendQueue::compact_threshold, held);  // not past the threshold: kept
  q.compact();
  CHECK(q.frames() == total - SendQueue::compact_threshold);
  CHECK(q.bytes() == total - SendQueue::compact_threshold);
  q.consume(SendQueue::compact_threshold / 2 + 10, held);  // now past it and most of the queue
  const std::size_t left = q.frames();
  q.compact();
  CHECK(q.frames() == left);
  CHECK(unsent(q) == std::string(left, 'x'));
  q.push(frame("y"), held);
  CHECK(unsent(q) == std::string(left, 'x') + "y");
}

TEST_CASE("compaction keeps a partly written head frame's offset", "[send_queue]") {
  HeldBytes held;
  SendQueue q;
  for (std::size_t i = 0; i < 2 * SendQueue::compact_threshold; ++i) q.push(frame("ab"), held);
  q.push(frame("tail"), held);
  q.consume(2 * (2 * SendQueue::compact_threshold - 1) + 1, held);  // into the last "ab"
  q.compact();
  CHECK(unsent(q) == "btail");
  CHECK(q.bytes() == 5);
}

TEST_CASE("after a burst the queue gives back a large capacity and keeps a small one",
          "[send_queue]") {
  HeldBytes held;
  SendQueue burst;
  for (std::size_t i = 0; i < 10 * SendQueue::kept_capacity; ++i) burst.push(frame("x"), held);
  CHECK(burst.capacity() > SendQueue::kept_capacity);
  burst.consume(burst.bytes(), held);
  burst.clear(held);
  CHECK(burst.capacity() <= SendQueue::kept_capacity);
  CHECK(burst.empty());

  SendQueue small;
  for (std::size_t i = 0; i < 3; ++i) small.push(frame("x"), held);
  CHECK(small.capacity() == SendQueue::initial_capacity);  // grew once, from the inline two
  small.clear(held);
  CHECK(small.capacity() == SendQueue::initial_capacity);
  CHECK(small.bytes() == 0);
}

TEST_CASE("an idle queue holds its first frames inline", "[send_queue]") {
  HeldBytes held;
  SendQueue q;
  const std::size_t inline_capacity = q.capacity();
  CHECK(inline_capacity >= 2);
  q.push(frame("a"), held);
  q.push(frame("b"), held);
  CHECK(q.capacity() == inline_capacity);
}

TEST_CASE("held bytes count queued frames and unfinished input apart", "[held_bytes]") {
  HeldBytes held;
  held.add_queued(100);
  held.add_input(30);
  held.add_queued(5);
  CHECK(held.queued() == 105);
  CHECK(held.input() == 30);
  CHECK(held.total() == 135);
  held.remove_queued(105);
  held.remove_input(10);
  CHECK(held.queued() == 0);
  CHECK(held.total() == 20);
}

TEST_CASE("a frame in many queues counts once, until the last queue lets it go", "[send_queue]") {
  HeldBytes held;
  const Frame shared = frame(std::string(1000, 's'));
  std::vector<SendQueue> queues(100);
  for (auto& q : queues) q.push(shared, held);
  CHECK(held.queued() == 1000);  // not 100,000
  for (std::size_t i = 0; i + 1 < queues.size(); ++i) {
    queues[i].consume(shared->size(), held);
    CHECK(held.queued() == 1000);
  }
  queues.back().consume(999, held);  // partly sent: still held
  CHECK(held.queued() == 1000);
  queues.back().consume(1, held);
  CHECK(held.queued() == 0);
}

TEST_CASE("clearing a queue gives back only the frames no other queue holds", "[send_queue]") {
  HeldBytes held;
  const Frame shared = frame("shared!"), own = frame("mine");
  SendQueue a, b;
  a.push(shared, held);
  a.push(own, held);
  b.push(shared, held);
  CHECK(held.queued() == 11);
  a.consume(3, held);  // into the shared frame
  a.clear(held);
  CHECK(held.queued() == 7);  // the shared frame is still in b
  CHECK(a.bytes() == 0);
  b.clear(held);
  CHECK(held.queued() == 0);
}
