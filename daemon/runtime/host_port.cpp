#include "runtime/host_port.hpp"

#include <boost/asio/ip/address.hpp>

#include "runtime/units.hpp"

namespace tcpchat {

std::optional<HostPort> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view address = text.substr(0, colon);
  const auto port = parse_whole_number(text.substr(colon + 1));
  if (!port || *port > 65535) return std::nullopt;
  const bool bracketed = address.size() >= 2 && address.front() == '[' && address.back() == ']';
  if (bracketed) address = address.substr(1, address.size() - 2);
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(std::string(address), ec);
  // IPv6 must be bracketed, or `::1:9100` would be ambiguous; IPv4 must not be.
  if (ec || parsed.is_v6() != bracketed) return std::nullopt;
  return HostPort{std::string(address), static_cast<std::uint16_t>(*port)};
}

}  // namespace tcpchat
