#pragma once

#include <string>
#include <vector>

#include "cluster/redis_connection.hpp"
#include "core/cluster_order.hpp"

namespace tcpchat {

// One entry of the room's stream, as append.lua wrote it.
struct StreamEntry {
  std::string id;     // Redis' entry ID, where a reader resumes after
  std::string epoch;  // of the room when it was appended
  ClusterOrder::Entry entry;
};

// Entries as a reply lists them. An entry without the fields append.lua writes is left out and
// told in `problems`; `last_id` is still past it, so that a reader moves on.
struct StreamRead {
  std::vector<StreamEntry> entries;
  std::string last_id;  // of the reply's last entry, empty for none
  std::vector<std::string> problems;
};

// Read from hiredis' own reply, without a copy of it first: every node reads every entry.
// An XRANGE or XREVRANGE reply: an array of [ID, [FIELD, VALUE, ...]], in its order.
StreamRead parse_entries(const redisReply& reply);
// An XREAD reply for one stream, [[KEY, entries]], or nothing for its nil.
StreamRead parse_xread(const redisReply& reply);

}  // namespace tcpchat
