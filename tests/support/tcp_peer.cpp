#include "tcp_peer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "tcpchat/encode.hpp"
#include "tcpchat/frame_decoder.hpp"

namespace tcpchat::test {

Peer::Peer(std::uint16_t port, const std::string& host, SocketTuning tuning) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  if (host.find(':') != std::string::npos) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr);
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &a4->sin_addr);
    len = sizeof(sockaddr_in);
  }
  fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{5, 0};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (tuning.receive_buffer_bytes > 0) {
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &tuning.receive_buffer_bytes,
               sizeof tuning.receive_buffer_bytes);
  }
  if (tuning.max_segment_bytes > 0) {
    setsockopt(fd_, IPPROTO_TCP, TCP_MAXSEG, &tuning.max_segment_bytes,
               sizeof tuning.max_segment_bytes);
  }
  if (!tuning.source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    inet_pton(AF_INET, tuning.source_address.c_str(), &source.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("cannot bind to " + tuning.source_address);
    }
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " + why);
  }
}

Peer::Peer(Peer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      tls_context_(std::exchange(other.tls_context_, nullptr)),
      tls_(std::exchange(other.tls_, nullptr)),
      inbox_(std::move(other.inbox_)),
      head_(std::exchange(other.head_, 0)),
      eof_(other.eof_),
      close_notify_(other.close_notify_) {}

Peer& Peer::operator=(Peer&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    tls_context_ = std::exchange(other.tls_context_, nullptr);
    tls_ = std::exchange(other.tls_, nullptr);
    inbox_ = std::move(other.inbox_);
    head_ = std::exchange(other.head_, 0);
    eof_ = other.eof_;
    close_notify_ = other.close_notify_;
  }
  return *this;
}

Peer::~Peer() {
  close();
}

void Peer::close() {
  SSL_free(std::exchange(tls_, nullptr));
  SSL_CTX_free(std::exchange(tls_context_, nullptr));
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Peer::start_tls(const TlsClientOptions& options) {
  timeval tv{5, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  tls_context_ = SSL_CTX_new(TLS_client_method());
  if (options.max_version) SSL_CTX_set_max_proto_version(tls_context_, options.max_version);
  if (!options.ca_file.empty()) {
    SSL_CTX_load_verify_locations(tls_context_, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(tls_context_, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.cert_file.empty()) {
    SSL_CTX_use_certificate_chain_file(tls_context_, options.cert_file.c_str());
    SSL_CTX_use_PrivateKey_file(tls_context_, options.key_file.c_str(), SSL_FILETYPE_PEM);
  }
  tls_ = SSL_new(tls_context_);
  SSL_set_fd(tls_, fd_);
  SSL_set_tlsext_host_name(tls_, options.server_name.c_str());
  if (!options.ca_file.empty()) SSL_set1_host(tls_, options.server_name.c_str());
  if (SSL_connect(tls_) != 1) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    throw std::runtime_error(std::string("TLS handshake failed: ") +
                             (reason ? reason : "the server closed the connection"));
  }
}

std::string Peer::tls_version() const {
  return tls_ ? SSL_get_version(tls_) : "";
}

std::string Peer::peer_serial() const {
  if (!tls_) return {};
  X509* cert = SSL_get1_peer_certificate(tls_);
  if (!cert) return {};
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  X509_free(cert);
  return out;
}

long Peer::receive(char* buf, std::size_t size) {
  if (!tls_) return ::recv(fd_, buf, size, 0);
  std::size_t n = 0;
  if (SSL_read_ex(tls_, buf, size, &n) == 1) return static_cast<long>(n);
  const int error = SSL_get_error(tls_, 0);
  ERR_clear_error();
  close_notify_ = error == SSL_ERROR_ZERO_RETURN;
  return close_notify_ ? 0 : -1;
}

void Peer::reset() {
  const linger l{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close();
}

bool Peer::try_send(std::string_view bytes) {
  if (tls_) {
    std::size_t n = 0;
    const bool ok = bytes.empty() || SSL_write_ex(tls_, bytes.data(), bytes.size(), &n) == 1;
    ERR_clear_error();
    return ok;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Peer::send(std::string_view bytes) {
  if (!try_send(bytes))
    throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
}

void Peer::send_message(const Message& m) {
  send(encode(m));
}

void Peer::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

bool Peer::fill(Clock::time_point deadline) {
  if (eof_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() < 0) return false;
  if (!tls_ || SSL_pending(tls_) == 0) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) return false;
  }
  char buf[65536];
  const long n = receive(buf, sizeof buf);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  inbox_.erase(0, std::exchange(head_, 0));
  inbox_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::string Peer::take(std::size_t n) {
  std::string out(unread().substr(0, n));
  head_ += out.size();
  return out;
}

std::optional<std::string> Peer::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::string_view in = unread();
    const auto newline = in.find('\n');
    if (newline != std::string_view::npos) {
      const auto colon = in.find(':');
      if (colon != std::string_view::npos && colon < newline) {
        const std::size_t length =
            std::stoul(std::string(in.substr(colon + 1, newline - colon - 1)));
        if (in.size() >= newline + 1 + length) return take(newline + 1 + length);
      }
    }
    if (!fill(deadline)) {
      if (Clock::now() >= deadline || eof_) return std::nullopt;
    }
  }
}

std::optional<Message> Peer::read_message(std::chrono::milliseconds timeout) {
  const auto frame = read_frame(timeout);
  if (!frame) return std::nullopt;
  FrameDecoder decoder;
  decoder.feed(*frame);
  std::optional<Message> out;
  while (auto r = decoder.next()) {
    if (auto* m = std::get_if<Message>(&*r)) out = std::move(*m);
  }
  return out;
}

std::vector<Message> Peer::read_messages(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<Message> out;
  while (out.size() < n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    auto m = read_message(left);
    if (!m) break;
    out.push_back(std::move(*m));
  }
  return out;
}

std::string Peer::read_bytes(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (buffered() < n && fill(deadline)) {
  }
  return take(n);
}

bool Peer::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!eof_ && Clock::now() < deadline) fill(deadline);
  return eof_;
}

bool Peer::nothing_within(std::chrono::milliseconds quiet) {
  const std::size_t before = buffered();
  const auto deadline = Clock::now() + quiet;
  while (Clock::now() < deadline && fill(deadline)) {
  }
  return buffered() == before;
}

}  // namespace tcpchat::test

namespace tcpchat::test {

std::string Peer::local_name() const {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(addr.sin_port));
}

Peer stalled_peer(std::uint16_t port) {
  return Peer(port, "127.0.0.1",
              {.receive_buffer_bytes = 4096, .max_segment_bytes = 536, .source_address = {}});
}

std::vector<std::size_t> ready_peers(std::span<Peer> peers, std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  fds.reserve(peers.size());
  for (const Peer& p : peers) fds.push_back({p.closed() ? -1 : p.fd(), POLLIN, 0});
  std::vector<std::size_t> ready;
  if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) <= 0) return ready;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents != 0) ready.push_back(i);
  }
  return ready;
}

bool sync_room(const std::vector<Peer*>& peers) {
  const std::string sync = "sync";
  // Reads until `wanted`, past the other messages of this sync.
  auto read_until = [&](Peer* p, const Message& wanted) {
    for (auto m = p->read_message(); m; m = p->read_message()) {
      if (*m == wanted) return true;
      if (m->client_name != sync || m->date != sync) return false;
    }
    return false;
  };
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const Message own{sync, "", "peer " + std::to_string(i) + " is in the room", sync};
    peers[i]->send_message(own);
    if (!read_until(peers[i], own)) return false;
  }
  const Message marker{sync, "", "everyone is in the room", sync};
  peers.back()->send_message(marker);
  bool all = true;
  for (Peer* p : peers) all = read_until(p, marker) && all;
  return all;
}

}  // namespace tcpchat::test
