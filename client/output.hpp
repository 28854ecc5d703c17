#pragma once

// How received messages are shown: the protocol library's display forms, optionally coloured.

#include <string>

#include "options.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat::client {

// line on a terminal, JSON Lines otherwise.
Format default_format(bool stdout_is_terminal);

// `--color always` colours; `auto` only a terminal, with NO_COLOR unset or empty and TERM not
// `dumb`; `never` and the json form never.
bool use_color(ColorMode mode, Format format, bool stdout_is_terminal, const Environment& env);

class Output {
 public:
  Output(Format format, bool color) : format_(format), color_(color) {}

  // The text for one message, ending with a newline. With colour, the sender's part (date, name,
  // subject) is drawn in a colour chosen by the name, so each sender keeps one colour.
  std::string render(const Message& m) const;

 private:
  Format format_;
  bool color_;
};

}  // namespace tcpchat::client
