#include "fleet.hpp"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <fstream>
#include <utility>
#include <variant>

#include "exit_status.hpp"

namespace tcpchat::bench {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Connections beyond what the open-file limit allows fail with EMFILE half-way through a run:
// raise the limit up front (the hard one too when we may) or refuse clearly.
void ensure_fd_limit(std::size_t needed) {
  rlimit now{};
  getrlimit(RLIMIT_NOFILE, &now);
  if (now.rlim_cur >= needed) return;
  rlimit wanted = now;
  wanted.rlim_cur = needed;
  wanted.rlim_max = std::max<rlim_t>(now.rlim_max, needed);
  if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) return;
  if (now.rlim_max >= needed) {
    wanted.rlim_max = now.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) return;
  }
  throw Failure(exit_failed, std::to_string(needed) + " open files are needed, but the limit is " +
                                 std::to_string(now.rlim_max) +
                                 " and cannot be raised (ulimit -Hn; run as root or raise it in "
                                 "limits.conf)");
}

std::size_t ephemeral_port_count() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  std::size_t low = 32768;
  std::size_t high = 60999;
  in >> low >> high;
  return high > low ? high - low + 1 : 1;
}

// Each source address has its own ephemeral ports toward one daemon port; use half of them per
// address so that other programs on the machine keep some.
std::vector<asio::ip::address> pick_sources(const asio::ip::tcp::endpoint& target,
                                            std::size_t count, std::size_t requested) {
  // `count` connections to one port: to several, each address's ports go further still.
  const bool loopback_v4 = target.address().is_v4() && target.address().is_loopback();
  if (!loopback_v4) {
    if (requested > 1) {
      throw Failure(exit_usage, "--source-addresses needs a daemon on 127.0.0.0/8, not " +
                                    target.address().to_string());
    }
    return {};
  }
  const std::size_t per_source = std::max<std::size_t>(1, ephemeral_port_count() / 2);
  const std::size_t k = requested != 0 ? requested : (count + per_source - 1) / per_source;
  if (k <= 1) return {};
  std::vector<asio::ip::address> sources;
  for (std::size_t i = 0; i < k; ++i) {
    sources.emplace_back(asio::ip::address_v4(0x7f000001u + static_cast<std::uint32_t>(i)));
  }
  return sources;
}

// OpenSSL's verdict on the last call on `ssl` as an error code: would_block to wait for the
// socket, eof when the daemon ended the session.
error_code tls_error(ssl_st* ssl, int ret) {
  const int error = SSL_get_error(ssl, ret);
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  switch (error) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return asio::error::would_block;
    case SSL_ERROR_ZERO_RETURN:
      return asio::error::eof;
    case SSL_ERROR_SYSCALL:
      return errno ? error_code(errno, boost::system::system_category()) : asio::error::eof;
    default:
      return error_code(static_cast<int>(code), asio::error::get_ssl_category());
  }
}

std::string hint(const error_code& ec) {
  if (ec == asio::error::address_in_use || ec.value() == EADDRNOTAVAIL) {
    return " (out of ephemeral ports: use more --source-addresses)";
  }
  if (ec == asio::error::no_descriptors) return " (out of file descriptors)";
  return "";
}

}  // namespace

void TlsSessionFree::operator()(ssl_st* ssl) const {
  SSL_free(ssl);
}

Fleet::Fleet(asio::io_context& io, Waiter& waiter, const DataFrameTemplate& data_frame,
             OnData on_data, OnMessage on_message, OnFailure on_failure, bool tls,
             std::string auth_frame)
    : io_context_(io),
      waiter_(waiter),
      data_frame_(data_frame),
      on_data_(std::move(on_data)),
      on_message_(std::move(on_message)),
      on_failure_(std::move(on_failure)),
      auth_frame_(std::move(auth_frame)) {
  if (!tls) return;
  tls_context_ = SSL_CTX_new(TLS_client_method());
  if (!tls_context_) throw Failure(exit_failed, "OpenSSL cannot make a TLS context");
  SSL_CTX_set_verify(tls_context_, SSL_VERIFY_NONE, nullptr);
  // As the daemon: few buffers held, writes that resume where the socket stopped.
  SSL_CTX_set_mode(tls_context_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(tls_context_, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

Fleet::~Fleet() {
  for (auto& c : connections_) c->tls.reset();
  SSL_CTX_free(tls_context_);
}

asio::awaitable<bool> Fleet::connect(const ConnectPlan& plan, std::function<bool()> stop,
                                     Clock::time_point deadline) {
  plan_ = plan;
  ensure_fd_limit(plan.count + 64);
  sources_ = pick_sources(plan.targets.front(), plan.count, plan.source_addresses);
  connections_.reserve(plan.count);
  for (std::size_t i = 0; i < plan.count; ++i)
    connections_.push_back(std::make_unique<Connection>(io_context_, i, data_frame_));

  probes_ = std::min(plan.count, plan.targets.size());
  probe_up_.assign(probes_, false);
  next_to_open_ = probes_;
  for (std::size_t i = 0; i < probes_; ++i) start_connect(*connections_[i]);
  const bool answered = co_await waiter_.until(
      [&] { return probes_connected_ == probes_ || !probe_error_.empty(); }, deadline);
  if (probes_connected_ < probes_) {
    close_all();
    const auto silent = std::find(probe_up_.begin(), probe_up_.end(), false) - probe_up_.begin();
    throw Failure(exit_unavailable,
                  "cannot connect to " +
                      (answered ? probe_error_
                                : plan.target_names[static_cast<std::size_t>(silent)] +
                                      ": no answer in time") +
                      " — is tcpchatd running?");
  }
  while (next_to_open_ < plan.count && next_to_open_ < probes_ + plan.concurrency)
    start_connect(*connections_[next_to_open_++]);
  co_return co_await waiter_.until(
      [&] { return connected_ == plan.count || failed_ > 0 || stop(); }, deadline) &&
      connected_ == plan.count;
}

void Fleet::start_connect(Connection& c) {
  error_code ec;
  const auto& target = plan_.targets[target_of(c)];
  c.socket.open(target.protocol(), ec);
  if (!ec && !sources_.empty()) {
    // Let connect() pick the port per destination, so each source address has its full range.
    const int one = 1;
    setsockopt(c.socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    c.socket.bind({sources_[c.index % sources_.size()], 0}, ec);
  }
  if (ec) {
    asio::post(io_context_, [this, &c, ec] { on_connect(c, ec); });
    return;
  }
  c.socket.async_connect(target, [this, &c, gen = c.generation](const error_code& e) {
    if (gen == c.generation) on_connect(c, e);
  });
}

void Fleet::on_connect(Connection& c, const error_code& ec) {
  if (closed_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    if (is_probe(c)) return probe_failed(c, ec.message());
    return fail(c, "could not connect to " + plan_.target_names[target_of(c)] + ": " +
                       ec.message() + hint(ec));
  }
  error_code ignored;
  c.socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  c.socket.non_blocking(true, ignored);
  if (!tls_context_) return connected(c);
  c.tls.reset(SSL_new(tls_context_));
  SSL_set_fd(c.tls.get(), c.socket.native_handle());
  SSL_set_tlsext_host_name(c.tls.get(), "localhost");
  SSL_set_connect_state(c.tls.get());
  continue_handshake(c);
}

void Fleet::continue_handshake(Connection& c) {
  if (closed_) return;
  errno = 0;
  const int ret = SSL_do_handshake(c.tls.get());
  if (ret == 1) return connected(c);
  const bool want_write = SSL_get_error(c.tls.get(), ret) == SSL_ERROR_WANT_WRITE;
  const error_code ec = tls_error(c.tls.get(), ret);
  if (ec != asio::error::would_block) {
    const std::string why = "TLS handshake failed: " + ec.message();
    if (is_probe(c)) return probe_failed(c, why);
    return fail(c, why);
  }
  c.socket.async_wait(
      want_write ? asio::ip::tcp::socket::wait_write : asio::ip::tcp::socket::wait_read,
      [this, &c, gen = c.generation](const error_code& e) {
        if (gen != c.generation || closed_ || e == asio::error::operation_aborted) return;
        if (e) return fail(c, "failed during the TLS handshake: " + e.message());
        continue_handshake(c);
      });
}

void Fleet::probe_failed(Connection& c, std::string why) {
  if (probe_error_.empty()) probe_error_ = plan_.target_names[target_of(c)] + ": " + why;
  waiter_.wake();
}

void Fleet::connected(Connection& c) {
  ++connected_;
  if (is_probe(c)) {
    probe_up_[c.index] = true;
    ++probes_connected_;
  }
  if (!auth_frame_.empty()) {
    c.outbox.insert(0, auth_frame_);  // before anything queued meanwhile
    flush(c);
  }
  wait_readable(c);
  if (c.on_reconnected) std::exchange(c.on_reconnected, nullptr)();
  if (!is_probe(c) && next_to_open_ < plan_.count) start_connect(*connections_[next_to_open_++]);
  if (is_probe(c) || connected_ == plan_.count) waiter_.wake();
}

void Fleet::wait_readable(Connection& c) {
  c.socket.async_wait(asio::ip::tcp::socket::wait_read,
                      [this, &c, gen = c.generation](const error_code& ec) {
                        if (gen == c.generation) on_readable(c, ec);
                      });
}

void Fleet::on_readable(Connection& c, const error_code& wait_error) {
  if (closed_ || wait_error == asio::error::operation_aborted) return;
  if (wait_error) return fail(c, "failed while waiting to read: " + wait_error.message());
  // A few reads per wake-up, so one busy connection cannot starve the others.
  bool drained = false;
  for (int reads = 0; reads < 4; ++reads) {
    error_code ec;
    const std::size_t n = read_some(c, ec);
    if (ec == asio::error::would_block) {
      drained = true;
      break;
    }
    if (ec == asio::error::eof) return fail(c, "was closed by the daemon");
    if (ec) return fail(c, "failed to read: " + ec.message());
    const auto at = Clock::now();
    ++io_.reads;
    io_.bytes_in += n;
    c.inbox.feed({read_buffer_.data(), n});
    while (auto received = c.inbox.next()) {
      if (const auto* stamp = std::get_if<Stamp>(&*received)) {
        on_data_(c, *stamp, at);
      } else if (auto* message = std::get_if<Message>(&*received)) {
        on_message_(c, std::move(*message), at);
      } else {
        const auto& error = std::get<ProtocolError>(*received);
        return fail(c, "received an invalid frame (" + std::string(to_string(error.kind)) +
                           "): " + error.reason);
      }
    }
    flush(c);
    for (Connection* other : deferred_) {
      other->flush_deferred = false;
      flush(*other);
    }
    deferred_.clear();
    // A TLS read returns one record (16 KiB at most): read on while there is more.
    if (n < read_buffer_.size() && !c.tls) break;
  }
  // Still reading when the loop ended: OpenSSL may hold whole records the socket will not
  // announce again. Once drained, what it holds is part of a record that needs the socket.
  if (c.tls && !drained && SSL_has_pending(c.tls.get())) {
    asio::post(io_context_, [this, &c, gen = c.generation] {
      if (gen == c.generation) on_readable(c, {});
    });
    return;
  }
  wait_readable(c);
}

std::size_t Fleet::read_some(Connection& c, error_code& ec) {
  if (!c.tls) return c.socket.read_some(asio::buffer(read_buffer_), ec);
  std::size_t n = 0;
  errno = 0;
  const int ret = SSL_read_ex(c.tls.get(), read_buffer_.data(), read_buffer_.size(), &n);
  if (ret != 1) ec = tls_error(c.tls.get(), ret);
  return n;
}

std::size_t Fleet::write_some(Connection& c, error_code& ec) {
  if (!c.tls) return c.socket.write_some(asio::buffer(c.outbox), ec);
  std::size_t n = 0;
  errno = 0;
  const int ret = SSL_write_ex(c.tls.get(), c.outbox.data(), c.outbox.size(), &n);
  if (ret != 1) ec = tls_error(c.tls.get(), ret);
  return n;
}

// Over TLS the outbox stays where it is while the socket is full: OpenSSL's retry must begin
// with the same bytes, and the outbox only grows at its end.
void Fleet::flush_tls(Connection& c) {
  while (!c.outbox.empty()) {
    error_code ec;
    const std::size_t n = write_some(c, ec);
    if (ec == asio::error::would_block) {
      c.write_busy = true;
      c.socket.async_wait(
          asio::ip::tcp::socket::wait_write, [this, &c, gen = c.generation](const error_code& e) {
            if (closed_ || gen != c.generation || e == asio::error::operation_aborted) return;
            if (e) return fail(c, "failed to write: " + e.message());
            c.write_busy = false;
            flush_tls(c);
          });
      return;
    }
    if (ec) return fail(c, "failed to write: " + ec.message());
    ++io_.writes;
    io_.bytes_out += n;
    c.outbox.erase(0, n);
  }
}

void Fleet::flush(Connection& c) {
  if (c.write_busy || c.outbox.empty() || closed_) return;
  if (c.tls) return flush_tls(c);
  error_code ec;
  const std::size_t n = write_some(c, ec);
  if (ec && ec != asio::error::would_block) return fail(c, "failed to write: " + ec.message());
  ++io_.writes;
  io_.bytes_out += n;
  c.outbox.erase(0, n);
  if (c.outbox.empty()) return;
  // The socket is full: wait until it takes more, gathering whatever is queued meanwhile.
  c.write_busy = true;
  start_write(c);
}

void Fleet::defer_flush(Connection& c) {
  if (c.flush_deferred) return;
  c.flush_deferred = true;
  deferred_.push_back(&c);
}

void Fleet::start_write(Connection& c) {
  if (closed_) return;
  std::swap(c.outbox, c.writing);
  ++io_.writes;
  io_.bytes_out += c.writing.size();
  asio::async_write(c.socket, asio::buffer(c.writing),
                    [this, &c, gen = c.generation](const error_code& ec, std::size_t) {
                      if (closed_ || gen != c.generation || ec == asio::error::operation_aborted)
                        return;
                      if (ec) return fail(c, "failed to write: " + ec.message());
                      c.writing.clear();
                      if (c.outbox.empty()) {
                        c.write_busy = false;
                      } else {
                        start_write(c);
                      }
                    });
}

void Fleet::fail(Connection& c, const std::string& what) {
  if (closed_) return;
  ++failed_;
  on_failure_("connection #" + std::to_string(c.index) + " " + what);
  waiter_.wake();
}

void Fleet::reconnect(Connection& c, std::function<void()> on_reconnected) {
  if (closed_) return;
  ++c.generation;
  error_code ignored;
  c.socket.set_option(asio::socket_base::linger(true, 0), ignored);
  c.socket.close(ignored);
  c.tls.reset();
  --connected_;
  c.inbox.reset();
  c.outbox.clear();
  c.writing.clear();
  c.write_busy = false;
  c.on_reconnected = std::move(on_reconnected);
  start_connect(c);
}

void Fleet::close_all() {
  closed_ = true;
  for (auto& c : connections_) {
    error_code ignored;
    c->socket.close(ignored);
  }
}

}  // namespace tcpchat::bench
