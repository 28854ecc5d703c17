#pragma once

#include <string>
#include <string_view>

#include "core/lag_histogram.hpp"
#include "monitor/process_stats.hpp"
#include "monitor/source.hpp"

namespace tcpchat {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// Everything /metrics shows, in the Prometheus text exposition format 0.0.4. Every series of a
// fixed label set is written whatever its value, so the set of series never depends on traffic.
struct MetricsInput {
  const Gauges& gauges;
  const Counters& counters;
  const LagHistogram& loop_lag;
  const ProcessStats& process;
  std::uint64_t log_lines_dropped;
  std::string_view version;
};
std::string metrics_text(const MetricsInput& in);

}  // namespace tcpchat
