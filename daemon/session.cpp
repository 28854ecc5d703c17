#include "session.hpp"

#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>

#include "config.hpp"
#include "log.hpp"
#include "room.hpp"
#include "server_frame.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// After an error reply, how much input is read and thrown away before closing, so that unread
// input does not turn our close into a reset that destroys the reply in flight.
constexpr std::size_t discard_limit_bytes = 64 * 1024;
constexpr auto discard_limit_time = std::chrono::seconds(1);

// sendmsg(2) takes at most IOV_MAX (1024) buffers.
constexpr std::size_t max_iovecs = 1024;

}  // namespace

Session::Session(Room& room, tcp::socket socket, std::string peer)
    : room_(room),
      socket_(std::move(socket)),
      peer_(std::move(peer)),
      decoder_(Limits{.max_body_bytes = room.config().max_message_bytes}),
      last_read_(Clock::now()),
      last_write_progress_(last_read_) {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  room_.attach(*this);
}

Session::~Session() {
  room_.unschedule_flush(*this);
  leave_room();
  release_queue();
  room_.detach(*this);
}

void Session::start() {
  wait_readable();
}

void Session::leave_room() {
  if (in_room) room_.leave(*this);
}

void Session::fail(const boost::system::error_code& ec, std::string_view what) {
  if (ec == asio::error::operation_aborted) return;
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::eof) {
    log::debug("client " + peer_ + " went away while " + std::string(what) + ": " + ec.message());
  } else {
    log::warning("client " + peer_ + ": " + std::string(what) + " failed: " + ec.message());
  }
  close();
}

// ---- reading ----

void Session::wait_readable() {
  if (waiting_read_) return;
  waiting_read_ = true;
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
  if (state_ == State::rejecting || state_ == State::finishing) {
    // Input is discarded only once the reply is out; until then leave it unread.
    if (head_ == queue_.size()) discard_input();
    return;
  }
  if (state_ != State::open || throttled_) return;

  auto& buffer = room_.read_buffer();
  const ssize_t n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return wait_readable();
    return fail(boost::system::error_code(errno, boost::system::system_category()), "reading");
  }
  if (n == 0) {
    if (decoder_.in_frame()) {
      log::info("client " + peer_ + " closed the connection in the middle of a frame (" +
                std::to_string(decoder_.buffered_bytes()) + " bytes discarded)");
    }
    return finish();
  }
  room_.tick();
  last_read_ = room_.now();
  decoder_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  process_input();
}

void Session::process_input() {
  auto& incoming = room_.incoming();
  incoming.clear();
  const bool limited = room_.config().rate_limit > 0;
  const auto now = room_.now();
  for (;;) {
    if (limited && !has_token(now)) {
      std::string rest(decoder_.take_unread());
      backlog_.swap(rest);
      throttle();
      break;
    }
    auto result = decoder_.next();
    if (!result) {
      std::string().swap(backlog_);
      break;
    }
    std::string refusal;
    if (auto* m = std::get_if<Message>(&*result)) {
      if (m->client_name != server_name) {
        if (limited) tokens_ -= 1;
        incoming.push_back(std::move(*m));
        continue;
      }
      // Clients treat @SERVER frames as the daemon's own errors: nobody may speak as it.
      refusal = "the name " + std::string(server_name) + " is reserved for the server";
    } else {
      refusal = std::get<ProtocolError>(*result).reason;
    }
    // Messages that came before the bad frame are valid and keep their place in the order.
    if (!incoming.empty()) room_.publish(*this);
    log::warning("invalid request from " + peer_ + ": " + refusal);
    return reject("InvalidRequestError", refusal);
  }
  if (!incoming.empty()) room_.publish(*this);
  if (state_ != State::open) return;
  if (decoder_.in_frame()) {
    if (frame_started_ == SteadyTime{}) frame_started_ = now;
  } else {
    frame_started_ = {};
  }
  if (!throttled_) wait_readable();
}

bool Session::has_token(SteadyTime now) {
  const auto& config = room_.config();
  const double burst = config.effective_burst();
  if (tokens_at_ == SteadyTime{}) {
    tokens_ = burst;
  } else {
    const double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
    tokens_ = std::min(burst, tokens_ + elapsed * config.rate_limit);
  }
  tokens_at_ = now;
  return tokens_ >= 1;
}

void Session::throttle() {
  throttled_ = true;
  throttled_since_ = room_.now();
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  const double wait_s = (1 - tokens_) / room_.config().rate_limit;
  timer_->expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(wait_s, 0.001))));
  timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->state_ != State::open) return;
    self->throttled_ = false;
    self->room_.tick();
    // Time spent not reading by our choice does not count against the client's frame.
    if (self->frame_started_ != SteadyTime{}) {
      self->frame_started_ += self->room_.now() - self->throttled_since_;
    }
    if (self->room_.config().rate_limit <= 0 || !self->backlog_.empty()) {
      self->decoder_.feed(self->backlog_);
    }
    self->process_input();
  });
}

// ---- writing ----

void Session::deliver(const Frame& frame) {
  if (state_ == State::closed || doomed) return;
  if (head_ == queue_.size()) last_write_progress_ = room_.now();
  // Grow geometrically from a useful size: a busy room appends many frames per turn.
  if (queue_.size() == queue_.capacity())
    queue_.reserve(std::max<std::size_t>(16, queue_.size() * 2));
  queue_.push_back(frame);
  queued_bytes_ += frame->size();
  room_.queued(static_cast<std::ptrdiff_t>(frame->size()));
  if (queued_bytes_ > room_.config().max_queue_bytes) {
    room_.drop(*this, "slow consumer: " + std::to_string(queued_bytes_) +
                          " bytes queued, over the limit of " +
                          std::to_string(room_.config().max_queue_bytes) + " (--max-queue-bytes)");
    return;
  }
  if (!waiting_write_) room_.schedule_flush(*this);
}

void Session::flush() {
  if (state_ == State::closed || waiting_write_) return;
  auto& iov = room_.iovecs();
  while (head_ < queue_.size()) {
    iov.clear();
    std::size_t offset = head_offset_;
    std::size_t total = 0;
    for (std::size_t i = head_; i < queue_.size() && iov.size() < max_iovecs; ++i) {
      const std::string& f = *queue_[i];
      iov.push_back({const_cast<char*>(f.data()) + offset, f.size() - offset});
      total += f.size() - offset;
      offset = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return wait_writable();
      return fail(boost::system::error_code(errno, boost::system::system_category()), "writing");
    }
    last_write_progress_ = room_.now();
    std::size_t sent = static_cast<std::size_t>(n);
    queued_bytes_ -= sent;
    room_.queued(-static_cast<std::ptrdiff_t>(sent));
    while (sent > 0) {
      const std::size_t left = queue_[head_]->size() - head_offset_;
      if (sent < left) {
        head_offset_ += sent;
        break;
      }
      sent -= left;
      queue_[head_++].reset();
      head_offset_ = 0;
    }
    if (static_cast<std::size_t>(n) < total) return wait_writable();
  }
  on_queue_empty();
}

void Session::wait_writable() {
  // Keep the vector from growing without end while a slow reader falls behind.
  if (head_ > 64 && head_ * 2 > queue_.size()) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  waiting_write_ = true;
  socket_.async_wait(
      tcp::socket::wait_write,
      [self = shared_from_this()](const boost::system::error_code& ec) { self->on_writable(ec); });
}

void Session::on_writable(const boost::system::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;  // stale, as in on_readable
  waiting_write_ = false;
  if (ec) return fail(ec, "waiting to write");
  room_.tick();
  flush();
}

void Session::on_queue_empty() {
  clear_queue();
  if ((state_ == State::finishing || state_ == State::rejecting) && !draining_) {
    // Closing with input unread would send a reset that can destroy what is still in flight
    // to the client: shut down our side and read until its end, within bounds.
    draining_ = true;
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
  room_.queued(-static_cast<std::ptrdiff_t>(queued_bytes_));
  queued_bytes_ = 0;
  clear_queue();
}

void Session::clear_queue() {
  // Keep a block for the next burst (1 KiB at most); give back what a backlog made large.
  if (queue_.capacity() > 64) {
    decltype(queue_)().swap(queue_);
  } else {
    queue_.clear();
  }
  head_ = 0;
  head_offset_ = 0;
}

// ---- ending ----

void Session::reject(std::string_view subject, std::string_view text) {
  if (state_ == State::closed || state_ == State::rejecting) return;
  leave_room();
  state_ = State::rejecting;
  throttled_ = false;
  if (timer_) timer_->cancel();
  timer_.reset();
  deliver(server_frame(subject, text));
  flush();
}

void Session::discard_input() {
  auto& buffer = room_.read_buffer();
  for (;;) {
    const ssize_t n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      discarded_ += static_cast<std::size_t>(n);
      if (discarded_ >= discard_limit_bytes) return close();
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return wait_readable();
    }
    return close();  // end of input, or an error: either way nothing more to wait for
  }
}

void Session::finish() {
  if (state_ != State::open) return;
  leave_room();
  state_ = State::finishing;
  throttled_ = false;
  if (timer_) timer_->cancel();
  timer_.reset();
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
  state_ = State::closed;
  leave_room();
  release_queue();
  if (timer_) timer_->cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  log::debug("client " + peer_ + " disconnected");
}

void Session::abort() {
  boost::system::error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  close();
}

void Session::check_deadlines(SteadyTime now) {
  const auto& config = room_.config();
  if (queued_bytes_ > 0 && now - last_write_progress_ > config.write_timeout) {
    room_.drop(*this, "slow consumer: no write progress for " +
                          format_duration(config.write_timeout) + " (--write-timeout) with " +
                          std::to_string(queued_bytes_) + " bytes queued, limit " +
                          std::to_string(config.max_queue_bytes));
    return;
  }
  if (state_ != State::open) return;
  if (frame_started_ != SteadyTime{} && now - frame_started_ > config.frame_timeout) {
    const std::string reason = "the frame was not completed within " +
                               format_duration(config.frame_timeout) + " of its first byte";
    log::warning("invalid request from " + peer_ + ": " + reason + " (--frame-timeout)");
    return reject("InvalidRequestError", reason);
  }
  if (config.idle_timeout.count() > 0 && now - last_read_ > config.idle_timeout) {
    log::info("closing " + peer_ + ": nothing received for " +
              format_duration(config.idle_timeout) + " (--idle-timeout)");
    finish();
  }
}

void Session::apply_limits(const Limits& limits) {
  decoder_.set_limits(limits);
}

}  // namespace tcpchat
