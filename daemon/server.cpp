#include "server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <csignal>
#include <map>
#include <sstream>

#include "exit_codes.hpp"
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

// Settings by name, as --check-config prints them (a repeated key such as bind is joined).
std::map<std::string, std::string> settings_of(const Config& config) {
  std::map<std::string, std::string> out;
  std::istringstream ini(to_ini(config));
  for (std::string line; std::getline(ini, line);) {
    const auto eq = line.find(" = ");
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    auto& value = out[line.substr(0, eq)];
    if (!value.empty()) value += ",";
    value += line.substr(eq + 3);
  }
  return out;
}

bool needs_restart(const std::string& name) {
  return name == "bind" || name == "port" || name == "history-file";
}

}  // namespace

Server::Server(asio::io_context& io, Config config, std::vector<std::string> args)
    : io_(io),
      config_(std::move(config)),
      args_(std::move(args)),
      history_file_(open_history(config_)),
      room_(io, config_, history_file_.get()),
      service_(io,
               [this] {
                 return std::to_string(room_.size()) + " clients, " +
                        std::to_string(room_.messages()) + " messages, " +
                        std::to_string(room_.dropped()) + " slow consumers dropped";
               }),
      signals_(io, SIGINT, SIGTERM, SIGHUP),
      fsync_timer_(io),
      shutdown_timer_(io) {
  if (history_file_ && config_.history > 0)
    room_.preload(history_file_->load_tail(config_.history));
  const auto on_accept = [this](tcp::socket socket) { this->on_accept(std::move(socket)); };
  std::vector<tcp::acceptor> passed;
  try {
    passed = service_.passed_sockets();
  } catch (const std::runtime_error& e) {
    throw ListenError(exit_code::unavailable, e.what());
  }
  if (!passed.empty()) {
    log::info("serving " + std::to_string(passed.size()) +
              " socket(s) passed by the service manager; --bind and --port are not used");
  }
  for (auto& acceptor : passed) {
    listeners_.push_back(std::make_unique<Listener>(std::move(acceptor), on_accept));
  }
  if (!passed.empty()) return;
  for (const auto& address : config_.bind) {
    const tcp::endpoint endpoint(asio::ip::make_address(address), config_.port);
    listeners_.push_back(std::make_unique<Listener>(open_acceptor(io_, endpoint), on_accept));
  }
}

void Server::start() {
  for (auto& listener : listeners_) {
    log::notice("listening on " + listener->name());
    listener->start();
  }
  arm_signals();
  arm_fsync();
  service_.ready();
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
            std::to_string(room_.total_queued_bytes()) + " bytes queued), at most " +
            format_duration(config_.shutdown_timeout));
  for (auto& listener : listeners_) listener->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  fsync_timer_.cancel();
  service_.stopping();
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
  if (stopping_ || !history_file_ || config_.history_fsync != FsyncPolicy::interval) return;
  fsync_timer_.expires_after(std::chrono::seconds(1));
  fsync_timer_.async_wait([this](const boost::system::error_code& ec) {
    // A cancel can come after the timer expired: then the handler still sees success.
    if (ec || stopping_) return;
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
  std::string changed, restart;
  const auto before = settings_of(config_);
  for (const auto& [name, value] : settings_of(next)) {
    const std::string& old = before.at(name);
    if (value == old) continue;
    std::string& list = needs_restart(name) ? restart : changed;
    if (!list.empty()) list += ", ";
    list += name + " " + old + " -> " + value;
  }

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
  if (!restart.empty()) {
    log::warning("SIGHUP: not applied, a restart is needed: " + restart);
  }
}

}  // namespace tcpchat
