#include "runtime/redis_url.hpp"

#include <charconv>

namespace tcpchat {
namespace {

constexpr std::string_view scheme = "redis://";
constexpr std::string_view expected =
    "expected redis://[USER:PASSWORD@]HOST:PORT[/DB], such as redis://127.0.0.1:6379/0";

template <class T>
std::optional<T> number(std::string_view text) {
  T n{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

}  // namespace

std::string mask_password(std::string_view text) {
  const auto start = text.find("://");
  const auto at = text.rfind('@');
  if (start == std::string_view::npos || at == std::string_view::npos || at < start) {
    return std::string(text);
  }
  const auto colon = text.find(':', start + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(text);
  std::string out(text.substr(0, colon + 1));
  out.append("***");
  out.append(text.substr(at));
  return out;
}

std::string RedisUrl::masked() const {
  std::string out(scheme);
  if (!user.empty() || !password.empty()) {
    out.append(user);
    if (!password.empty()) out.append(":***");
    out.push_back('@');
  }
  const bool v6 = host.find(':') != std::string::npos;
  if (v6) out.push_back('[');
  out.append(host);
  if (v6) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(port));
  out.push_back('/');
  out.append(std::to_string(db));
  return out;
}

RedisUrlParse parse_redis_url(std::string_view text) {
  if (!text.starts_with(scheme)) return {std::nullopt, std::string(expected)};
  text.remove_prefix(scheme.size());
  RedisUrl url;
  // The password may hold '@' or ':': the host part starts after the last '@'.
  if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = text.substr(0, at);
    const auto colon = credentials.find(':');
    url.user = std::string(credentials.substr(0, colon));
    if (colon != std::string_view::npos) url.password = std::string(credentials.substr(colon + 1));
    text.remove_prefix(at + 1);
  }
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const auto db = number<unsigned>(text.substr(slash + 1));
    if (!db) return {std::nullopt, "the database after '/' must be a number, such as /0"};
    url.db = *db;
    text = text.substr(0, slash);
  }
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return {std::nullopt, std::string(expected)};
    url.host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size() && text[close + 1] == ':') port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    url.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
  }
  // A host is a name or an address: nothing that would read back as another URL.
  const bool plain = !url.host.empty() && url.host.find_first_of("[]@/ ") == std::string::npos &&
                     (text.starts_with('[') || url.host.find(':') == std::string::npos);
  if (!plain) return {std::nullopt, std::string(expected)};
  if (!port_text.empty()) {
    const auto port = number<std::uint16_t>(port_text);
    if (!port || *port == 0) return {std::nullopt, "the port must be a number from 1 to 65535"};
    url.port = *port;
  }
  return {url, {}};
}

}  // namespace tcpchat
