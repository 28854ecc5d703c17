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
// The subject of the frame that authenticates: client_name the account, message the token.
inline constexpr std::string_view auth = "@AUTH";
// The @AUTH frame was accepted: the connection is in the room from here on.
inline constexpr std::string_view welcome = "Welcome";
// The daemon needs an @AUTH frame first, or it did not come in time; it closes the connection.
inline constexpr std::string_view auth_required = "AuthRequired";
// The account or token is wrong (or sent in clear from afar); it closes the connection.
inline constexpr std::string_view auth_failed = "AuthFailed";
// Too many failures from this address lately; it closes the connection.
inline constexpr std::string_view auth_throttled = "AuthThrottled";
// The account was removed or its token changed; it closes the connection.
inline constexpr std::string_view auth_revoked = "AuthRevoked";
// A message named someone other than the account was not broadcast; the connection stays.
inline constexpr std::string_view name_mismatch = "NameMismatch";
// A message under a name another connection is using was not broadcast; the connection stays.
inline constexpr std::string_view name_in_use = "NameInUse";
// A cluster node could not put one message in the room's order (Redis unreachable, or no answer
// in time: then the text says the outcome is unknown); the connection stays.
inline constexpr std::string_view cluster_unavailable = "ClusterUnavailable";
// The cluster's Redis refused one message, for the reason in the text; the connection stays.
inline constexpr std::string_view cluster_error = "ClusterError";
// A notice: messages of the room's order are missing here (Redis trimmed or lost them).
inline constexpr std::string_view history_gap = "HistoryGap";
}  // namespace server_subject

// True for the subjects that refuse one message the client sent, which is not delivered; the
// connection stays.
constexpr bool refuses_one_message(std::string_view subject) {
  return subject == server_subject::storage_error || subject == server_subject::name_mismatch ||
         subject == server_subject::name_in_use || subject == server_subject::cluster_unavailable ||
         subject == server_subject::cluster_error;
}

// True for the subjects that refuse the client's authentication.
constexpr bool refuses_authentication(std::string_view subject) {
  return subject == server_subject::auth_required || subject == server_subject::auth_failed ||
         subject == server_subject::auth_throttled || subject == server_subject::auth_revoked;
}

// True for the subjects after which the daemon closes the connection. A client treats the
// others as notices: it reports them and carries on.
constexpr bool ends_connection(std::string_view subject) {
  return subject == server_subject::invalid_request || subject == server_subject::server_full ||
         subject == server_subject::auth_required || subject == server_subject::auth_failed ||
         subject == server_subject::auth_throttled || subject == server_subject::auth_revoked;
}

}  // namespace tcpchat
