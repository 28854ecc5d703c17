#pragma once

#include <string>
#include <vector>

#include "core/client_record.hpp"
#include "core/closed_clients.hpp"
#include "monitor/clients_query.hpp"

namespace tcpchat {

// The /clients page: the connections `query` selects, sorted and cut to its window, as JSON.
// `open` is taken by value: it is sorted in place.
std::string clients_json(std::vector<ClientRecord> open, const ClosedClients& closed,
                         const ClientsQuery& query, WallTime now);

// RFC 3339 in UTC with milliseconds: 2026-12-02T21:04:05.123Z.
std::string rfc3339(WallTime t);

}  // namespace tcpchat
