#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "runtime/config.hpp"

namespace tcpchat {

// Protected mode, as in Redis and mosquitto 2.0: a daemon that authenticates nobody listens on
// loopback only, unless allow-anonymous says the room is meant to be open.
struct ProtectedModeRefusal {
  int exit_status;  // 64 for an address from the command line, 78 from the file
  std::string sentence;
};

// The refusal of the first listening address beyond loopback that the configuration names, or
// nothing. `from_command_line`: the settings given there (Invocation::from_command_line).
std::optional<ProtectedModeRefusal> protected_mode_refusal(
    const Config& config, const std::set<std::string>& from_command_line);

// The sentence for `where` (ADDR:PORT), whose address came from `origin`.
std::string protected_mode_sentence(std::string_view where, std::string_view origin);

}  // namespace tcpchat
