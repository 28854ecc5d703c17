#include "terminal.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

// readline.h needs FILE declared first.
#include <cstdio>
#include <cstdlib>
// clang-format off
#include <readline/readline.h>
#include <readline/history.h>
// clang-format on

#include "input.hpp"
#include "outcome.hpp"

namespace tcpchat::client {
namespace {

Terminal* current = nullptr;  // readline's callbacks are plain functions
constexpr int history_entries = 1000;

}  // namespace

Terminal::Terminal(boost::asio::any_io_executor executor, const StdinState& stdin_state,
                   Handlers handlers)
    : stdin_state_(stdin_state), reader_(std::move(executor)), handlers_(std::move(handlers)) {
  current = this;
  rl_readline_name = "tcpchat";  // for `$if tcpchat` in ~/.inputrc
  // Signals arrive through the io_context's signal_set, never inside readline.
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_change_environment = 0;
  rl_getc_function = &Terminal::next_char;
  rl_input_available_hook = &Terminal::input_available;
  using_history();
  stifle_history(history_entries);
}

Terminal::~Terminal() {
  stop();
  current = nullptr;
}

void Terminal::start(const std::string& prompt) {
  rl_callback_handler_install(prompt.c_str(), &Terminal::on_readline_line);
  active_ = true;
  prompt_shown_ = true;
  do_read();
}

void Terminal::set_prompt(const std::string& prompt) {
  rl_set_prompt(prompt.c_str());
}

void Terminal::do_read() {
  reader_.read([this](std::string_view chunk, int error) { on_input(chunk, error); });
}

void Terminal::on_input(std::string_view chunk, int error) {
  if (error != 0) return handlers_.on_error(error);
  if (chunk.empty()) return handlers_.on_end();
  input_.assign(chunk);
  input_taken_ = 0;
  while (active_ && input_taken_ < input_.size()) {
    rl_callback_read_char();
    // After a line's handler returns, readline shows the prompt again.
    if (active_) prompt_shown_ = true;
  }
  input_.clear();
  if (active_) do_read();
}

// readline's getc: the bytes the io_context read. Readline asks for more only in the middle of
// something it reads in one go (a bracketed paste split across reads); then wait for stdin.
int Terminal::next_char(FILE*) {
  Terminal* t = current;
  if (t->input_taken_ >= t->input_.size()) {
    t->input_.clear();
    t->input_taken_ = 0;
    char bytes[4096];
    for (;;) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return EOF;
      const ssize_t n = ::read(STDIN_FILENO, bytes, sizeof bytes);
      if (n > 0) {
        t->input_.assign(bytes, static_cast<std::size_t>(n));
        break;
      }
      if (n == 0 || (errno != EINTR && errno != EAGAIN)) return EOF;
    }
  }
  return static_cast<unsigned char>(t->input_[t->input_taken_++]);
}

int Terminal::input_available() {
  const Terminal* t = current;
  if (t->input_taken_ < t->input_.size()) return 1;
  pollfd p{STDIN_FILENO, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 ? 1 : 0;
}

void Terminal::on_readline_line(char* line) {
  Terminal* t = current;
  t->prompt_shown_ = false;                 // readline moved to a fresh line, also after Ctrl-D
  if (!line) return t->handlers_.on_end();  // Ctrl-D on an empty line
  std::string text(line);
  std::free(line);
  if (!is_blank(text)) add_history(text.c_str());
  t->handlers_.on_line(std::move(text));
}

void Terminal::write(std::string_view text) {
  std::fflush(rl_outstream);
  if (const int error = write_all(STDOUT_FILENO, text); error != 0 && write_error_ == 0)
    write_error_ = error;
}

void Terminal::print_above(std::string_view text) {
  if (!active_ || !prompt_shown_) return write(text);
  rl_clear_visible_line();
  write(text);
  rl_on_new_line();
  rl_redisplay();
}

void Terminal::clear_line() {
  if (!active_) return;
  rl_callback_sigcleanup();  // leaves an incremental search or a half-read key sequence
  rl_point = rl_end;
  rl_redisplay();
  write("^C\n");
  rl_free_line_state();
  rl_replace_line("", 1);
  using_history();  // Up starts again from the newest line
  rl_on_new_line();
  rl_redisplay();
}

void Terminal::resize() {
  if (active_) rl_resize_terminal();
}

void Terminal::suspend() {
  if (active_) {
    write("\n");
    rl_deprep_terminal();
  }
  stdin_state_.restore();
  ::kill(::getpid(), SIGSTOP);
  stdin_state_.set_non_blocking();
  if (active_) {
    rl_prep_terminal(1);
    rl_forced_update_display();
  }
}

void Terminal::stop() {
  if (!active_) return;
  active_ = false;
  rl_callback_handler_remove();
  if (prompt_shown_) write("\n");
  prompt_shown_ = false;
  reader_.close();
}

}  // namespace tcpchat::client
