#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal.hpp"
#include "runtime/config.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat {

// The append-only record of accepted messages: one compact JSON object per line. Appends are
// one write(2) per batch; fsync follows the configured policy (with `always`, a batch that is
// not durable is cut off again and refused); past its size limit (0: none) the file is renamed
// to PATH.1 and a new one started, and a rotation that fails is tried again with a backoff.
class HistoryFile final : public Journal {
 public:
  // Opens (creating) `path` for appending. A torn last line left by a crash is cut off.
  // Throws std::runtime_error with a sentence naming the file.
  HistoryFile(std::string path, std::size_t max_bytes, FsyncPolicy policy);
  ~HistoryFile();
  HistoryFile(const HistoryFile&) = delete;
  HistoryFile& operator=(const HistoryFile&) = delete;

  // The last `count` messages recorded in PATH.1 and PATH, oldest first, leaving out those the
  // daemon could not send: longer than `max_body_bytes` once encoded. Reads the files backwards
  // and stops after about `budget_bytes` of lines, so start-up does not grow with their size.
  std::vector<Message> load_tail(std::size_t count, std::size_t max_body_bytes,
                                 std::size_t budget_bytes) const;

  // Journal: appends one line per message, in one write(2).
  std::optional<std::string> record(std::span<const Message> messages) override;
  // fsync if anything was appended since the last one (for FsyncPolicy::interval).
  void sync();
  // Closes and opens the path again (after logrotate moved the file). False with `error` set
  // when the new file cannot be opened; the old descriptor is kept then.
  bool reopen(std::string& error);

  void set_limits(std::size_t max_bytes, FsyncPolicy policy);

  // Appends refused since the start.
  std::uint64_t write_errors() const { return write_errors_; }
  // Why the last append failed and when, while no append has succeeded since.
  struct Failure {
    std::chrono::steady_clock::time_point at;
    std::string why;
  };
  const std::optional<Failure>& failing() const { return failing_; }

 private:
  // After a rotation step fails (the rename, or opening the new file: EMFILE, ENOSPC), it is
  // tried again after this, doubling up to the ceiling: it recovers by itself, without an error
  // line on every append meanwhile.
  static constexpr std::chrono::seconds first_rotation_retry{1};
  static constexpr std::chrono::seconds last_rotation_retry{60};

  void open_or_throw();
  // Appends whole lines; on failure nothing of them stays in the file and `error` says why.
  bool append(std::string_view lines, std::string& error);
  void rotate();
  void retry_rotation(std::chrono::steady_clock::time_point now, std::string why);
  // fdatasync; false with `error` set when the data may not be on disk.
  bool durable(std::string& error);
  // Cuts the file back to size_, dropping `what` was written after it; if that fails, adds why
  // to `error` and reopens the file, so that appends go on.
  void cut_back(std::string_view what, std::string& error);

  std::string path_;
  std::size_t max_bytes_;
  FsyncPolicy policy_;
  int fd_ = -1;
  bool regular_ = true;  // false for a device such as /dev/null: never rotated or reloaded
  std::size_t size_ = 0;
  bool dirty_ = false;
  bool renamed_ = false;  // PATH was moved to PATH.1, and no new PATH is open yet
  std::chrono::steady_clock::time_point retry_rotation_at_{};
  std::chrono::seconds rotation_backoff_ = first_rotation_retry;
  std::uint64_t write_errors_ = 0;
  std::optional<Failure> failing_;
};

}  // namespace tcpchat
