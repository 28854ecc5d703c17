#include "tcpchat/encode.hpp"

#include <array>
#include <charconv>

#include "escape.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {

namespace {

// Whether append_json_string() escapes byte `c`. Without a branch, so that a loop over it
// vectorises.
constexpr bool escaped(unsigned char c) {
  return static_cast<bool>(static_cast<unsigned>(c < 0x20) | static_cast<unsigned>(c == '"') |
                           static_cast<unsigned>(c == '\\'));
}

bool needs_escape(std::string_view s) {
  unsigned any = 0;
  for (const char ch : s) any |= static_cast<unsigned>(escaped(static_cast<unsigned char>(ch)));
  return any != 0;
}

// How many bytes more than itself each byte takes once escaped by append_json_string().
constexpr auto escape_growth = [] {
  std::array<unsigned char, 256> growth{};
  for (unsigned c = 0; c < growth.size(); ++c) {
    if (escaped(static_cast<unsigned char>(c)))
      growth[c] = detail::short_escape(c) != 0 ? 1 : 5;  // \x, \u00xx
  }
  return growth;
}();

// Bytes append_json_string() writes for `s`, so a frame's header can be written before its body.
// Every message is measured so once or twice, and most strings have nothing to escape: a test
// the compiler vectorises first, the table only for the others.
std::size_t json_string_size(std::string_view s) {
  std::size_t n = s.size() + 2;
  if (!needs_escape(s)) return n;
  for (const char ch : s) n += escape_growth[static_cast<unsigned char>(ch)];
  return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  if (!needs_escape(s)) {
    out.append(s);
    out.push_back('"');
    return;
  }
  std::size_t run = 0;  // start of the bytes not yet copied: copy unescaped runs in one go
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!escaped(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    detail::append_escape(out, c);
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {

constexpr std::string_view key_client_name = "{\"client_name\": ";
constexpr std::string_view key_subject = ", \"subject\": ";
constexpr std::string_view key_message = ", \"message\": ";
constexpr std::string_view key_date = ", \"date\": ";
constexpr std::string_view body_end = "}\n";

}  // namespace

std::size_t encoded_body_size(const Message& m) {
  return key_client_name.size() + json_string_size(m.client_name) + key_subject.size() +
         json_string_size(m.subject) + key_message.size() + json_string_size(m.message) +
         key_date.size() + json_string_size(m.date) + body_end.size();
}

namespace {

void append_header(std::string& out, std::size_t body_size) {
  char digits[24];
  const auto digits_end = std::to_chars(digits, digits + sizeof digits, body_size).ptr;
  const std::size_t header_size = header_name.size() + 2;  // with the colon and the newline
  out.reserve(out.size() + header_size + static_cast<std::size_t>(digits_end - digits) + body_size);
  out += header_name;
  out += ':';
  out.append(digits, digits_end);
  out += '\n';
}

void append_body(std::string& out, const Message& m) {
  out += key_client_name;
  append_json_string(out, m.client_name);
  out += key_subject;
  append_json_string(out, m.subject);
  out += key_message;
  append_json_string(out, m.message);
  out += key_date;
  append_json_string(out, m.date);
  out += body_end;
}

}  // namespace

void encode_to(std::string& out, const Message& m) {
  append_header(out, encoded_body_size(m));
  append_body(out, m);
}

std::string encode_body(const Message& m) {
  std::string out;
  out.reserve(encoded_body_size(m));
  append_body(out, m);
  return out;
}

std::string frame_body(std::string_view body) {
  std::string out;
  append_header(out, body.size());
  out += body;
  return out;
}

std::string encode(const Message& m) {
  std::string out;
  encode_to(out, m);
  return out;
}

}  // namespace tcpchat
