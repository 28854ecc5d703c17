#include "core/admission.hpp"

#include "tcpchat/encode.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {

std::optional<std::string> refusal_for(const Message& m, std::size_t max_body_bytes) {
  // Clients treat @SERVER frames as the daemon's own errors: nobody may speak as it.
  if (m.client_name == server_name) {
    return "the name " + std::string(server_name) + " is reserved for the server";
  }
  if (const std::size_t size = encoded_body_size(m); size > max_body_bytes) {
    return "the message is " + std::to_string(size) +
           " bytes once encoded as the server sends it, " + "over the limit of " +
           std::to_string(max_body_bytes) + " bytes";
  }
  return std::nullopt;
}

}  // namespace tcpchat
