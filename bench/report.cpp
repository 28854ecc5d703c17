#include "report.hpp"

#include <cstdio>

#include "tcpchat/encode.hpp"

namespace tcpchat::bench {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string per_second(double v) {
  if (v >= 1e6) return format("%.2f M/s", v / 1e6);
  if (v >= 1e3) return format("%.1f k/s", v / 1e3);
  return format("%.0f /s", v);
}

std::string duration_us(double us) {
  if (us >= 1e6) return format("%.2f s", us / 1e6);
  if (us >= 1e3) return format("%.2f ms", us / 1e3);
  return format("%.0f us", us);
}

std::string megabytes(std::uint64_t kb) {
  return format("%.1f MiB", static_cast<double>(kb) / 1024.0);
}

// One JSON object on one line, numbers in plain decimal with a fixed number of decimals.
class JsonLine {
 public:
  void add(std::string_view key, std::string_view v) { append_json_string(field(key), v); }
  void add(std::string_view key, const char* v) { add(key, std::string_view(v)); }
  void add(std::string_view key, bool v) { field(key) += v ? "true" : "false"; }
  template <typename T>
  requires std::is_integral_v<T>
  void add(std::string_view key, T v) { field(key) += std::to_string(v); }
  void add(std::string_view key, double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    field(key) += buf;
  }
  template <typename T>
  void add(std::string_view key, const std::optional<T>& v) {
    if (v) return add(key, *v);
    field(key) += "null";
  }
  void add(std::string_view key, const std::optional<double>& v, int decimals) {
    if (v) return add(key, *v, decimals);
    field(key) += "null";
  }
  void add(std::string_view key, const std::vector<std::string>& v) {
    std::string& out = field(key);
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, v[i]);
    }
    out += ']';
  }
  std::string finish() { return out_ + '}'; }

 private:
  std::string& field(std::string_view key) {
    out_ += out_.empty() ? "{" : ",";
    append_json_string(out_, key);
    out_ += ':';
    return out_;
  }

  std::string out_;
};

void print_daemon(std::ostream& out, const Result& r) {
  if (!r.daemon_pid) return;
  out << "  daemon     pid " << *r.daemon_pid;
  if (r.daemon_cpu_s && r.elapsed_s > 0) {
    out << ", cpu " << format("%.2f s", *r.daemon_cpu_s) << " ("
        << format("%.0f%%", 100.0 * *r.daemon_cpu_s / r.elapsed_s) << " of one core)";
  }
  if (r.daemon_rss_before_kb && r.daemon_rss_after_kb) {
    out << ", rss " << megabytes(*r.daemon_rss_before_kb) << " -> "
        << megabytes(*r.daemon_rss_after_kb);
  }
  if (r.daemon_peak_rss_kb) out << ", peak " << megabytes(*r.daemon_peak_rss_kb);
  if (r.daemon_exit_status) out << ", exit status " << *r.daemon_exit_status;
  out << '\n';
}

}  // namespace

void print_text(std::ostream& out, const Result& r) {
  out << "tcpchat-bench: " << (r.idle ? "idle" : "load") << " run against " << r.target
      << (r.spawned ? " (spawned tcpchatd)" : "") << (r.tls ? " over TLS" : "")
      << (r.label.empty() ? "" : " [" + r.label + "]") << '\n';
  out << "  setup      " << r.clients << (r.idle ? " idle connections" : " clients");
  if (!r.idle) {
    out << ", " << r.publishers << " publishers, " << r.size_bytes << "-byte text ("
        << r.frame_bytes << "-byte frames), "
        << (r.rate > 0 ? per_second(r.rate)
                       : "rate 0 (window " + std::to_string(r.window) + " per publisher)");
  }
  if (r.churn > 0) out << ", churn " << format("%g", r.churn) << "/s per receiver";
  if (r.source_addresses > 1) out << ", " << r.source_addresses << " source addresses";
  out << '\n'
      << "  connected  in " << format("%.2f s", r.connect_s) << ", warmed up in "
      << format("%.2f s", r.warm_up_s) << " (" << r.warm_up_frames << " warm-up frames)\n";
  if (!r.idle) {
    out << "  published  " << r.published << " in " << format("%.3f s", r.publish_s) << "  "
        << per_second(r.published_per_s) << '\n'
        << "  delivered  " << r.tally.delivered << " of " << r.expected << " in "
        << format("%.3f s", r.elapsed_s) << "  " << per_second(r.delivered_per_s) << '\n'
        << "  latency    p50 " << duration_us(r.latency.p50_us) << "  p90 "
        << duration_us(r.latency.p90_us) << "  p99 " << duration_us(r.latency.p99_us) << "  p99.9 "
        << duration_us(r.latency.p999_us) << "  max " << duration_us(r.latency.max_us) << "  (mean "
        << duration_us(r.latency.mean_us) << ")";
    if (r.rate > 0) out << ", schedule late by up to " << duration_us(r.schedule_lag_max_us);
    out << '\n'
        << "  integrity  lost " << r.tally.lost << ", duplicates " << r.tally.duplicates
        << ", reordered " << r.tally.reordered << ", outside a connected period " << r.tally.outside
        << ", reconnects " << r.reconnects << ", receivers off the common order "
        << r.tally.order_divergent_receivers << ", impossible " << r.impossible << ", malformed "
        << r.malformed << ", foreign " << r.foreign << ", not byte for byte as sent "
        << r.decoded_data_frames << '\n';
    if (r.refused > 0 || r.history_gaps > 0) {
      out << "  refusals   " << r.refused << " messages refused (" << r.refused_outcome_unknown
          << " of unknown outcome, " << r.tally.refused
          << " received by no client: not counted as lost), " << r.history_gaps
          << " HistoryGap notices" << (r.first_history_gap ? ", the first " : "")
          << r.first_history_gap.value_or("") << '\n';
    }
  }
  print_daemon(out, r);
  if (r.rss_per_connection_bytes) {
    out << "  memory     " << format("%.0f", *r.rss_per_connection_bytes)
        << " bytes of daemon RSS per connection\n";
  }
  out << "  bench      cpu " << format("%.2f s", r.bench_cpu_s) << ", " << r.io.reads
      << " reads of " << r.io.bytes_in << " bytes, " << r.io.writes << " writes of "
      << r.io.bytes_out << " bytes\n";
  if (r.ok()) {
    out << "  result     OK\n";
    return;
  }
  out << "  result     FAILED\n";
  for (const auto& p : r.problems) out << "    - " << p << '\n';
}

void print_json(std::ostream& out, const Result& r) {
  JsonLine j;
  j.add("mode", r.idle ? "idle" : "load");
  j.add("label", r.label);
  j.add("target", r.target);
  j.add("spawned", r.spawned);
  j.add("tls", r.tls);
  j.add("clients", r.clients);
  j.add("publishers", r.publishers);
  j.add("size_bytes", r.size_bytes);
  j.add("frame_bytes", r.frame_bytes);
  j.add("messages", r.messages);
  j.add("duration_s", r.duration_s, 3);
  j.add("rate", r.rate, 1);
  j.add("window", r.window);
  j.add("churn", r.churn, 3);
  j.add("source_addresses", r.source_addresses);
  j.add("connect_s", r.connect_s, 6);
  j.add("warm_up_s", r.warm_up_s, 6);
  j.add("warm_up_frames", r.warm_up_frames);
  j.add("published", r.published);
  j.add("expected", r.expected);
  j.add("delivered", r.tally.delivered);
  j.add("lost", r.tally.lost);
  j.add("duplicates", r.tally.duplicates);
  j.add("reordered", r.tally.reordered);
  j.add("outside_period", r.tally.outside);
  j.add("reconnects", r.reconnects);
  j.add("order_divergent_receivers", r.tally.order_divergent_receivers);
  j.add("refused", r.refused);
  j.add("refused_outcome_unknown", r.refused_outcome_unknown);
  j.add("refused_undelivered", r.tally.refused);
  j.add("history_gaps", r.history_gaps);
  j.add("first_history_gap", r.first_history_gap);
  j.add("impossible", r.impossible);
  j.add("decoded_data_frames", r.decoded_data_frames);
  j.add("malformed", r.malformed);
  j.add("foreign", r.foreign);
  j.add("publish_s", r.publish_s, 6);
  j.add("elapsed_s", r.elapsed_s, 6);
  j.add("published_per_s", r.published_per_s, 0);
  j.add("delivered_per_s", r.delivered_per_s, 0);
  j.add("lat_samples", r.latency.samples);
  j.add("lat_p50_us", r.latency.p50_us, 1);
  j.add("lat_p90_us", r.latency.p90_us, 1);
  j.add("lat_p99_us", r.latency.p99_us, 1);
  j.add("lat_p999_us", r.latency.p999_us, 1);
  j.add("lat_max_us", r.latency.max_us, 1);
  j.add("lat_mean_us", r.latency.mean_us, 1);
  j.add("schedule_lag_max_us", r.schedule_lag_max_us, 1);
  j.add("bench_cpu_s", r.bench_cpu_s, 3);
  j.add("reads", r.io.reads);
  j.add("bytes_in", r.io.bytes_in);
  j.add("writes", r.io.writes);
  j.add("bytes_out", r.io.bytes_out);
  j.add("daemon_pid", r.daemon_pid);
  j.add("daemon_cpu_s", r.daemon_cpu_s, 3);
  j.add("daemon_rss_before_kb", r.daemon_rss_before_kb);
  j.add("daemon_rss_after_kb", r.daemon_rss_after_kb);
  j.add("daemon_peak_rss_kb", r.daemon_peak_rss_kb);
  j.add("rss_per_connection_bytes", r.rss_per_connection_bytes, 0);
  j.add("daemon_alive_after", r.daemon_alive_after);
  j.add("daemon_exit_status", r.daemon_exit_status);
  j.add("problems", r.problems);
  j.add("ok", r.ok());
  out << j.finish() << '\n';
}

}  // namespace tcpchat::bench
