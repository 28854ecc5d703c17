#include "storage/history_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/log.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"

namespace tcpchat {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Appends the messages of `text` (complete lines only) to `out`, counting lines that fail.
void parse_lines(std::string_view text, std::vector<Message>& out, std::size_t& bad) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) break;
    const auto line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (line.empty()) continue;
    auto decoded = decode_body(line);
    if (auto* m = std::get_if<Message>(&decoded)) {
      out.push_back(std::move(*m));
    } else {
      ++bad;
    }
  }
}

}  // namespace

HistoryFile::HistoryFile(std::string path, std::size_t max_bytes, FsyncPolicy policy)
    : path_(std::move(path)), max_bytes_(max_bytes), policy_(policy) {
  open_or_throw();
}

HistoryFile::~HistoryFile() {
  if (fd_ >= 0) {
    if (dirty_) ::fdatasync(fd_);
    ::close(fd_);
  }
}

void HistoryFile::open_or_throw() {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open history file " + path_ + ": " + errno_text());
  struct stat st {};
  ::fstat(fd, &st);
  regular_ = S_ISREG(st.st_mode);
  size_ = regular_ ? static_cast<std::size_t>(st.st_size) : 0;
  if (regular_ && size_ > 0) {
    // A crash can leave a partial last line; cut it so the next append starts a clean line.
    const std::string text = read_whole(path_);
    const auto last_newline = text.rfind('\n');
    const std::size_t keep = last_newline == std::string::npos ? 0 : last_newline + 1;
    if (keep < text.size()) {
      if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
        const std::string why = errno_text();
        ::close(fd);
        throw std::runtime_error("cannot repair history file " + path_ + ": " + why);
      }
      log::warning("history file " + path_ + ": dropped a torn last line of " +
                   std::to_string(text.size() - keep) + " bytes (left by a crash)");
      size_ = keep;
    }
  }
  fd_ = fd;
}

std::vector<Message> HistoryFile::load_tail(std::size_t count, std::size_t max_body_bytes) const {
  std::vector<Message> out;
  if (count == 0 || !regular_) return out;
  std::size_t bad = 0;
  parse_lines(read_whole(path_ + ".1"), out, bad);
  parse_lines(read_whole(path_), out, bad);
  if (bad > 0) {
    log::warning("history file " + path_ + ": skipped " + std::to_string(bad) +
                 " line(s) that are not messages");
  }
  const std::size_t before = out.size();
  std::erase_if(out, [&](const Message& m) { return encoded_body_size(m) > max_body_bytes; });
  if (out.size() < before) {
    log::warning("history file " + path_ + ": skipped " + std::to_string(before - out.size()) +
                 " message(s) longer than --max-message-bytes (" + std::to_string(max_body_bytes) +
                 " bytes) once encoded");
  }
  if (out.size() > count) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(count));
  return out;
}

std::optional<std::string> HistoryFile::record(std::span<const Message> messages) {
  std::string lines;
  for (const Message& m : messages) {
    lines += format_json(m);
    lines += '\n';
  }
  std::string error;
  if (append(lines, error)) return std::nullopt;
  return error;
}

bool HistoryFile::append(std::string_view lines, std::string& error) {
  std::size_t written = 0;
  while (written < lines.size()) {
    const ssize_t n = ::write(fd_, lines.data() + written, lines.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot write history file " + path_ + ": " + (n < 0 ? errno_text() : "no progress");
      // Leave no half-written line behind: the next append must start on a fresh line.
      if (regular_ && written > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        error += "; could not remove the partial line either: " + errno_text();
      }
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  size_ += written;
  dirty_ = true;
  if (policy_ == FsyncPolicy::always) sync();
  if (regular_ && max_bytes_ > 0 && size_ >= max_bytes_) rotate();
  return true;
}

void HistoryFile::sync() {
  if (!dirty_ || policy_ == FsyncPolicy::never) return;
  if (::fdatasync(fd_) != 0 && errno != EINVAL) {
    log::error("cannot fsync history file " + path_ + ": " + errno_text());
  }
  dirty_ = false;
}

void HistoryFile::rotate() {
  sync();
  const std::string old = path_ + ".1";
  if (::rename(path_.c_str(), old.c_str()) != 0) {
    log::error("cannot rotate history file " + path_ + " to " + old + ": " + errno_text() +
               "; it keeps growing");
    return;
  }
  std::string error;
  if (!reopen(error)) {
    // Still appending to PATH.1: do not try to rotate again on every append.
    size_ = 0;
    log::error(error);
    return;
  }
  log::info("rotated history file " + path_ + " to " + old);
}

bool HistoryFile::reopen(std::string& error) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    error =
        "cannot reopen history file " + path_ + ": " + errno_text() + "; still writing the old one";
    return false;
  }
  sync();
  ::close(fd_);
  fd_ = fd;
  struct stat st {};
  ::fstat(fd_, &st);
  regular_ = S_ISREG(st.st_mode);
  size_ = regular_ ? static_cast<std::size_t>(st.st_size) : 0;
  return true;
}

void HistoryFile::set_limits(std::size_t max_bytes, FsyncPolicy policy) {
  max_bytes_ = max_bytes;
  policy_ = policy;
}

}  // namespace tcpchat
