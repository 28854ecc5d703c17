#include "runtime/protected_mode.hpp"

#include <boost/asio/ip/address.hpp>

#include "runtime/exit_codes.hpp"
#include "tcpchat/format.hpp"

namespace tcpchat {

std::string protected_mode_sentence(std::string_view where, std::string_view origin) {
  return "refusing to listen on " + std::string(where) + " (" + std::string(origin) +
         ") without authentication: anyone who reaches it could read the room and post under any "
         "name; set auth-file (accounts: tcpchatd --new-token NAME makes one), or "
         "allow-anonymous = true to serve an open room";
}

std::optional<ProtectedModeRefusal> protected_mode_refusal(
    const Config& config, const std::set<std::string>& from_command_line) {
  if (config.allow_anonymous) return std::nullopt;
  const auto check = [&](const std::vector<std::string>& addresses, std::uint16_t port,
                         const std::string& setting) -> std::optional<ProtectedModeRefusal> {
    for (const auto& text : addresses) {
      boost::system::error_code ec;
      const auto address = boost::asio::ip::make_address(text, ec);
      if (ec || address.is_loopback()) continue;
      const bool cli = from_command_line.count(setting) > 0;
      return ProtectedModeRefusal{
          cli ? exit_code::usage : exit_code::config,
          protected_mode_sentence(endpoint_name(text, port),
                                  (cli ? "--" : "") + setting +
                                      (cli ? " on the command line" : " in the config file"))};
    }
    return std::nullopt;
  };
  // A plaintext client has no certificate to be named by: only accounts authenticate it.
  if (config.plaintext && !config.authenticates_plaintext()) {
    if (auto r = check(config.bind, config.port, "bind")) return r;
  }
  if (config.tls() && !config.authenticates_tls()) {
    const std::string setting = config.tls_bind.empty() ? "bind" : "tls-bind";
    if (auto r = check(config.tls_addresses(), *config.tls_port, setting)) return r;
  }
  return std::nullopt;
}

}  // namespace tcpchat
