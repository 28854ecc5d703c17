#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "core/accounts.hpp"

namespace tcpchat {

// An auth file that cannot be used, in one sentence, with the status to end a start with: 66
// unreadable, 77 readable by others, 78 a line that is not an account.
struct AuthFileError : std::runtime_error {
  AuthFileError(int status, const std::string& what)
      : std::runtime_error(what), exit_status(status) {}
  int exit_status;
};

// Reads the accounts of `path`; throws AuthFileError.
std::shared_ptr<const Accounts> load_auth_file(const std::string& path);

}  // namespace tcpchat
