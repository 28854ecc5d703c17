#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cluster/redis_connection.hpp"
#include "core/cluster_order.hpp"

namespace tcpchat {

// One entry of the room's stream, as append.lua wrote it. Its views are into the reply it was
// read from, and live as long as that.
struct StreamEntry {
  std::string_view id;     // Redis' entry ID, where a reader resumes after
  std::string_view epoch;  // of the room when it was appended
  ClusterOrder::Entry entry;
};

// Entries as a reply lists them. An entry without the fields append.lua writes is left out and
// told in `problems`; `last_id` is still past it, so that a reader moves on.
struct StreamRead {
  std::vector<StreamEntry> entries;
  std::string_view last_id;  // of the reply's last entry, empty for none
  std::vector<std::string> problems;
};

// Read from hiredis' own reply, without a copy of it first: every node reads every entry. The
// body of each becomes its frame as it is: nodes alone write the stream, and each encodes what it
// appends, so that none of the readers needs to.
// An XRANGE or XREVRANGE reply: an array of [ID, [FIELD, VALUE, ...]], in its order.
StreamRead parse_entries(const redisReply& reply);
// An XREAD reply for one stream, [[KEY, entries]], or nothing for its nil.
StreamRead parse_xread(const redisReply& reply);

}  // namespace tcpchat
