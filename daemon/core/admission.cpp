#include "core/admission.hpp"

#include "tcpchat/encode.hpp"
#include "tcpchat/unicode.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {
namespace {

// server_name as fold_name() makes it.
constexpr std::string_view server_name_folded = "@SERVER";

}  // namespace

std::optional<std::string> name_refusal(std::string_view name) {
  // Clients treat @SERVER frames as the daemon's own errors: nobody may speak as it, nor under
  // a name that only looks like it.
  if (name == server_name) {
    return "the name " + std::string(server_name) + " is reserved for the server";
  }
  if (fold_name(name).starts_with(server_name_folded)) {
    return "the name looks like " + std::string(server_name) + ", which is reserved for the server";
  }
  for (std::size_t i = 0; i < name.size();) {
    const auto [c, length] = code_point_at(name, i);
    i += length;
    if (is_control(c) || is_bidi_control(c)) {
      return "the name contains a control or bidirectional character";
    }
  }
  return std::nullopt;
}

std::optional<std::string> refusal_for(const Message& m, std::size_t max_body_bytes) {
  if (auto why = name_refusal(m.client_name)) return why;
  if (const std::size_t size = encoded_body_size(m); size > max_body_bytes) {
    return "the message is " + std::to_string(size) +
           " bytes once encoded as the server sends it, " + "over the limit of " +
           std::to_string(max_body_bytes) + " bytes";
  }
  return std::nullopt;
}

}  // namespace tcpchat
