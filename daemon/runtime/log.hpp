#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace tcpchat::log {

enum class Level { debug, info, warning, error };

// Where log lines go and how they look. Standard error either way: with ISO-8601 timestamps and
// level words for a terminal or a file, or with sd-daemon priority prefixes (`<6>`) and no
// timestamp when stderr is connected to the journal (JOURNAL_STREAM matches, systemd.exec(5)),
// since journald adds its own. Writing never blocks (LogOutput).
void init_from_environment();
void set_level(Level level);
bool enabled(Level level);
// Lines lost since the start because standard error did not take them.
std::uint64_t lines_dropped();

void debug(std::string_view line);
void info(std::string_view line);
void warning(std::string_view line);
void error(std::string_view line);

// Warnings that clients can cause at any rate. Each kind keeps its first line in every second
// verbatim, then one line counts the rest, so a flood of bad clients cannot flood the log.
// client_failure stays last: log.cpp counts the kinds from it.
enum class Repeat { invalid_request, refused_client, dropped_client, client_failure, not_admitted };
void warning(Repeat kind, std::string_view line);

// Logged whatever the level: lines that tools and tests read (`listening on ...`).
void notice(std::string_view line);

// The event loop's part (LogPump). Lines are written at once when stderr takes them; what waits
// (buffered lines, counted repeats) needs the loop to come back.
// `callback` runs when something starts waiting.
void set_wake(std::function<void()> callback);
// When the loop should next call serve(), or nullopt when nothing waits.
std::optional<std::chrono::steady_clock::time_point> next_service(
    std::chrono::steady_clock::time_point now);
// Writes what stderr takes now, the summaries that are due, and the count of dropped lines.
void serve(std::chrono::steady_clock::time_point now);
// Before exit: writes everything still waiting, for at most `bound`, so that the last sentence
// reaches the reader unless stderr stays blocked.
void flush(std::chrono::milliseconds bound);

}  // namespace tcpchat::log
