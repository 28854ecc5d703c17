#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "monitor/http_server.hpp"
#include "monitor/loop_probe.hpp"
#include "monitor/routes.hpp"
#include "monitor/source.hpp"

namespace tcpchat {

// The monitoring endpoint (--monitor): its pages, the loop probe they report, and the HTTP
// server, on the daemon's loop.
class Monitor {
 public:
  Monitor(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor acceptor,
          const MonitorSource& source, MonitorSettings settings)
      : probe_(io),
        routes_(source, probe_, std::move(settings)),
        http_(std::move(acceptor), routes_) {}

  void start() {
    probe_.start();
    http_.start();
  }
  void stop() {
    probe_.stop();
    http_.stop();
  }

 private:
  LoopProbe probe_;
  MonitorRoutes routes_;
  HttpServer http_;
};

}  // namespace tcpchat
