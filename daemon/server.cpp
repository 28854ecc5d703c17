#include "server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <csignal>

#include "log.hpp"
#include "session.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::unique_ptr<HistoryFile> open_history(const Config& config) {
  if (config.history_file.empty()) return nullptr;
  try {
    return std::make_unique<HistoryFile>(config.history_file, config.history_file_max_bytes,
                                         config.history_fsync);
  } catch (const std::exception& e) {
    throw HistoryError(e.what());
  }
}

void set_socket_options(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  // The protocol has no ping of its own: let the kernel find peers that vanished.
  socket.set_option(asio::socket_base::keep_alive(true), ignored);
  const int fd = socket.native_handle();
  const int idle_s = 60, interval_s = 10, probes = 6;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof idle_s);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s, sizeof interval_s);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

std::string peer_name(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown peer") : endpoint_name(endpoint);
}

template <class T>
void report_change(std::string& changes, const char* name, const T& before, const T& after) {
  if (before == after) return;
  if (!changes.empty()) changes += ", ";
  changes += name;
}

}  // namespace

Server::Server(asio::io_context& io, Config config, std::vector<std::string> args)
    : io_(io),
      config_(std::move(config)),
      args_(std::move(args)),
      history_file_(open_history(config_)),
      room_(io, config_, history_file_.get()),
      signals_(io, SIGINT, SIGTERM, SIGHUP),
      fsync_timer_(io),
      shutdown_timer_(io) {
  if (history_file_ && config_.history > 0)
    room_.preload(history_file_->load_tail(config_.history));
  for (const auto& address : config_.bind) {
    const tcp::endpoint endpoint(asio::ip::make_address(address), config_.port);
    listeners_.push_back(
        std::make_unique<Listener>(open_acceptor(io_, endpoint),
                                   [this](tcp::socket socket) { on_accept(std::move(socket)); }));
  }
}

void Server::start() {
  for (auto& listener : listeners_) {
    log::notice("listening on " + listener->name());
    listener->start();
  }
  arm_signals();
  arm_fsync();
}

void Server::on_accept(tcp::socket socket) {
  set_socket_options(socket);
  std::string peer = peer_name(socket);
  auto session = std::make_shared<Session>(room_, std::move(socket), std::move(peer));
  if (room_.full()) {
    log::warning("client limit reached (" + std::to_string(config_.max_clients) +
                 " clients, --max-clients): refusing " + session->peer());
    session->reject("ServerFull", "the server already has " + std::to_string(config_.max_clients) +
                                      " clients connected; try again later");
    return;
  }
  log::debug("client " + session->peer() + " connected");
  room_.join(*session);
  session->start();
}

void Server::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    on_signal(signo);
    if (!stopping_) arm_signals();
  });
}

void Server::on_signal(int signo) {
  if (signo == SIGHUP) return reload();
  shutdown(signo == SIGINT ? "SIGINT" : "SIGTERM");
}

void Server::shutdown(const char* why) {
  stopping_ = true;
  log::info(std::string("received ") + why + ": stopping; flushing " +
            std::to_string(room_.size()) + " client queue(s) (" +
            std::to_string(room_.total_queued_bytes()) + " bytes queued), at most " +
            format_duration(config_.shutdown_timeout));
  for (auto& listener : listeners_) listener->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  fsync_timer_.cancel();
  if (history_file_) history_file_->sync();
  shutdown_timer_.expires_after(config_.shutdown_timeout);
  shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (room_.live() > 0) {
      log::warning("shutdown timeout: closing " + std::to_string(room_.live()) +
                   " client(s) with unsent messages");
    }
    room_.close_all();
  });
  room_.finish_all([this] { shutdown_timer_.cancel(); });
}

void Server::arm_fsync() {
  if (!history_file_ || config_.history_fsync != FsyncPolicy::interval) return;
  fsync_timer_.expires_after(std::chrono::seconds(1));
  fsync_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    history_file_->sync();
    arm_fsync();
  });
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
  const Config& next = inv.config;
  std::string changed;
  report_change(changed, "max-clients", config_.max_clients, next.max_clients);
  report_change(changed, "max-message-bytes", config_.max_message_bytes, next.max_message_bytes);
  report_change(changed, "max-queue-bytes", config_.max_queue_bytes, next.max_queue_bytes);
  report_change(changed, "max-total-queue-bytes", config_.max_total_queue_bytes,
                next.max_total_queue_bytes);
  report_change(changed, "write-timeout", config_.write_timeout, next.write_timeout);
  report_change(changed, "frame-timeout", config_.frame_timeout, next.frame_timeout);
  report_change(changed, "idle-timeout", config_.idle_timeout, next.idle_timeout);
  report_change(changed, "rate-limit", config_.rate_limit, next.rate_limit);
  report_change(changed, "burst", config_.burst, next.burst);
  report_change(changed, "history", config_.history, next.history);
  report_change(changed, "history-fsync", config_.history_fsync, next.history_fsync);
  report_change(changed, "history-file-max-bytes", config_.history_file_max_bytes,
                next.history_file_max_bytes);
  report_change(changed, "shutdown-timeout", config_.shutdown_timeout, next.shutdown_timeout);
  report_change(changed, "log-level", config_.log_level, next.log_level);
  report_change(changed, "log-messages", config_.log_messages, next.log_messages);
  std::string needs_restart;
  report_change(needs_restart, "bind", config_.bind, next.bind);
  report_change(needs_restart, "port", config_.port, next.port);
  report_change(needs_restart, "history-file", config_.history_file, next.history_file);

  // Settings that need a restart keep their running values.
  Config applied = next;
  applied.bind = config_.bind;
  applied.port = config_.port;
  applied.history_file = config_.history_file;
  config_ = applied;
  log::set_level(config_.log_level);
  room_.apply(config_);
  fsync_timer_.cancel();
  if (history_file_) {
    history_file_->set_limits(config_.history_file_max_bytes, config_.history_fsync);
    std::string error;
    if (!history_file_->reopen(error)) log::error(error);
  }
  arm_fsync();
  log::info("SIGHUP: reloaded the configuration; changed: " +
            (changed.empty() ? std::string("nothing") : changed));
  if (!needs_restart.empty()) {
    log::warning("SIGHUP: " + needs_restart + " changed; that takes a restart to apply");
  }
}

}  // namespace tcpchat
