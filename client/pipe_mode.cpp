#include "pipe_mode.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "signals.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat::client {
namespace {

// Reading stdin pauses while the sent but unconfirmed frames hold this much, so a fast producer
// and a slow daemon cannot grow the client's memory without bound; it resumes as echoes arrive.
constexpr std::size_t max_unconfirmed_bytes = 8u << 20;

}  // namespace

PipeMode::PipeMode(boost::asio::io_context& io, const Options& options, Output output)
    : io_(io),
      options_(options),
      output_(output),
      connection_(io.get_executor(), options.host, options.port,
                  Limits{.max_body_bytes = options.max_message_bytes}, options.tls,
                  credentials(options),
                  {.on_connected = [this] { on_connected(); },
                   .on_message = [this](const Message& m) { on_message(m); },
                   .on_notice = [this](const Message& m) { on_notice(m); },
                   .on_failed = [this](Outcome o) { on_failed(std::move(o)); }}),
      stdin_(io.get_executor()),
      signals_(io, SIGINT, SIGTERM, SIGHUP),
      timeout_timer_(io),
      reconnect_timer_(io),
      lines_(options.max_message_bytes) {}

Outcome PipeMode::run() {
  watch_signals(signals_, [this](int signo) {
    on_signal(signo);
    return !finished_;
  });
  if (options_.listen && options_.timeout) start_timeout();
  connection_.connect();
  io_.run();
  return outcome_;
}

void PipeMode::on_signal(int signo) {
  if (signo == SIGINT) {
    return finish({ExitStatus::interrupted, with_unconfirmed("interrupted", echoes_)});
  }
  // SIGTERM, SIGHUP: a listener is done; a sender ends its input as if stdin had ended (the
  // input of --send is its text, which is still sent).
  if (options_.listen) return finish({});
  if (!input_ended_ && !options_.send) end_of_input();
}

void PipeMode::on_connected() {
  if (backoff_.attempt() > 0) {
    say((was_connected_ ? "reconnected to " : "connected to ") + connection_.name());
  }
  was_connected_ = true;
  backoff_.reset();
  if (options_.listen) return;
  if (options_.send) {
    Message m = draft();
    m.message = *options_.send;
    send(prepare(std::move(m), options_.max_message_bytes), "the --send text");
    return end_of_input();
  }
  do_read_stdin();
}

void PipeMode::on_message(const Message& m) {
  const bool own = sending() && echoes_.confirm(m);
  print(m);
  if (finished_) return;
  if (options_.listen) {
    ++received_;
    if (options_.count && received_ >= *options_.count) finish({});
    return;
  }
  if (own) {
    do_read_stdin();
    check_done();
  }
}

void PipeMode::on_notice(const Message& m) {
  say(notice_text(m));
  if (!refuses_one_message(m.subject) || !sending() || echoes_.unconfirmed() == 0) {
    return;
  }
  echoes_.refuse_oldest();
  ++refused_;
  // Why, once per kind: "StorageError", "StorageError, NameMismatch".
  if (refusals_.find(m.subject) == std::string::npos) {
    refusals_ += (refusals_.empty() ? "" : ", ") + m.subject;
  }
  do_read_stdin();
  check_done();
}

void PipeMode::on_failed(Outcome outcome) {
  const bool retry = options_.reconnect && (outcome.status == ExitStatus::unavailable ||
                                            outcome.status == ExitStatus::connection_lost);
  if (retry) return do_reconnect(outcome.sentence);
  outcome.sentence = with_unconfirmed(std::move(outcome.sentence), echoes_);
  finish(std::move(outcome));
}

void PipeMode::do_reconnect(const std::string& why) {
  const auto wait = backoff_.next();
  say(why + "; reconnecting in " + seconds_text(wait) + " (attempt " +
      std::to_string(backoff_.attempt()) + ")");
  reconnect_timer_.expires_after(wait);
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !finished_) connection_.connect();
  });
}

void PipeMode::do_read_stdin() {
  if (finished_ || input_ended_ || stdin_.reading()) return;
  if (echoes_.unconfirmed_bytes() >= max_unconfirmed_bytes) return;  // resumed by on_message
  stdin_.read([this](std::string_view chunk, int error) { on_stdin(chunk, error); });
}

void PipeMode::on_stdin(std::string_view chunk, int error) {
  if (error != 0) {
    return finish(
        {ExitStatus::connection_lost,
         with_unconfirmed(std::string("cannot read standard input: ") + std::strerror(error),
                          echoes_)});
  }
  if (chunk.empty()) return end_of_input();
  if (options_.input_mode() == InputMode::whole) {
    take_whole(chunk);
  } else {
    std::vector<LineSplitter::Line> complete;
    lines_.feed(chunk, complete);
    for (const auto& line : complete) take_line(line);
  }
  do_read_stdin();
}

void PipeMode::take_line(const LineSplitter::Line& line) {
  lines_seen_ = line.number;
  const std::string where = "line " + std::to_string(line.number);
  if (line.too_long) {
    return send(std::string("it is longer than the limit of ") +
                    std::to_string(options_.max_message_bytes) + " bytes (--max-message-bytes)",
                where);
  }
  if (is_blank(line.text)) return;
  if (options_.input_mode() == InputMode::json) {
    return send(prepare_json_line(line.text, draft(), options_.max_message_bytes), where);
  }
  Message m = draft();
  m.message = line.text;
  send(prepare(std::move(m), options_.max_message_bytes), where);
}

void PipeMode::take_whole(std::string_view chunk) {
  whole_bytes_ += chunk.size();
  if (whole_bytes_ > options_.max_message_bytes + 2) {  // + 2: a final "\r\n" is dropped
    whole_.clear();
    whole_.shrink_to_fit();
    return;
  }
  whole_.append(chunk);
}

void PipeMode::end_of_input() {
  input_ended_ = true;
  stdin_.close();
  if (options_.input_mode() == InputMode::whole && !options_.send) {
    if (whole_bytes_ > options_.max_message_bytes + 2) {
      input_problem_ = "standard input was not sent: its " + std::to_string(whole_bytes_) +
                       " bytes are over the limit of " +
                       std::to_string(options_.max_message_bytes) + " bytes (--max-message-bytes)";
    } else if (const auto text = strip_final_newline(whole_); !text.empty()) {
      Message m = draft();
      m.message = text;
      send(prepare(std::move(m), options_.max_message_bytes), "standard input");
    }
  } else if (const auto last = lines_.finish()) {
    take_line(*last);
  }
  if (options_.timeout) start_timeout();
  check_done();
}

Message PipeMode::draft() const {
  return {options_.name, options_.subject, "", format_date(std::chrono::system_clock::now())};
}

void PipeMode::send(Prepared prepared, const std::string& what) {
  if (auto* problem = std::get_if<std::string>(&prepared)) {
    if (what.starts_with("line ")) {
      ++lines_not_sent_;
      say(what + " was not sent: " + *problem);
    } else {
      input_problem_ = what + " was not sent: " + *problem;
    }
    return;
  }
  auto& outgoing = std::get<Outgoing>(prepared);
  echoes_.sent(std::move(outgoing.message), outgoing.frame.size());
  connection_.send(std::move(outgoing.frame));
}

void PipeMode::print(const Message& m) {
  if (stdout_closed_) return;
  const int error = write_all(STDOUT_FILENO, output_.render(m));
  if (error == 0) return;
  if (error == EPIPE) {
    // The reader left (`| head`): a listener is done; a sender still waits for its echoes.
    stdout_closed_ = true;
    if (options_.listen) finish({});
    return;
  }
  finish({ExitStatus::connection_lost,
          with_unconfirmed(std::string("cannot write to standard output: ") + std::strerror(error),
                           echoes_)});
}

void PipeMode::start_timeout() {
  timeout_timer_.expires_after(*options_.timeout);
  timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_timeout();
  });
}

void PipeMode::on_timeout() {
  const std::string after = "timed out after " + seconds_text(*options_.timeout);
  if (!options_.listen) return finish({ExitStatus::timed_out, with_unconfirmed(after, echoes_)});
  if (!options_.count) return finish({});  // a listening window, not a failure
  finish({ExitStatus::timed_out, after + ": received " + std::to_string(received_) + " of " +
                                     count_of(*options_.count, "message", "messages")});
}

void PipeMode::check_done() {
  if (!sending() || !input_ended_ || echoes_.unconfirmed() > 0) return;
  if (!input_problem_.empty()) return finish({ExitStatus::bad_input, input_problem_});
  if (refused_ > 0) {
    return finish({ExitStatus::bad_input,
                   std::to_string(refused_) + " of " +
                       count_of(echoes_.sent_count(), "sent message was", "sent messages were") +
                       " not delivered: " +
                       (refusals_ == server_subject::storage_error
                            ? std::string("the server could not record them")
                            : "the server refused them (" + refusals_ + ")")});
  }
  if (lines_not_sent_ > 0) {
    return finish({ExitStatus::bad_input,
                   std::to_string(lines_not_sent_) + " of " +
                       count_of(lines_seen_, "input line was", "input lines were") + " not sent"});
  }
  finish({});
}

void PipeMode::finish(Outcome outcome) {
  if (finished_) return;
  finished_ = true;
  outcome_ = std::move(outcome);
  connection_.close();
  stdin_.close();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  timeout_timer_.cancel();
  reconnect_timer_.cancel();
}

}  // namespace tcpchat::client
