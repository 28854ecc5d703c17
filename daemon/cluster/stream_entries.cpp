#include "cluster/stream_entries.hpp"

#include <charconv>
#include <optional>

namespace tcpchat {
namespace {

std::optional<std::uint64_t> number(const std::string& text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

bool is_text(const RedisReply& r) {
  return r.type == RedisReply::Type::string;
}

std::optional<StreamEntry> parse_entry(const RedisReply& r, std::string& id, std::string& problem) {
  if (r.type != RedisReply::Type::array || r.elements.size() != 2 || !is_text(r.elements[0]) ||
      r.elements[1].type != RedisReply::Type::array) {
    problem = "an entry that is not [ID, [FIELD, VALUE, ...]]";
    return std::nullopt;
  }
  StreamEntry out;
  out.id = r.elements[0].text;
  id = out.id;
  const auto& fields = r.elements[1].elements;
  std::string seq, counter;
  struct Field {
    std::string_view name;
    std::string* value;
  };
  Message& m = out.entry.message;
  const Field wanted[] = {{"epoch", &out.epoch},     {"seq", &seq},
                          {"node", &out.entry.node}, {"instance", &out.entry.instance},
                          {"counter", &counter},     {"client_name", &m.client_name},
                          {"subject", &m.subject},   {"message", &m.message},
                          {"date", &m.date}};
  std::size_t found = 0;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (!is_text(fields[i]) || !is_text(fields[i + 1])) continue;
    for (const auto& w : wanted) {
      if (fields[i].text == w.name) {
        *w.value = fields[i + 1].text;
        ++found;
      }
    }
  }
  const auto seq_number = number(seq);
  const auto counter_number = number(counter);
  if (found != std::size(wanted) || !seq_number || !counter_number || out.epoch.empty()) {
    problem = "entry " + out.id + " lacks the fields append.lua writes";
    return std::nullopt;
  }
  out.entry.seq = *seq_number;
  out.entry.counter = *counter_number;
  return out;
}

}  // namespace

StreamRead parse_entries(const RedisReply& reply) {
  StreamRead out;
  if (reply.type != RedisReply::Type::array) return out;
  out.entries.reserve(reply.elements.size());
  for (const auto& e : reply.elements) {
    std::string problem;
    if (auto entry = parse_entry(e, out.last_id, problem)) {
      out.entries.push_back(std::move(*entry));
    } else {
      out.problems.push_back(std::move(problem));
    }
  }
  return out;
}

StreamRead parse_xread(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::array || reply.elements.empty()) return {};
  const auto& stream = reply.elements.front();
  if (stream.type != RedisReply::Type::array || stream.elements.size() != 2) {
    StreamRead out;
    out.problems.emplace_back("an XREAD reply that is not [[KEY, entries]]");
    return out;
  }
  return parse_entries(stream.elements[1]);
}

}  // namespace tcpchat
