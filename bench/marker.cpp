#include "marker.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

namespace tcpchat::bench {
namespace {

void append_number(std::string& out, std::uint64_t v) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
  out.push_back(':');
}

// Reads "<decimal>:" from the front of `text`; false when it is not there.
template <typename T>
bool take_number(std::string_view& text, T& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || end == text.data() + text.size() || *end != ':') {
    return false;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
  return true;
}

}  // namespace

MarkerCodec::MarkerCodec(std::uint32_t run_id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "tcb1:%08x:", run_id);
  prefix_ = buf;
}

void MarkerCodec::write_data(std::string& out, const Stamp& stamp, std::size_t size) const {
  out.assign(prefix_);
  append_number(out, stamp.publisher);
  append_number(out, stamp.seq);
  append_number(out, static_cast<std::uint64_t>(stamp.sent_ns));
  if (out.size() < size) out.append(size - out.size(), '.');
}

void MarkerCodec::write_warm_up(std::string& out, std::size_t client) const {
  out.assign(prefix_);
  out += "w:";
  append_number(out, client);
}

void MarkerCodec::write_churn(std::string& out, TextKind kind, std::size_t client,
                              std::uint64_t period) const {
  out.assign(prefix_);
  out += kind == TextKind::join ? "j:" : "l:";
  append_number(out, client);
  append_number(out, period);
}

ParsedText MarkerCodec::parse(std::string_view text) const {
  ParsedText parsed;
  if (!text.starts_with(prefix_)) return parsed;
  text.remove_prefix(prefix_.size());
  if (text.starts_with("w:")) {
    parsed.kind = TextKind::warm_up;
    return parsed;
  }
  parsed.kind = TextKind::malformed;
  if (text.starts_with("j:") || text.starts_with("l:")) {
    const TextKind kind = text[0] == 'j' ? TextKind::join : TextKind::leave;
    text.remove_prefix(2);
    if (take_number(text, parsed.client) && take_number(text, parsed.period) && text.empty()) {
      parsed.kind = kind;
    }
    return parsed;
  }
  const std::size_t whole = text.size() + prefix_.size();
  Stamp s;
  std::uint64_t sent = 0;
  if (take_number(text, s.publisher) && take_number(text, s.seq) && take_number(text, sent) &&
      sent <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    s.sent_ns = static_cast<std::int64_t>(sent);
    parsed.kind = TextKind::data;
    parsed.stamp = s;
    parsed.marker_bytes = whole - text.size();
  }
  return parsed;
}

}  // namespace tcpchat::bench
