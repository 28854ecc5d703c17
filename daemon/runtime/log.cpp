#include "runtime/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace tcpchat::log {
namespace {

Level current = Level::info;
bool journal = false;

// Writes the whole line with write(2): one call per line keeps lines whole when several
// processes share stderr, and nothing is buffered if the daemon dies.
void write_all(const std::string& text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a logging failure
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t seconds = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  char zone[8];
  std::strftime(zone, sizeof zone, "%z", &local);  // +hhmm; ISO 8601 wants +hh:mm
  char out[64];
  std::snprintf(out, sizeof out, "%s.%03d%.3s:%.2s", date, static_cast<int>(millis), zone,
                zone + 3);
  return out;
}

void emit(int priority, std::string_view word, std::string_view line) {
  std::string text;
  text.reserve(line.size() + 40);
  if (journal) {
    text += '<';
    text += std::to_string(priority);
    text += '>';
  } else {
    text += timestamp();
    text += ' ';
    text += word;
    text += ": ";
  }
  text += line;
  text += '\n';
  write_all(text);
}

}  // namespace

void init_from_environment() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return;
  unsigned long long dev = 0, ino = 0;
  struct stat st {};
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0) {
    journal = st.st_dev == dev && st.st_ino == ino;
  }
}

void set_level(Level level) {
  current = level;
}
bool enabled(Level level) {
  return level >= current;
}

void debug(std::string_view line) {
  if (enabled(Level::debug)) emit(LOG_DEBUG, "debug", line);
}
void info(std::string_view line) {
  if (enabled(Level::info)) emit(LOG_INFO, "info", line);
}
void warning(std::string_view line) {
  if (enabled(Level::warning)) emit(LOG_WARNING, "warning", line);
}
void error(std::string_view line) {
  emit(LOG_ERR, "error", line);
}
void notice(std::string_view line) {
  emit(LOG_NOTICE, "notice", line);
}

}  // namespace tcpchat::log
