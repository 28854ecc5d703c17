#include "accounts.hpp"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include "daemon_process.hpp"

namespace tcpchat::test {

Token new_token(const std::string& name) {
  const auto out = run_daemon({"--new-token", name});
  // "token for NAME (...): TOKEN\nline for the auth file:\nLINE\n"
  const auto colon = out.out.find(": ");
  const auto token_end = out.out.find('\n');
  const auto line_start = out.out.find('\n', token_end + 1) + 1;
  if (out.status != 0 || colon == std::string::npos || line_start == 0) {
    throw std::runtime_error("tcpchatd --new-token " + name + " failed: " + out.err);
  }
  return {out.out.substr(colon + 2, token_end - colon - 2),
          out.out.substr(line_start, out.out.find('\n', line_start) - line_start)};
}

void write_auth_file(const std::filesystem::path& path, const std::vector<std::string>& lines,
                     mode_t mode) {
  std::ofstream file(path, std::ios::trunc);
  for (const auto& line : lines) file << line << "\n";
  file.close();
  ::chmod(path.c_str(), mode);
}

}  // namespace tcpchat::test
