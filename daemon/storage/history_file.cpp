#include "storage/history_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>

#include "runtime/log.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"

namespace tcpchat {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Files are read backwards in blocks of this size: start-up reads what it keeps, not the file.
constexpr std::size_t tail_block_bytes = 64 * 1024;

// The end of the file at `fd` (of `size` bytes), read backwards in blocks until it holds more
// than `lines` newlines, more than `budget_bytes`, or the whole file; it starts at a line
// boundary unless the budget cut it off.
std::string read_tail(int fd, std::size_t size, std::size_t lines, std::size_t budget_bytes) {
  std::vector<std::string> blocks;  // newest first
  std::size_t pos = size, newlines = 0, bytes = 0;
  while (pos > 0 && newlines <= lines && bytes <= budget_bytes) {
    const std::size_t n = std::min(tail_block_bytes, pos);
    std::string block(n, '\0');
    const ssize_t got = ::pread(fd, block.data(), n, static_cast<off_t>(pos - n));
    if (got != static_cast<ssize_t>(n)) break;
    pos -= n;
    bytes += n;
    newlines += static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n'));
    blocks.push_back(std::move(block));
  }
  std::string text;
  text.reserve(bytes);
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) text += *it;
  // Unless the file's start was reached, the first line is only the end of one.
  if (pos > 0) text.erase(0, std::min(text.size(), text.find('\n') + 1));
  return text;
}

// The last `count` lines (at most about `budget_bytes` of them) of the file at `path`.
std::string tail_of(const std::string& path, std::size_t count, std::size_t budget_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    text = read_tail(fd, static_cast<std::size_t>(st.st_size), count, budget_bytes);
  }
  ::close(fd);
  return text;
}

// Where the last complete line of the file at `fd` ends (0 when there is none), reading back
// from its end only as far as that line.
std::size_t end_of_last_line(int fd, std::size_t size) {
  std::size_t pos = size;
  std::string block;
  while (pos > 0) {
    const std::size_t n = std::min(tail_block_bytes, pos);
    block.resize(n);
    if (::pread(fd, block.data(), n, static_cast<off_t>(pos - n)) != static_cast<ssize_t>(n)) {
      return size;  // cannot tell: cut nothing
    }
    pos -= n;
    const auto newline = block.rfind('\n');
    if (newline != std::string::npos) return pos + newline + 1;
  }
  return 0;
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
  // Read and write: the torn-line repair reads the end of the file back.
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open history file " + path_ + ": " + errno_text());
  struct stat st {};
  ::fstat(fd, &st);
  regular_ = S_ISREG(st.st_mode);
  size_ = regular_ ? static_cast<std::size_t>(st.st_size) : 0;
  if (regular_ && size_ > 0) {
    // A crash can leave a partial last line; cut it so the next append starts a clean line.
    const std::size_t keep = end_of_last_line(fd, size_);
    if (keep < size_) {
      if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
        const std::string why = errno_text();
        ::close(fd);
        throw std::runtime_error("cannot repair history file " + path_ + ": " + why);
      }
      log::warning("history file " + path_ + ": dropped a torn last line of " +
                   std::to_string(size_ - keep) + " bytes (left by a crash)");
      size_ = keep;
    }
  }
  fd_ = fd;
}

std::vector<Message> HistoryFile::load_tail(std::size_t count, std::size_t max_body_bytes,
                                            std::size_t budget_bytes) const {
  std::vector<Message> out;
  if (count == 0 || !regular_) return out;
  std::size_t bad = 0;
  parse_lines(tail_of(path_, count, budget_bytes), out, bad);
  if (out.size() < count) {
    std::vector<Message> older;
    parse_lines(tail_of(path_ + ".1", count - out.size(), budget_bytes), older, bad);
    out.insert(out.begin(), std::make_move_iterator(older.begin()),
               std::make_move_iterator(older.end()));
  }
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
  if (append(lines, error)) {
    failing_.reset();
    return std::nullopt;
  }
  ++write_errors_;
  failing_ = Failure{std::chrono::steady_clock::now(), error};
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
      if (written > 0) cut_back("the partial line", error);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  if (policy_ == FsyncPolicy::always && !durable(error)) {
    // The batch is refused, so it must not be replayed later either: cut it off again.
    cut_back("the batch", error);
    return false;
  }
  size_ += written;
  dirty_ = policy_ != FsyncPolicy::always;
  if (regular_ && max_bytes_ > 0 && size_ >= max_bytes_) rotate();
  return true;
}

bool HistoryFile::durable(std::string& error) {
  if (::fdatasync(fd_) == 0 || errno == EINVAL) return true;  // EINVAL: a device like /dev/null
  error = "cannot fsync history file " + path_ + ": " + errno_text();
  return false;
}

void HistoryFile::cut_back(std::string_view what, std::string& error) {
  if (!regular_ || ::ftruncate(fd_, static_cast<off_t>(size_)) == 0) return;
  error += "; could not remove " + std::string(what) + " either (" + errno_text() + ")";
  std::string reopen_error;
  if (reopen(reopen_error)) {
    error += "; reopened the file, which may keep the refused lines";
  } else {
    error += "; " + reopen_error;
  }
}

void HistoryFile::sync() {
  if (!dirty_ || policy_ == FsyncPolicy::never) return;
  std::string error;
  if (!durable(error)) log::error(error);
  dirty_ = false;
}

void HistoryFile::rotate() {
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_rotation_at_) return;
  sync();
  const std::string old = path_ + ".1";
  // Once renamed, the file being appended to is PATH.1 until a new PATH opens.
  if (!renamed_ && ::rename(path_.c_str(), old.c_str()) != 0) {
    retry_rotation(now, "cannot rotate history file " + path_ + " to " + old + ": " + errno_text() +
                            "; it keeps growing");
    return;
  }
  renamed_ = true;
  std::string error;
  if (!reopen(error)) {
    retry_rotation(now, error + " (" + old + ")");
    return;
  }
  renamed_ = false;
  rotation_backoff_ = first_rotation_retry;
  log::info("rotated history file " + path_ + " to " + old);
}

void HistoryFile::retry_rotation(std::chrono::steady_clock::time_point now, std::string why) {
  retry_rotation_at_ = now + rotation_backoff_;
  log::error(why + "; trying again in " + std::to_string(rotation_backoff_.count()) + " s");
  rotation_backoff_ = std::min(rotation_backoff_ * 2, last_rotation_retry);
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
  renamed_ = false;
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
