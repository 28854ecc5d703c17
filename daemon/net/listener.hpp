#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>

namespace tcpchat {

// Accepts connections on one listening socket for as long as it is open. Accepting never stops
// on its own: resource errors (EMFILE, ENFILE, ENOBUFS, ENOMEM) are logged once and retried after
// a short backoff instead of ending or spinning the loop.
class Listener {
 public:
  // Receives each accepted socket, already set up for a client, with the peer's name.
  using Handler = std::function<void(boost::asio::ip::tcp::socket, std::string peer)>;

  Listener(boost::asio::ip::tcp::acceptor acceptor, Handler on_accept);
  void start();
  void stop();
  // `ADDR:PORT`, IPv6 as `[ADDR]:PORT`.
  const std::string& name() const { return name_; }

 private:
  void do_accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  Handler handler_;
  std::string name_;
  bool reported_ = false;  // a resource error was logged and has not cleared yet
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
