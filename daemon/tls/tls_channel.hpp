#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tls/tls_context.hpp"

namespace tcpchat {

// OpenSSL on a session's own non-blocking socket: the session waits for readiness as it does in
// plaintext and calls these when the socket is ready; nothing here waits.
//
// OpenSSL reads from the socket itself. What it writes goes to a sink instead, so that one
// send(2) carries many records: a gathered queue is encrypted into the caller's scratch buffer
// and sent at once, and only what the socket does not take is kept here until it is writable.
// An idle channel holds no buffer (with the context's SSL_MODE_RELEASE_BUFFERS, OpenSSL holds
// none either).
class TlsChannel {
 public:
  enum class Status : unsigned char {
    done,        // `bytes` moved (for read and write), or the handshake is complete
    want_read,   // call again once the socket is readable
    want_write,  // call again once the socket is writable (send_unsent() for a write)
    closed,      // the peer ended the session (close_notify, or the connection)
    failed,      // `error` says why
  };
  struct Result {
    Status status;
    std::size_t bytes = 0;
    std::string error;  // for failed: "wrong version number", "no shared cipher"
  };

  TlsChannel(const TlsContext& context, int fd);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  Result handshake();
  // `bytes` of plaintext read into `into`. A read may leave something to send (a key update's
  // answer): see has_unsent().
  Result read(std::span<char> into);
  // Encrypts all of `plaintext` into `scratch` (a buffer shared by every session) and sends what
  // the socket takes. `bytes`: the plaintext whose records are wholly on the wire, which may be
  // less than all; the rest waits here (want_write) and must not be given again.
  Result write(std::span<const char> plaintext, std::string& scratch);
  // Sends what an earlier call left; `bytes` as for write().
  Result send_unsent();
  bool has_unsent() const { return !unsent_.empty(); }
  // Sends close_notify if the socket takes it now; the session closes either way.
  void send_close_notify();
  // Whether the next read may return data without the socket becoming readable: OpenSSL holds
  // input (the handshake may have read the first records with its own), and the last read did
  // not stop for want of the socket; if it did, what OpenSSL holds is part of a record, which
  // only the socket can complete.
  bool more_buffered() const { return !drained_ && SSL_has_pending(ssl_) == 1; }
  std::size_t unsent_bytes() const { return unsent_.size(); }
  // Forgets the ciphertext not sent yet: the session is being dropped.
  void discard_unsent();
  // Bytes on the wire, encrypted, since the last call.
  std::uint64_t take_raw_bytes_in();
  std::uint64_t take_raw_bytes_out() { return std::exchange(raw_out_, 0); }
  // The name the client's verified certificate gives: its first DNS name, else its CN; empty
  // without one.
  std::string peer_name() const;

  // The most plaintext one record carries.
  static constexpr std::size_t record_bytes = 16 * 1024;

 private:
  struct Record {
    std::size_t end;    // where its ciphertext ends, counted from the first unsent byte
    std::size_t plain;  // the plaintext it carries
  };
  friend int sink_write(BIO* bio, const char* data, int length);

  Result outcome(int ret, std::size_t bytes);
  struct Sent {
    std::size_t bytes;
    int error;  // errno of the call that stopped the sending, 0 when all went
  };
  Sent send_some(std::string_view bytes);
  // The plaintext of the records wholly within the first `sent` bytes of `records`, which are
  // dropped and the rest moved back by `sent`.
  static std::size_t completed(std::vector<Record>& records, std::size_t sent);
  static Result sent_result(std::size_t plain, const Sent& sent);

  SSL* ssl_;
  int fd_;
  std::string* sink_;              // where OpenSSL's output goes now: unsent_, or a scratch
  std::string unsent_;             // ciphertext the socket has not taken yet
  std::vector<Record> records_;    // of unsent_, oldest first
  std::uint64_t raw_in_seen_ = 0;  // BIO_number_read at the last take_raw_bytes_in()
  std::uint64_t raw_out_ = 0;
  bool drained_ = false;  // the last read() stopped because OpenSSL needs the socket
};

}  // namespace tcpchat
