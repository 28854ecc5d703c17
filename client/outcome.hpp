#pragma once

// How a run of tcpchat ends: a sysexits(3) status and the one sentence said about it.

#include <chrono>
#include <string>
#include <string_view>

namespace tcpchat::client {

enum class ExitStatus : int {
  ok = 0,
  usage = 64,            // EX_USAGE: a bad option, value or config file
  bad_input = 65,        // EX_DATAERR: an input line could not be sent
  host_not_found = 68,   // EX_NOHOST: the host name does not resolve
  unavailable = 69,      // EX_UNAVAILABLE: cannot connect
  internal = 70,         // EX_SOFTWARE: a bug in tcpchat
  connection_lost = 74,  // EX_IOERR: the connection (or stdin/stdout) failed
  timed_out = 75,        // EX_TEMPFAIL: --timeout expired first
  server_error = 76,     // EX_PROTOCOL: an @SERVER error or a malformed frame
  not_admitted = 77,     // EX_NOPERM: the server refused the account or token
  interrupted = 130,     // SIGINT, as shells report it
};

struct Outcome {
  ExitStatus status = ExitStatus::ok;
  std::string sentence;  // said on stderr after the terminal is restored; empty: nothing to say
};

// Writes `tcpchat: <sentence>\n` to stderr in one write(2), so it never interleaves with output.
void say(std::string_view sentence);

// Writes all of `bytes` to `fd`, waiting with poll(2) when the descriptor is non-blocking (a
// terminal shares its O_NONBLOCK flag between stdin and stdout). Returns 0 or an errno value.
int write_all(int fd, std::string_view bytes);

// "2 s", "0.5 s".
std::string seconds_text(std::chrono::milliseconds duration);

// "1 message", "2 messages".
std::string count_of(std::size_t n, std::string_view singular, std::string_view plural);

}  // namespace tcpchat::client
