#pragma once

#include <string>

namespace tcpchat::detail {

// Appends the JSON escape Python writes for `code` (a code point below U+0100): the short forms
// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, otherwise `\u00xx` in lowercase hex.
inline void append_escape(std::string& out, unsigned code) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (code) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex[(code >> shift) & 0xf]);
  }
}

}  // namespace tcpchat::detail
