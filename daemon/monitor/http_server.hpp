#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "monitor/routes.hpp"

namespace tcpchat {

namespace monitor_hooks {
namespace bi = boost::intrusive;
// Unlinked on destruction, so a connection that ends leaves the server's list by itself.
using Open = bi::list_base_hook<bi::link_mode<bi::auto_unlink>>;
}  // namespace monitor_hooks

// HTTP/1.1 for the monitoring endpoint, with Beast on the daemon's loop. Every request is
// bounded, so that whoever reaches the port cannot make the daemon hold more than a few
// kilobytes for it: headers up to max_header_bytes (431 past it), max_connections at once (503
// to the next), request_timeout for each request including its answer.
class HttpServer {
 public:
  static constexpr std::size_t max_header_bytes = 8 * 1024;
  static constexpr std::size_t max_connections = 16;
  static constexpr std::chrono::seconds request_timeout{10};
  // Connections being told 503 at once; past that many more are closed without a word.
  static constexpr std::size_t max_refusing = 16;

  HttpServer(boost::asio::ip::tcp::acceptor acceptor, const MonitorRoutes& routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  // Stops accepting and closes every connection.
  void stop();

 private:
  class Connection;
  using OpenList =
      boost::intrusive::list<Connection, boost::intrusive::base_hook<monitor_hooks::Open>,
                             boost::intrusive::constant_time_size<false>>;

  void accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  const MonitorRoutes& routes_;
  OpenList open_;
  std::size_t open_count_ = 0;
  std::size_t refusing_ = 0;
  bool accept_failed_ = false;  // logged, and not yet accepting again
  bool stopped_ = false;
};

}  // namespace tcpchat
