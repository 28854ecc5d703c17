#pragma once

// The line editor of interactive mode: GNU readline's callback interface, fed by the io_context
// from stdin, so that printing a message never races with typing. Readline's state is global, so
// there is at most one Terminal.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "stdin.hpp"

namespace tcpchat::client {

class Terminal {
 public:
  struct Handlers {
    std::function<void(std::string line)> on_line;  // Enter; the line as typed
    std::function<void()> on_end;                   // Ctrl-D on an empty line, or stdin ended
    std::function<void(int error)> on_error;        // reading stdin failed (an errno value)
  };

  Terminal(boost::asio::any_io_executor executor, const StdinState& stdin_state, Handlers handlers);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Shows the prompt and starts editing.
  void start(const std::string& prompt);
  void set_prompt(const std::string& prompt);
  // Prints `text` (whole lines) above the line being edited, then redraws the prompt, the typed
  // text and the cursor where they were. Without an active editor it just prints.
  void print_above(std::string_view text);
  // Ctrl-C: forgets the typed text and shows an empty prompt.
  void clear_line();
  // SIGWINCH.
  void resize();
  // SIGTSTP: restores the terminal, stops the process, and takes the terminal back when it is
  // continued.
  void suspend();
  // Ends editing and restores the terminal; the cursor is left at the start of a fresh line.
  void stop();

  bool active() const { return active_; }
  // An errno value from writing to stdout, or 0.
  int write_error() const { return write_error_; }

 private:
  static void on_readline_line(char* line);
  static int next_char(FILE*);
  static int input_available();
  void do_read();
  void on_input(std::string_view chunk, int error);
  void write(std::string_view text);

  const StdinState& stdin_state_;
  StdinReader reader_;
  Handlers handlers_;
  bool active_ = false;
  bool prompt_shown_ = false;  // the prompt line is on screen, the cursor on it
  int write_error_ = 0;
  std::string input_;  // bytes read from stdin that readline has not taken yet
  std::size_t input_taken_ = 0;
};

}  // namespace tcpchat::client
