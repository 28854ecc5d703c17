#include "auth/auth_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "runtime/exit_codes.hpp"

namespace tcpchat {

std::shared_ptr<const Accounts> load_auth_file(const std::string& path) {
  std::ifstream file(path);
  struct stat st {};
  if (!file || ::stat(path.c_str(), &st) != 0) {
    throw AuthFileError(exit_code::no_input,
                        "cannot read the auth file " + path + ": " + std::strerror(errno));
  }
  // The file holds digests, not tokens, but a digest anyone can read is a target for guessing.
  if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
    throw AuthFileError(
        exit_code::no_permission,
        "the auth file " + path + " can be read or written by group or others: chmod 600 " + path);
  }
  const std::string text((std::istreambuf_iterator<char>(file)), {});
  try {
    return std::make_shared<const Accounts>(Accounts::parse(text));
  } catch (const Accounts::ParseError& e) {
    throw AuthFileError(exit_code::config, "invalid auth file " + path + ", line " +
                                               std::to_string(e.line) + ": " + e.what());
  }
}

}  // namespace tcpchat
