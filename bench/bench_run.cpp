#include "bench_run.hpp"

#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstdio>
#include <random>

#include "exit_status.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat::bench {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::size_t max_problems = 10;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

std::string last_lines(std::string_view text, int lines) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t at = text.size();
  while (lines-- > 0 && at != std::string_view::npos && at > 0) at = text.rfind('\n', at - 1);
  return std::string(at == std::string_view::npos ? text : text.substr(at + 1));
}

std::uint32_t random_run_id() {
  std::random_device device;
  return device();
}

std::string fixed(const char* fmt, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

Result run_bench(const Options& options) {
  asio::io_context io(1);
  BenchRun run(io, options);
  std::optional<Result> result;
  std::exception_ptr failure;
  asio::co_spawn(io, run.run(), [&](std::exception_ptr e, Result r) {
    failure = e;
    if (!e) result = std::move(r);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

BenchRun::BenchRun(asio::io_context& io, const Options& options)
    : io_(io),
      options_(options),
      epoch_(Clock::now()),
      marker_(random_run_id()),
      data_message_{options.account, "", "", format_date(std::chrono::system_clock::now())},
      warm_up_message_{data_message_.client_name, "warm-up", "", data_message_.date},
      data_frame_(marker_, data_message_, options.size_bytes),
      waiter_(io.get_executor()),
      fleet_(
          io, waiter_, data_frame_,
          [this](Connection& c, const Stamp& stamp, Clock::time_point at) {
            if (traffic_) traffic_->on_data(c, stamp, at);
          },
          [this](Connection& c, Message&& m, Clock::time_point at) {
            on_message(c, std::move(m), at);
          },
          [this](const std::string& what) { halt(what); }, options.tls,
          options.token ? encode(Message{options.account, std::string(server_subject::auth),
                                         *options.token, data_message_.date})
                        : std::string()),
      progress_(io, options.progress),
      signals_(io, SIGINT, SIGTERM) {}

asio::awaitable<Result> BenchRun::run() {
  Result r;
  r.idle = options_.idle;
  r.label = options_.label;
  r.spawned = options_.spawn;
  r.tls = options_.tls;
  r.clients = options_.connection_count();
  if (!options_.idle) {
    r.publishers = options_.publishers;
    r.size_bytes = options_.size_bytes;
    if (!options_.duration_s) r.messages = options_.messages;
    r.duration_s = options_.duration_s;
    r.rate = options_.rate;
    r.window = options_.window;
    r.churn = options_.churn;
  }
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) halt("interrupted by signal " + std::to_string(signo));
  });

  std::exception_ptr failure;
  try {
    co_await run_phases(r);
  } catch (...) {
    failure = std::current_exception();
  }
  co_await tear_down(r);
  if (failure) std::rethrow_exception(failure);
  r.problems = problems_;
  co_return r;
}

asio::awaitable<void> BenchRun::run_phases(Result& r) {
  // Not inside the aggregate's braces: GCC 12 destroys a co_await's result there twice.
  auto targets = co_await locate_daemon();
  ConnectPlan plan{std::move(targets),
                   {},
                   options_.connection_count(),
                   options_.connect_concurrency,
                   options_.source_addresses};
  for (const auto& target : plan.targets) {
    const std::string name = endpoint_name(target.address().to_string(), target.port());
    r.target += (r.target.empty() ? name : "," + std::to_string(target.port()));
    plan.target_names.push_back(
        options_.spawn ? name : options_.host + ":" + std::to_string(target.port()));
  }
  r.daemon_pid = daemon_pid_;
  if (const auto s = sample_daemon()) r.daemon_rss_before_kb = s->rss_kb;

  phase_ = "connecting";
  progress_.show([this] { return progress_line(); });
  const auto connect_start = Clock::now();
  const std::size_t count = plan.count;
  warmed_up_.assign(count, false);
  const bool connected = co_await fleet_.connect(
      plan, [this] { return halted_; }, deadline());
  r.connect_s = seconds_since(connect_start);
  r.source_addresses = std::max<std::size_t>(1, fleet_.source_addresses());
  if (!connected) {
    if (!halted_) {
      halt("connecting timed out after " + fixed("%g", options_.timeout_s) + " s: " +
           std::to_string(fleet_.connected()) + " of " + std::to_string(count) + " connections up");
    }
    co_return;
  }
  if (!co_await warm_up(r)) co_return;
  if (options_.idle) {
    co_await hold(r);
  } else {
    co_await load(r);
  }
}

asio::awaitable<std::vector<asio::ip::tcp::endpoint>> BenchRun::locate_daemon() {
  if (options_.spawn) {
    std::vector<std::string> args = options_.daemon_args;
    const auto names = [&](std::string_view option) {
      return std::ranges::any_of(args, [&](const std::string& a) { return a.starts_with(option); });
    };
    if (options_.tls && !names("--tls-cert-file")) {
      certificate_.emplace();
      args.insert(args.end(), {"--tls-cert-file", certificate_->cert_file(), "--tls-key-file",
                               certificate_->key_file()});
    }
    if (options_.tls && !names("--tls-port")) args.insert(args.end(), {"--tls-port", "0"});
    daemon_.emplace(io_, options_.daemon_path.empty() ? find_daemon() : options_.daemon_path, args,
                    options_.daemon_cpu);
    daemon_pid_ = daemon_->pid();
    const auto listening = co_await daemon_->wait_listening(deadline(), options_.tls);
    co_return std::vector{listening};
  }
  daemon_pid_ = options_.daemon_pid;
  const auto ports = options_.target_ports();
  asio::ip::tcp::resolver resolver(io_);
  boost::system::error_code ec;
  const auto found = resolver.resolve(options_.host, std::to_string(ports.front()), ec);
  if (ec || found.empty()) {
    throw Failure(exit_unavailable, "cannot connect to " + options_.host + ":" +
                                        std::to_string(ports.front()) + ": " + ec.message() +
                                        " — is tcpchatd running?");
  }
  std::vector<asio::ip::tcp::endpoint> targets;
  for (const std::uint16_t port : ports)
    targets.emplace_back(found.begin()->endpoint().address(), port);
  co_return targets;
}

// Only once every connection has received a broadcast is every one of them in the daemon's room,
// so that the measured phase can count a missing message as lost. connect() returns before the
// daemon has accepted, so connection #0 repeats its warm-up, one broadcast a round, while
// connections keep joining. Only when a long round brings none does each connection still waiting
// send its own: a daemon whose accept queue overflowed (SYN cookies) learns of a connection only
// when data arrives on it. Every warm-up frame reaches every connection, so they are kept few.
asio::awaitable<bool> BenchRun::warm_up(Result& r) {
  phase_ = "warming up";
  const auto start = Clock::now();
  const auto end = deadline();
  constexpr auto longest_pause = 500ms;
  auto pause = 20ms;
  bool stalled = false;
  for (;;) {
    const std::size_t before = warmed_up_count_;
    for (std::size_t i = 0; i < fleet_.size(); ++i) {
      if (stalled ? warmed_up_[i] : i > 0) continue;
      send_warm_up(fleet_[i]);
      ++r.warm_up_frames;
    }
    if (co_await waiter_.until([this] { return warmed_up_count_ == fleet_.size() || halted_; },
                               std::min(end, Clock::now() + pause))) {
      break;
    }
    if (Clock::now() >= end) {
      halt("warm-up timed out after " + fixed("%g", options_.timeout_s) +
           " s: " + std::to_string(fleet_.size() - warmed_up_count_) + " of " +
           std::to_string(fleet_.size()) + " connections received no broadcast");
      co_return false;
    }
    stalled = pause == longest_pause && warmed_up_count_ == before;
    pause = std::min<std::chrono::milliseconds>(2 * pause, longest_pause);
  }
  r.warm_up_s = seconds_since(start);
  co_return !halted_;
}

void BenchRun::send_warm_up(Connection& c) {
  marker_.write_warm_up(warm_up_message_.message, c.index);
  encode_to(c.outbox, warm_up_message_);
  fleet_.flush(c);
}

asio::awaitable<void> BenchRun::load(Result& r) {
  phase_ = "publishing";
  traffic_.emplace(io_, fleet_, waiter_, options_, marker_, data_message_, epoch_);
  const auto daemon_before = sample_daemon();
  const double bench_cpu_before = own_cpu_seconds();
  traffic_->start();
  if (options_.churn > 0) {
    churn_.emplace(io_, fleet_, waiter_, options_, marker_, data_message_, *traffic_);
    churn_->start();
  }
  const double planned_s = options_.duration_s ? *options_.duration_s
                           : options_.rate > 0
                               ? static_cast<double>(options_.messages) / options_.rate
                               : 0.0;
  const auto publish_end = traffic_->started() + seconds(planned_s + options_.timeout_s);
  if (!co_await waiter_.until([this] { return traffic_->publishing_done() || halted_; },
                              publish_end)) {
    problem("publishing did not finish within " + fixed("%g", planned_s + options_.timeout_s) +
            " s (" + std::to_string(traffic_->published()) + " messages sent)");
    traffic_->stop_publishing();
  }
  if (churn_) churn_->stop();
  if (!halted_) {
    phase_ = "draining";
    const auto drained = [this] {
      return (!churn_ || churn_->settled()) && traffic_->all_delivered();
    };
    if (!co_await waiter_.until([&] { return drained() || halted_; }, deadline())) {
      problem("draining timed out after " + fixed("%g", options_.timeout_s) +
              " s: " + std::to_string(traffic_->delivered()) + " of " +
              std::to_string(traffic_->expected()) + " deliveries arrived");
    }
  }
  const auto daemon_after = sample_daemon();
  r.bench_cpu_s = own_cpu_seconds() - bench_cpu_before;

  r.published = traffic_->published();
  r.tally = traffic_->tally();
  r.expected = r.tally.owed;
  r.impossible = traffic_->impossible();
  if (churn_) r.reconnects = churn_->reconnects();
  r.frame_bytes = traffic_->frame_bytes();
  r.publish_s = traffic_->publish_seconds();
  r.elapsed_s = traffic_->elapsed_seconds();
  if (r.publish_s > 0) r.published_per_s = static_cast<double>(r.published) / r.publish_s;
  if (r.elapsed_s > 0) {
    r.delivered_per_s = static_cast<double>(r.tally.delivered) / r.elapsed_s;
  }
  const LatencyHistogram& h = traffic_->latency();
  r.latency = LatencySummary{h.count(),
                             h.percentile(50) / 1e3,
                             h.percentile(90) / 1e3,
                             h.percentile(99) / 1e3,
                             h.percentile(99.9) / 1e3,
                             static_cast<double>(h.max()) / 1e3,
                             h.mean() / 1e3};
  r.schedule_lag_max_us =
      std::chrono::duration<double, std::micro>(traffic_->schedule_lag_max()).count();
  if (daemon_before && daemon_after) {
    r.daemon_cpu_s = daemon_after->cpu_s - daemon_before->cpu_s;
    r.daemon_rss_after_kb = daemon_after->rss_kb;
    r.daemon_peak_rss_kb = daemon_after->peak_kb;
  }

  const auto count_problem = [this](std::uint64_t n, const std::string& what) {
    if (n > 0) problem(std::to_string(n) + " " + what);
  };
  count_problem(r.tally.lost,
                "deliveries lost" + (history_gaps_ == 0
                                         ? std::string()
                                         : " (" + std::to_string(history_gaps_) +
                                               " HistoryGap notices: messages of the order are "
                                               "missing on a node)"));
  count_problem(r.tally.duplicates, "deliveries duplicated");
  count_problem(r.tally.reordered, "deliveries out of their publisher's order");
  count_problem(r.tally.outside, "deliveries outside the period their receiver was connected");
  count_problem(r.tally.order_divergent_receivers,
                "receivers saw a total order different from the others'");
  count_problem(r.impossible, "messages carried a publisher or sequence number never sent");
}

asio::awaitable<void> BenchRun::hold(Result& r) {
  phase_ = "holding";
  const double bench_cpu_before = own_cpu_seconds();
  co_await waiter_.until([this] { return halted_; }, Clock::now() + seconds(options_.hold_s));
  r.bench_cpu_s = own_cpu_seconds() - bench_cpu_before;
  if (halted_) co_return;
  const auto after = sample_daemon();
  if (!after) {
    problem("cannot read the daemon's memory from /proc/" + std::to_string(*daemon_pid_) +
            "/status");
    co_return;
  }
  r.daemon_rss_after_kb = after->rss_kb;
  r.daemon_peak_rss_kb = after->peak_kb;
  if (r.daemon_rss_before_kb) {
    r.rss_per_connection_bytes =
        (static_cast<double>(after->rss_kb) - static_cast<double>(*r.daemon_rss_before_kb)) *
        1024.0 / static_cast<double>(fleet_.size());
  }
}

asio::awaitable<void> BenchRun::tear_down(Result& r) {
  progress_.stop();
  signals_.cancel();
  if (churn_) churn_->end();
  if (traffic_) traffic_->stop_publishing();
  fleet_.close_all();
  r.io = fleet_.io();
  if (server_frames_ > 1) {
    problem(std::to_string(server_frames_ - 1) + " more @SERVER frames were received");
  }
  r.refused = refused_;
  r.refused_outcome_unknown = refused_outcome_unknown_;
  r.history_gaps = history_gaps_;
  r.first_history_gap = first_history_gap_;
  r.decoded_data_frames = decoded_data_frames_;
  r.malformed = malformed_;
  r.foreign = foreign_;
  if (daemon_) {
    r.daemon_alive_after = daemon_->running();
    const auto stopped = co_await daemon_->stop(deadline());
    r.daemon_exit_status = daemon_->exit_status();
    if (!stopped) {
      problem("the daemon did not exit within " + fixed("%g", options_.timeout_s) +
              " s of SIGTERM and was killed");
    } else if (*stopped != 0) {
      problem("the daemon ended with status " + std::to_string(*stopped) +
              (*stopped > 128 ? " (signal " + std::to_string(*stopped - 128) + ")" : "") +
              "; its last output:\n" + last_lines(daemon_->output_tail(), 5));
    }
  } else if (daemon_pid_) {
    r.daemon_alive_after = kill(*daemon_pid_, 0) == 0 || errno == EPERM;
    if (!*r.daemon_alive_after)
      problem("the daemon (pid " + std::to_string(*daemon_pid_) + ") is gone");
  }
}

void BenchRun::on_message(Connection& c, Message&& m, Clock::time_point at) {
  const ParsedText parsed = marker_.parse(m.message);
  switch (parsed.kind) {
    case TextKind::data:
      // Only a frame not byte for byte as sent comes this way.
      ++decoded_data_frames_;
      if (traffic_) traffic_->on_data(c, parsed.stamp, at);
      return;
    case TextKind::warm_up:
      if (!warmed_up_[c.index]) {
        warmed_up_[c.index] = true;
        if (++warmed_up_count_ == fleet_.size()) waiter_.wake();
      }
      return;
    case TextKind::join:
    case TextKind::leave:
      if (churn_) churn_->on_marker(c, parsed);
      return;
    case TextKind::malformed:
      if (malformed_++ == 0)
        problem("connection #" + std::to_string(c.index) +
                " received a "
                "message with this run's marker that cannot be read");
      return;
    case TextKind::foreign:
      if (m.client_name == server_name && ends_connection(m.subject)) {
        if (server_frames_++ == 0) {
          halt("connection #" + std::to_string(c.index) + " received an @SERVER frame (" +
               m.subject + "): " + m.message);
        }
      } else if (m.client_name == server_name) {
        if (refuses_one_message(m.subject)) return on_refused(c, m);
        if (m.subject == server_subject::history_gap) return on_history_gap(c, m);
        // Other notices change nothing.
      } else {
        ++foreign_;
      }
      return;
  }
}

// A refused message is not delivered: the run fails, but goes on, as the daemon keeps the
// connection.
void BenchRun::on_refused(Connection& c, const Message& m) {
  if (refused_++ == 0) {
    problem("connection #" + std::to_string(c.index) + " had a message refused (" + m.subject +
            "): " + m.message);
  }
  if (m.subject == server_subject::cluster_unavailable &&
      m.message.find("outcome is unknown") != std::string::npos) {
    ++refused_outcome_unknown_;
  }
  if (traffic_) traffic_->on_refused(c);
}

// A gap is the daemon telling of messages it lost (counted as lost), not a failure in itself.
void BenchRun::on_history_gap(Connection& c, const Message& m) {
  if (history_gaps_++ == 0) {
    first_history_gap_ = "connection #" + std::to_string(c.index) + ": " + m.message;
  }
}

void BenchRun::problem(std::string what) {
  if (problems_.size() < max_problems) {
    problems_.push_back(std::move(what));
  } else if (problems_.size() == max_problems) {
    problems_.push_back("(more problems not shown)");
  }
}

void BenchRun::halt(std::string what) {
  problem(std::move(what));
  halted_ = true;
  waiter_.wake();
}

std::optional<ProcSample> BenchRun::sample_daemon() const {
  if (!daemon_pid_) return std::nullopt;
  return sample_process(*daemon_pid_);
}

Clock::time_point BenchRun::deadline() const {
  return Clock::now() + seconds(options_.timeout_s);
}

std::string BenchRun::progress_line() const {
  std::string line = phase_;
  if (phase_ == "connecting") {
    line += " " + std::to_string(fleet_.connected()) + "/" + std::to_string(fleet_.size());
  } else if (phase_ == "warming up") {
    line += " " + std::to_string(warmed_up_count_) + "/" + std::to_string(fleet_.size());
  } else if (traffic_) {
    const double t = seconds_since(traffic_->started());
    line += fixed("  %.1f s", t) + "  published " + std::to_string(traffic_->published()) +
            "  delivered " + std::to_string(traffic_->delivered()) + "/" +
            std::to_string(traffic_->expected()) +
            fixed("  %.2f M/s", static_cast<double>(traffic_->delivered()) / t / 1e6) +
            fixed("  p99 %.0f us", static_cast<double>(traffic_->latency().percentile(99)) / 1e3);
  } else {
    line += " " + std::to_string(fleet_.size()) + " connections";
  }
  return line;
}

}  // namespace tcpchat::bench
