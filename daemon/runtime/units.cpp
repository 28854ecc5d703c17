#include "runtime/units.hpp"

#include <charconv>
#include <limits>

namespace tcpchat {
namespace {

constexpr std::size_t KiB = std::size_t{1} << 10;
constexpr std::size_t MiB = std::size_t{1} << 20;
constexpr std::size_t GiB = std::size_t{1} << 30;

// Splits "10s" into 10 and "s"; false when there is no leading number.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& unit) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) return false;
  unit = text.substr(static_cast<std::size_t>(end - text.data()));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<std::size_t> parse_bytes(std::string_view text) {
  std::uint64_t n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KiB") scale = KiB;
  if (unit == "M" || unit == "MiB") scale = MiB;
  if (unit == "G" || unit == "GiB") scale = GiB;
  if (scale == 0 || n > std::numeric_limits<std::uint64_t>::max() / scale) return std::nullopt;
  return static_cast<std::size_t>(n * scale);
}

std::optional<Duration> parse_duration(std::string_view text) {
  // Past this many units even hours stay far from the clock's limits.
  constexpr std::uint64_t most_units = std::uint64_t{1} << 40;
  std::uint64_t n = 0;
  std::string_view unit;
  if (!split_number(text, n, unit) || n >= most_units) return std::nullopt;
  const auto count = static_cast<std::int64_t>(n);
  if (unit.empty() || unit == "s") return std::chrono::seconds(count);
  if (unit == "ms") return Duration(count);
  if (unit == "m" || unit == "min") return std::chrono::minutes(count);
  if (unit == "h") return std::chrono::hours(count);
  return std::nullopt;
}

std::optional<std::uint64_t> parse_whole_number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return std::nullopt;
}

std::string format_bytes(std::size_t bytes) {
  if (bytes != 0 && bytes % GiB == 0) return std::to_string(bytes / GiB) + "GiB";
  if (bytes != 0 && bytes % MiB == 0) return std::to_string(bytes / MiB) + "MiB";
  if (bytes != 0 && bytes % KiB == 0) return std::to_string(bytes / KiB) + "KiB";
  return std::to_string(bytes);
}

std::string format_duration(Duration d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace tcpchat
