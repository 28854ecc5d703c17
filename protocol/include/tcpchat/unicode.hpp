#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tcpchat {

// The code point starting at `s[i]` of valid UTF-8, and its length in bytes.
struct CodePoint {
  char32_t value;
  std::size_t length;
};
CodePoint code_point_at(std::string_view s, std::size_t i);

// C0 controls, DEL and C1 controls (category Cc).
constexpr bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}
// The bidirectional controls, which reorder what a terminal shows: U+200E, U+200F,
// U+202A..U+202E, U+2066..U+2069.
constexpr bool is_bidi_control(char32_t c) {
  return c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}
// Format characters (category Cf): invisible, so a name can hide them.
bool is_format_character(char32_t c);

// `name` as it looks: format characters removed, fullwidth forms (U+FF01..U+FF5E) and the small
// commercial at (U+FE6B) mapped to ASCII, ASCII letters upper-cased. Two names that fold alike
// cannot be told apart on screen.
std::string fold_name(std::string_view name);

}  // namespace tcpchat
