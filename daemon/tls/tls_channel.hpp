#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "tls/tls_context.hpp"

namespace tcpchat {

// OpenSSL on a session's own non-blocking socket: the session waits for readiness as it does in
// plaintext and calls these when the socket is ready; nothing here waits. With the context's
// SSL_MODE_RELEASE_BUFFERS, an idle channel holds no record buffers.
class TlsChannel {
 public:
  enum class Status : unsigned char {
    done,        // `bytes` moved (for read and write), or the handshake is complete
    want_read,   // call again once the socket is readable
    want_write,  // call again once the socket is writable
    closed,      // the peer ended the session (close_notify, or the connection)
    failed,      // `error` says why
  };
  struct Result {
    Status status;
    std::size_t bytes = 0;
    std::string error;  // for failed: "wrong version number", "no shared cipher"
  };
  // Bytes on the wire, encrypted, since the last take_raw_bytes().
  struct RawBytes {
    std::uint64_t in = 0;
    std::uint64_t out = 0;
  };

  TlsChannel(const TlsContext& context, int fd);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  Result handshake();
  Result read(std::span<char> into);
  // Writes at most one record's worth of `bytes` per call; after want_write, call again with
  // bytes that begin with the same ones.
  Result write(std::span<const char> bytes);
  // Sends close_notify if the socket takes it now; the session closes either way.
  void send_close_notify();
  // Decrypted bytes OpenSSL holds that the next read returns without waiting.
  bool has_pending() const { return SSL_has_pending(ssl_) == 1; }
  RawBytes take_raw_bytes();

  // The most plaintext one record carries.
  static constexpr std::size_t record_bytes = 16 * 1024;

 private:
  Result outcome(int ret, std::size_t bytes);

  SSL* ssl_;
  std::uint64_t raw_in_ = 0;
  std::uint64_t raw_out_ = 0;
};

}  // namespace tcpchat
