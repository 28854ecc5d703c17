#include "runtime/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>

#include "runtime/log_output.hpp"

namespace tcpchat::log {
namespace {

using Clock = std::chrono::steady_clock;

// While stderr takes nothing, how often the loop tries again.
constexpr auto retry_period = std::chrono::milliseconds(10);
// Each kind of repeated warning is shown verbatim once per window.
constexpr auto repeat_window = std::chrono::seconds(1);

Level current = Level::info;
bool journal = false;
std::function<void()> wake;

LogOutput& output() {
  static LogOutput out;
  return out;
}

struct RepeatState {
  Clock::time_point window_end{};
  std::size_t suppressed = 0;
};
constexpr std::size_t repeat_kinds = static_cast<std::size_t>(Repeat::not_admitted) + 1;
std::array<RepeatState, repeat_kinds> repeats;

std::string_view repeat_name(Repeat kind) {
  switch (kind) {
    case Repeat::invalid_request:
      return "invalid request";
    case Repeat::refused_client:
      return "client limit reached";
    case Repeat::dropped_client:
      return "dropping client";
    case Repeat::client_failure:
      return "client failure";
    case Repeat::not_admitted:
      return "not admitted";
  }
  return "repeated";
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
  output().write(text);
  if (wake && output().pending()) wake();
}

void summarise(Repeat kind) {
  RepeatState& state = repeats[static_cast<std::size_t>(kind)];
  if (state.suppressed == 0) return;
  emit(LOG_WARNING, "warning",
       std::to_string(std::exchange(state.suppressed, 0)) + " more \"" +
           std::string(repeat_name(kind)) + "\" warnings in the last second were not logged");
}

void summarise_due(Clock::time_point now) {
  for (std::size_t i = 0; i < repeat_kinds; ++i) {
    if (repeats[i].suppressed > 0 && now >= repeats[i].window_end)
      summarise(static_cast<Repeat>(i));
  }
}

void report_dropped() {
  if (output().pending()) return;
  if (const std::size_t dropped = output().take_dropped()) {
    emit(LOG_WARNING, "warning",
         std::to_string(dropped) + " log lines dropped: standard error was not taking them");
  }
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
std::uint64_t lines_dropped() {
  return output().dropped_total();
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
void warning(Repeat kind, std::string_view line) {
  if (!enabled(Level::warning)) return;
  const auto now = Clock::now();
  RepeatState& state = repeats[static_cast<std::size_t>(kind)];
  if (now < state.window_end) {
    ++state.suppressed;
    if (wake) wake();
    return;
  }
  summarise(kind);
  state.window_end = now + repeat_window;
  emit(LOG_WARNING, "warning", line);
}
void error(std::string_view line) {
  emit(LOG_ERR, "error", line);
}
void notice(std::string_view line) {
  emit(LOG_NOTICE, "notice", line);
}

void set_wake(std::function<void()> callback) {
  wake = std::move(callback);
}

std::optional<Clock::time_point> next_service(Clock::time_point now) {
  std::optional<Clock::time_point> due;
  if (output().pending()) due = now + retry_period;
  for (const RepeatState& state : repeats) {
    if (state.suppressed > 0 && (!due || state.window_end < *due)) due = state.window_end;
  }
  return due;
}

void serve(Clock::time_point now) {
  output().drain();
  summarise_due(now);
  report_dropped();
}

void flush(std::chrono::milliseconds bound) {
  const auto deadline = Clock::now() + bound;
  summarise_due(Clock::time_point::max());
  output().flush(bound);
  report_dropped();
  output().flush(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

}  // namespace tcpchat::log
