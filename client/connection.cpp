#include "connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <variant>

#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"
#include "tls_client.hpp"

namespace tcpchat::client {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// A dead address can leave a SYN unanswered for minutes; a daemon answers loopback at once.
constexpr std::chrono::seconds connect_timeout{10};

// An error's text as the middle of a sentence: "connection refused".
std::string lowercase_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

std::string notice_text(const Message& m) {
  return "the server reported " + displayable(m.subject) + ": " + displayable(m.message);
}

Connection::Connection(asio::any_io_executor executor, std::string host, std::uint16_t port,
                       Limits limits, TlsOptions tls, std::optional<Credentials> credentials,
                       Handlers handlers)
    : resolver_(executor),
      socket_(executor),
      tls_options_(std::move(tls)),
      credentials_(std::move(credentials)),
      connect_timer_(executor),
      host_(std::move(host)),
      port_(port),
      name_(endpoint_name(host_, port_)),
      limits_(limits),
      handlers_(std::move(handlers)),
      decoder_(limits) {}

void Connection::connect() {
  close();
  if (tls_options_.enabled && !tls_context_) {
    try {
      tls_context_ = make_client_context(tls_options_);
    } catch (const std::runtime_error& e) {
      // Reported from the loop, as every other failure is.
      asio::post(socket_.get_executor(), [this, attempt = attempt_, why = std::string(e.what())] {
        if (attempt == attempt_) fail(ExitStatus::usage, why);
      });
      return;
    }
  }
  state_ = State::connecting;
  timed_out_ = false;
  decoder_ = FrameDecoder(limits_);
  connect_timer_.expires_after(connect_timeout);
  connect_timer_.async_wait([this, attempt = attempt_](const error_code& ec) {
    if (ec || attempt != attempt_ || state_ != State::connecting) return;
    timed_out_ = true;
    resolver_.cancel();
    error_code ignored;
    socket_.close(ignored);
  });
  resolver_.async_resolve(
      host_, std::to_string(port_), tcp::resolver::numeric_service,
      [this, attempt = attempt_](const error_code& ec, const tcp::resolver::results_type& results) {
        if (attempt == attempt_) on_resolved(ec, results);
      });
}

void Connection::on_resolved(const error_code& ec, const tcp::resolver::results_type& results) {
  if (timed_out_) {
    return fail(ExitStatus::unavailable, "cannot connect to " + name_ + ": no answer within " +
                                             std::to_string(connect_timeout.count()) + " s");
  }
  if (ec == asio::error::host_not_found) {
    return fail(ExitStatus::host_not_found, "host name not found: " + host_);
  }
  if (ec) {
    return fail(ExitStatus::host_not_found,
                "cannot resolve " + host_ + ": " + lowercase_first(ec.message()));
  }
  asio::async_connect(socket_, results,
                      [this, attempt = attempt_](const error_code& ec, const tcp::endpoint&) {
                        if (attempt == attempt_) on_connect(ec);
                      });
}

void Connection::on_connect(const error_code& ec) {
  connect_timer_.cancel();
  if (timed_out_) {
    return fail(ExitStatus::unavailable, "cannot connect to " + name_ + ": no answer within " +
                                             std::to_string(connect_timeout.count()) + " s");
  }
  if (ec == asio::error::connection_refused) {
    return fail(ExitStatus::unavailable,
                "cannot connect to " + name_ + ": connection refused — is tcpchatd running?");
  }
  if (ec) {
    return fail(ExitStatus::unavailable,
                "cannot connect to " + name_ + ": " + lowercase_first(ec.message()));
  }
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (!tls_context_) return connected();
  tls_ = std::make_shared<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
  const std::string name = expected_name(tls_options_, host_);
  SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str());
  // OpenSSL's own check, so that a mismatch reads as X509_V_ERR_HOSTNAME_MISMATCH (an address
  // is checked as one).
  SSL_set1_host(tls_->native_handle(), name.c_str());
  connect_timer_.expires_after(connect_timeout);
  connect_timer_.async_wait([this, attempt = attempt_](const error_code& ec) {
    if (ec || attempt != attempt_ || state_ != State::connecting) return;
    timed_out_ = true;
    error_code ignored;
    socket_.close(ignored);
  });
  tls_->async_handshake(asio::ssl::stream_base::client,
                        [this, attempt = attempt_, stream = tls_](const error_code& ec) {
                          if (attempt == attempt_) on_handshake(ec);
                        });
}

void Connection::on_handshake(const error_code& ec) {
  connect_timer_.cancel();
  if (timed_out_) {
    return fail(ExitStatus::server_error, "the server at " + name_ +
                                              " did not finish the TLS handshake within " +
                                              std::to_string(connect_timeout.count()) + " s");
  }
  if (ec) {
    return fail(ExitStatus::server_error,
                handshake_failure(tls_->native_handle(), ec, name_, host_, port_, tls_options_));
  }
  connected();
}

void Connection::connected() {
  state_ = State::connected;
  if (credentials_) {
    // Ahead of anything queued meanwhile: the server takes nothing else before it.
    queued_.insert(queued_.begin(),
                   encode({credentials_->account, std::string(server_subject::auth),
                           credentials_->token, format_date(std::chrono::system_clock::now())}));
  }
  do_read();
  do_write();
  handlers_.on_connected();
}

void Connection::send(std::string frame) {
  queued_.push_back(std::move(frame));
  do_write();
}

void Connection::close() {
  ++attempt_;
  state_ = State::idle;
  resolver_.cancel();
  connect_timer_.cancel();
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  tls_.reset();
  // Closing cancelled the write in flight: its buffers are no longer read.
  queued_.clear();
  writing_.clear();
  write_buffers_.clear();
}

void Connection::do_read() {
  auto on_done = [this, attempt = attempt_, stream = tls_](const error_code& ec, std::size_t n) {
    if (attempt == attempt_) on_read(ec, n);
  };
  if (tls_) return tls_->async_read_some(asio::buffer(read_buffer_), on_done);
  socket_.async_read_some(asio::buffer(read_buffer_), on_done);
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (ec) return lost(ec);
  const auto attempt = attempt_;
  decoder_.feed({read_buffer_.data(), n});
  while (auto result = decoder_.next()) {
    if (const auto* error = std::get_if<ProtocolError>(&*result)) {
      return fail(ExitStatus::server_error, "the server sent a malformed frame: " + error->reason);
    }
    const auto& m = std::get<Message>(*result);
    if (m.client_name == server_name && refuses_authentication(m.subject)) {
      return fail(ExitStatus::not_admitted, notice_text(m));
    }
    if (m.client_name == server_name && ends_connection(m.subject)) {
      return fail(ExitStatus::server_error, notice_text(m));
    }
    // A quiet notice: the room follows, which is what the modes wait for.
    if (m.client_name == server_name && m.subject == server_subject::welcome) continue;
    if (m.client_name == server_name) {
      handlers_.on_notice(m);
    } else {
      handlers_.on_message(m);
    }
    if (attempt != attempt_) return;  // the handler closed the connection
  }
  do_read();
}

void Connection::do_write() {
  if (state_ != State::connected || !writing_.empty() || queued_.empty()) return;
  writing_.swap(queued_);  // swapping keeps each string's bytes where they are
  for (const auto& frame : writing_) write_buffers_.push_back(asio::buffer(frame));
  auto on_done = [this, attempt = attempt_, stream = tls_](const error_code& ec, std::size_t) {
    if (attempt == attempt_) on_write(ec);
  };
  if (tls_) return asio::async_write(*tls_, write_buffers_, on_done);
  asio::async_write(socket_, write_buffers_, on_done);
}

void Connection::on_write(const error_code& ec) {
  if (ec) return lost(ec);
  writing_.clear();
  write_buffers_.clear();
  do_write();
}

void Connection::lost(const error_code& ec) {
  // A TLS server that closes without close_notify has closed all the same.
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return fail(ExitStatus::connection_lost,
                "connection to " + name_ + " lost: the server closed it");
  }
  fail(ExitStatus::connection_lost,
       "connection to " + name_ + " lost: " + lowercase_first(ec.message()));
}

void Connection::fail(ExitStatus status, std::string sentence) {
  close();
  handlers_.on_failed({status, std::move(sentence)});
}

}  // namespace tcpchat::client
