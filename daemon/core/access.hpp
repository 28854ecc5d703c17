#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/accounts.hpp"
#include "core/auth_throttle.hpp"

namespace tcpchat {

// Why a client was refused or corrected: one word, the same in the metric's label.
enum class AuthFailure : unsigned char {
  bad_token,
  no_auth,
  timeout,
  throttled,
  revoked,
  name_mismatch,
  name_in_use,
};
inline constexpr std::array<std::string_view, 7> auth_failure_names = {
    "bad_token", "no_auth", "timeout", "throttled", "revoked", "name_mismatch", "name_in_use"};
static_assert(static_cast<std::size_t>(AuthFailure::name_in_use) + 1 == auth_failure_names.size());

// Who may join and speak under which name: the accounts (none: anyone), the failures by
// address, the names in use for --unique-names, and what the monitor counts of it all.
struct Access {
  std::shared_ptr<const Accounts> accounts;  // null: no auth file
  AuthThrottle throttle;
  // --unique-names: each name in use and the session id that holds it.
  std::unordered_map<std::string, std::uint64_t> names;
  std::size_t unauthenticated = 0;  // sessions waiting for their @AUTH
  std::size_t authenticated = 0;    // sessions with an account
  std::array<std::uint64_t, auth_failure_names.size()> failures{};

  void count(AuthFailure why) { ++failures[static_cast<std::size_t>(why)]; }
};

}  // namespace tcpchat
