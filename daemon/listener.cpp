#include "listener.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <chrono>

#include "exit_codes.hpp"
#include "log.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;

std::string endpoint_name(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string text;
  if (address.is_v6()) text += '[';
  text += address.to_string();
  if (address.is_v6()) text += ']';
  text += ':';
  text += std::to_string(endpoint.port());
  return text;
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

Listener::Listener(tcp::acceptor acceptor, Handler on_accept)
    : acceptor_(std::move(acceptor)),
      backoff_(acceptor_.get_executor()),
      handler_(std::move(on_accept)),
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
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void Listener::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    if (reported_) log::info("accepting on " + name_ + " again");
    reported_ = false;
    handler_(std::move(socket));
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
    log::error("accept on " + name_ + " failed: " + ec.message() +
               "; retrying every 100 ms (raise the open-file limit or lower --max-clients)");
    reported_ = true;
  }
  backoff_.expires_after(std::chrono::milliseconds(100));
  backoff_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec) do_accept();
  });
}

}  // namespace tcpchat
