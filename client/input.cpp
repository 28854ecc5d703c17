#include "input.hpp"

#include <boost/json.hpp>

#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/utf8.hpp"

namespace tcpchat::client {

void LineSplitter::feed(std::string_view chunk, std::vector<Line>& out) {
  while (!chunk.empty()) {
    started_ = true;
    const auto newline = chunk.find('\n');
    const std::string_view part = chunk.substr(0, newline);
    if (!too_long_) {
      if (current_.size() + part.size() > max_line_bytes_ + 1) {  // + 1: a `\r` still to cut
        too_long_ = true;
        current_.clear();
        current_.shrink_to_fit();
      } else {
        current_.append(part);
      }
    }
    if (newline == std::string_view::npos) return;
    out.push_back(take());
    chunk.remove_prefix(newline + 1);
  }
}

std::optional<LineSplitter::Line> LineSplitter::finish() {
  if (!started_) return std::nullopt;
  return take();
}

LineSplitter::Line LineSplitter::take() {
  Line line;
  line.number = ++number_;
  if (!current_.empty() && current_.back() == '\r') current_.pop_back();
  line.too_long = too_long_ || current_.size() > max_line_bytes_;
  if (!line.too_long) line.text = std::move(current_);
  current_.clear();
  too_long_ = false;
  started_ = false;
  return line;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

Prepared prepare(Message m, std::size_t max_body_bytes) {
  for (const auto* field : {&m.client_name, &m.subject, &m.message, &m.date}) {
    if (!is_valid_utf8(*field)) return std::string("it is not valid UTF-8");
  }
  std::string frame = encode(m);
  const std::size_t body_bytes = frame.size() - (frame.find('\n') + 1);
  if (body_bytes > max_body_bytes) {
    return "its frame body of " + std::to_string(body_bytes) + " bytes is over the limit of " +
           std::to_string(max_body_bytes) + " bytes (--max-message-bytes)";
  }
  return Outgoing{std::move(m), std::move(frame)};
}

Prepared prepare_json_line(std::string_view line, Message defaults, std::size_t max_body_bytes) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(line, ec);
  if (ec) return "it is not valid JSON (" + ec.message() + ")";
  const auto* object = value.if_object();
  if (!object) return std::string("it is not a JSON object");
  bool has_message = false;
  for (const auto& [key, field] : *object) {
    std::string* target = key == "message"       ? &defaults.message
                          : key == "subject"     ? &defaults.subject
                          : key == "client_name" ? &defaults.client_name
                          : key == "date"        ? &defaults.date
                                                 : nullptr;
    if (!target) {
      return "it has the key \"" + displayable(key) +
             "\"; only message, subject, client_name and date are known";
    }
    const auto* text = field.if_string();
    if (!text) return "its \"" + std::string(key) + "\" is not a string";
    target->assign(text->data(), text->size());
    has_message = has_message || key == "message";
  }
  if (!has_message) return std::string("it has no \"message\"");
  return prepare(std::move(defaults), max_body_bytes);
}

std::string_view strip_final_newline(std::string_view text) {
  if (!text.ends_with('\n')) return text;
  text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  return text;
}

}  // namespace tcpchat::client
