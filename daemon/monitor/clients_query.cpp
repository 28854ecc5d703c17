#include "monitor/clients_query.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "runtime/units.hpp"

namespace tcpchat {

namespace {

using Sort = ClientsQuery::Sort;
using State = ClientsQuery::State;

constexpr std::array<std::pair<std::string_view, Sort>, 8> sorts = {{
    {"id", Sort::id},
    {"queued", Sort::queued},
    {"idle", Sort::idle},
    {"msgs_in", Sort::msgs_in},
    {"msgs_out", Sort::msgs_out},
    {"bytes_in", Sort::bytes_in},
    {"bytes_out", Sort::bytes_out},
    {"connected", Sort::connected},
}};
constexpr std::array<std::pair<std::string_view, State>, 3> states = {{
    {"open", State::open},
    {"closed", State::closed},
    {"all", State::all},
}};

template <class T, std::size_t N>
std::string words(const std::array<std::pair<std::string_view, T>, N>& table) {
  std::string out;
  for (const auto& [word, value] : table) {
    if (!out.empty()) out += '|';
    out += word;
  }
  return out;
}

template <class T, std::size_t N>
const T* find(const std::array<std::pair<std::string_view, T>, N>& table, std::string_view word) {
  for (const auto& [w, value] : table) {
    if (w == word) return &value;
  }
  return nullptr;
}

std::string bad(std::string_view key, std::string_view value, std::string_view expected) {
  return "invalid value \"" + std::string(value) + "\" for " + std::string(key) + ": expected " +
         std::string(expected);
}

}  // namespace

std::variant<ClientsQuery, std::string> parse_clients_query(std::string_view query) {
  ClientsQuery q;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (key == "sort") {
      const Sort* s = find(sorts, value);
      if (!s) return bad(key, value, words(sorts));
      q.sort = *s;
    } else if (key == "state") {
      const State* s = find(states, value);
      if (!s) return bad(key, value, words(states));
      q.state = *s;
    } else if (key == "limit" || key == "offset") {
      const auto n = parse_whole_number(value);
      const std::size_t most = key == "limit" ? ClientsQuery::most_limit : SIZE_MAX;
      if (!n || *n > most) {
        return bad(key, value,
                   key == "limit"
                       ? "a whole number from 0 to " + std::to_string(ClientsQuery::most_limit)
                       : std::string("a whole number from 0"));
      }
      (key == "limit" ? q.limit : q.offset) = static_cast<std::size_t>(*n);
    } else {
      return "unknown parameter \"" + std::string(key) +
             "\": /clients takes sort, limit, offset and state";
    }
  }
  return q;
}

std::string_view name(ClientsQuery::Sort sort) {
  for (const auto& [word, value] : sorts) {
    if (value == sort) return word;
  }
  return {};
}

std::string_view name(ClientsQuery::State state) {
  for (const auto& [word, value] : states) {
    if (value == state) return word;
  }
  return {};
}

}  // namespace tcpchat
