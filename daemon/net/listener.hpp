#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace tcpchat {

// Accepts connections on one listening socket for as long as it is open. Accepting never stops
// on its own: resource errors (EMFILE, ENFILE, ENOBUFS, ENOMEM) are logged once and retried after
// a short backoff instead of ending or spinning the loop.
class Listener {
 public:
  // Receives each accepted socket, already set up for a client, with the peer's name.
  using Handler = std::function<void(boost::asio::ip::tcp::socket, std::string peer)>;

  // Says why no connection may be accepted now (the daemon is at its descriptor budget), or
  // nothing when one may.
  using Capacity = std::function<std::optional<std::string>()>;
  // Whether to leave new connections in the backlog for a moment, silently: a TLS listener
  // does so while --tls-max-handshakes are in progress.
  using Pause = std::function<bool()>;

  Listener(boost::asio::ip::tcp::acceptor acceptor, Handler on_accept, Capacity capacity,
           Pause pause = {});
  void start();
  void stop();
  // `ADDR:PORT`, IPv6 as `[ADDR]:PORT`.
  const std::string& name() const { return name_; }

 private:
  void do_accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  void retry_later(std::chrono::milliseconds after);

  Handler handler_;
  Capacity capacity_;
  Pause pause_;
  std::string name_;
  bool reported_ = false;  // a resource error or a full budget was logged and has not cleared
};

// Opens, binds and listens; throws ListenError with the exit status to end with.
boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::io_context& io,
                                             const boost::asio::ip::tcp::endpoint& endpoint);

struct ListenError : std::runtime_error {
  ListenError(int status, const std::string& what)
      : std::runtime_error(what), exit_status(status) {}
  int exit_status;
};

// `ADDR:PORT`, IPv6 as `[ADDR]:PORT`.
std::string endpoint_name(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace tcpchat
