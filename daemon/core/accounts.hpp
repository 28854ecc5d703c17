#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tcpchat {

// The accounts of an auth file: a name and the SHA-256 of its token, one `NAME:sha256:HEX` line
// each. The file holds digests, not tokens, so reading it does not let anyone log in.
class Accounts {
 public:
  using Digest = std::array<unsigned char, 32>;

  // A line that is not an account; `line` counts from 1.
  struct ParseError : std::runtime_error {
    ParseError(std::size_t line, const std::string& what) : std::runtime_error(what), line(line) {}
    std::size_t line;
  };

  // Parses an auth file's text: one account a line; blank lines and `#` comments are skipped.
  // Throws ParseError.
  static Accounts parse(std::string_view text);

  // Whether `token` is `name`'s, comparing digests in constant time.
  bool verify(std::string_view name, std::string_view token) const;
  bool contains(std::string_view name) const { return digests_.find(name) != digests_.end(); }
  std::size_t size() const { return digests_.size(); }
  // The accounts of `before` that `after` removed or gave another token: their sessions end.
  static std::set<std::string> withdrawn(const Accounts& before, const Accounts& after);

 private:
  std::map<std::string, Digest, std::less<>> digests_;
};

// A token: 32 lowercase hex characters, 128 bits from the system's CSPRNG.
std::string new_token();
Accounts::Digest token_digest(std::string_view token);
// Lowercase hexadecimal, two digits a byte.
std::string hex(std::span<const unsigned char> bytes);
// Why `name` cannot be an account, or nothing: 1 to 64 bytes of UTF-8, no `:`, and a name anyone
// may go by (not the server's, no control or bidirectional characters).
std::optional<std::string> account_name_problem(std::string_view name);
// The auth-file line that admits `name` with `token`.
std::string account_line(std::string_view name, std::string_view token);

}  // namespace tcpchat
