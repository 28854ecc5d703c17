#include "core/accounts.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/admission.hpp"
#include "tcpchat/utf8.hpp"

namespace tcpchat {
namespace {

constexpr std::size_t longest_account_name = 64;
constexpr std::string_view digest_scheme = "sha256";
constexpr std::size_t token_bytes = 16;

std::optional<Accounts::Digest> parse_hex(std::string_view text) {
  Accounts::Digest digest{};
  if (text.size() != 2 * digest.size()) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < digest.size(); ++i) {
    const int high = nibble(text[2 * i]);
    const int low = nibble(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return digest;
}

}  // namespace

std::optional<std::string> account_name_problem(std::string_view name) {
  if (name.empty() || name.size() > longest_account_name) {
    return "an account name is 1 to " + std::to_string(longest_account_name) + " bytes";
  }
  if (!is_valid_utf8(name)) return "an account name must be UTF-8";
  if (name.find(':') != std::string_view::npos) return "an account name cannot hold ':'";
  return name_refusal(name);
}

Accounts Accounts::parse(std::string_view text) {
  Accounts accounts;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    // The name may not hold ':', so the scheme and digest are what follows the first one.
    const std::size_t colon = line.find(':');
    const std::size_t second = colon == std::string_view::npos ? colon : line.find(':', colon + 1);
    if (second == std::string_view::npos) {
      throw ParseError(number, "expected NAME:sha256:HEX (tcpchatd --new-token NAME prints one)");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view scheme = line.substr(colon + 1, second - colon - 1);
    if (const auto problem = account_name_problem(name)) throw ParseError(number, *problem);
    if (scheme != digest_scheme) {
      throw ParseError(number, "unknown digest \"" + std::string(scheme) + "\": expected sha256");
    }
    const auto digest = parse_hex(line.substr(second + 1));
    if (!digest) {
      throw ParseError(number, "the digest must be 64 hex characters, the SHA-256 of the token");
    }
    if (!accounts.digests_.emplace(std::string(name), *digest).second) {
      throw ParseError(number, "the account " + std::string(name) + " is listed twice");
    }
  }
  return accounts;
}

bool Accounts::verify(std::string_view name, std::string_view token) const {
  const auto it = digests_.find(name);
  // Hash even for an unknown name, so that a reply's timing does not tell which names exist.
  const Digest given = token_digest(token);
  if (it == digests_.end()) return false;
  return CRYPTO_memcmp(given.data(), it->second.data(), given.size()) == 0;
}

std::set<std::string> Accounts::withdrawn(const Accounts& before, const Accounts& after) {
  std::set<std::string> out;
  for (const auto& [name, digest] : before.digests_) {
    const auto it = after.digests_.find(name);
    if (it == after.digests_.end() || it->second != digest) out.insert(name);
  }
  return out;
}

Accounts::Digest token_digest(std::string_view token) {
  Accounts::Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

std::string hex(std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string new_token() {
  std::array<unsigned char, token_bytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("the CSPRNG failed");
  }
  return hex(random);
}

std::string account_line(std::string_view name, std::string_view token) {
  return std::string(name) + ":" + std::string(digest_scheme) + ":" + hex(token_digest(token));
}

}  // namespace tcpchat
