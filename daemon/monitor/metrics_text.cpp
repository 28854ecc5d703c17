#include "monitor/metrics_text.hpp"

#include <charconv>
#include <cstdint>

namespace tcpchat {

namespace {

class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  template <class T>
  void sample(std::string_view name, std::string_view labels, T value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    append(value);
    out_ += '\n';
  }
  template <class T>
  void single(std::string_view name, std::string_view type, std::string_view help, T value) {
    family(name, type, help);
    sample(name, {}, value);
  }
  std::string take() { return std::move(out_); }

 private:
  template <class T>
  void append(T value) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    out_.append(text, static_cast<std::size_t>(end - text));
  }
  std::string out_;
};

std::string label(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

void histogram(Exposition& e, const std::string& name, std::string_view help,
               const LagHistogram& h) {
  e.family(name, "histogram", help);
  const auto& bounds = LagHistogram::bounds_seconds;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    std::string le = "+Inf";
    if (i < bounds.size()) {
      char text[32];
      le.assign(text, std::to_chars(text, text + sizeof text, bounds[i]).ptr);
    }
    e.sample(name + "_bucket", label("le", le), h.cumulative(i));
  }
  e.sample(name + "_sum", {}, h.sum());
  e.sample(name + "_count", {}, h.count());
}

void cluster_metrics(Exposition& e, const ClusterStats& s) {
  e.single("tcpchat_cluster_up", "gauge",
           "1 while the link to the cluster's Redis can take messages, 0 while they are refused.",
           std::uint64_t{s.up ? 1u : 0u});
  e.single("tcpchat_cluster_pending_bytes", "gauge",
           "Bytes of messages sent to Redis and not yet read back "
           "(--cluster-max-pending-bytes bounds them).",
           std::uint64_t{s.pending_bytes});
  e.family("tcpchat_cluster_refused_total", "counter",
           "Messages the cluster did not take, by reason: Redis unreachable (never sent), its "
           "error reply, or no confirmation in time (outcome unknown).");
  for (std::size_t i = 0; i < cluster_refusal_names.size(); ++i) {
    e.sample("tcpchat_cluster_refused_total", label("reason", cluster_refusal_names[i]),
             s.refused[i]);
  }
  e.family("tcpchat_cluster_gaps_total", "counter",
           "Breaks in the room's stream this node saw, by kind: entries trimmed before it read "
           "them, a new epoch (Redis lost the room), a rewind (Redis lost its last writes).");
  for (std::size_t i = 0; i < cluster_gap_names.size(); ++i) {
    e.sample("tcpchat_cluster_gaps_total", label("kind", cluster_gap_names[i]), s.gaps[i]);
  }
  histogram(e, "tcpchat_cluster_append_seconds",
            "From a message's arrival to its reading back from the stream, of this node's "
            "messages.",
            s.append_seconds);
}

}  // namespace

std::string metrics_text(const MetricsInput& in) {
  Exposition e;
  const Gauges& g = in.gauges;
  const Counters& c = in.counters;
  using U = std::uint64_t;
  e.single("tcpchat_clients", "gauge", "Clients in the room.", U{g.clients});
  e.single("tcpchat_sessions", "gauge",
           "Open connections, those being refused or finishing included.", U{g.sessions});
  e.single("tcpchat_clients_limit", "gauge", "The most clients at once (--max-clients).",
           U{g.clients_limit});
  e.single("tcpchat_queued_bytes", "gauge",
           "Unsent bytes of all send queues, each shared frame once (--max-total-queue-bytes "
           "judges it).",
           U{g.queued_bytes});
  e.single("tcpchat_queued_bytes_limit", "gauge",
           "The most unsent bytes of all queues together (--max-total-queue-bytes).",
           U{g.queued_bytes_limit});
  e.single("tcpchat_input_bytes", "gauge",
           "Bytes of unfinished frames held (--max-total-input-bytes judges it).",
           U{g.input_bytes});
  e.single("tcpchat_history_messages", "gauge", "Messages in the replay history.",
           U{g.history_messages});
  e.single("tcpchat_history_bytes", "gauge", "Bytes of frames in the replay history.",
           U{g.history_bytes});
  e.single("tcpchat_clients_authenticated", "gauge", "Clients signed in to an account.",
           U{g.clients_authenticated});
  e.family("tcpchat_auth_failures_total", "counter",
           "Clients refused or corrected by access control, by reason.");
  for (std::size_t i = 0; i < auth_failure_names.size(); ++i) {
    e.sample("tcpchat_auth_failures_total", label("reason", auth_failure_names[i]),
             g.auth_failures[i]);
  }
  e.single("tcpchat_tls_handshakes", "gauge",
           "TLS handshakes in progress (--tls-max-handshakes bounds them).", U{g.tls_handshakes});
  if (g.tls_certificate_expiry) {
    e.single("tcpchat_tls_certificate_expiry_timestamp_seconds", "gauge",
             "When the TLS certificate being served expires, in seconds since 1970.",
             *g.tls_certificate_expiry);
  }

  if (g.cluster) cluster_metrics(e, *g.cluster);

  e.single("tcpchat_connections_accepted_total", "counter", "Connections accepted.",
           c.connections_accepted);
  e.family("tcpchat_connections_closed_total", "counter", "Connections closed, by reason.");
  for (std::size_t i = 0; i < close_reason_count; ++i) {
    e.sample("tcpchat_connections_closed_total", label("reason", close_reason_names[i]),
             c.connections_closed[i]);
  }
  e.single("tcpchat_messages_received_total", "counter", "Valid messages accepted from clients.",
           c.traffic.msgs_in);
  e.single("tcpchat_messages_delivered_total", "counter",
           "Broadcast frames fully written to a client, history replays included, @SERVER "
           "replies not.",
           c.traffic.msgs_out);
  e.single("tcpchat_bytes_received_total", "counter",
           "Bytes read from clients, invalid input "
           "included.",
           c.traffic.bytes_in);
  e.single("tcpchat_bytes_sent_total", "counter", "Bytes written to clients.", c.traffic.bytes_out);
  e.single("tcpchat_history_write_errors_total", "counter",
           "Appends the history file refused; their messages were not broadcast.",
           g.history_write_errors);
  e.single("tcpchat_log_lines_dropped_total", "counter",
           "Log lines lost because standard error did not take them.", in.log_lines_dropped);
  e.single("tcpchat_reloads_total", "counter", "Configuration reloads (SIGHUP).", c.reloads);

  histogram(e, "tcpchat_loop_lag_seconds", "How late the event loop ran a timer due every 100 ms.",
            in.loop_lag);

  e.family("tcpchat_build_info", "gauge", "The daemon's version, as a label.");
  e.sample("tcpchat_build_info", label("version", in.version), std::uint64_t{1});

  const ProcessStats& p = in.process;
  e.single("process_start_time_seconds", "gauge", "Start time of the process since the epoch.",
           p.start_time_seconds);
  e.single("process_cpu_seconds_total", "counter", "User and system CPU time spent.",
           p.cpu_seconds);
  e.single("process_resident_memory_bytes", "gauge", "Resident memory size.", p.resident_bytes);
  e.single("process_open_fds", "gauge", "Open file descriptors.", p.open_fds);
  e.single("process_max_fds", "gauge", "The soft limit on open file descriptors.", p.max_fds);
  return e.take();
}

}  // namespace tcpchat
