#include "cluster/stream_entries.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <optional>
#include <string_view>

#include "tcpchat/encode.hpp"

namespace tcpchat {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

bool is_text(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING;
}

std::string_view text(const redisReply* r) {
  return {r->str, r->len};
}

std::optional<StreamEntry> parse_entry(const redisReply* r, std::string_view& id,
                                       std::string& problem) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !is_text(r->element[0]) ||
      r->element[1]->type != REDIS_REPLY_ARRAY) {
    problem = "an entry that is not [ID, [FIELD, VALUE, ...]]";
    return std::nullopt;
  }
  StreamEntry out;
  out.id = id = text(r->element[0]);
  const redisReply* fields = r->element[1];
  std::optional<std::string_view> meta, body;
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
    const redisReply* name = fields->element[i];
    const redisReply* value = fields->element[i + 1];
    if (!is_text(name) || !is_text(value)) continue;
    const std::string_view n = text(name);
    if (n == "id") {
      meta = text(value);
    } else if (n == "body") {
      body = text(value);
    }
  }
  // `id` is "EPOCH SEQ NODE INSTANCE COUNTER".
  std::string_view rest = meta.value_or(std::string_view());
  std::string_view parts[5];
  std::size_t n = 0;
  while (n < 5 && !rest.empty()) {
    const auto space = rest.find(' ');
    parts[n++] = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  const auto seq = n == 5 ? number(parts[1]) : std::nullopt;
  const auto counter = n == 5 ? number(parts[4]) : std::nullopt;
  // The body as encode_body() makes it: a JSON object and its newline.
  const bool framed = body && body->starts_with('{') && body->ends_with("}\n");
  if (!meta || !framed || !seq || !counter || !rest.empty() || parts[0].empty()) {
    problem = "entry " + std::string(out.id) + " lacks the fields append.lua writes";
    return std::nullopt;
  }
  out.epoch = parts[0];
  out.entry.seq = *seq;
  out.entry.node = parts[2];
  out.entry.instance = parts[3];
  out.entry.counter = *counter;
  out.entry.frame = make_frame(frame_body(*body));
  return out;
}

}  // namespace

StreamRead parse_entries(const redisReply& reply) {
  StreamRead out;
  if (reply.type != REDIS_REPLY_ARRAY) return out;
  out.entries.reserve(reply.elements);
  for (std::size_t i = 0; i < reply.elements; ++i) {
    std::string problem;
    if (auto entry = parse_entry(reply.element[i], out.last_id, problem)) {
      out.entries.push_back(std::move(*entry));
    } else {
      out.problems.push_back(std::move(problem));
    }
  }
  return out;
}

StreamRead parse_xread(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0) return {};
  const redisReply* stream = reply.element[0];
  if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) {
    StreamRead out;
    out.problems.emplace_back("an XREAD reply that is not [[KEY, entries]]");
    return out;
  }
  return parse_entries(*stream->element[1]);
}

}  // namespace tcpchat
