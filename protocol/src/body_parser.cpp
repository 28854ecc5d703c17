// Decodes a frame body with Boost.JSON's SAX parser: it validates the JSON, its UTF-8 and its
// escapes (surrogate pairs included), while the handler below copies only the four fields we keep
// and skips everything else without building a DOM.
#include "tcpchat/body_parser.hpp"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <optional>
#include <string>

#include "tcpchat/utf8.hpp"

namespace tcpchat {
namespace {

namespace json = boost::json;

enum Field : int { none = -1, client_name = 0, subject, message, date, field_count };
constexpr std::array<std::string_view, field_count> field_names = {"client_name", "subject",
                                                                   "message", "date"};

class MessageHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit MessageHandler(Message& out) : out_(out) {}

  std::optional<ProtocolError> error;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code& ec) {
    for (int f = 0; f < field_count; ++f) {
      if (!seen_[f]) {
        return reject(ec, ProtocolErrorKind::missing_field,
                      "the message has no \"" + std::string(field_names[f]) +
                          "\" field; every message needs client_name, subject, message and date");
      }
    }
    return true;
  }
  bool on_object_begin(json::error_code& ec) {
    if (depth_ == 0) {
      ++depth_;
      return true;
    }
    if (!value_begins(ec, "an object")) return false;
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) { return leave(); }
  bool on_array_begin(json::error_code& ec) {
    if (!value_begins(ec, "an array")) return false;
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) { return leave(); }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ != 1) return true;
    key_.append(s.data(), s.size());
    current_ = none;
    for (int f = 0; f < field_count; ++f) {
      if (key_ == field_names[f]) current_ = static_cast<Field>(f);
    }
    key_.clear();
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code& ec) {
    return string_piece(s, ec, false);
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    return string_piece(s, ec, true);
  }

  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code& ec) {
    return scalar(ec, "a number");
  }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code& ec) {
    return scalar(ec, "a number");
  }
  bool on_double(double, json::string_view, json::error_code& ec) { return scalar(ec, "a number"); }
  bool on_bool(bool, json::error_code& ec) { return scalar(ec, "a boolean"); }
  bool on_null(json::error_code& ec) {
    if (depth_ == 1 && current_ == subject) {
      // The original's client.py sends subject=None by default; we carry it as "".
      out_.subject.clear();
      seen_[subject] = true;
      current_ = none;
      return true;
    }
    return scalar(ec, "null");
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::string& field(Field f) {
    switch (f) {
      case client_name:
        return out_.client_name;
      case subject:
        return out_.subject;
      case message:
        return out_.message;
      default:
        return out_.date;
    }
  }

  bool reject(json::error_code& ec, ProtocolErrorKind kind, std::string reason) {
    error = ProtocolError{kind, std::move(reason)};
    ec = json::error::syntax;  // stops the parser; `error` says what really happened
    return false;
  }

  // A non-string value starts at the current depth: fine inside unknown fields, wrong elsewhere.
  bool value_begins(json::error_code& ec, std::string_view what) {
    if (depth_ == 0) {
      return reject(ec, ProtocolErrorKind::not_an_object,
                    "the body is " + std::string(what) + ", not a JSON object");
    }
    if (depth_ == 1 && current_ != none) {
      return reject(ec, ProtocolErrorKind::field_not_string,
                    "the \"" + std::string(field_names[current_]) + "\" field is " +
                        std::string(what) + ", not a string");
    }
    return true;
  }
  bool scalar(json::error_code& ec, std::string_view what) {
    if (!value_begins(ec, what)) return false;
    if (depth_ == 1) current_ = none;
    return true;
  }
  bool leave() {
    --depth_;
    if (depth_ == 1) current_ = none;
    return true;
  }
  bool string_piece(json::string_view s, json::error_code& ec, bool last) {
    if (depth_ == 0)
      return reject(ec, ProtocolErrorKind::not_an_object,
                    "the body is a string, not a JSON object");
    if (depth_ == 1 && current_ != none) {
      std::string& target = field(current_);
      if (!in_string_) target.clear();  // a repeated key: the last one wins, as in Python
      target.append(s.data(), s.size());
      in_string_ = !last;
      if (last) {
        seen_[current_] = true;
        current_ = none;
      }
    }
    return true;
  }

  Message& out_;
  std::string key_;
  std::array<bool, field_count> seen_{};
  Field current_ = none;
  int depth_ = 0;
  bool in_string_ = false;
};

std::string describe(const json::error_code& ec, std::size_t offset) {
  return ec.message() + " at byte " + std::to_string(offset) + " of the body";
}

// Boost.JSON reports a high surrogate escape that no low one follows as a plain syntax error at
// the byte after it; find out whether that is what stopped it.
bool follows_high_surrogate_escape(std::string_view body, std::size_t offset) {
  if (offset < 6 || offset > body.size()) return false;
  const std::string_view escape = body.substr(offset - 6, 6);
  return escape[0] == '\\' && escape[1] == 'u' && (escape[2] == 'd' || escape[2] == 'D') &&
         std::string_view("89abAB").find(escape[3]) != std::string_view::npos;
}

}  // namespace

DecodeResult decode_body(std::string_view body) {
  if (!is_valid_utf8(body)) {
    return ProtocolError{ProtocolErrorKind::invalid_utf8, "the body is not valid UTF-8"};
  }
  Message m;
  json::basic_parser<MessageHandler> parser(json::parse_options{}, m);
  json::error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (parser.handler().error) return std::move(*parser.handler().error);
  if (ec == json::error::illegal_leading_surrogate ||
      ec == json::error::illegal_trailing_surrogate ||
      (ec == json::error::syntax && follows_high_surrogate_escape(body, used))) {
    return ProtocolError{
        ProtocolErrorKind::invalid_utf8,
        "the body contains a lone UTF-16 surrogate escape (" + describe(ec, used) + ")"};
  }
  if (ec) {
    return ProtocolError{ProtocolErrorKind::invalid_json,
                         "the body is not valid JSON: " + describe(ec, used)};
  }
  if (used != body.size()) {
    return ProtocolError{
        ProtocolErrorKind::invalid_json,
        "the body is not valid JSON: more data after the object at byte " + std::to_string(used)};
  }
  return m;
}

}  // namespace tcpchat
