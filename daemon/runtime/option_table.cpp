#include "runtime/option_table.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <utility>

#include "runtime/host_port.hpp"
#include "runtime/redis_url.hpp"

namespace tcpchat {
namespace {

// A codec turns a setting's text into its value and back.
struct Bytes {
  std::size_t min = 0;
  bool plain = false;        // print as a bare number rather than in the largest whole unit
  std::string_view why_min;  // appended to the refusal of a value below `min`
  std::size_t parse(std::string_view text, std::string_view option) const {
    const auto n = parse_bytes(text);
    if (!n) {
      throw InvalidValue(invalid_value(
          option, text, "expected a byte count such as 1048576, 64KiB, 8MiB or 1GiB"));
    }
    if (*n < min) {
      std::string expected = "must be at least " + std::to_string(min) + " bytes";
      if (format_bytes(min) != std::to_string(min)) expected += " (" + format_bytes(min) + ")";
      throw InvalidValue(invalid_value(option, text, expected + std::string(why_min)));
    }
    return *n;
  }
  std::string format(std::size_t n) const { return plain ? std::to_string(n) : format_bytes(n); }
};

struct Time {
  Duration min{0};
  std::string_view why_min;  // appended to the refusal of a value below `min`
  Duration parse(std::string_view text, std::string_view option) const {
    const auto d = parse_duration(text);
    if (!d) {
      throw InvalidValue(
          invalid_value(option, text, "expected a duration such as 30, 30s, 500ms, 5m or 1h"));
    }
    if (*d > longest_duration) {
      throw InvalidValue(invalid_value(
          option, text, "at most 10 years (87600h); use 0 to turn it off where that is allowed"));
    }
    if (*d < min) {
      throw InvalidValue(invalid_value(
          option, text, "must be at least " + format_duration(min) + std::string(why_min)));
    }
    return *d;
  }
  std::string format(Duration d) const { return format_duration(d); }
};

template <class T>
struct Count {
  std::uint64_t min;
  std::uint64_t max;
  T parse(std::string_view text, std::string_view option) const {
    const auto n = parse_whole_number(text);
    if (!n || *n < min || *n > max) {
      throw InvalidValue(invalid_value(
          option, text,
          "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max)));
    }
    return static_cast<T>(*n);
  }
  std::string format(T n) const { return std::to_string(static_cast<std::uint64_t>(n)); }
};

struct Switch {
  bool parse(std::string_view text, std::string_view option) const {
    const auto b = parse_bool(text);
    if (!b) throw InvalidValue(invalid_value(option, text, "expected true or false"));
    return *b;
  }
  std::string format(bool b) const { return b ? "true" : "false"; }
};

struct Text {
  std::string parse(std::string_view text, std::string_view) const { return std::string(text); }
  std::string format(const std::string& s) const { return s; }
};

// One of a few words, each standing for a value.
template <class T, std::size_t N>
struct Choice {
  std::array<std::pair<std::string_view, T>, N> words;
  T parse(std::string_view text, std::string_view option) const {
    for (const auto& [word, value] : words) {
      if (text == word) return value;
    }
    std::string expected = "expected ";
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) expected += i + 1 == N ? " or " : ", ";
      expected += words[i].first;
    }
    throw InvalidValue(invalid_value(option, text, expected));
  }
  std::string format(T value) const {
    for (const auto& [word, v] : words) {
      if (v == value) return std::string(word);
    }
    return {};
  }
};

struct Addresses {
  bool may_be_empty = false;  // one empty value stands for none, the default
  std::vector<std::string> parse(std::span<const std::string> values,
                                 std::string_view option) const {
    if (may_be_empty && values.size() == 1 && values.front().empty()) return {};
    for (const auto& address : values) {
      boost::system::error_code ec;
      boost::asio::ip::make_address(address, ec);
      if (ec) {
        throw InvalidValue(invalid_value(
            option, address, "expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1"));
      }
    }
    return {values.begin(), values.end()};
  }
  std::vector<std::string> format(const std::vector<std::string>& values) const { return values; }
};

// A port, or empty for none.
struct OptionalPort {
  std::optional<std::uint16_t> parse(std::string_view text, std::string_view option) const {
    if (text.empty()) return std::nullopt;
    return Count<std::uint16_t>{0, 65535}.parse(text, option);
  }
  std::string format(const std::optional<std::uint16_t>& port) const {
    return port ? std::to_string(*port) : std::string();
  }
};

// An address and port, or empty for none.
struct Endpoint {
  std::string parse(std::string_view text, std::string_view option) const {
    if (!text.empty() && !parse_host_port(text)) {
      throw InvalidValue(
          invalid_value(option, text,
                        "expected ADDRESS:PORT such as 127.0.0.1:9100 or "
                        "[::1]:9100 (port 0 picks a free one), or nothing for none"));
    }
    return std::string(text);
  }
  std::string format(const std::string& s) const { return s; }
};

// The cluster's Redis, or empty for none.
struct ClusterUrl {
  std::string parse(std::string_view text, std::string_view option) const {
    if (text.empty()) return {};
    const auto parsed = parse_redis_url(text);
    if (!parsed.url) {
      throw InvalidValue(invalid_value(option, mask_password(text), parsed.problem));
    }
    return std::string(text);
  }
  std::string format(const std::string& s) const { return s; }
};

std::string masked_url(const std::string& text) {
  const auto parsed = parse_redis_url(text);
  return parsed.url ? parsed.url->masked() : text;
}

// A name that goes into Redis keys and client names: printable, without spaces.
struct Name {
  bool may_be_empty = false;
  std::string parse(std::string_view text, std::string_view option) const {
    if (text.empty() && may_be_empty) return {};
    const bool plain = !text.empty() && text.size() <= 200 &&
                       std::ranges::all_of(text, [](char c) { return c > ' ' && c < 127; });
    if (!plain) {
      throw InvalidValue(invalid_value(
          option, text, "expected 1 to 200 printable ASCII characters without spaces"));
    }
    return std::string(text);
  }
  std::string format(const std::string& s) const { return s; }
};

struct Shape {
  std::string_view name;
  std::string_view value_name;
  std::string_view help;
  Reload reload;
  std::optional<std::string_view> off = std::nullopt;
  std::string_view off_meaning = "off";
};

template <class T, class Codec>
OptionSpec single(Shape shape, T Config::*field, Codec codec) {
  return {
      .name = shape.name,
      .value_name = shape.value_name,
      .help = shape.help,
      .reload = shape.reload,
      .off = shape.off,
      .off_meaning = shape.off_meaning,
      .parse = [field, codec](
                   Config& c, std::span<const std::string> values,
                   std::string_view option) { c.*field = codec.parse(values.back(), option); },
      .format = [field, codec](const Config& c) { return std::vector{codec.format(c.*field)}; },
      .copy = [field](Config& to, const Config& from) { to.*field = from.*field; },
  };
}

OptionSpec repeated(Shape shape, std::vector<std::string> Config::*field, Addresses codec) {
  return {
      .name = shape.name,
      .value_name = shape.value_name,
      .help = shape.help,
      .reload = shape.reload,
      .repeated = true,
      .off = shape.off,
      .off_meaning = shape.off_meaning,
      .parse = [field, codec](Config& c, std::span<const std::string> values,
                              std::string_view option) { c.*field = codec.parse(values, option); },
      .format = [field, codec](const Config& c) { return codec.format(c.*field); },
      .copy = [field](Config& to, const Config& from) { to.*field = from.*field; },
  };
}

// Largest counts accepted: far above any real deployment, far below overflow.
constexpr std::uint64_t most_clients = 1'000'000;
constexpr std::uint64_t most_messages = 10'000'000;
constexpr std::uint64_t most_per_second = 100'000'000;
// Below this a message cannot even hold the four field names.
constexpr std::size_t least_message_bytes = 64;
// A queue bound must hold a few ordinary frames, or every client would be dropped.
constexpr std::size_t least_queue_bytes = 64 * 1024;
constexpr std::string_view why_least_queue = "; a smaller bound drops clients that read normally";
// Room for one whole frame of the default size.
constexpr std::size_t least_total_input_bytes = 1 << 20;
// The history must hold at least one frame of a useful size.
constexpr std::size_t least_history_bytes = 64 * 1024;
// Far more handshakes than one thread can run at once; each holds its state until it ends.
constexpr std::uint64_t most_handshakes = 100'000;
// The write and frame deadlines are the slow-consumer and slowloris defences: never off.
constexpr Duration least_deadline{10};
// Redis must keep enough of the stream for a node that reconnects within seconds to resume.
constexpr std::uint64_t least_stream_length = 100;
// The cluster link's liveness bound is 1 s: deciding an outcome needs a few of them.
constexpr Duration least_cluster_timeout = std::chrono::seconds(2);
constexpr std::string_view why_least_deadline =
    "; it cannot be turned off, it defends the daemon against clients that stall";

std::vector<OptionSpec> make_table() {
  using R = Reload;
  std::vector<OptionSpec> t;
  t.push_back(repeated(
      {"bind", "ADDRESS", "address to listen on, IPv4 or IPv6; repeat for several", R::restart},
      &Config::bind, Addresses{}));
  t.push_back(
      single({"port", "PORT",
              "TCP port to listen on; 0 lets each listening socket pick a free port", R::restart},
             &Config::port, Count<std::uint16_t>{0, 65535}));
  t.push_back(single({"plaintext", "true|false",
                      "serve --port without TLS; false leaves only the TLS listeners", R::restart},
                     &Config::plaintext, Switch{}));
  t.push_back(single({"tls-port", "PORT",
                      "TLS port to listen on (9443 is usual; 0 picks a free one), beside --port",
                      R::restart, "", "none"},
                     &Config::tls_port, OptionalPort{}));
  t.push_back(repeated({"tls-bind", "ADDRESS", "address for the TLS listener; repeat for several",
                        R::restart, "", "the --bind addresses"},
                       &Config::tls_bind, Addresses{.may_be_empty = true}));
  t.push_back(single(
      {"tls-cert-file", "PATH", "the server's certificate chain (PEM), read again on every SIGHUP",
       R::reread, "", "none"},
      &Config::tls_cert_file, Text{}));
  t.push_back(single(
      {"tls-key-file", "PATH", "the certificate's private key (PEM), read again on every SIGHUP",
       R::reread, "", "none"},
      &Config::tls_key_file, Text{}));
  t.push_back(single({"tls-ca-file", "PATH",
                      "CA certificates (PEM) that client certificates must chain to, read again "
                      "on every SIGHUP",
                      R::reread, "", "none"},
                     &Config::tls_ca_file, Text{}));
  t.push_back(single({"tls-verify-clients", "no|optional|require",
                      "ask TLS clients for a certificate; optional checks one that is sent, "
                      "require refuses a client without one (both need --tls-ca-file)",
                      R::live},
                     &Config::tls_verify_clients,
                     Choice<TlsVerify, 3>{{{{"no", TlsVerify::no},
                                            {"optional", TlsVerify::optional},
                                            {"require", TlsVerify::require}}}}));
  t.push_back(
      single({"tls-min-version", "1.2|1.3", "oldest TLS version accepted", R::live},
             &Config::tls_min_version,
             Choice<TlsVersion, 2>{{{{"1.2", TlsVersion::v1_2}, {"1.3", TlsVersion::v1_3}}}}));
  t.push_back(single({"tls-handshake-timeout", "DURATION",
                      "a TLS client must finish its handshake this long after connecting", R::live},
                     &Config::tls_handshake_timeout,
                     Time{.min = least_deadline, .why_min = why_least_deadline}));
  t.push_back(single({"tls-max-handshakes", "N",
                      "TLS handshakes in progress at once; past it new connections wait in the "
                      "backlog",
                      R::live},
                     &Config::tls_max_handshakes, Count<std::size_t>{1, most_handshakes}));
  t.push_back(
      single({"max-clients", "N",
              "most clients connected at once; the next one gets a ServerFull frame", R::live},
             &Config::max_clients, Count<std::size_t>{1, most_clients}));
  t.push_back(single({"max-message-bytes", "BYTES", "largest frame body accepted", R::live},
                     &Config::max_message_bytes,
                     Bytes{.min = least_message_bytes, .plain = true, .why_min = {}}));
  t.push_back(
      single({"max-queue-bytes", "BYTES",
              "unsent bytes allowed per client before it is dropped as a slow consumer", R::live},
             &Config::max_queue_bytes,
             Bytes{.min = least_queue_bytes, .plain = false, .why_min = why_least_queue}));
  t.push_back(single({"max-total-queue-bytes", "BYTES",
                      "unsent bytes allowed for all clients together; past it the largest queues "
                      "are dropped",
                      R::live},
                     &Config::max_total_queue_bytes,
                     Bytes{.min = least_queue_bytes, .plain = false, .why_min = why_least_queue}));
  t.push_back(single({"max-total-input-bytes", "BYTES",
                      "bytes of unfinished frames all clients together may make the daemon hold; "
                      "at it only frames that fit are read",
                      R::live},
                     &Config::max_total_input_bytes,
                     Bytes{.min = least_total_input_bytes, .plain = false, .why_min = {}}));
  t.push_back(
      single({"write-timeout", "DURATION",
              "a client whose pending output makes no progress for this long is dropped", R::live},
             &Config::write_timeout, Time{.min = least_deadline, .why_min = why_least_deadline}));
  t.push_back(single({"frame-timeout", "DURATION",
                      "a frame must be complete this long after its first byte arrived", R::live},
                     &Config::frame_timeout,
                     Time{.min = least_deadline, .why_min = why_least_deadline}));
  t.push_back(single({"idle-timeout", "DURATION",
                      "close clients that sent nothing for this long (unsuitable for listen-only "
                      "clients)",
                      R::live, "0s"},
                     &Config::idle_timeout, Time{}));
  t.push_back(single({"rate-limit", "MSGS_PER_S",
                      "messages per second a client may send; past it the daemon stops reading "
                      "from it until its budget refills",
                      R::live, "0"},
                     &Config::rate_limit, Count<double>{0, most_per_second}));
  t.push_back(single({"burst", "N", "messages a client may send at once above --rate-limit",
                      R::live, "0", "one second's worth"},
                     &Config::burst, Count<std::size_t>{0, most_per_second}));
  t.push_back(single({"history", "N", "messages replayed to each new client", R::live, "0", "none"},
                     &Config::history, Count<std::size_t>{0, most_messages}));
  t.push_back(
      single({"history-max-bytes", "BYTES",
              "most bytes of frames the history keeps in memory; the oldest go first", R::live},
             &Config::history_max_bytes,
             Bytes{.min = least_history_bytes, .plain = false, .why_min = {}}));
  t.push_back(single({"history-file", "PATH",
                      "append every accepted message to PATH as a JSON line and reload the "
                      "history from it at start",
                      R::restart, "", "none"},
                     &Config::history_file, Text{}));
  t.push_back(single({"history-fsync", "always|interval|never",
                      "when the history file is fsync'ed (interval: every second)", R::live},
                     &Config::history_fsync,
                     Choice<FsyncPolicy, 3>{{{{"always", FsyncPolicy::always},
                                              {"interval", FsyncPolicy::interval},
                                              {"never", FsyncPolicy::never}}}}));
  t.push_back(
      single({"history-file-max-bytes", "BYTES", "rotate the history file to PATH.1 past this size",
              R::live, "0", "never rotate"},
             &Config::history_file_max_bytes, Bytes{}));
  t.push_back(single({"allow-anonymous", "true|false",
                      "listen beyond loopback without authentication (auth-file or "
                      "names-from-certificate), letting anyone join and post under any name",
                      R::restart},
                     &Config::allow_anonymous, Switch{}));
  t.push_back(single({"auth-file", "PATH",
                      "accounts, one NAME:sha256:HEX line each (tcpchatd --new-token NAME makes "
                      "one); a client's first frame must then be @AUTH; read again on every SIGHUP",
                      R::reread, "", "none"},
                     &Config::auth_file, Text{}));
  t.push_back(single({"auth-timeout", "DURATION",
                      "a client must authenticate this long after connecting", R::live},
                     &Config::auth_timeout,
                     Time{.min = least_deadline, .why_min = why_least_deadline}));
  t.push_back(single({"max-unauthenticated", "N",
                      "connections at once that have not authenticated yet; past it new ones are "
                      "refused",
                      R::live},
                     &Config::max_unauthenticated, Count<std::size_t>{1, most_clients}));
  t.push_back(single({"allow-plaintext-auth", "true|false",
                      "take @AUTH over plaintext from beyond loopback, where the token travels in "
                      "clear",
                      R::live},
                     &Config::allow_plaintext_auth, Switch{}));
  t.push_back(single({"names-from-certificate", "true|false",
                      "with tls-verify-clients = require, the client certificate's first DNS name "
                      "(else its CN) is the account, without @AUTH",
                      R::live},
                     &Config::names_from_certificate, Switch{}));
  t.push_back(single({"unique-names", "true|false",
                      "without accounts, refuse a name another connection is using", R::live},
                     &Config::unique_names, Switch{}));
  {
    auto url = single({"cluster", "URL",
                       "redis://[USER:PASSWORD@]HOST:PORT[/DB]: join the nodes that use this "
                       "Redis as one room, ordered by a Redis Stream (the password is masked in "
                       "logs and --check-config)",
                       R::restart, "", "none, a single node"},
                      &Config::cluster, ClusterUrl{});
    url.mask = &masked_url;
    t.push_back(std::move(url));
  }
  t.push_back(single({"cluster-password-file", "PATH",
                      "read the Redis password from PATH (its first line) instead of the URL",
                      R::restart, "", "none"},
                     &Config::cluster_password_file, Text{}));
  t.push_back(single({"cluster-room", "NAME",
                      "the room's name in Redis: nodes with the same one are one room", R::restart},
                     &Config::cluster_room, Name{}));
  t.push_back(
      single({"cluster-node", "NAME", "this node's name in the stream and in Redis' CLIENT LIST",
              R::restart, "", "HOSTNAME:PORT, with the first bound chat port"},
             &Config::cluster_node, Name{.may_be_empty = true}));
  t.push_back(single(
      {"cluster-stream-length", "N",
       "stream entries Redis keeps (about: MAXLEN ~); the same on every node", R::restart},
      &Config::cluster_stream_length, Count<std::size_t>{least_stream_length, most_messages}));
  t.push_back(single({"cluster-timeout", "DURATION",
                      "a message Redis has not confirmed this long after it was sent is refused "
                      "as of unknown outcome",
                      R::restart},
                     &Config::cluster_timeout, Time{.min = least_cluster_timeout, .why_min = {}}));
  t.push_back(single({"cluster-max-pending-bytes", "BYTES",
                      "bytes of messages sent to Redis and not yet read back; past it the node "
                      "stops reading from its clients",
                      R::restart},
                     &Config::cluster_max_pending_bytes,
                     Bytes{.min = least_queue_bytes, .plain = false, .why_min = {}}));
  t.push_back(single({"monitor", "ADDRESS:PORT",
                      "serve HTTP monitoring (/metrics, /clients, /healthz, /readyz) there, "
                      "without authentication: keep it on loopback",
                      R::restart, "", "none"},
                     &Config::monitor, Endpoint{}));
  t.push_back(single({"monitor-clients", "true|false",
                      "list connections, with their names and addresses, at /clients", R::restart},
                     &Config::monitor_clients, Switch{}));
  t.push_back(
      single({"shutdown-timeout", "DURATION",
              "on SIGTERM/SIGINT, how long to flush queued messages before closing", R::live},
             &Config::shutdown_timeout, Time{}));
  t.push_back(single({"scheduler-slice-us", "MICROSECONDS",
                      "the CPU slice the daemon asks the scheduler for (Linux 6.12 or later "
                      "takes 100 to 100000): a short one runs it as soon as a message arrives on "
                      "a busy CPU",
                      R::live, "0", "the kernel's default"},
                     &Config::scheduler_slice_us, Count<std::uint32_t>{0, 100'000}));
  t.push_back(
      single({"log-level", "debug|info|warning|error", "least severe log lines shown", R::live},
             &Config::log_level,
             Choice<log::Level, 4>{{{{"debug", log::Level::debug},
                                     {"info", log::Level::info},
                                     {"warning", log::Level::warning},
                                     {"error", log::Level::error}}}}));
  t.push_back(
      single({"log-messages", "true|false", "log every accepted message as one line", R::live},
             &Config::log_messages, Switch{}));
  return t;
}

}  // namespace

std::string invalid_value(std::string_view option, std::string_view text,
                          std::string_view expected) {
  std::string out = "invalid value \"";
  out += text;
  out += "\" for ";
  out += option;
  out += ": ";
  out += expected;
  return out;
}

std::string OptionSpec::joined(const Config& config) const {
  std::string out;
  for (const auto& value : format(config)) {
    if (!out.empty()) out += ",";
    out += value;
  }
  return out;
}

std::string OptionSpec::shown(const Config& config) const {
  const std::string value = joined(config);
  return mask ? mask(value) : value;
}

std::string OptionSpec::default_text() const {
  const std::string value = joined(Config{});
  if (off && value == *off) {
    return off->empty() ? "(default: " + std::string(off_meaning) + ")"
                        : "(default " + value + " = " + std::string(off_meaning) + ")";
  }
  return "(default " + value + ")";
}

std::span<const OptionSpec> option_table() {
  static const std::vector<OptionSpec> table = make_table();
  return table;
}

}  // namespace tcpchat
