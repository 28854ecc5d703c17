#pragma once

// Accounts for tests: tokens made by the real tcpchatd --new-token, written to auth files.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tcpchat::test {

struct Token {
  std::string token;
  std::string line;  // for the auth file
};

// A fresh token for `name`, from tcpchatd --new-token.
Token new_token(const std::string& name);

// Writes `lines` to `path` with `mode` (0600 by default, as the daemon demands).
void write_auth_file(const std::filesystem::path& path, const std::vector<std::string>& lines,
                     mode_t mode = 0600);

}  // namespace tcpchat::test
