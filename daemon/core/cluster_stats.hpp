#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/lag_histogram.hpp"

namespace tcpchat {

// Why the cluster did not take a message: Redis unreachable (never sent), Redis' error reply,
// or no answer in time (the outcome is unknown), or skipped by the stream.
enum class ClusterRefusal : unsigned char { unavailable, error, unknown };
inline constexpr std::array<std::string_view, 3> cluster_refusal_names = {"unavailable", "error",
                                                                          "unknown"};
// The breaks in the stream's run a node saw (ClusterOrder::Gap without none).
inline constexpr std::array<std::string_view, 3> cluster_gap_names = {"trim", "epoch", "rewind"};

// What the monitoring endpoint shows of a cluster node's link.
struct ClusterStats {
  bool up = false;
  std::size_t pending_bytes = 0;
  std::array<std::uint64_t, cluster_refusal_names.size()> refused{};
  std::array<std::uint64_t, cluster_gap_names.size()> gaps{};
  LagHistogram append_seconds;  // from submit to read-back, of this node's messages
};

}  // namespace tcpchat
