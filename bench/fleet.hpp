#pragma once

// The bench's client connections: set up in bounded concurrent batches, read in big chunks into
// one buffer shared by all, written with every frame queued during a loop turn gathered into one
// write. With TLS, OpenSSL runs on each connection's non-blocking socket from the same readiness
// waits, as in the daemon, so the generator spends little on anything but the cryptography.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inbox.hpp"

struct ssl_st;
struct ssl_ctx_st;
#include "waiter.hpp"

namespace tcpchat::bench {

struct TlsSessionFree {
  void operator()(ssl_st* ssl) const;
};

struct Connection {
  Connection(boost::asio::io_context& io, std::size_t index, const DataFrameTemplate& data_frame)
      : index(index), socket(io), inbox(data_frame) {}

  const std::size_t index;
  boost::asio::ip::tcp::socket socket;
  std::unique_ptr<ssl_st, TlsSessionFree> tls;  // with --tls, once connected
  Inbox inbox;
  std::string outbox;       // frames queued since the last write started
  std::string writing;      // the frames of the write in flight; capacity reused
  bool write_busy = false;  // an asynchronous write is in flight
  bool flush_deferred = false;
  // Counts the sockets this connection has had: a handler of an earlier one is ignored.
  std::uint32_t generation = 0;
  std::function<void()> on_reconnected;
};

struct ConnectPlan {
  // Connection i goes to targets[i % targets.size()] (named target_names[i % ...], HOST:PORT as
  // the user gave it, for messages); the targets share one address.
  std::vector<boost::asio::ip::tcp::endpoint> targets;
  std::vector<std::string> target_names;
  std::size_t count = 0;
  std::size_t concurrency = 1;
  std::size_t source_addresses = 0;  // 0: as many 127.0.0.x as `count` needs (loopback only)
};

struct IoCounters {
  std::uint64_t reads = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t writes = 0;
  std::uint64_t bytes_out = 0;
};

class Fleet {
 public:
  using OnData = std::function<void(Connection&, const Stamp&, Clock::time_point)>;
  using OnMessage = std::function<void(Connection&, Message&&, Clock::time_point)>;
  using OnFailure = std::function<void(const std::string&)>;

  // `on_data` gets every data frame of this run recognised by its bytes and `on_message` every
  // other frame decoded, each with the time its read returned; what they queue on the receiving
  // connection is written once the frames of that read are handled. `on_failure` gets one
  // sentence per connection that failed (refused, closed by the daemon, protocol error).
  // `tls`: every connection runs a TLS handshake (verifying nothing: the bench measures) before
  // it counts as connected. `auth_frame`: what each connection sends first (an @AUTH frame),
  // or nothing.
  Fleet(boost::asio::io_context& io, Waiter& waiter, const DataFrameTemplate& data_frame,
        OnData on_data, OnMessage on_message, OnFailure on_failure, bool tls,
        std::string auth_frame);
  ~Fleet();

  // Opens plan.count connections, each reading as soon as it is up. The first one to each target
  // is opened before the others: when one of those fails, that daemon is not there (Failure
  // exit_unavailable). False when a later one failed (reported through on_failure), `stop()` is
  // true, or `deadline` passed.
  boost::asio::awaitable<bool> connect(const ConnectPlan& plan, std::function<bool()> stop,
                                       Clock::time_point deadline);

  // Writes what `c.outbox` holds now, as far as the socket takes it; the rest, and all queued
  // while the socket is full, goes in one write when it has room.
  void flush(Connection& c);
  // From a handler: flushes `c` once the frames of the read being handled are, so that what a
  // whole read causes goes out in one write.
  void defer_flush(Connection& c);
  // Closes `c` with a reset (what it has not read is lost) and connects it again; then runs
  // `on_reconnected`. Call it from outside `c`'s own handlers (post it).
  void reconnect(Connection& c, std::function<void()> on_reconnected);
  // Cancels all reads and writes and closes every socket.
  void close_all();

  std::size_t size() const { return connections_.size(); }
  std::size_t connected() const { return connected_; }
  std::size_t source_addresses() const { return sources_.size(); }
  Connection& operator[](std::size_t i) { return *connections_[i]; }
  const IoCounters& io() const { return io_; }

 private:
  void start_connect(Connection& c);
  std::size_t target_of(const Connection& c) const { return c.index % plan_.targets.size(); }
  // Connections 0 .. probes_-1, until they first reconnect, are the first to each target.
  bool is_probe(const Connection& c) const { return c.index < probes_ && c.generation == 0; }
  void probe_failed(Connection& c, std::string why);
  void on_connect(Connection& c, const boost::system::error_code& ec);
  void continue_handshake(Connection& c);
  void connected(Connection& c);
  // One read or write through TLS or not; would_block when the socket (or OpenSSL) has to wait.
  std::size_t read_some(Connection& c, boost::system::error_code& ec);
  std::size_t write_some(Connection& c, boost::system::error_code& ec);
  void flush_tls(Connection& c);
  void wait_readable(Connection& c);
  void on_readable(Connection& c, const boost::system::error_code& ec);
  void start_write(Connection& c);
  void fail(Connection& c, const std::string& what);

  boost::asio::io_context& io_context_;
  Waiter& waiter_;
  const DataFrameTemplate& data_frame_;
  OnData on_data_;
  OnMessage on_message_;
  OnFailure on_failure_;
  ConnectPlan plan_;
  std::vector<boost::asio::ip::address> sources_;  // empty: the kernel picks the source
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> deferred_;  // to flush when the current read is handled
  std::size_t next_to_open_ = 0;
  std::size_t connected_ = 0;
  std::size_t failed_ = 0;
  bool closed_ = false;
  std::size_t probes_ = 0;
  std::vector<bool> probe_up_;
  std::size_t probes_connected_ = 0;
  // Of the first connection that could not reach its target: which daemon is not there at all.
  std::string probe_error_;
  std::array<char, 256 * 1024> read_buffer_;
  ssl_ctx_st* tls_context_ = nullptr;
  std::string auth_frame_;
  IoCounters io_;
};

}  // namespace tcpchat::bench
