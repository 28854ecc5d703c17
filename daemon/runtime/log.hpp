#pragma once

#include <string_view>

namespace tcpchat::log {

enum class Level { debug, info, warning, error };

// Where log lines go and how they look. Standard error either way: with ISO-8601 timestamps and
// level words for a terminal or a file, or with sd-daemon priority prefixes (`<6>`) and no
// timestamp when stderr is connected to the journal (JOURNAL_STREAM matches, systemd.exec(5)),
// since journald adds its own.
void init_from_environment();
void set_level(Level level);
bool enabled(Level level);

void debug(std::string_view line);
void info(std::string_view line);
void warning(std::string_view line);
void error(std::string_view line);
// Logged whatever the level: lines that tools and tests read (`listening on ...`).
void notice(std::string_view line);

}  // namespace tcpchat::log
