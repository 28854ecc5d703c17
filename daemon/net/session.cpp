#include "net/session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/accounts.hpp"
#include "core/admission.hpp"
#include "core/room.hpp"
#include "net/server_frame.hpp"
#include "runtime/log.hpp"
#include "runtime/units.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// A TLS session stops reading while this much ciphertext waits for the socket: reading could
// make more (a key update's answer), and a client that does not read must not grow it.
constexpr std::size_t tls_unsent_read_limit = 64 * 1024;

// After an error reply, how much input is read and thrown away before closing, so that unread
// input does not turn our close into a reset that destroys the reply in flight.
constexpr std::size_t discard_limit_bytes = 64 * 1024;
constexpr auto discard_limit_time = std::chrono::seconds(1);

boost::system::error_code last_error() {
  return {errno, boost::system::system_category()};
}

bool would_block() {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

}  // namespace

Session::Session(const SessionContext& context, tcp::socket socket, std::string peer,
                 std::unique_ptr<TlsChannel> tls)
    : context_(context),
      socket_(std::move(socket)),
      tls_(std::move(tls)),
      peer_(std::move(peer)),
      id_(context.hub.attach(*this)),
      connected_at_(std::chrono::system_clock::now()),
      decoder_(Limits{.max_body_bytes = context.hub.config().max_message_bytes}),
      last_read_(Clock::now()),
      last_write_progress_(last_read_) {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
}

Session::~Session() {
  leave_access();
  leave_room();
  release_queue();
  context_.hub.held().remove_input(input_bytes_);
  context_.hub.detach(*this);
}

void Session::start() {
  if (!tls_) return after_handshake();
  state_ = State::handshaking;
  context_.hub.handshake_began();
  continue_handshake();
}

void Session::after_handshake() {
  state_ = State::open;
  const Config& config = context_.hub.config();
  if (tls_ && config.names_from_certificate && config.tls_verify_clients == TlsVerify::require) {
    std::string name = tls_->peer_name();
    if (const auto problem = account_name_problem(name)) {
      context_.access.count(AuthFailure::bad_token);
      return reject(CloseReason::authentication, server_subject::auth_failed,
                    "your certificate names no account tcpchat can use: " + *problem);
    }
    account_ = std::move(name);
    counted_account_ = true;
    by_certificate_ = true;
    ++context_.access.authenticated;
    log::debug("client " + peer_ + " is " + displayable(account_) + " by its certificate");
    return admit();
  }
  if (context_.access.accounts) return begin_authentication();
  admit();
}

void Session::admit() {
  if (join_room()) wait_readable();
}

bool Session::join_room() {
  const std::size_t limit = context_.hub.config().max_clients;
  if (context_.room.size() >= limit) {
    log::warning(log::Repeat::refused_client, "client limit reached (" + std::to_string(limit) +
                                                  " clients, --max-clients): refusing " + peer_);
    reject(
        CloseReason::server_full, server_subject::server_full,
        "the server already has " + std::to_string(limit) + " clients connected; try again later");
    return false;
  }
  log::debug("client " + peer_ + " connected");
  context_.room.join(*this);
  return true;
}

// ---- authentication ----

namespace {

// Failures count by address, an IPv6 one by its /64: one host holds a whole /64.
std::string throttle_key(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace

void Session::begin_authentication() {
  const std::size_t limit = context_.hub.config().max_unauthenticated;
  if (context_.access.unauthenticated >= limit) {
    log::warning(log::Repeat::refused_client,
                 std::to_string(limit) +
                     " connections are waiting to authenticate (--max-unauthenticated): "
                     "refusing " +
                     peer_);
    return reject(CloseReason::server_full, server_subject::server_full,
                  "too many connections are waiting to authenticate; try again later");
  }
  state_ = State::authenticating;
  awaiting_auth_ = true;
  ++context_.access.unauthenticated;
  auth_deadline_ = Clock::now() + context_.hub.config().auth_timeout;
  wait_readable();
}

bool Session::authenticate(const Message& m) {
  Access& access = context_.access;
  const auto refuse = [&](AuthFailure why, std::string_view subject, const std::string& text) {
    access.count(why);
    // Rate-limited: anyone can make these.
    log::warning(log::Repeat::not_admitted,
                 "client " + peer_ + " not admitted (" +
                     std::string(auth_failure_names[static_cast<std::size_t>(why)]) + "): " + text);
    reject(CloseReason::authentication, subject, text);
    return false;
  };
  if (m.subject != server_subject::auth) {
    return refuse(AuthFailure::no_auth, server_subject::auth_required,
                  "authenticate first: a frame with subject @AUTH, your account as client_name "
                  "and your token as message");
  }
  const auto address = peer_address();
  const std::string key = address ? throttle_key(*address) : peer_;
  const SteadyTime now = Clock::now();
  if (access.throttle.throttled(key, now)) {
    return refuse(AuthFailure::throttled, server_subject::auth_throttled,
                  "too many failed attempts from your address; try again in a minute");
  }
  if (!tls_ && !context_.hub.config().allow_plaintext_auth &&
      !(address && address->is_loopback())) {
    access.throttle.failed(key, now);
    return refuse(AuthFailure::bad_token, server_subject::auth_failed,
                  "tokens are not taken in clear from beyond this host: connect with TLS");
  }
  if (!access.accounts->verify(m.client_name, m.message)) {
    access.throttle.failed(key, now);
    return refuse(AuthFailure::bad_token, server_subject::auth_failed,
                  "unknown account, or the wrong token");
  }
  // A full room refuses before welcoming.
  if (context_.room.size() >= context_.hub.config().max_clients) return join_room();
  end_authentication();
  state_ = State::open;
  account_ = m.client_name;
  counted_account_ = true;
  ++access.authenticated;
  log::debug("client " + peer_ + " authenticated as " + displayable(account_));
  // Before joining, so that it comes ahead of the history replay.
  deliver(server_frame(server_subject::welcome, "authenticated as " + account_));
  return join_room();
}

void Session::end_authentication() {
  if (std::exchange(awaiting_auth_, false)) --context_.access.unauthenticated;
}

void Session::leave_access() {
  end_authentication();
  release_name();
  if (std::exchange(counted_account_, false)) --context_.access.authenticated;
}

void Session::revoke() {
  if (state_ != State::open) return;
  context_.access.count(AuthFailure::revoked);
  const std::string why = account_.empty()
                              ? "this server now requires an account: sign in with @AUTH"
                              : "your account was removed, or its token changed";
  log::warning(log::Repeat::not_admitted, "closing " + peer_ + ": " + why);
  reject(CloseReason::auth_revoked, server_subject::auth_revoked, why);
}

std::optional<Refusal> Session::name_refusal_of(const Message& m) {
  Access& access = context_.access;
  if (!account_.empty()) {
    if (m.client_name == account_) return std::nullopt;
    access.count(AuthFailure::name_mismatch);
    return Refusal{std::string(server_subject::name_mismatch),
                   "you are authenticated as " + account_ +
                       ": a message must carry that name; this one was not sent",
                   {}};
  }
  if (!context_.hub.config().unique_names) return std::nullopt;
  const auto [it, inserted] = access.names.try_emplace(m.client_name, id_);
  if (!inserted && it->second != id_) {
    access.count(AuthFailure::name_in_use);
    return Refusal{std::string(server_subject::name_in_use),
                   "another connection is using the name " + displayable(m.client_name) +
                       "; this message was not sent",
                   {}};
  }
  if (inserted) {
    release_name();
    claimed_name_ = std::make_unique<std::string>(m.client_name);
  }
  return std::nullopt;
}

void Session::release_name() {
  if (!claimed_name_) return;
  const auto it = context_.access.names.find(*claimed_name_);
  if (it != context_.access.names.end() && it->second == id_) context_.access.names.erase(it);
  claimed_name_.reset();
}

std::optional<asio::ip::address> Session::peer_address() const {
  boost::system::error_code ec;
  const auto address = socket_.remote_endpoint(ec).address();
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

// ---- TLS ----

void Session::continue_handshake() {
  const TlsChannel::Result r = tls_->handshake();
  count_tls_bytes();
  switch (r.status) {
    case TlsChannel::Status::done:
      end_handshake();
      return after_handshake();
    case TlsChannel::Status::want_read:
      return wait_readable();
    case TlsChannel::Status::want_write:
      return wait_writable();
    case TlsChannel::Status::closed:
    case TlsChannel::Status::failed:
      break;
  }
  end_for(CloseReason::tls_handshake);
  log::debug("TLS handshake with " + peer_ + " failed: " +
             (r.error.empty() ? std::string("the client closed the connection") : r.error));
  close();
}

void Session::end_handshake() {
  if (state_ == State::handshaking) context_.hub.handshake_ended();
}

void Session::tls_failed(std::string_view what, const std::string& error) {
  end_for(CloseReason::error);
  log::warning(log::Repeat::client_failure,
               "client " + peer_ + ": " + std::string(what) + " TLS failed: " + error);
  close();
}

void Session::count_tls_bytes() {
  // Ciphertext waiting for the socket is held for this client alone: the total bound counts it.
  const std::size_t before = std::exchange(unsent_bytes_, tls_->unsent_bytes());
  context_.hub.held().remove_queued(before);
  context_.hub.held().add_queued(unsent_bytes_);
  const std::uint64_t in = tls_->take_raw_bytes_in();
  const std::uint64_t out = tls_->take_raw_bytes_out();
  // --write-timeout runs from when something first waited to be sent, and any byte sent is
  // progress, of a frame or of OpenSSL's own records.
  if (out > 0 || (before == 0 && unsent_bytes_ > 0 && queue_.empty())) {
    last_write_progress_ = context_.hub.now();
  }
  Traffic& all = context_.hub.counters().traffic;
  traffic_.bytes_in += in;
  all.bytes_in += in;
  traffic_.bytes_out += out;
  all.bytes_out += out;
}

void Session::leave_room() {
  context_.room.leave(*this);
}

void Session::fail(const boost::system::error_code& ec, std::string_view what) {
  if (ec == asio::error::operation_aborted) return;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::eof) {
    end_for(CloseReason::client_closed);
    log::debug("client " + peer_ + " went away while " + std::string(what) + ": " + ec.message());
  } else {
    end_for(CloseReason::error);
    log::warning(log::Repeat::client_failure,
                 "client " + peer_ + ": " + std::string(what) + " failed: " + ec.message());
  }
  close();
}

RateLimit Session::rate_limit() const {
  const Config& config = context_.hub.config();
  return {.per_second = config.rate_limit, .burst = config.effective_burst()};
}

// ---- reading ----

void Session::wait_readable() {
  if (waiting_read_) return;
  waiting_read_ = true;
  // OpenSSL may hold input already: the socket would not say it is readable.
  if (tls_ && reading() && tls_->more_buffered()) {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->on_readable({}); });
    return;
  }
  socket_.async_wait(
      tcp::socket::wait_read,
      [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
}

void Session::on_readable(const boost::system::error_code& ec) {
  // A cancelled wait is stale: whoever cancelled it already cleared the flag, and may have
  // started a new wait since.
  if (ec == asio::error::operation_aborted) return;
  waiting_read_ = false;
  if (ec) return fail(ec, "waiting for input");
  if (state_ == State::handshaking) return continue_handshake();
  if (state_ == State::rejecting || state_ == State::finishing) {
    // Input is discarded only once the reply is out; until then leave it unread.
    if (queue_.empty()) discard_input();
    return;
  }
  if (!reading() || throttled_) return;
  if (paused_) return context_.hub.park(*this);
  if (!context_.hub.may_read(decoder_.in_frame(), decoder_.missing_bytes())) {
    input_blocked_ = true;  // the frame's clock keeps running meanwhile
    input_waited_ = true;
    return context_.hub.park(*this);
  }
  read_input();
}

void Session::read_input() {
  const auto buffer = context_.hub.read_buffer();
  std::size_t n = 0;
  if (tls_ && unsent_bytes_ > tls_unsent_read_limit) {
    read_wants_write_ = true;
    if (!waiting_write_) wait_writable();
    return;
  }
  if (tls_) {
    const TlsChannel::Result r = tls_->read(buffer);
    count_tls_bytes();
    switch (r.status) {
      case TlsChannel::Status::done:
        n = r.bytes;
        // Reading may have made something to send: a key update's answer.
        if (tls_->has_unsent()) context_.hub.schedule_flush(*this);
        break;
      case TlsChannel::Status::want_read:
        if (tls_->has_unsent()) context_.hub.schedule_flush(*this);
        return wait_readable();
      case TlsChannel::Status::want_write:
        read_wants_write_ = true;
        if (!waiting_write_) wait_writable();
        return;
      case TlsChannel::Status::closed:
        return end_of_input();
      case TlsChannel::Status::failed:
        return tls_failed("reading", r.error);
    }
  } else {
    const ssize_t got = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), 0);
    if (got < 0) {
      if (would_block()) return wait_readable();
      return fail(last_error(), "reading");
    }
    if (got == 0) return end_of_input();
    n = static_cast<std::size_t>(got);
    traffic_.bytes_in += n;
    context_.hub.counters().traffic.bytes_in += n;
  }
  context_.hub.tick();
  last_read_ = context_.hub.now();
  decoder_.feed(std::string_view(buffer.data(), n));
  process_input();
}

void Session::end_of_input() {
  if (decoder_.in_frame()) {
    log::info("client " + peer_ + " closed the connection in the middle of a frame (" +
              std::to_string(decoder_.buffered_bytes()) + " bytes discarded)");
  }
  end_for(CloseReason::client_closed);
  finish();
}

void Session::process_input() {
  std::vector<Message> batch;
  const RateLimit limit = rate_limit();
  const bool limited = limit.per_second > 0;
  const auto now = context_.hub.now();
  for (;;) {
    if (limited && !throttle_) throttle_ = std::make_unique<Throttle>();
    if (limited && !throttle_->tokens.has_token(now, limit)) {
      std::string rest(decoder_.take_unread());
      throttle_->backlog.swap(rest);
      throttle();
      break;
    }
    auto result = decoder_.next();
    if (!result) {
      if (throttle_) std::string().swap(throttle_->backlog);
      break;
    }
    std::string refusal;
    if (auto* m = std::get_if<Message>(&*result)) {
      if (state_ == State::authenticating) {
        if (!authenticate(*m)) return;
        continue;
      }
      if (m->subject == server_subject::auth) {
        // Never broadcast: its message is a token. A second one is a repeat; one to a server
        // without accounts was meant for another.
        if (context_.access.accounts) continue;
        context_.access.count(AuthFailure::bad_token);
        submit(batch);
        return reject(CloseReason::authentication, server_subject::auth_failed,
                      "this server has no accounts: connect without a token");
      }
      auto why = refusal_for(*m, decoder_.limits().max_body_bytes);
      if (!why) {
        if (auto refusal = name_refusal_of(*m)) {
          // After what came before it, so that the client can tell which message it refuses.
          submit(batch);
          batch.clear();
          deliver(server_frame(refusal->subject, refusal->text));
          continue;
        }
        if (limited) throttle_->tokens.spend();
        batch.push_back(std::move(*m));
        continue;
      }
      refusal = std::move(*why);
    } else {
      refusal = std::get<ProtocolError>(*result).reason;
    }
    // Messages that came before the bad frame are valid and keep their place in the order.
    submit(batch);
    log::warning(log::Repeat::invalid_request, "invalid request from " + peer_ + ": " + refusal);
    return reject(CloseReason::invalid_request, server_subject::invalid_request, refusal);
  }
  submit(batch);
  count_input();
  if (!reading()) return;
  // --frame-timeout runs from the first byte of the frame still unfinished, however many
  // frames were completed since the last read that ended between two.
  if (!decoder_.in_frame()) {
    frame_started_ = {};
    input_waited_ = false;
  } else if (frame_started_ == SteadyTime{} || decoder_.frame_began_in_last_chunk()) {
    frame_started_ = now;
  }
  if (!throttled_) wait_readable();
}

void Session::submit(std::span<const Message> messages) {
  if (messages.empty()) return;
  traffic_.msgs_in += messages.size();
  context_.hub.counters().traffic.msgs_in += messages.size();
  name_.assign(messages.back().client_name);
  context_.sequencer->submit(std::shared_ptr<Origin>(shared_from_this(), this), messages);
}

void Session::count_input() {
  const std::size_t held = decoder_.buffered_bytes() + (throttle_ ? throttle_->backlog.size() : 0);
  context_.hub.held().remove_input(input_bytes_);
  context_.hub.held().add_input(held);
  input_bytes_ = held;
}

void Session::refused(std::span<const Message> messages, const Refusal& why) {
  if (!why.detail.empty()) {
    log::error(why.detail + "; " + std::to_string(messages.size()) + " message(s) from " + peer_ +
               " not broadcast");
  }
  for (std::size_t i = 0; i < messages.size(); ++i) deliver(server_frame(why.subject, why.text));
}

void Session::unpark() {
  input_blocked_ = false;
  if (state_ == State::open && !throttled_) wait_readable();  // on_readable decides again
}

void Session::pause_reading() {
  paused_ = true;
}

void Session::resume_reading() {
  if (!std::exchange(paused_, false)) return;
  if (state_ == State::open && !throttled_) wait_readable();
}

void Session::throttle() {
  throttled_ = true;
  throttle_->since = context_.hub.now();
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  timer_->expires_after(throttle_->tokens.until_token(rate_limit()));
  timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_throttle_end();
  });
}

void Session::on_throttle_end() {
  if (state_ != State::open) return;
  throttled_ = false;
  context_.hub.tick();
  // Time spent not reading by our choice does not count against the client's frame.
  if (frame_started_ != SteadyTime{}) frame_started_ += context_.hub.now() - throttle_->since;
  decoder_.feed(throttle_->backlog);
  process_input();
}

// ---- writing ----

void Session::deliver(const Frame& frame) {
  if (state_ == State::closed || doomed_) return;
  if (queue_.empty()) last_write_progress_ = context_.hub.now();
  queue_.push(frame, context_.hub.held());
  const std::size_t limit = context_.hub.config().max_queue_bytes;
  if (queue_.bytes() > limit) {
    context_.hub.drop(*this, CloseReason::slow_consumer_queue,
                      "slow consumer: " + std::to_string(queue_.bytes()) +
                          " bytes queued, over the limit of " + std::to_string(limit) +
                          " (--max-queue-bytes)");
    return;
  }
  // Even while waiting to write: the end of the turn judges the total bound.
  context_.hub.schedule_flush(*this);
}

void Session::flush() {
  // A doomed session's queue is gone already: nothing of it may be written, or counted.
  if (state_ == State::closed || state_ == State::handshaking || waiting_write_ || doomed_) {
    return;
  }
  if (tls_) return flush_tls();
  const auto iov = context_.hub.iovecs();
  while (!queue_.empty()) {
    std::size_t total = 0;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = queue_.fill(iov, total);
    const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return wait_writable();
      return fail(last_error(), "writing");
    }
    const auto sent = static_cast<std::size_t>(n);
    wrote(sent);
    traffic_.bytes_out += sent;
    context_.hub.counters().traffic.bytes_out += sent;
    if (sent < total) return wait_writable();
  }
  on_queue_empty();
}

void Session::flush_tls() {
  const auto iov = context_.hub.iovecs();
  const auto gather = context_.hub.tls_plaintext();
  for (;;) {
    TlsChannel::Result r{TlsChannel::Status::done, 0, {}};
    if (tls_->has_unsent()) {
      r = tls_->send_unsent();
    } else if (!queue_.empty()) {
      // Nothing of the queue is encrypted yet: what was is sent by now.
      std::size_t total = 0;
      const std::size_t count = queue_.fill(iov, total);
      std::size_t gathered = 0;
      for (std::size_t i = 0; i < count && gathered < gather.size(); ++i) {
        const std::size_t n = std::min(iov[i].iov_len, gather.size() - gathered);
        std::memcpy(gather.data() + gathered, iov[i].iov_base, n);
        gathered += n;
      }
      r = tls_->write(gather.first(gathered), context_.hub.tls_ciphertext());
    } else {
      break;
    }
    count_tls_bytes();
    if (r.bytes > 0) wrote(r.bytes);
    switch (r.status) {
      case TlsChannel::Status::done:
        continue;
      case TlsChannel::Status::want_write:
      case TlsChannel::Status::want_read:
        return wait_writable();
      case TlsChannel::Status::closed:
        end_for(CloseReason::client_closed);
        log::debug("client " + peer_ + " went away while writing");
        return close();
      case TlsChannel::Status::failed:
        return tls_failed("writing", r.error);
    }
  }
  on_queue_empty();
}

// `bytes` of the queue reached the socket (as plaintext, or inside TLS records).
void Session::wrote(std::size_t bytes) {
  last_write_progress_ = context_.hub.now();
  // The channel reports only what the queue gave it; the bound keeps a slip from corrupting it.
  const std::size_t delivered =
      queue_.consume(std::min(bytes, queue_.bytes()), context_.hub.held());
  traffic_.msgs_out += delivered;
  context_.hub.counters().traffic.msgs_out += delivered;
}

void Session::wait_writable() {
  queue_.compact();
  waiting_write_ = true;
  socket_.async_wait(
      tcp::socket::wait_write,
      [self = shared_from_this()](const boost::system::error_code& ec) { self->on_writable(ec); });
}

void Session::on_writable(const boost::system::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;  // stale, as in on_readable
  waiting_write_ = false;
  if (ec) return fail(ec, "waiting to write");
  context_.hub.tick();
  if (state_ == State::handshaking) return continue_handshake();
  flush();
  if (std::exchange(read_wants_write_, false) && state_ == State::open) read_input();
}

void Session::on_queue_empty() {
  queue_.clear(context_.hub.held());
  if ((state_ == State::finishing || state_ == State::rejecting) && !draining_) {
    // Closing with input unread would send a reset that can destroy what is still in flight
    // to the client: shut down our side and read until its end, within bounds.
    draining_ = true;
    if (tls_) {
      tls_->send_close_notify();
      count_tls_bytes();
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), discard_limit_time);
    timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->close();
    });
    discard_input();
  }
}

void Session::release_queue() {
  queue_.clear(context_.hub.held());
  if (tls_) {
    tls_->discard_unsent();
    count_tls_bytes();
  }
}

// ---- ending ----

void Session::stop_timer() {
  throttled_ = false;
  if (timer_) timer_->cancel();
  timer_.reset();
}

void Session::reject(CloseReason why, std::string_view subject, std::string_view text) {
  if (state_ == State::closed || state_ == State::rejecting) return;
  end_for(why);
  end_authentication();
  leave_room();
  state_ = State::rejecting;
  stop_timer();
  deliver(server_frame(subject, text));
  flush();
}

void Session::discard_input() {
  const auto buffer = context_.hub.read_buffer();
  for (;;) {
    const ssize_t n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      discarded_ += static_cast<std::uint32_t>(n);
      if (discarded_ >= discard_limit_bytes) return close();
      continue;
    }
    if (n < 0 && would_block()) return wait_readable();
    return close();  // end of input, or an error: either way nothing more to wait for
  }
}

void Session::finish() {
  if (state_ == State::handshaking || state_ == State::authenticating) return close();
  if (state_ != State::open) return;
  leave_room();
  state_ = State::finishing;
  stop_timer();
  if (waiting_read_) {
    boost::system::error_code ignored;
    socket_.cancel(ignored);  // also cancels a write wait; flush() below re-arms it
    waiting_read_ = false;
    waiting_write_ = false;
  }
  flush();
}

void Session::close() {
  if (state_ == State::closed) return;
  end_handshake();
  leave_access();
  state_ = State::closed;
  leave_room();
  release_queue();
  context_.hub.held().remove_input(std::exchange(input_bytes_, 0));
  if (timer_) timer_->cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  log::debug("client " + peer_ + " disconnected (" + std::string(name(reason())) + ")");
}

void Session::abort() {
  boost::system::error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  close();
}

void Session::check_deadlines(SteadyTime now) {
  const auto& config = context_.hub.config();
  if (queue_.bytes() + unsent_bytes_ > 0 && now - last_write_progress_ > config.write_timeout) {
    context_.hub.drop(*this, CloseReason::slow_consumer_write_timeout,
                      "slow consumer: no write progress for " +
                          format_duration(config.write_timeout) + " (--write-timeout) with " +
                          std::to_string(queue_.bytes()) + " bytes queued, limit " +
                          std::to_string(config.max_queue_bytes));
    return;
  }
  if (state_ == State::handshaking) {
    // Until the handshake ends, last_read_ is when the connection was accepted.
    if (now - last_read_ > config.tls_handshake_timeout) {
      end_for(CloseReason::tls_handshake);
      log::debug("TLS handshake with " + peer_ + " not finished within " +
                 format_duration(config.tls_handshake_timeout) + " (--tls-handshake-timeout)");
      close();
    }
    return;
  }
  if (state_ == State::authenticating && now >= auth_deadline_) {
    context_.access.count(AuthFailure::timeout);
    const std::string why =
        "no @AUTH frame within " + format_duration(config.auth_timeout) + " (--auth-timeout)";
    log::warning(log::Repeat::not_admitted, "client " + peer_ + " not admitted (timeout): " + why);
    return reject(CloseReason::authentication, server_subject::auth_required, why);
  }
  if (!reading()) return;
  if (frame_started_ != SteadyTime{} && now - frame_started_ > config.frame_timeout) {
    const std::string reason = "the frame was not completed within " +
                               format_duration(config.frame_timeout) + " of its first byte";
    log::warning(log::Repeat::invalid_request,
                 "invalid request from " + peer_ + ": " + reason + " (--frame-timeout)");
    return reject(input_waited_ ? CloseReason::input_budget : CloseReason::frame_timeout,
                  server_subject::invalid_request, reason);
  }
  if (config.idle_timeout.count() > 0 && now - last_read_ > config.idle_timeout) {
    end_for(CloseReason::idle_timeout);
    log::info("closing " + peer_ + ": nothing received for " +
              format_duration(config.idle_timeout) + " (--idle-timeout)");
    finish();
  }
}

ClientRecord Session::record(SteadyTime now) const {
  ClientRecord r;
  r.id = id_;
  r.peer = peer_;
  r.name = name_;
  r.account = account_;
  r.connected_at = connected_at_;
  r.idle = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_read_);
  r.queued_bytes = queue_.bytes();
  r.traffic = traffic_;
  r.reason = reason();
  return r;
}

void Session::apply_limits(const Limits& limits) {
  decoder_.set_limits(limits);
}

}  // namespace tcpchat
