#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "runtime/config.hpp"
#include "runtime/redis_url.hpp"

namespace tcpchat {

// The cluster settings a node runs with, checked and completed from the configuration.
struct ClusterSettings {
  RedisUrl url;  // its password from --cluster-password-file when that is given
  std::string room;
  std::string node;
  std::size_t stream_length = 0;
  std::size_t history = 0;  // entries read into the history at start
  std::chrono::milliseconds timeout{0};
  std::size_t max_pending_bytes = 0;

  std::string room_key() const { return "tcpchat:{" + room + "}:room"; }
  std::string stream_key() const { return "tcpchat:{" + room + "}:stream"; }
  // One run of this node's dedupe record, which append.lua keeps for `record_lifetime()`.
  std::string record_key(const std::string& instance) const {
    return "tcpchat:{" + room + "}:last:" + node + "/" + instance;
  }
  // A message is sent again only until `timeout` after it was submitted, so its run's record
  // must outlive that; the day on top is for Redis' clock, which expiry follows, if it jumps.
  std::chrono::milliseconds record_lifetime() const { return timeout + std::chrono::hours(24); }
};

// Why the cluster settings cannot be used, with the status the daemon exits with.
struct ClusterSetupError : std::runtime_error {
  ClusterSetupError(int status, const std::string& what)
      : std::runtime_error(what), exit_status(status) {}
  int exit_status;
};

// The settings of `config` (which must have --cluster) for a node whose first chat port is
// `first_port`; reads the password file. Throws ClusterSetupError.
ClusterSettings cluster_settings(const Config& config, std::uint16_t first_port);

}  // namespace tcpchat
