#pragma once

// A small HTTP/1.1 client for the monitoring endpoint: exact requests, one response at a time.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"

namespace tcpchat::test {

struct HttpResponse {
  int status = 0;                              // 0: no response within the timeout
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// `GET target HTTP/1.1` (or another method) with a Host header and `extra` header lines.
std::string http_request(std::string_view target, std::string_view method = "GET",
                         std::string_view extra = {});

// Reads one response from `peer`; a HEAD response has no body whatever its Content-Length.
HttpResponse read_response(Peer& peer, bool head = false, std::chrono::milliseconds timeout = 10s);

// Opens a connection to the monitoring endpoint, sends one request for `target` and reads the
// response.
HttpResponse http_get(std::uint16_t port, std::string_view target,
                      std::chrono::milliseconds timeout = 10s);

// The port of the daemon's `monitor: serving http://ADDR:PORT/` line.
std::uint16_t monitor_port(const Daemon& daemon);

// The value of `series` (`name` or `name{labels}`) in a Prometheus text page.
std::optional<double> metric(const std::string& page, std::string_view series);
// How many series the page has: its lines that are not comments.
std::size_t series_count(const std::string& page);

}  // namespace tcpchat::test
