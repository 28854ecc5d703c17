#include "server.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <csignal>

#include "auth/auth_file.hpp"
#include "net/server_frame.hpp"
#include "net/session.hpp"
#include "runtime/exit_codes.hpp"
#include "runtime/host_port.hpp"
#include "runtime/log.hpp"
#include "runtime/protected_mode.hpp"
#include "runtime/scheduler_slice.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// With history-fsync = interval, how often the history file is fsync'ed.
constexpr auto fsync_period = std::chrono::seconds(1);
// /readyz says not ready for this long after a history append failed, unless one succeeds.
constexpr std::chrono::seconds storage_failure_window{10};

std::unique_ptr<HistoryFile> open_history(const Config& config) {
  if (config.history_file.empty()) return nullptr;
  try {
    return std::make_unique<HistoryFile>(config.history_file, config.history_file_max_bytes,
                                         config.history_fsync);
  } catch (const std::exception& e) {
    throw HistoryError(e.what());
  }
}

RoomLimits room_limits(const Config& config) {
  // Replaying history may fill at most half a session's queue bound, leaving room for live traffic.
  return {.history_messages = config.history,
          .history_bytes = config.history_max_bytes,
          .replay_budget_bytes = config.max_queue_bytes / 2,
          .max_body_bytes = config.max_message_bytes};
}

// The log's line for an accepted message. Another node's arrives as a frame alone, decoded here
// only because the line is wanted.
std::string log_line(const Sequenced& accepted) {
  if (accepted.message) return format_line(*accepted.message);
  const auto decoded = decode_body(accepted.frame->body());
  if (const auto* m = std::get_if<Message>(&decoded)) return format_line(*m);
  return "(a body that is not a message: " + std::get<ProtocolError>(decoded).reason + ")";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

Server::Server(asio::io_context& io, Config config, std::vector<std::string> args,
               std::size_t session_budget)
    : io_(io),
      log_pump_(io),
      config_(std::move(config)),
      args_(std::move(args)),
      history_file_(open_history(config_)),
      room_(room_limits(config_)),
      hub_(io, config_),
      session_context_{.hub = hub_, .room = room_, .sequencer = nullptr, .access = access_},
      service_(io, [this] { return status(); }),
      signals_(io, SIGINT, SIGTERM, SIGHUP),
      fsync_timer_(io),
      shutdown_timer_(io),
      session_budget_(session_budget) {
  if (!config_.auth_file.empty()) access_.accounts = load_auth_file(config_.auth_file);
  open_listeners();
  make_sequencer();
  // A cluster node's history comes from the stream, or from the file if Redis cannot be reached.
  if (!cluster_) preload_history();
  open_monitor();
}

void Server::preload_history() {
  if (!history_file_ || config_.history == 0) return;
  room_.preload(history_file_->load_tail(config_.history, config_.max_message_bytes,
                                         config_.history_max_bytes));
}

void Server::make_sequencer() {
  if (config_.cluster.empty()) {
    if (!config_.cluster_password_file.empty()) {
      log::warning("cluster-password-file is set without cluster: it is not used");
    }
    local_sequencer_ =
        std::make_unique<LocalSequencer>(static_cast<OrderedSink&>(*this), history_file_.get());
    session_context_.sequencer = local_sequencer_.get();
    return;
  }
  const auto& first = listeners_.empty() ? tls_listeners_.front() : listeners_.front();
  const auto port = parse_host_port(first->name())->port;
  ClusterHooks hooks{.history =
                         [this](std::span<const Message> messages) {
                           stream_history_ = true;
                           room_.clear_history();
                           room_.preload(messages);
                         },
                     .announce =
                         [this](const std::string& text) {
                           room_.announce(server_frame(server_subject::history_gap, text));
                         }};
  cluster_ =
      std::make_unique<ClusterSequencer>(io_, static_cast<OrderedSink&>(*this), history_file_.get(),
                                         cluster_settings(config_, port), std::move(hooks));
  session_context_.sequencer = cluster_.get();
}

void Server::open_listeners() {
  std::vector<ServiceManager::PassedSocket> passed;
  try {
    passed = service_.passed_sockets();
  } catch (const std::runtime_error& e) {
    throw ListenError(exit_code::unavailable, e.what());
  }
  if (!passed.empty()) {
    log::info("serving " + std::to_string(passed.size()) +
              " socket(s) passed by the service manager, with TLS those named \"tls\" "
              "(FileDescriptorName=); --bind, --port, --tls-bind, --tls-port and --plaintext are "
              "not used");
  }
  const bool tls = passed.empty()
                       ? config_.tls()
                       : std::ranges::any_of(passed, [](const auto& p) { return p.name == "tls"; });
  if (passed.empty() && !tls && !config_.plaintext) {
    throw ListenError(exit_code::config,
                      "plaintext = false and no tls-port leave the daemon nothing to listen on: "
                      "set tls-port, or plaintext = true");
  }
  // The certificate first: a bad one must not leave ports bound for nothing.
  if (tls) tls_context_ = TlsContext::load(config_);
  // Protected mode covers what the service manager passes too: its .socket unit is config.
  if (!config_.allow_anonymous) {
    for (const auto& p : passed) {
      const bool tls = p.name == "tls";
      if (tls ? config_.authenticates_tls() : config_.authenticates_plaintext()) continue;
      boost::system::error_code ec;
      const auto local = p.acceptor.local_endpoint(ec);
      if (ec || local.address().is_loopback()) continue;
      throw ListenError(
          exit_code::config,
          protected_mode_sentence(endpoint_name(local), "a socket passed by the service manager"));
    }
  }
  for (auto& p : passed) add_listener(std::move(p.acceptor), p.name == "tls");
  if (!passed.empty()) return;
  if (config_.plaintext) {
    for (const auto& address : config_.bind) {
      add_listener(open_acceptor(io_, {asio::ip::make_address(address), config_.port}), false);
    }
  }
  if (config_.tls()) {
    for (const auto& address : config_.tls_addresses()) {
      add_listener(open_acceptor(io_, {asio::ip::make_address(address), *config_.tls_port}), true);
    }
  }
}

void Server::add_listener(tcp::acceptor acceptor, bool tls) {
  auto on_accept = [this, tls](tcp::socket socket, std::string peer) {
    this->on_accept(std::move(socket), std::move(peer), tls);
  };
  auto capacity = [this] { return why_full(); };
  if (!tls) {
    listeners_.push_back(std::make_unique<Listener>(std::move(acceptor), on_accept, capacity));
    return;
  }
  auto pause = [this] { return hub_.handshakes() >= config_.tls_max_handshakes; };
  tls_listeners_.push_back(
      std::make_unique<Listener>(std::move(acceptor), on_accept, capacity, pause));
}

void Server::open_monitor() {
  if (config_.monitor.empty()) return;
  const auto where = parse_host_port(config_.monitor);  // the option table checked it
  const tcp::endpoint endpoint(asio::ip::make_address(where->address), where->port);
  auto acceptor = open_acceptor(io_, endpoint);
  monitor_name_ = endpoint_name(acceptor.local_endpoint());
  monitor_loopback_ = endpoint.address().is_loopback();
  monitor_ = std::make_unique<Monitor>(
      io_, std::move(acceptor), static_cast<const MonitorSource&>(*this),
      MonitorSettings{.list_clients = config_.monitor_clients, .version = TCPCHAT_VERSION});
}

Gauges Server::gauges() const {
  return {.clients = room_.size(),
          .sessions = hub_.live(),
          .clients_limit = config_.max_clients,
          .queued_bytes = hub_.held().queued(),
          .queued_bytes_limit = config_.max_total_queue_bytes,
          .input_bytes = hub_.held().input(),
          .history_messages = room_.history_size(),
          .history_bytes = room_.history_bytes(),
          .history_write_errors = history_file_ ? history_file_->write_errors() : 0,
          .tls_handshakes = hub_.handshakes(),
          .clients_authenticated = access_.authenticated,
          .auth_failures = access_.failures,
          .tls_certificate_expiry =
              tls_context_ ? std::optional<double>(
                                 std::chrono::duration<double>(
                                     tls_context_->certificate().not_after.time_since_epoch())
                                     .count())
                           : std::nullopt,
          .cluster = cluster_ ? &cluster_->stats() : nullptr};
}

const Counters& Server::counters() const {
  return hub_.counters();
}

std::vector<ClientRecord> Server::open_clients() const {
  std::vector<ClientRecord> out;
  out.reserve(hub_.live());
  const SteadyTime now = std::chrono::steady_clock::now();
  hub_.for_each_live([&](const Session& s) { out.push_back(s.record(now)); });
  return out;
}

const ClosedClients& Server::closed_clients() const {
  return hub_.closed();
}

std::optional<std::string> Server::not_ready() const {
  if (cluster_) {
    if (auto why = cluster_->why_down()) return why;
  }
  if (!history_file_ || !history_file_->failing()) return std::nullopt;
  const auto& failure = *history_file_->failing();
  const auto ago = std::chrono::steady_clock::now() - failure.at;
  if (ago >= storage_failure_window) return std::nullopt;
  return failure.why + " (" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ago).count()) +
         " s ago; ready again once a message is recorded, or " +
         std::to_string(storage_failure_window.count()) + " s after the last failure)";
}

std::optional<std::string> Server::why_full() const {
  if (hub_.live() < session_budget_) return std::nullopt;
  return std::to_string(hub_.live()) + " open sessions fill the descriptor budget of " +
         std::to_string(session_budget_) +
         " (the open-file limit less the daemon's own files; raise the limit)";
}

std::string Server::status() const {
  std::string line = std::to_string(room_.size()) + " clients, " +
                     std::to_string(room_.messages()) + " messages, " +
                     std::to_string(hub_.dropped()) + " slow consumers dropped, " +
                     std::to_string(hub_.held().queued()) + " bytes queued";
  if (config_.authenticates_tls()) {
    line += ", " + std::to_string(access_.authenticated) + " authenticated";
  }
  if (cluster_) {
    line += cluster_->up() ? ", cluster up as node " + cluster_->settings().node
                           : ", cluster down: new messages refused";
  }
  if (tls_context_) {
    line +=
        ", TLS certificate expires in " +
        std::to_string(days_left(tls_context_->certificate(), std::chrono::system_clock::now())) +
        " days";
  }
  return line;
}

void Server::log_certificate() const {
  if (!tls_context_) return;
  const auto now = std::chrono::system_clock::now();
  log::notice("TLS certificate: " + describe(tls_context_->certificate(), now));
  if (const auto warning = expiry_warning(tls_context_->certificate(), now)) {
    log::warning(*warning);
  }
}

void Server::start() {
  apply_scheduler_slice();
  arm_signals();
  if (!cluster_) return serve();
  cluster_->start([this] {
    if (!stream_history_) preload_history();
    if (!stopping_) serve();
  });
}

void Server::serve() {
  for (auto& listener : listeners_) {
    log::notice("listening on " + listener->name());
    listener->start();
  }
  for (auto& listener : tls_listeners_) {
    // Not "listening on": tests and scripts take the first such line as the plaintext port.
    log::notice("accepting TLS on " + listener->name());
    listener->start();
  }
  log_certificate();
  if (monitor_) {
    monitor_->start();
    // Not "listening on": tests and scripts take the first such line as the chat port.
    log::notice("monitor: serving http://" + monitor_name_ + "/");
    if (!monitor_loopback_) {
      log::warning("monitor: http://" + monitor_name_ +
                   "/ has no authentication and can be reached from other machines: bind it to "
                   "loopback (--monitor 127.0.0.1:9100) or put it behind a proxy that "
                   "authenticates");
    }
  }
  arm_fsync();
  service_.ready();
}

void Server::on_sequenced(const Sequenced& accepted) {
  if (config_.log_messages && log::enabled(log::Level::info)) {
    const std::string from = accepted.origin ? accepted.origin->peer() : "another node";
    log::info("message from " + from + ": " + log_line(accepted));
  }
  room_.publish(accepted);
}

void Server::on_accept(tcp::socket socket, std::string peer, bool tls) {
  std::unique_ptr<TlsChannel> channel;
  if (tls) channel = std::make_unique<TlsChannel>(*tls_context_, socket.native_handle());
  std::make_shared<Session>(session_context_, std::move(socket), std::move(peer),
                            std::move(channel))
      ->start();
}

void Server::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    on_signal(signo);
    if (!stopping_) arm_signals();
  });
}

void Server::on_signal(int signo) {
  if (signo == SIGHUP) {
    service_.reloading();
    reload();
    service_.reloaded();
    return;
  }
  shutdown(signo == SIGINT ? "SIGINT" : "SIGTERM");
}

void Server::shutdown(const char* why) {
  stopping_ = true;
  log::info(std::string("received ") + why + ": stopping; flushing " +
            std::to_string(room_.size()) + " client queue(s) (" +
            std::to_string(hub_.held().queued()) + " bytes queued), at most " +
            format_duration(config_.shutdown_timeout));
  for (auto& listener : listeners_) listener->stop();
  for (auto& listener : tls_listeners_) listener->stop();
  if (monitor_) monitor_->stop();
  if (cluster_) cluster_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  fsync_timer_.cancel();
  service_.stopping();
  if (history_file_) history_file_->sync();
  shutdown_timer_.expires_after(config_.shutdown_timeout);
  shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (hub_.live() > 0) {
      log::warning("shutdown timeout: closing " + std::to_string(hub_.live()) +
                   " client(s) with unsent messages");
    }
    hub_.close_all();
  });
  hub_.finish_all([this] {
    shutdown_timer_.cancel();
    log_pump_.stop();
  });
}

void Server::abandon() {
  stopping_ = true;
  for (auto& listener : listeners_) listener->stop();
  for (auto& listener : tls_listeners_) listener->stop();
  if (monitor_) monitor_->stop();
  if (cluster_) cluster_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  fsync_timer_.cancel();
  shutdown_timer_.cancel();
  service_.stopping();
  log_pump_.stop();
  hub_.close_all();
}

void Server::arm_fsync() {
  if (stopping_ || !history_file_ || config_.history_fsync != FsyncPolicy::interval) return;
  fsync_timer_.expires_after(fsync_period);
  fsync_timer_.async_wait([this](const boost::system::error_code& ec) {
    // A cancel can come after the timer expired: then the handler still sees success.
    if (ec || stopping_) return;
    history_file_->sync();
    arm_fsync();
  });
}

void Server::apply_scheduler_slice() {
  const std::string error =
      request_scheduler_slice(std::chrono::microseconds(config_.scheduler_slice_us));
  if (!error.empty()) log::warning(error);
}

void Server::reload() {
  Invocation inv;
  try {
    inv = parse_invocation(args_);
  } catch (const ConfigError& e) {
    log::error(std::string("SIGHUP: cannot reload the configuration: ") + e.what() +
               "; keeping the running one");
    return;
  }
  ++hub_.counters().reloads;
  ReloadPlan plan = plan_reload(config_, inv.config);
  // A reload must not open a room that the start would have refused to open.
  if (const auto refusal = protected_mode_refusal(plan.config, {})) {
    log::error("SIGHUP: not reloading: " + refusal->sentence +
               "; keeping the running configuration");
    return;
  }
  config_ = std::move(plan.config);
  log::set_level(config_.log_level);
  room_.set_limits(room_limits(config_));
  hub_.apply(config_);
  fsync_timer_.cancel();
  if (history_file_) {
    history_file_->set_limits(config_.history_file_max_bytes, config_.history_fsync);
    std::string error;
    if (!history_file_->reopen(error)) log::error(error);
  }
  arm_fsync();
  apply_scheduler_slice();
  reload_tls();
  reload_accounts();
  log::info("SIGHUP: reloaded the configuration; changed: " +
            (plan.changed.empty() ? std::string("nothing") : joined(plan.changed)));
  if (!plan.restart.empty()) {
    log::warning("SIGHUP: not applied, a restart is needed: " + joined(plan.restart));
  }
}

void Server::reload_accounts() {
  if (config_.auth_file.empty()) {
    if (access_.accounts) log::info("SIGHUP: no auth-file any more: new clients are anonymous");
    access_.accounts.reset();
    return;
  }
  std::shared_ptr<const Accounts> next;
  try {
    next = load_auth_file(config_.auth_file);
  } catch (const AuthFileError& e) {
    log::error(std::string("SIGHUP: ") + e.what() + "; keeping the accounts loaded before (" +
               std::to_string(access_.accounts ? access_.accounts->size() : 0) + ")");
    return;
  }
  // Accounts where there were none: the anonymous clients in the room could post under them.
  const bool newly_required = !access_.accounts;
  const auto withdrawn =
      access_.accounts ? Accounts::withdrawn(*access_.accounts, *next) : std::set<std::string>{};
  access_.accounts = std::move(next);
  log::info("SIGHUP: accounts loaded: " + std::to_string(access_.accounts->size()));
  for (const auto& s : hub_.snapshot_live()) {
    const bool withdrawn_account = withdrawn.count(s->account()) > 0 && !s->by_certificate();
    if (newly_required ? s->anonymous() : withdrawn_account) s->revoke();
  }
}

void Server::reload_tls() {
  if (!tls_context_) return;
  try {
    tls_context_ = TlsContext::load(config_);
  } catch (const TlsError& e) {
    log::error(std::string("SIGHUP: ") + e.what() + "; new TLS connections keep the certificate " +
               "loaded before (" + tls_context_->certificate().serial + ")");
    if (const auto warning =
            expiry_warning(tls_context_->certificate(), std::chrono::system_clock::now())) {
      log::warning(*warning);
    }
    return;
  }
  log_certificate();
}

}  // namespace tcpchat
