#include "net/server_frame.hpp"

#include <chrono>
#include <memory>
#include <string>

#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {

Frame server_frame(std::string_view subject, std::string_view text) {
  return make_frame(encode({std::string(server_name), std::string(subject), std::string(text),
                            format_date(std::chrono::system_clock::now())}),
                    FrameKind::server);
}

}  // namespace tcpchat
