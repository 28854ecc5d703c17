#include "core/client_record.hpp"

namespace tcpchat {

void ShortName::assign(std::string_view name) {
  const bool cut = name.size() > max_bytes;
  if (cut) {
    std::size_t end = max_bytes;
    // Continuation bytes are 10xxxxxx: back up to the start of the character that crosses.
    while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
    name = name.substr(0, end);
  }
  if (cut == cut_ && name == text_) return;
  text_.assign(name);
  cut_ = cut;
}

}  // namespace tcpchat
