#include "interactive_mode.hpp"

#include <signal.h>

#include <chrono>
#include <cstring>

#include "input.hpp"
#include "signals.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat::client {
namespace {

constexpr std::string_view commands_help =
    "commands: /name NEW (change your name), /subject [NEW] (change or clear the subject), "
    "/quit (or Ctrl-D on an empty line), /help; //text sends \"/text\"; Ctrl-C clears the line\n";

}  // namespace

InteractiveMode::InteractiveMode(boost::asio::io_context& io, Options options, Output output,
                                 const StdinState& stdin_state)
    : io_(io),
      options_(std::move(options)),
      output_(output),
      connection_(io.get_executor(), options_.host, options_.port,
                  Limits{.max_body_bytes = options_.max_message_bytes}, options_.tls,
                  credentials(options_),
                  {.on_connected = [this] { on_connected(); },
                   .on_message = [this](const Message& m) { on_message(m); },
                   .on_notice = [this](const Message& m) { on_notice(m); },
                   .on_failed =
                       [this](Outcome o) {
                         o.sentence = with_unconfirmed(std::move(o.sentence), echoes_);
                         finish(std::move(o));
                       }}),
      terminal_(io.get_executor(), stdin_state,
                {.on_line = [this](std::string line) { on_line(std::move(line)); },
                 .on_end = [this] { quit(); },
                 .on_error =
                     [this](int error) {
                       finish({ExitStatus::connection_lost,
                               std::string("cannot read the terminal: ") + std::strerror(error)});
                     }}),
      signals_(io, SIGINT, SIGTERM, SIGHUP),
      timeout_timer_(io) {
  signals_.add(SIGWINCH);
  signals_.add(SIGTSTP);
}

Outcome InteractiveMode::run() {
  watch_signals(signals_, [this](int signo) {
    on_signal(signo);
    return !finished_;
  });
  connection_.connect();
  io_.run();
  return outcome_;
}

void InteractiveMode::on_signal(int signo) {
  switch (signo) {
    case SIGINT:
      if (terminal_.active()) return terminal_.clear_line();
      return finish({ExitStatus::interrupted, with_unconfirmed("interrupted", echoes_)});
    case SIGWINCH:
      return terminal_.resize();
    case SIGTSTP:
      return terminal_.suspend();
    default:  // SIGTERM, SIGHUP
      return quit();
  }
}

void InteractiveMode::on_connected() {
  note("connected to " + connection_.name() + " as " + options_.name +
       "; /help lists the commands\n");
  terminal_.start(prompt());
}

void InteractiveMode::on_message(const Message& m) {
  echoes_.confirm(m);
  terminal_.print_above(output_.render(m));
  if (const int error = terminal_.write_error(); error != 0) {
    return finish({ExitStatus::connection_lost,
                   std::string("cannot write to the terminal: ") + std::strerror(error)});
  }
  check_done();
}

void InteractiveMode::on_notice(const Message& m) {
  terminal_.print_above(notice_text(m) + "\n");
  if (refuses_one_message(m.subject)) echoes_.refuse_oldest();
  check_done();
}

void InteractiveMode::on_line(std::string line) {
  if (is_blank(line)) return;
  if (line.starts_with("//")) return send_text(line.substr(1));
  if (line.starts_with('/')) return run_command(line);
  send_text(std::move(line));
}

void InteractiveMode::run_command(std::string_view line) {
  const auto space = line.find(' ');
  const std::string_view command = line.substr(0, space);
  std::string argument;
  if (space != std::string_view::npos) {
    const auto start = line.find_first_not_of(' ', space);
    if (start != std::string_view::npos) argument = line.substr(start);
  }
  if (command == "/quit") return quit();
  if (command == "/help") return note(commands_help);
  if (command == "/name") {
    if (argument.empty()) return note("usage: /name NEW\n");
    if (options_.token) {
      return note("you are signed in as " + options_.name +
                  ": the server takes no other name from this connection\n");
    }
    options_.name = std::move(argument);
    terminal_.set_prompt(prompt());
    return note("you are now " + options_.name + "\n");
  }
  if (command == "/subject") {
    options_.subject = std::move(argument);
    terminal_.set_prompt(prompt());
    return note(options_.subject.empty() ? "no subject\n" : "subject: " + options_.subject + "\n");
  }
  note("unknown command " + std::string(command) + "; /help lists the commands\n");
}

void InteractiveMode::send_text(std::string text) {
  Prepared prepared = prepare({options_.name, options_.subject, std::move(text),
                               format_date(std::chrono::system_clock::now())},
                              options_.max_message_bytes);
  if (const auto* problem = std::get_if<std::string>(&prepared)) {
    return note("not sent: " + *problem + "\n");
  }
  auto& outgoing = std::get<Outgoing>(prepared);
  echoes_.sent(std::move(outgoing.message), outgoing.frame.size());
  connection_.send(std::move(outgoing.frame));
}

void InteractiveMode::note(std::string_view text) {
  terminal_.print_above(text);
}

std::string InteractiveMode::prompt() const {
  return options_.name + (options_.subject.empty() ? "" : " (" + options_.subject + ")") + "> ";
}

void InteractiveMode::quit() {
  if (quitting_) return;
  quitting_ = true;
  terminal_.stop();
  if (options_.timeout) {
    timeout_timer_.expires_after(*options_.timeout);
    timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      finish({ExitStatus::timed_out,
              with_unconfirmed("timed out after " + seconds_text(*options_.timeout), echoes_)});
    });
  }
  check_done();
}

void InteractiveMode::check_done() {
  if (quitting_ && echoes_.unconfirmed() == 0) finish({});
}

void InteractiveMode::finish(Outcome outcome) {
  if (finished_) return;
  finished_ = true;
  outcome_ = std::move(outcome);
  terminal_.stop();
  connection_.close();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  timeout_timer_.cancel();
}

}  // namespace tcpchat::client
