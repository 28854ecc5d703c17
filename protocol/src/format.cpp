#include "tcpchat/format.hpp"

#include <ctime>

#include "escape.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/unicode.hpp"

namespace tcpchat {
namespace {

// Appends `s` with every control character (C0, DEL, C1) and bidirectional control replaced by
// its JSON escape; with `keep_newlines`, `\n` stays a real line break (the block form shows
// multi-line messages). `s` need not be valid UTF-8: other bytes are copied as they are.
void append_displayable(std::string& out, std::string_view s, bool keep_newlines = false) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = [&](std::size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    if (c == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (c < 0x20 || c == 0x7f) {
      detail::append_escape(out, c);
    } else if (c == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) {
      // U+0080..U+009F: C1 controls, of which U+009B is a one-byte CSI to some terminals.
      detail::append_escape(out, next(1));
      ++i;
    } else if (c == 0xe2 && (next(1) & 0xc0) == 0x80 && (next(2) & 0xc0) == 0x80 &&
               is_bidi_control(code_point_at(s, i).value)) {
      detail::append_escape(out, code_point_at(s, i).value);
      i += 2;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

std::string format_line(const Message& m) {
  std::string out;
  out.reserve(8 + m.date.size() + m.client_name.size() + m.subject.size() + m.message.size());
  out += '[';
  append_displayable(out, m.date);
  out += "] ";
  append_displayable(out, m.client_name);
  if (!m.subject.empty()) {
    out += " (";
    append_displayable(out, m.subject);
    out += ')';
  }
  out += ": ";
  append_displayable(out, m.message);
  return out;
}

std::string format_block(const Message& m) {
  std::string out = "-\nCliente: ";
  append_displayable(out, m.client_name);
  out += "\tData: ";
  append_displayable(out, m.date);
  out += "\nAssunto: ";
  append_displayable(out, m.subject);
  out += "\nMensagem: ";
  append_displayable(out, m.message, /*keep_newlines=*/true);
  out += "\n-\n";
  return out;
}

std::string format_json(const Message& m) {
  std::string out = "{\"client_name\":";
  append_json_string(out, m.client_name);
  out += ",\"subject\":";
  append_json_string(out, m.subject);
  out += ",\"message\":";
  append_json_string(out, m.message);
  out += ",\"date\":";
  append_json_string(out, m.date);
  out += '}';
  return out;
}

std::string format_date(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%d/%m/%Y %H:%M:%S", &local);
  return std::string(text, n);
}

std::string displayable(std::string_view text) {
  std::string out;
  append_displayable(out, text);
  return out;
}

std::string endpoint_name(std::string_view host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string_view::npos;
  std::string out;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

}  // namespace tcpchat
