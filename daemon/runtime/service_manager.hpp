#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>
#include <vector>

namespace tcpchat {

// Talks to systemd (sd_notify, the watchdog, socket activation) from the event loop. Without
// libsystemd at build time, or without NOTIFY_SOCKET / LISTEN_FDS at run time, every call is a
// no-op and the daemon binds its own sockets.
class ServiceManager {
 public:
  // `status` is asked for the STATUS= text each time it is refreshed.
  ServiceManager(boost::asio::io_context& io, std::function<std::string()> status);

  // A listening socket passed by socket activation, with its FileDescriptorName= ("tls" for
  // one to serve with TLS).
  struct PassedSocket {
    boost::asio::ip::tcp::acceptor acceptor;
    std::string name;
  };
  // The sockets passed (LISTEN_FDS, LISTEN_FDNAMES), or none.
  std::vector<PassedSocket> passed_sockets();

  // READY=1 once every socket listens; starts the STATUS= refresh and the watchdog timers.
  void ready();
  void reloading();
  void reloaded();
  // STOPPING=1; stops the timers so the event loop can end.
  void stopping();

 private:
  void notify(const std::string& state);
  void arm_status();
  void arm_watchdog();

  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer watchdog_timer_;
  std::function<std::string()> status_;
  std::chrono::microseconds watchdog_interval_{0};
  bool enabled_ = false;  // a service manager listens (NOTIFY_SOCKET is set)
  bool stopped_ = false;
};

}  // namespace tcpchat
