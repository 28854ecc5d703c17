#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tcpchat/message.hpp"

namespace tcpchat {

// `[<date>] <client_name>: <message>`, or `[<date>] <client_name> (<subject>): <message>` when
// the subject is not empty. Control characters (C0, DEL, C1) in every field are shown as their
// JSON escapes, so one message is one line and cannot move the cursor or recolour a terminal.
std::string format_line(const Message& m);

// The original GUI's display block:
// `-\nCliente: <name>\tData: <date>\nAssunto: <subject>\nMensagem: <message>\n-\n`,
// escaped like format_line except that newlines inside the message are kept.
std::string format_block(const Message& m);

// `text` made safe for one line of a terminal or a log: control and bidirectional characters
// are shown as their JSON escapes, as in the other display forms.
std::string displayable(std::string_view text);

// One compact JSON object with exactly the four keys in protocol order, no trailing newline.
std::string format_json(const Message& m);

// The original client's date: local time as `%d/%m/%Y %H:%M:%S`.
std::string format_date(std::chrono::system_clock::time_point t);

// `HOST:PORT` as people and URLs write it, an IPv6 address in brackets: `[::1]:9999`.
std::string endpoint_name(std::string_view host, std::uint16_t port);

}  // namespace tcpchat
