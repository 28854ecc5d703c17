#include "net/listener.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <chrono>

#include "runtime/exit_codes.hpp"
#include "runtime/log.hpp"
#include "tcpchat/format.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// After an accept failed for lack of resources, how long to wait before trying again.
constexpr auto accept_backoff = std::chrono::milliseconds(100);
// While paused, how often to look again: a handshake takes about a millisecond.
constexpr auto pause_poll = std::chrono::milliseconds(5);

// The protocol has no ping of its own: let the kernel find peers that vanished. A peer that
// answers nothing for a minute, then to none of six probes ten seconds apart, is gone after
// two minutes, well before its queue could reach --write-timeout in an idle room.
constexpr int keepalive_idle_s = 60;
constexpr int keepalive_interval_s = 10;
constexpr int keepalive_probes = 6;

void configure_client_socket(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.set_option(asio::socket_base::keep_alive(true), ignored);
  const int fd = socket.native_handle();
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &keepalive_idle_s, sizeof keepalive_idle_s);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &keepalive_interval_s, sizeof keepalive_interval_s);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &keepalive_probes, sizeof keepalive_probes);
}

std::string peer_name(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown peer") : endpoint_name(endpoint);
}

}  // namespace

std::string endpoint_name(const tcp::endpoint& endpoint) {
  return endpoint_name(endpoint.address().to_string(), endpoint.port());
}

tcp::acceptor open_acceptor(asio::io_context& io, const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(io);
  const std::string where = endpoint_name(endpoint);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  // Lets `--bind 0.0.0.0 --bind ::` share one port instead of colliding.
  if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) return acceptor;

  if (ec == asio::error::address_in_use) {
    throw ListenError(exit_code::unavailable,
                      "cannot listen on " + where +
                          ": address already in use (another tcpchatd or another program holds "
                          "this port; stop it or choose another --port)");
  }
  if (ec == asio::error::access_denied) {
    throw ListenError(exit_code::no_permission,
                      "cannot listen on " + where +
                          ": permission denied (ports below 1024 need CAP_NET_BIND_SERVICE; "
                          "choose a port of 1024 or more)");
  }
  throw ListenError(exit_code::unavailable, "cannot listen on " + where + ": " + ec.message() +
                                                " (is the address configured on this host?)");
}

Listener::Listener(tcp::acceptor acceptor, Handler on_accept, Capacity capacity, Pause pause)
    : acceptor_(std::move(acceptor)),
      backoff_(acceptor_.get_executor()),
      handler_(std::move(on_accept)),
      capacity_(std::move(capacity)),
      pause_(std::move(pause)),
      name_(endpoint_name(acceptor_.local_endpoint())) {}

void Listener::start() {
  do_accept();
}

void Listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
}

void Listener::do_accept() {
  // At the budget, wait as after EMFILE rather than accept into a descriptor the daemon needs
  // for its own files (the history file, a reload's config read).
  if (const auto full = capacity_()) {
    if (!reported_) {
      log::warning("not accepting on " + name_ + ": " + *full + "; retrying every " +
                   std::to_string(accept_backoff.count()) + " ms");
      reported_ = true;
    }
    return retry_later(accept_backoff);
  }
  if (pause_ && pause_()) return retry_later(pause_poll);
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void Listener::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    if (reported_) log::info("accepting on " + name_ + " again");
    reported_ = false;
    configure_client_socket(socket);
    std::string peer = peer_name(socket);
    handler_(std::move(socket), std::move(peer));
    do_accept();
    return;
  }
  const bool out_of_resources = ec == asio::error::no_descriptors ||
                                ec == boost::system::errc::too_many_files_open_in_system ||
                                ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
  if (!out_of_resources) {
    // ECONNABORTED and friends concern one half-open connection, not the listener.
    log::debug("accept on " + name_ + ": " + ec.message());
    do_accept();
    return;
  }
  if (!reported_) {
    log::error("accept on " + name_ + " failed: " + ec.message() + "; retrying every " +
               std::to_string(accept_backoff.count()) +
               " ms (raise the open-file limit or lower --max-clients)");
    reported_ = true;
  }
  retry_later(accept_backoff);
}

void Listener::retry_later(std::chrono::milliseconds after) {
  backoff_.expires_after(after);
  backoff_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec) do_accept();
  });
}

}  // namespace tcpchat
