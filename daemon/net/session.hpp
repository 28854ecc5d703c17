#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/access.hpp"
#include "core/client_record.hpp"
#include "core/close_reason.hpp"
#include "core/counters.hpp"
#include "core/member.hpp"
#include "core/send_queue.hpp"
#include "core/sequencer.hpp"
#include "core/time.hpp"
#include "core/token_bucket.hpp"
#include "net/hub.hpp"
#include "tcpchat/frame_decoder.hpp"
#include "tls/tls_channel.hpp"

namespace tcpchat {

class Room;

// What every session works with, owned by the wiring: one reference per session, not three, since
// idle sessions are most of the daemon's memory.
struct SessionContext {
  Hub& hub;
  Room& room;
  Sequencer* sequencer;  // set once the server has made it
  Access& access;
};

// One client connection: reads frames through a FrameDecoder and submits the messages to the
// sequencer; as a room member, sends what the room delivers, gathering its whole queue into one
// sendmsg(2) when the Hub flushes it. Over TLS, the same readiness waits drive the TlsChannel:
// its handshake comes first, and the queue is gathered into records of up to 16 KiB.
//
// An idle session holds no read buffer (it waits for readability and reads into the Hub's
// shared buffer) and no queue memory. Pending handlers own the session (shared_from_this); the
// Room and the Hub only point at it, and it leaves both when it closes or dies.
class Session final : public Member,
                      public Origin,
                      public hub_hooks::Live,
                      public hub_hooks::Flush,
                      public std::enable_shared_from_this<Session> {
 public:
  // `tls`: the channel over `socket` for a TLS connection, or null for plaintext.
  Session(const SessionContext& context, boost::asio::ip::tcp::socket socket, std::string peer,
          std::unique_ptr<TlsChannel> tls);
  ~Session();

  // Runs the TLS handshake if there is one, then the authentication if accounts are set, then
  // joins the room (or refuses the client when the room is full) and starts reading.
  void start();
  // Ends the session with AuthRevoked: its account is gone or has another token, or it has
  // none and the server now demands one.
  void revoke();
  // The account the session authenticated as, or empty.
  const std::string& account() const { return account_; }
  bool anonymous() const { return account_.empty() && state_ == State::open; }
  // Its account is its certificate's name, which the auth file does not govern.
  bool by_certificate() const { return by_certificate_; }

  // Member: queues a frame and asks the Hub for a flush; never writes from here.
  void deliver(const Frame& frame) override;
  // Origin
  const std::string& peer() const override { return peer_; }
  void refused(std::span<const Message> messages, const Refusal& why) override;
  void pause_reading() override;
  void resume_reading() override;

  // Writes as much of the queue as the socket takes now (the Hub calls this once per turn).
  void flush();
  // Sends `subject`/`text` from @SERVER, then closes gracefully: shut down the sending side,
  // discard at most 64 KiB or 1 s of input so the reply is not destroyed by a reset, close.
  void reject(CloseReason why, std::string_view subject, std::string_view text);
  // Stops reading; closes once everything queued has been written.
  void finish();
  // Closes now, discarding the queue.
  void close();
  // Closes with a reset, discarding what the kernel still holds for the peer too: for slow
  // consumers, whose socket buffers would otherwise stay allocated until they read.
  void abort();

  // Tries to read again after waiting parked at the Hub (see Hub::park).
  void unpark();
  // Checks the frame, idle and write deadlines; called by the Hub's periodic sweep.
  void check_deadlines(SteadyTime now);
  void apply_limits(const Limits& limits);

  // Marks the session as being dropped; false when it already was.
  bool doom(CloseReason why) {
    if (doomed_) return false;
    end_for(why);
    return doomed_ = true;
  }
  bool doomed() const { return doomed_; }
  // Not in the room yet, with nothing queued: handshaking or authenticating.
  bool joining() const { return state_ == State::handshaking || state_ == State::authenticating; }
  // Forgets everything queued, giving back what the Hub counts of it.
  void release_queue();
  std::size_t queued_bytes() const { return queue_.bytes(); }

  // Why the session ends: the first cause given wins, since what follows it (the peer's reset
  // after a refusal, the close after a drop) is its consequence.
  void end_for(CloseReason why) {
    if (!reason_) reason_ = why;
  }
  CloseReason reason() const { return reason_.value_or(CloseReason::client_closed); }
  std::uint64_t id() const { return id_; }
  // The session as the client list shows it; `now` is the loop's clock.
  ClientRecord record(SteadyTime now) const;

 private:
  enum class State : unsigned char {
    handshaking,
    authenticating,
    open,
    finishing,
    rejecting,
    closed
  };

  void after_handshake();
  void begin_authentication();
  // The first frame of a session that must authenticate; false once it was refused.
  bool authenticate(const Message& m);
  void end_authentication();
  void leave_access();
  // Why `m` may not go out under its name (not the account's, or held by another connection
  // with --unique-names): the @SERVER reply, or nothing when it may.
  std::optional<Refusal> name_refusal_of(const Message& m);
  void release_name();
  // The peer's address, an IPv4 one mapped into IPv6 as IPv4, or nothing once it is gone.
  std::optional<boost::asio::ip::address> peer_address() const;
  bool reading() const { return state_ == State::open || state_ == State::authenticating; }
  void admit();
  bool join_room();
  void continue_handshake();
  void end_handshake();
  void count_tls_bytes();
  void tls_failed(std::string_view what, const std::string& error);
  void wait_readable();
  void on_readable(const boost::system::error_code& ec);
  void read_input();
  void end_of_input();
  void flush_tls();
  void wrote(std::size_t bytes);
  void process_input();
  void submit(std::span<const Message> messages);
  void wait_writable();
  void on_writable(const boost::system::error_code& ec);
  void on_queue_empty();
  void discard_input();
  void throttle();
  void on_throttle_end();
  void count_input();
  void leave_room();
  void stop_timer();
  void fail(const boost::system::error_code& ec, std::string_view what);
  RateLimit rate_limit() const;

  const SessionContext& context_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<TlsChannel> tls_;
  std::string peer_;
  std::uint64_t id_;
  WallTime connected_at_;
  ShortName name_;
  std::string account_;  // empty until authenticated
  // With --unique-names, the name this session holds in Access::names.
  std::unique_ptr<std::string> claimed_name_;
  SteadyTime auth_deadline_{};
  Traffic traffic_;
  FrameDecoder decoder_;
  SendQueue queue_;
  SteadyTime last_read_;
  SteadyTime last_write_progress_;
  SteadyTime frame_started_{};  // zero while no frame is in progress
  // Only for rate-limited or closing sessions, so idle ones stay small.
  std::unique_ptr<boost::asio::steady_timer> timer_;
  // The rate limit's state, made for a session's first message while --rate-limit is on, so
  // that sessions of a daemon without one stay small.
  struct Throttle {
    TokenBucket tokens;
    std::string backlog;  // input held back while over the rate
    SteadyTime since{};   // when reading stopped
  };
  std::unique_ptr<Throttle> throttle_;
  std::size_t input_bytes_ = 0;   // what the Hub counts of ours as held input
  std::size_t unsent_bytes_ = 0;  // what the Hub counts of our TLS ciphertext not sent yet
  std::uint32_t discarded_ = 0;   // at most discard_limit_bytes and one read
  State state_ = State::open;
  bool read_wants_write_ = false;  // a TLS read must write (a key update) before it goes on
  bool awaiting_auth_ = false;     // counted in Access::unauthenticated
  bool counted_account_ = false;   // counted in Access::authenticated
  bool by_certificate_ = false;
  bool waiting_read_ = false;
  bool waiting_write_ = false;
  bool throttled_ = false;
  bool paused_ = false;         // the sequencer asked us not to read for now
  bool input_blocked_ = false;  // over --max-total-input-bytes: parked until the next sweep
  bool input_waited_ = false;   // the unfinished frame waited for --max-total-input-bytes
  bool draining_ = false;       // our side is shut down; reading to the end before closing
  bool doomed_ = false;         // the Hub decided to drop this session; it closes on the next turn
  std::optional<CloseReason> reason_;
};

}  // namespace tcpchat
