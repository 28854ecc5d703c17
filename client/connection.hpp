#pragma once

// One TCP connection to tcpchatd: resolve, connect (bounded), with --tls a verified TLS
// handshake, read frames through the protocol's FrameDecoder, and write queued frames with one
// gathered write in flight.

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "outcome.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/frame_decoder.hpp"

namespace tcpchat::client {

// "the server reported StorageError: ...", made safe for one line of stderr.
std::string notice_text(const Message& m);

class Connection {
 public:
  struct Handlers {
    std::function<void()> on_connected;
    std::function<void(const Message&)> on_message;
    // An @SERVER frame after which the connection stays open (StorageError, notices).
    std::function<void(const Message&)> on_notice;
    // Called once per connect() when it fails or the connection ends: 64 (a TLS file that cannot
    // be used), 68 (host not found), 69 (cannot connect), 74 (lost), 76 (an @SERVER frame or a
    // malformed one, or a TLS handshake that failed). The connection is closed by then; the
    // sentence says what happened, not what tcpchat does about it.
    std::function<void(Outcome)> on_failed;
  };

  // With `credentials`, every connection's first frame is their @AUTH frame.
  struct Credentials {
    std::string account;
    std::string token;
  };
  Connection(boost::asio::any_io_executor executor, std::string host, std::uint16_t port,
             Limits limits, TlsOptions tls, std::optional<Credentials> credentials,
             Handlers handlers);

  // Starts connecting; also after a failure, to reconnect.
  void connect();
  // Queues a frame; frames queued before the connection is up are sent once it is.
  void send(std::string frame);
  // Closes quietly: no handler is called for anything still pending.
  void close();

  const std::string& name() const { return name_; }

 private:
  enum class State { idle, connecting, connected };

  void on_resolved(const boost::system::error_code& ec,
                   const boost::asio::ip::tcp::resolver::results_type& results);
  void on_connect(const boost::system::error_code& ec);
  void on_handshake(const boost::system::error_code& ec);
  void connected();
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void do_write();
  void on_write(const boost::system::error_code& ec);
  void fail(ExitStatus status, std::string sentence);
  void lost(const boost::system::error_code& ec);

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  TlsOptions tls_options_;
  std::optional<Credentials> credentials_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;  // made at the first connect()
  // Over socket_ for one connection: made anew for each, since a session's state is its own.
  // Every operation on it holds a reference: one still completing after close() must not find it
  // destroyed.
  std::shared_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::steady_timer connect_timer_;
  std::string host_;
  std::uint16_t port_;
  std::string name_;
  Limits limits_;
  Handlers handlers_;
  State state_ = State::idle;
  // Bumped by close(): a completion from an earlier attempt sees a different value and returns.
  std::uint64_t attempt_ = 0;
  bool timed_out_ = false;
  FrameDecoder decoder_;
  std::array<char, 65536> read_buffer_;
  std::vector<std::string> queued_;   // waiting for the next write
  std::vector<std::string> writing_;  // in the write in flight
  std::vector<boost::asio::const_buffer>
      write_buffers_;  // views of writing_ for the gathered write
};

// The credentials --token-file gives, the account being --name; none without it.
inline std::optional<Connection::Credentials> credentials(const Options& o) {
  if (!o.token) return std::nullopt;
  return Connection::Credentials{o.name, *o.token};
}

}  // namespace tcpchat::client
