#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcpchat {

// An address and port written as one value: `127.0.0.1:9100`, IPv6 in brackets, `[::1]:9100`.
struct HostPort {
  std::string address;
  std::uint16_t port = 0;
};

// Nothing when `text` is not an IP address and a port from 0 to 65535 written that way.
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace tcpchat
