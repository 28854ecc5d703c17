#include "tcpchat/unicode.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tcpchat {

CodePoint code_point_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned lead = b(0);
  if (lead < 0x80) return {lead, 1};
  if (lead < 0xe0) return {((lead & 0x1fu) << 6) | (b(1) & 0x3fu), 2};
  if (lead < 0xf0) return {((lead & 0x0fu) << 12) | ((b(1) & 0x3fu) << 6) | (b(2) & 0x3fu), 3};
  return {((lead & 0x07u) << 18) | ((b(1) & 0x3fu) << 12) | ((b(2) & 0x3fu) << 6) | (b(3) & 0x3fu),
          4};
}

bool is_format_character(char32_t c) {
  // Unicode 15's Cf ranges.
  static constexpr std::array<std::pair<char32_t, char32_t>, 21> ranges{{
      {0x00ad, 0x00ad},   {0x0600, 0x0605},   {0x061c, 0x061c},   {0x06dd, 0x06dd},
      {0x070f, 0x070f},   {0x0890, 0x0891},   {0x08e2, 0x08e2},   {0x180e, 0x180e},
      {0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x2064},   {0x2066, 0x206f},
      {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
      {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
      {0xe0020, 0xe007f},
  }};
  return std::any_of(ranges.begin(), ranges.end(),
                     [c](const auto& r) { return c >= r.first && c <= r.second; });
}

std::string fold_name(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    const auto [c, length] = code_point_at(name, i);
    i += length;
    if (is_format_character(c)) continue;
    char32_t folded = c;
    if (c >= 0xff01 && c <= 0xff5e) folded = c - 0xfee0;  // fullwidth ASCII
    if (c == 0xfe6b) folded = '@';                        // small commercial at
    if (folded < 0x80) {
      auto ascii = static_cast<char>(folded);
      if (ascii >= 'a' && ascii <= 'z') ascii = static_cast<char>(ascii - 'a' + 'A');
      out.push_back(ascii);
    } else {
      out.append(name.substr(i - length, length));
    }
  }
  return out;
}

}  // namespace tcpchat
