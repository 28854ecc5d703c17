#include "output.hpp"

#include <array>
#include <string_view>

#include "tcpchat/format.hpp"

namespace tcpchat::client {
namespace {

// SGR colours readable on dark and light backgrounds; red is left out so nothing looks like an
// error.
constexpr std::array<std::string_view, 6> palette = {"\x1b[32m", "\x1b[33m", "\x1b[34m",
                                                     "\x1b[35m", "\x1b[36m", "\x1b[1;34m"};
constexpr std::string_view reset = "\x1b[0m";

std::string_view color_of(const std::string& name) {
  std::size_t h = 2166136261u;  // FNV-1a: stable across runs, unlike std::hash
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return palette[h % palette.size()];
}

}  // namespace

Format default_format(bool stdout_is_terminal) {
  return stdout_is_terminal ? Format::line : Format::json;
}

bool use_color(ColorMode mode, Format format, bool stdout_is_terminal, const Environment& env) {
  if (format == Format::json || mode == ColorMode::never) return false;
  if (mode == ColorMode::always) return true;
  const auto no_color = env.find("NO_COLOR");
  if (no_color != env.end() && !no_color->second.empty()) return false;
  const auto term = env.find("TERM");
  if (term != env.end() && term->second == "dumb") return false;
  return stdout_is_terminal;
}

std::string Output::render(const Message& m) const {
  if (format_ == Format::json) return format_json(m) + '\n';
  const bool block = format_ == Format::block;
  std::string text = block ? format_block(m) : format_line(m);
  if (!block) text += '\n';
  if (!color_) return text;
  // The documented forms put the message last, before the block's closing "\n-\n": the same
  // form with an empty message is the sender's part plus that ending.
  const Message header_only{m.client_name, m.subject, "", m.date};
  const std::size_t ending = block ? 3 : 0;
  const std::size_t head =
      (block ? format_block(header_only) : format_line(header_only)).size() - ending;
  const std::string_view color = color_of(m.client_name);
  std::string out;
  out.reserve(text.size() + 4 * color.size());
  out.append(color).append(text, 0, head).append(reset);
  const std::size_t body_end = text.size() - (block ? ending : 1);
  out.append(text, head, body_end - head);
  if (block) out.append(color);
  out.append(text, body_end);
  if (block) {
    // Keep the final newline outside the colour, so a terminal does not paint the next line.
    out.insert(out.size() - 1, reset);
  }
  return out;
}

}  // namespace tcpchat::client
