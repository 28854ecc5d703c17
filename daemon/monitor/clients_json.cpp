#include "monitor/clients_json.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <ctime>

namespace tcpchat {

namespace {

using Sort = ClientsQuery::Sort;

// The sort key: id ascends, everything else descends (the largest, the longest idle, the
// newest first), and ties keep the order of ids.
std::uint64_t key(const ClientRecord& r, Sort sort) {
  switch (sort) {
    case Sort::id:
      return r.id;
    case Sort::queued:
      return r.queued_bytes;
    case Sort::idle:
      return static_cast<std::uint64_t>(r.idle.count());
    case Sort::msgs_in:
      return r.traffic.msgs_in;
    case Sort::msgs_out:
      return r.traffic.msgs_out;
    case Sort::bytes_in:
      return r.traffic.bytes_in;
    case Sort::bytes_out:
      return r.traffic.bytes_out;
    case Sort::connected:
      return static_cast<std::uint64_t>(r.connected_at.time_since_epoch().count());
  }
  return 0;
}

boost::json::object to_json(const ClientRecord& r) {
  boost::json::object o;
  o["id"] = r.id;
  o["state"] = r.closed_at ? "closed" : "open";
  o["peer"] = r.peer;
  o["name"] = r.name.text();
  o["name_truncated"] = r.name.cut();
  if (r.account.empty()) {
    o["account"] = nullptr;
  } else {
    o["account"] = r.account;
  }
  o["connected_at"] = rfc3339(r.connected_at);
  // Whole seconds: Boost.JSON writes fractions in exponent form (1.5E0), which reads badly.
  o["idle_s"] = std::chrono::duration_cast<std::chrono::seconds>(r.idle).count();
  o["queued_bytes"] = r.queued_bytes;
  o["msgs_in"] = r.traffic.msgs_in;
  o["msgs_out"] = r.traffic.msgs_out;
  o["bytes_in"] = r.traffic.bytes_in;
  o["bytes_out"] = r.traffic.bytes_out;
  if (r.closed_at) {
    o["closed_at"] = rfc3339(*r.closed_at);
    o["reason"] = name(r.reason);
  }
  return o;
}

}  // namespace

std::string rfc3339(WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return text;
}

std::string clients_json(std::vector<ClientRecord> open, const ClosedClients& closed,
                         const ClientsQuery& query, WallTime now) {
  using State = ClientsQuery::State;
  std::vector<const ClientRecord*> chosen;
  if (query.state != State::closed) {
    for (const ClientRecord& r : open) chosen.push_back(&r);
  }
  if (query.state != State::open) {
    for (std::size_t i = 0; i < closed.size(); ++i) chosen.push_back(&closed[i]);
  }
  const Sort sort = query.sort;
  const auto before = [sort](const ClientRecord* a, const ClientRecord* b) {
    if (sort != Sort::id) {
      const auto ka = key(*a, sort), kb = key(*b, sort);
      if (ka != kb) return ka > kb;
    }
    return a->id < b->id;
  };
  const std::size_t first = std::min(query.offset, chosen.size());
  const std::size_t last = first + std::min(query.limit, chosen.size() - first);
  // Only the window needs to be in order.
  std::partial_sort(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(last),
                    chosen.end(), before);

  boost::json::array clients;
  clients.reserve(last - first);
  for (std::size_t i = first; i < last; ++i) clients.push_back(to_json(*chosen[i]));
  boost::json::object page;
  page["now"] = rfc3339(now);
  page["state"] = name(query.state);
  page["sort"] = name(query.sort);
  page["offset"] = query.offset;
  page["limit"] = query.limit;
  page["total"] = chosen.size();
  page["clients"] = std::move(clients);
  std::string out = boost::json::serialize(page);
  out += '\n';
  return out;
}

}  // namespace tcpchat
