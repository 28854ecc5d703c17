#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcpchat {

using Duration = std::chrono::milliseconds;

// The longest duration a setting takes: longer than any sensible timeout, and far from
// overflowing the clock's nanoseconds.
inline constexpr Duration longest_duration = std::chrono::hours(24 * 365 * 10);

// `1048576`, `64KiB` (or `64K`), `8MiB`, `1GiB`, `512B`.
std::optional<std::size_t> parse_bytes(std::string_view text);
// `30` (seconds), `30s`, `500ms`, `5m` (or `5min`), `1h`; not bounded by longest_duration.
std::optional<Duration> parse_duration(std::string_view text);
// Decimal digits only.
std::optional<std::uint64_t> parse_whole_number(std::string_view text);
// true/yes/on/1 or false/no/off/0.
std::optional<bool> parse_bool(std::string_view text);

// The largest whole unit: `8MiB`, `1536`.
std::string format_bytes(std::size_t bytes);
// `30s`, `500ms`.
std::string format_duration(Duration d);

}  // namespace tcpchat
