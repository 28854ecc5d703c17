#pragma once

#include <string>

namespace tcpchat::detail {

// The letter of the two-character escape Python writes for `code` (`\"`, `\\`, `\n`, `\r`, `\t`,
// `\b`, `\f`), or 0 for a code point it writes as `\u00xx`.
constexpr char short_escape(unsigned code) {
  switch (code) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    default:
      return 0;
  }
}

// Appends the JSON escape Python writes for `code` (a code point below U+0100): the short form when
// there is one, otherwise `\u00xx` in lowercase hex.
inline void append_escape(std::string& out, unsigned code) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('\\');
  if (const char letter = short_escape(code)) {
    out.push_back(letter);
    return;
  }
  out.push_back('u');
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex[(code >> shift) & 0xf]);
}

}  // namespace tcpchat::detail
