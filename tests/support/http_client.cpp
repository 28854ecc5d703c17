#include "http_client.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace tcpchat::test {

std::string http_request(std::string_view target, std::string_view method, std::string_view extra) {
  std::string out(method);
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  out += extra;
  out += "\r\n";
  return out;
}

HttpResponse read_response(Peer& peer, bool head, std::chrono::milliseconds timeout) {
  HttpResponse response;
  const auto deadline = Clock::now() + timeout;
  std::string header;
  while (header.size() < 4 || header.compare(header.size() - 4, 4, "\r\n\r\n") != 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return response;
    const std::string byte = peer.read_bytes(1, left);
    if (byte.empty()) return response;
    header += byte;
  }
  std::istringstream lines(header);
  std::string line;
  std::getline(lines, line);
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return response;
  const int status = std::stoi(line.substr(9, 3));
  while (std::getline(lines, line) && line != "\r") {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (!value.empty() && value.back() == '\r') value.pop_back();
    response.headers[name] = value;
  }
  const auto length = response.headers.find("content-length");
  if (!head && length != response.headers.end()) {
    const auto n = std::stoul(length->second);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    response.body = peer.read_bytes(n, std::max(left, 1ms));
    if (response.body.size() != n) return response;
  }
  response.status = status;
  return response;
}

HttpResponse http_get(std::uint16_t port, std::string_view target,
                      std::chrono::milliseconds timeout) {
  Peer peer(port);
  peer.send(http_request(target));
  return read_response(peer, false, timeout);
}

std::uint16_t monitor_port(const Daemon& daemon) {
  constexpr std::string_view marker = "monitor: serving http://";
  if (!daemon.wait_log(marker)) return 0;
  const std::string log = daemon.log();
  const auto at = log.find(marker) + marker.size();
  const auto slash = log.find('/', at);
  const auto colon = log.rfind(':', slash);
  return static_cast<std::uint16_t>(std::stoul(log.substr(colon + 1, slash - colon - 1)));
}

std::optional<double> metric(const std::string& page, std::string_view series) {
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

std::size_t series_count(const std::string& page) {
  std::istringstream lines(page);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) n += !line.empty() && line[0] != '#';
  return n;
}

}  // namespace tcpchat::test
