#pragma once

// A raw TCP client for tests: sends exact bytes, reads exact frames, sees how a connection ends.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"
#include "tcpchat/message.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace tcpchat::test {

// For Peer::start_tls: what the client trusts and shows.
struct TlsClientOptions {
  std::string ca_file;                    // empty: verify nothing
  std::string server_name = "localhost";  // SNI and the name verified
  std::string cert_file;                  // a client certificate, or none
  std::string key_file;
  int max_version = 0;  // TLS1_2_VERSION to refuse 1.3; 0: the newest
};

// Socket options set before connecting, since the SYN carries what they change.
struct SocketTuning {
  int receive_buffer_bytes = 0;  // SO_RCVBUF, 0: the kernel's default
  int max_segment_bytes = 0;     // TCP_MAXSEG, the MSS this end announces; 0: the default
  std::string source_address;    // an IPv4 address to connect from (127.0.0.2); empty: any
};

class Peer {
 public:
  // Connects to host:port; throws if that fails within 5 s.
  explicit Peer(std::uint16_t port, const std::string& host = "127.0.0.1",
                SocketTuning tuning = {});
  ~Peer();
  Peer(Peer&& other) noexcept;
  Peer& operator=(Peer&& other) noexcept;
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Runs a TLS handshake over the connection (bounded by 5 s); from then on everything is sent
  // and read through it. Throws with OpenSSL's reason when the handshake fails.
  void start_tls(const TlsClientOptions& options);
  // The TLS version negotiated, "TLSv1.3", or empty for plaintext.
  std::string tls_version() const;
  // The serial of the certificate the server presented, in hexadecimal.
  std::string peer_serial() const;

  int fd() const { return fd_; }
  void send(std::string_view bytes);
  // Sends `bytes` as a hostile client would, without minding that the daemon may refuse and
  // close in the middle; false if the connection failed before all were sent.
  bool try_send(std::string_view bytes);
  void send_message(const Message& m);
  void shutdown_write();
  void close();
  // Closes with SO_LINGER 0, so the kernel sends RST.
  void reset();

  // The next whole frame's bytes (header and body), or nullopt on timeout or end of stream.
  std::optional<std::string> read_frame(std::chrono::milliseconds timeout = 5s);
  // The next frame decoded; nullopt on timeout, end of stream, or a frame that does not decode.
  std::optional<Message> read_message(std::chrono::milliseconds timeout = 5s);
  // Exactly `n` messages, or fewer when the timeout passes first.
  std::vector<Message> read_messages(std::size_t n, std::chrono::milliseconds timeout = 10s);
  // Exactly `n` raw bytes, or what arrived before the timeout or the end of the stream.
  std::string read_bytes(std::size_t n, std::chrono::milliseconds timeout = 5s);
  // True when the server ends the connection (EOF or reset) within `timeout`; data that arrives
  // meanwhile is kept for read_*.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  // True when nothing at all arrives for `quiet` (used to show a message was NOT delivered).
  bool nothing_within(std::chrono::milliseconds quiet);
  bool closed() const { return eof_; }
  // Over TLS: the server ended the session with close_notify, not just the connection.
  bool closed_cleanly() const { return close_notify_; }
  // This end's address as the daemon logs it, `127.0.0.1:PORT`.
  std::string local_name() const;
  std::size_t buffered() const { return inbox_.size() - head_; }

 private:
  // Reads what is available, waiting at most until `deadline`; false on timeout or EOF.
  bool fill(Clock::time_point deadline);
  std::string_view unread() const { return std::string_view(inbox_).substr(head_); }
  // Takes `n` bytes off the front of what is unread; the copy waits for the next fill(), so that
  // reading many small frames from one large receive is not quadratic.
  std::string take(std::size_t n);

  // Reads into `buf` through TLS when it is on: >0 bytes, 0 at the end, <0 on error.
  long receive(char* buf, std::size_t size);

  int fd_ = -1;
  ssl_ctx_st* tls_context_ = nullptr;
  ssl_st* tls_ = nullptr;
  std::string inbox_;
  std::size_t head_ = 0;
  bool eof_ = false;
  bool close_notify_ = false;
};

// A client that never reads: a 4 KiB receive buffer, and 536-byte segments so that the daemon's
// kernel send buffer stays small too (loopback's 64 KiB segments let it grow to megabytes).
// Whatever else the daemon sends it has to wait in its queue.
Peer stalled_peer(std::uint16_t port);

// The indices of `peers` with input to read or whose connection ended, waiting at most
// `timeout` for one; peers already seen closed are left out. Read every whole frame of a ready
// peer before asking again, since a frame already buffered does not make a peer ready.
std::vector<std::size_t> ready_peers(std::span<Peer> peers, std::chrono::milliseconds timeout);

// The daemon joins connections in the order it accepts them, and a connect() returns before
// that: a message sent right away may reach the room before a newer client is in it. This has
// each of `peers` send a message and read it back, which puts it in the room: a TLS client's
// handshake ends on its side before the daemon's, so a TLS peer that has only connected may not be
// in it yet. Then the last one sends a marker and every peer reads up to it, past the others'
// messages of this sync. Returns false if any peer got something else, or nothing in time.
bool sync_room(const std::vector<Peer*>& peers);

}  // namespace tcpchat::test
