#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace tcpchat {

// What /clients was asked for: `sort`, `limit`, `offset` and `state` from the query string.
struct ClientsQuery {
  enum class Sort { id, queued, idle, msgs_in, msgs_out, bytes_in, bytes_out, connected };
  enum class State { open, closed, all };
  static constexpr std::size_t default_limit = 1024;
  static constexpr std::size_t most_limit = 100'000;

  Sort sort = Sort::id;
  State state = State::open;
  std::size_t limit = default_limit;
  std::size_t offset = 0;
};

// The query of `query` (what follows `?`, possibly empty), or the sentence saying what is wrong.
std::variant<ClientsQuery, std::string> parse_clients_query(std::string_view query);

std::string_view name(ClientsQuery::Sort sort);
std::string_view name(ClientsQuery::State state);

}  // namespace tcpchat
