#pragma once

// Standard input: read through the io_context, and left as it was found.

#include <termios.h>

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <string_view>

namespace tcpchat::client {

// Remembers stdin's file status flags and, on a terminal, its settings; restore() (and the
// destructor) put back whatever differs. Asio sets O_NONBLOCK on the descriptor it watches, and
// that flag belongs to the open file description that stdin shares with the calling shell, a
// `tee` or whatever else holds it; readline changes the terminal's modes.
class StdinState {
 public:
  StdinState();
  ~StdinState() { restore(); }
  StdinState(const StdinState&) = delete;
  StdinState& operator=(const StdinState&) = delete;

  void restore() const;
  // Sets O_NONBLOCK again after a restore() (back from a suspension).
  void set_non_blocking() const;

 private:
  int flags_ = -1;  // -1: stdin is closed
  bool terminal_ = false;
  termios settings_{};
};

// Reads stdin with a posix::stream_descriptor on a duplicate of descriptor 0 (so that closing it
// leaves stdin open). Regular files and /dev/null work too: Asio reads them directly.
class StdinReader {
 public:
  // `chunk` is empty at the end of input; `error` is 0 or an errno value (then reading stopped).
  using Handler = std::function<void(std::string_view chunk, int error)>;

  explicit StdinReader(boost::asio::any_io_executor executor);

  // Reads once; the handler runs with what arrived. Only one read at a time.
  void read(Handler handler);
  bool reading() const { return reading_; }
  // Stops reading; a pending read's handler is not called.
  void close();

 private:
  boost::asio::posix::stream_descriptor descriptor_;
  std::array<char, 65536> buffer_;
  bool reading_ = false;
  bool closed_ = false;
};

}  // namespace tcpchat::client
