#pragma once

#include <string_view>

namespace tcpchat {

// The one header a frame has, before its `:<N>` (the name is case-sensitive).
inline constexpr std::string_view header_name = "Content-length";
// The name the daemon speaks under in its own frames; no client may use it.
inline constexpr std::string_view server_name = "@SERVER";

// The subjects of @SERVER frames (docs/protocol.md has the table of what each means).
namespace server_subject {
// The frame was not valid; the daemon closes the connection after it.
inline constexpr std::string_view invalid_request = "InvalidRequestError";
// The daemon has no room for another client; it closes the connection after it.
inline constexpr std::string_view server_full = "ServerFull";
// One message was not recorded and so not delivered; the connection stays open.
inline constexpr std::string_view storage_error = "StorageError";
}  // namespace server_subject

// True for the subjects after which the daemon closes the connection. A client treats the
// others as notices: it reports them and carries on.
constexpr bool ends_connection(std::string_view subject) {
  return subject == server_subject::invalid_request || subject == server_subject::server_full;
}

}  // namespace tcpchat
