// tcpchat: the terminal client of tcpchatd. Picks interactive or scripting mode, runs it on one
// io_context, and turns how it ended into an exit status and one sentence on stderr.

#include <langinfo.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <clocale>
#include <cstring>
#include <exception>
#include <iostream>

#include "interactive_mode.hpp"
#include "options.hpp"
#include "outcome.hpp"
#include "output.hpp"
#include "pipe_mode.hpp"
#include "stdin.hpp"

extern char** environ;

namespace {

using namespace tcpchat::client;

Environment current_environment() {
  Environment env;
  for (char** entry = environ; *entry; ++entry) {
    const char* eq = std::strchr(*entry, '=');
    if (eq)
      env.emplace(std::string(*entry, static_cast<std::size_t>(eq - *entry)), std::string(eq + 1));
  }
  return env;
}

bool interactive(const Options& o, const Environment& env) {
  if (o.listen || o.send || o.input) return false;
  if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO)) return false;
  const auto term = env.find("TERM");
  return term != env.end() && !term->second.empty() && term->second != "dumb";
}

// Readline needs a character set to edit non-ASCII text, and the chat is UTF-8: when the
// environment's locale is not (LANG unset, "C"), use C.UTF-8 for characters only.
void use_utf8_characters() {
  std::setlocale(LC_CTYPE, "");
  if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_CTYPE, "C.UTF-8");
}

int run(int argc, char** argv, const StdinState& stdin_state) {
  const Environment env = current_environment();
  Command command;
  try {
    command = parse_command(std::vector<std::string>(argv + 1, argv + argc), env);
  } catch (const UsageError& e) {
    say(std::string(e.what()) + "; see tcpchat --help");
    return static_cast<int>(ExitStatus::usage);
  }
  if (command.action == Action::help) {
    std::cout << help_text() << std::flush;
    return 0;
  }
  if (command.action == Action::version) {
    std::cout << "tcpchat " TCPCHAT_VERSION "\n" << std::flush;
    return 0;
  }
  const Options& options = command.options;
  const bool stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  const Format format = options.format.value_or(default_format(stdout_is_terminal));
  const Output output(format, use_color(options.color, format, stdout_is_terminal, env));
  boost::asio::io_context io;
  Outcome outcome;
  if (interactive(options, env)) {
    use_utf8_characters();
    outcome = InteractiveMode(io, options, output, stdin_state).run();
  } else {
    outcome = PipeMode(io, options, output).run();
  }
  stdin_state.restore();  // before the sentence, so the shell gets its terminal back first
  if (!outcome.sentence.empty()) say(outcome.sentence);
  return static_cast<int>(outcome.status);
}

}  // namespace

int main(int argc, char** argv) {
  const StdinState stdin_state;  // restored by its destructor on every way out of main
  // A closed stdout shows as EPIPE from write(2), handled where the transcript is written.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return run(argc, argv, stdin_state);
  } catch (const std::exception& e) {
    stdin_state.restore();
    say(std::string("internal error: ") + e.what());
    return static_cast<int>(ExitStatus::internal);
  }
}
