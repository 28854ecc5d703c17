#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>

#include "monitor/loop_probe.hpp"
#include "monitor/source.hpp"

namespace tcpchat {

// One answer of the monitoring endpoint, before HTTP framing.
struct Reply {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct MonitorSettings {
  bool list_clients = true;  // --monitor-clients
  std::string version;
};

// What each path of the monitoring endpoint shows: /metrics, /clients, /healthz, /readyz, and an
// index at /. Pure of HTTP framing, so the framing's limits and the pages stay apart.
class MonitorRoutes {
 public:
  MonitorRoutes(const MonitorSource& source, const LoopProbe& probe, MonitorSettings settings)
      : source_(source), probe_(probe), settings_(std::move(settings)) {}

  // `target` is the request target, the path with its query.
  Reply respond(boost::beast::http::verb method, std::string_view target) const;

 private:
  Reply metrics() const;
  Reply clients(std::string_view query) const;
  Reply healthz() const;
  Reply readyz() const;

  const MonitorSource& source_;
  const LoopProbe& probe_;
  MonitorSettings settings_;
};

}  // namespace tcpchat
