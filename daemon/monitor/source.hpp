#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/access.hpp"
#include "core/client_record.hpp"
#include "core/closed_clients.hpp"
#include "core/cluster_stats.hpp"
#include "core/counters.hpp"

namespace tcpchat {

// The daemon's state as it is at a scrape, read on the loop's thread.
struct Gauges {
  std::size_t clients = 0;        // room members
  std::size_t sessions = 0;       // every open connection, being refused or finishing too
  std::size_t clients_limit = 0;  // --max-clients
  std::size_t queued_bytes = 0;   // what --max-total-queue-bytes judges
  std::size_t queued_bytes_limit = 0;
  std::size_t input_bytes = 0;  // what --max-total-input-bytes judges
  std::size_t history_messages = 0;
  std::size_t history_bytes = 0;
  std::uint64_t history_write_errors = 0;
  std::size_t tls_handshakes = 0;  // in progress
  std::size_t clients_authenticated = 0;
  std::array<std::uint64_t, auth_failure_names.size()> auth_failures{};
  std::optional<double> tls_certificate_expiry;  // seconds since 1970; none without TLS
  const ClusterStats* cluster = nullptr;         // none without --cluster
};

// What the monitoring endpoint reads of the daemon; the wiring implements it, so that the
// endpoint needs nothing of the sockets or the storage.
class MonitorSource {
 public:
  virtual Gauges gauges() const = 0;
  virtual const Counters& counters() const = 0;
  virtual std::vector<ClientRecord> open_clients() const = 0;
  virtual const ClosedClients& closed_clients() const = 0;
  // Why the daemon cannot serve now, one sentence, or nothing when it can.
  virtual std::optional<std::string> not_ready() const = 0;

 protected:
  ~MonitorSource() = default;
};

}  // namespace tcpchat
