#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcpchat {

// Where the cluster's Redis is, from `redis://[USER:PASSWORD@]HOST:PORT[/DB]` (the Redis URI
// convention; IPv6 hosts in brackets).
struct RedisUrl {
  std::string user;      // empty: the default user
  std::string password;  // empty: none
  std::string host;
  std::uint16_t port = 6379;
  unsigned db = 0;

  // The URL with the password masked, for logs and --check-config.
  std::string masked() const;
};

// `text` with what would be a URL's password masked: for a text that may not parse.
std::string mask_password(std::string_view text);

// The URL, or why `text` is not one (a phrase for invalid_value()).
struct RedisUrlParse {
  std::optional<RedisUrl> url;
  std::string problem;
};
RedisUrlParse parse_redis_url(std::string_view text);

}  // namespace tcpchat
