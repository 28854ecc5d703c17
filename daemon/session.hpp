#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/container/small_vector.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "frame.hpp"
#include "tcpchat/frame_decoder.hpp"

namespace tcpchat {

class Room;
using SteadyTime = std::chrono::steady_clock::time_point;

// One client connection: reads frames through a FrameDecoder and hands messages to the Room;
// sends what the Room queues, gathering the whole queue into one sendmsg(2).
//
// An idle session holds no read buffer (it waits for readability and reads into the Room's
// shared buffer) and no queue memory. Pending handlers own the session (shared_from_this); the
// Room only points at it, and the session leaves the Room when it closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Room& room, boost::asio::ip::tcp::socket socket, std::string peer);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts reading; the Room must already count this session.
  void start();
  // Queues a frame (the Room calls this during a broadcast; it never writes from here).
  void deliver(const Frame& frame);
  // Writes as much of the queue as the socket takes now (the Room calls this once per batch).
  void flush();
  // Sends `subject`/`text` from @SERVER, then closes gracefully: shut down the sending side,
  // discard at most 64 KiB or 1 s of input so the reply is not destroyed by a reset, close.
  void reject(std::string_view subject, std::string_view text);
  // Stops reading; closes once everything queued has been written.
  void finish();
  // Closes now, discarding the queue.
  void close();
  // Closes with a reset, discarding what the kernel still holds for the peer too: for slow
  // consumers, whose socket buffers would otherwise stay allocated until they read.
  void abort();

  // Checks the frame, idle and write deadlines; called by the Room's periodic sweep.
  void check_deadlines(SteadyTime now);
  void apply_limits(const Limits& limits);

  const std::string& peer() const { return peer_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  bool open() const { return state_ == State::open; }
  // Set while the Room has this session on its list of sessions to flush.
  bool flush_scheduled = false;
  // Positions in the Room's lists, for O(1) removal.
  std::size_t room_index = 0;
  std::size_t all_index = 0;
  bool in_room = false;
  // Set once the Room decided to drop this session; it closes on the next loop turn.
  bool doomed = false;

 private:
  enum class State : unsigned char { open, finishing, rejecting, closed };

  void wait_readable();
  void on_readable(const boost::system::error_code& ec);
  void process_input();
  void wait_writable();
  void on_writable(const boost::system::error_code& ec);
  void on_queue_empty();
  void discard_input();
  void release_queue();
  void clear_queue();
  bool has_token(SteadyTime now);
  void throttle();
  void leave_room();
  void fail(const boost::system::error_code& ec, std::string_view what);

  Room& room_;
  boost::asio::ip::tcp::socket socket_;
  std::string peer_;
  FrameDecoder decoder_;
  // Frames not yet fully sent, from head_ on. A couple fit inline, so delivering to an idle
  // session does not allocate.
  boost::container::small_vector<Frame, 2> queue_;
  std::size_t head_ = 0;         // first unsent frame in queue_
  std::size_t head_offset_ = 0;  // bytes of queue_[head_] already sent
  std::size_t queued_bytes_ = 0;
  SteadyTime last_read_;
  SteadyTime last_write_progress_;
  SteadyTime frame_started_{};  // zero while no frame is in progress
  // Only for rate-limited or closing sessions, so idle ones stay small.
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::string backlog_;  // input held back while rate-limited
  double tokens_ = 0;
  SteadyTime tokens_at_{};
  SteadyTime throttled_since_{};
  std::size_t discarded_ = 0;
  State state_ = State::open;
  bool waiting_read_ = false;
  bool waiting_write_ = false;
  bool throttled_ = false;
  bool draining_ = false;  // our side is shut down; reading to the end before closing
};

}  // namespace tcpchat
