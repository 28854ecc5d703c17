#pragma once

#include <sys/uio.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/close_reason.hpp"
#include "core/closed_clients.hpp"
#include "core/counters.hpp"
#include "core/held_bytes.hpp"
#include "core/time.hpp"
#include "runtime/config.hpp"

namespace tcpchat {

class Session;

namespace hub_hooks {
namespace bi = boost::intrusive;
struct LiveTag;
struct FlushTag;
// Unlinked on destruction, so a session that dies is in no list of the Hub's.
using Live = bi::list_base_hook<bi::tag<LiveTag>, bi::link_mode<bi::auto_unlink>>;
using Flush = bi::list_base_hook<bi::tag<FlushTag>, bi::link_mode<bi::auto_unlink>>;
}  // namespace hub_hooks

// The loop's services to every session, as redis' beforeSleep: one flush per loop turn for the
// sessions that have something to send, drops carried out on the next turn (never in the middle
// of a broadcast), the periodic deadline sweep, the total queue bound, the loop clock, scratch
// space shared by all sessions, and shutdown.
class Hub {
 public:
  // sendmsg(2) takes at most IOV_MAX (1024) buffers.
  static constexpr std::size_t max_iovecs = 1024;
  // One read buffer for the whole loop: an idle session holds none.
  static constexpr std::size_t read_buffer_bytes = 64 * 1024;
  // What a TLS session gathers its queue into before encrypting it: as much as a plaintext
  // sendmsg(2) of 1,024 ordinary frames.
  static constexpr std::size_t tls_gather_bytes = 256 * 1024;

  Hub(boost::asio::io_context& io, const Config& config);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Every live session, room member or not (closing ones too), for deadlines and shutdown.
  // attach() counts the connection and returns its id, never reused; detach() counts its close
  // and keeps its record among the closed clients.
  std::uint64_t attach(Session& session);
  void detach(Session& session);
  std::size_t live() const { return live_count_; }
  // Every live session, held: for acting on sessions that may close while being visited.
  std::vector<std::shared_ptr<Session>> snapshot_live() const;
  // Calls `visit(const Session&)` for every live session.
  template <class Visit>
  void for_each_live(Visit&& visit) const {
    for (const Session& s : live_) visit(s);
  }

  // Flushes `session` once on this loop turn, after every handler that is ready has run, then
  // judges the total queue bound.
  void schedule_flush(Session& session);
  // Closes `session` with a reset on the next loop turn, logging `why` now; its queue is
  // released at once.
  void drop(Session& session, CloseReason reason, const std::string& why);

  // What the sessions hold together: their queues (each frame once) and unfinished input. The
  // total queue bound is judged on it once per loop turn, after the flush has tried to write.
  HeldBytes& held() { return held_; }
  const HeldBytes& held() const { return held_; }

  // Whether a session may read now under --max-total-input-bytes: one without an unfinished
  // frame may, and one whose frame still needs `missing` bytes may if they fit under the bound.
  bool may_read(bool in_frame, std::size_t missing);
  // Keeps `session` alive while it waits with no I/O of its own (over the input bound, or
  // paused by the sequencer) and lets it try again at the next sweep.
  void park(Session& session);

  // Shared scratch space, valid until the caller returns to the loop.
  std::span<char> read_buffer() { return read_buffer_; }
  std::span<iovec> iovecs() { return iovecs_; }
  std::span<char> tls_plaintext() { return tls_plaintext_; }
  // Where a TLS session's records are encrypted to, sent from at once; its capacity stays.
  std::string& tls_ciphertext() { return tls_ciphertext_; }

  // TLS handshakes in progress, for --tls-max-handshakes.
  void handshake_began() { ++handshakes_; }
  void handshake_ended() { --handshakes_; }
  std::size_t handshakes() const { return handshakes_; }

  const Config& config() const { return config_; }
  void apply(const Config& config);
  // The loop's notion of now, read once per event instead of once per session and message.
  SteadyTime now() const { return now_; }
  void tick();

  // Stops reading from every member and closes each once its queue is flushed; calls `done`
  // when the last session is gone (at once if there is none).
  void finish_all(std::function<void()> done);
  void close_all();

  std::uint64_t dropped() const { return dropped_; }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  const ClosedClients& closed() const { return closed_; }

 private:
  using LiveList = boost::intrusive::list<Session, boost::intrusive::base_hook<hub_hooks::Live>,
                                          boost::intrusive::constant_time_size<false>>;
  using FlushList = boost::intrusive::list<Session, boost::intrusive::base_hook<hub_hooks::Flush>,
                                           boost::intrusive::constant_time_size<false>>;

  void flush_pending();
  void enforce_total_limit();
  void arm_sweep();
  void sweep();

  void notify_if_empty();

  boost::asio::io_context& io_;
  Config config_;
  LiveList live_;
  std::size_t live_count_ = 0;
  FlushList to_flush_;
  std::vector<std::shared_ptr<Session>> to_drop_;
  std::vector<std::shared_ptr<Session>> parked_;
  HeldBytes held_;
  std::uint64_t dropped_ = 0;
  Counters counters_;
  ClosedClients closed_;
  std::uint64_t last_id_ = 0;
  boost::asio::steady_timer sweep_timer_;
  std::array<char, read_buffer_bytes> read_buffer_;
  std::array<iovec, max_iovecs> iovecs_;
  std::array<char, tls_gather_bytes> tls_plaintext_;
  std::string tls_ciphertext_;
  std::size_t handshakes_ = 0;
  SteadyTime now_;
  bool flush_posted_ = false;
  bool drop_posted_ = false;
  bool stopping_ = false;
  bool input_full_reported_ = false;
  std::function<void()> on_empty_;
};

}  // namespace tcpchat
