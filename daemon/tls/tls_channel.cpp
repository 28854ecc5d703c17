#include "tls/tls_channel.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace tcpchat {

TlsChannel::TlsChannel(const TlsContext& context, int fd) : ssl_(SSL_new(context.native())) {
  if (!ssl_ || SSL_set_fd(ssl_, fd) != 1) {
    SSL_free(ssl_);
    ERR_clear_error();
    throw std::bad_alloc();
  }
  SSL_set_accept_state(ssl_);
}

TlsChannel::~TlsChannel() {
  SSL_free(ssl_);
}

TlsChannel::Result TlsChannel::outcome(int ret, std::size_t bytes) {
  if (ret > 0) return {Status::done, bytes, {}};
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      return {Status::want_read, 0, {}};
    case SSL_ERROR_WANT_WRITE:
      return {Status::want_write, 0, {}};
    case SSL_ERROR_ZERO_RETURN:
      return {Status::closed, 0, {}};
    case SSL_ERROR_SYSCALL: {
      ERR_clear_error();
      // errno 0: the peer closed the connection without close_notify.
      if (saved_errno == 0 || saved_errno == ECONNRESET || saved_errno == EPIPE) {
        return {Status::closed, 0, {}};
      }
      return {Status::failed, 0, std::strerror(saved_errno)};
    }
    default: {
      const unsigned long code = ERR_peek_last_error();
      ERR_clear_error();
      const char* reason = code ? ERR_reason_error_string(code) : nullptr;
      return {Status::failed, 0, reason ? reason : "TLS protocol error"};
    }
  }
}

TlsChannel::Result TlsChannel::handshake() {
  ERR_clear_error();
  errno = 0;
  return outcome(SSL_do_handshake(ssl_), 0);
}

TlsChannel::Result TlsChannel::read(std::span<char> into) {
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int ret = SSL_read_ex(ssl_, into.data(), into.size(), &n);
  return outcome(ret, n);
}

TlsChannel::Result TlsChannel::write(std::span<const char> bytes) {
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int ret = SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n);
  return outcome(ret, n);
}

void TlsChannel::send_close_notify() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

TlsChannel::RawBytes TlsChannel::take_raw_bytes() {
  const std::uint64_t in = BIO_number_read(SSL_get_rbio(ssl_));
  const std::uint64_t out = BIO_number_written(SSL_get_wbio(ssl_));
  RawBytes delta{.in = in - raw_in_, .out = out - raw_out_};
  raw_in_ = in;
  raw_out_ = out;
  return delta;
}

}  // namespace tcpchat
