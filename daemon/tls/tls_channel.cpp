#include "tls/tls_channel.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace tcpchat {

// OpenSSL's output, appended to whatever the channel points the sink at.
int sink_write(BIO* bio, const char* data, int length) {
  auto* channel = static_cast<TlsChannel*>(BIO_get_data(bio));
  channel->sink_->append(data, static_cast<std::size_t>(length));
  return length;
}

namespace {

long sink_ctrl(BIO*, int command, long, void*) {
  // OpenSSL flushes after each flight; everything is in the sink already.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

BIO_METHOD* sink_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tcpchat sink");
    BIO_meth_set_write(m, sink_write);
    BIO_meth_set_ctrl(m, sink_ctrl);
    return m;
  }();
  return method;
}

}  // namespace

TlsChannel::TlsChannel(const TlsContext& context, int fd)
    : ssl_(SSL_new(context.native())), fd_(fd), sink_(&unsent_) {
  BIO* in = BIO_new_socket(fd, BIO_NOCLOSE);
  BIO* out = BIO_new(sink_method());
  if (!ssl_ || !in || !out) {
    BIO_free(in);
    BIO_free(out);
    SSL_free(ssl_);
    ERR_clear_error();
    throw std::bad_alloc();
  }
  BIO_set_data(out, this);
  BIO_set_init(out, 1);
  SSL_set_bio(ssl_, in, out);
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
  Result r = outcome(SSL_do_handshake(ssl_), 0);
  // Our flight goes out even when the handshake failed: it may be the alert saying why.
  const Result sent = send_unsent();
  if (r.status == Status::closed || r.status == Status::failed) return r;
  if (sent.status != Status::done) return sent;
  return r;
}

TlsChannel::Result TlsChannel::read(std::span<char> into) {
  // As many records as have arrived, as a plaintext read takes whatever the socket holds: one
  // record per wake-up would make loop turns, and so broadcasts, ever smaller.
  std::size_t total = 0;
  drained_ = false;
  while (total < into.size()) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    const int ret = SSL_read_ex(ssl_, into.data() + total, into.size() - total, &n);
    if (ret == 1) {
      total += n;
      continue;
    }
    Result r = outcome(ret, 0);
    drained_ = r.status == Status::want_read;
    // What was read comes first; an end or an error shows again on the next call.
    if (total > 0) return {Status::done, total, {}};
    return r;
  }
  return {Status::done, total, {}};
}

TlsChannel::Result TlsChannel::write(std::span<const char> plaintext, std::string& scratch) {
  scratch.clear();
  sink_ = &scratch;
  std::vector<Record>& records = records_;  // empty: write() is only called with nothing unsent
  std::size_t plain = 0;
  while (plain < plaintext.size()) {
    const std::size_t n = std::min(record_bytes, plaintext.size() - plain);
    std::size_t written = 0;
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_write_ex(ssl_, plaintext.data() + plain, n, &written);
    if (ret != 1) {
      sink_ = &unsent_;
      records.clear();
      return outcome(ret, 0);
    }
    plain += written;
    records.push_back({scratch.size(), written});
  }
  sink_ = &unsent_;
  const Sent sent = send_some(scratch);
  const std::size_t done = completed(records, sent.bytes);
  unsent_.assign(scratch, sent.bytes);
  return sent_result(done, sent);
}

TlsChannel::Result TlsChannel::send_unsent() {
  if (unsent_.empty()) return {Status::done, 0, {}};
  const Sent sent = send_some(unsent_);
  const std::size_t done = completed(records_, sent.bytes);
  unsent_.erase(0, sent.bytes);
  if (unsent_.empty()) discard_unsent();  // an idle session keeps no buffer
  return sent_result(done, sent);
}

void TlsChannel::discard_unsent() {
  std::string().swap(unsent_);
  std::vector<Record>().swap(records_);
}

TlsChannel::Sent TlsChannel::send_some(std::string_view bytes) {
  std::size_t total = 0;
  int error = 0;
  while (total < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + total, bytes.size() - total, MSG_NOSIGNAL);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    error = n < 0 ? errno : EPIPE;
    break;
  }
  raw_out_ += total;
  return {total, error};
}

std::size_t TlsChannel::completed(std::vector<Record>& records, std::size_t sent) {
  std::size_t plain = 0;
  std::size_t whole = 0;
  while (whole < records.size() && records[whole].end <= sent) plain += records[whole++].plain;
  records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(whole));
  for (Record& r : records) r.end -= sent;
  return plain;
}

TlsChannel::Result TlsChannel::sent_result(std::size_t plain, const Sent& sent) {
  if (sent.error == 0) return {Status::done, plain, {}};
  if (sent.error == EAGAIN || sent.error == EWOULDBLOCK) return {Status::want_write, plain, {}};
  if (sent.error == EPIPE || sent.error == ECONNRESET) return {Status::closed, plain, {}};
  return {Status::failed, plain, std::strerror(sent.error)};
}

void TlsChannel::send_close_notify() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
  send_unsent();
}

std::string TlsChannel::peer_name() const {
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (!cert || SSL_get_verify_result(ssl_) != X509_V_OK) return {};
  const auto text = [](ASN1_STRING* s) {
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, s);
    std::string out = n > 0
                          ? std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n))
                          : std::string();
    OPENSSL_free(utf8);
    return out;
  };
  std::string name;
  if (auto* sans = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans) && name.empty(); ++i) {
      const GENERAL_NAME* san = sk_GENERAL_NAME_value(sans, i);
      if (san->type == GEN_DNS) name = text(san->d.dNSName);
    }
    GENERAL_NAMES_free(sans);
  }
  if (!name.empty()) return name;
  X509_NAME* subject = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return {};
  return text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
}

std::uint64_t TlsChannel::take_raw_bytes_in() {
  const std::uint64_t now = BIO_number_read(SSL_get_rbio(ssl_));
  return now - std::exchange(raw_in_seen_, now);
}

}  // namespace tcpchat
