#include "inbox.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "tcpchat/body_parser.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat::bench {
namespace {

// The fixed start of every canonical frame.
const std::string header_prefix = std::string(header_name) + ':';

// Where a canonical frame at the start of `bytes` ends: its size once the header is complete,
// 0 while it is not, nullopt when the header is not canonical (or announces more than the
// protocol's default body limit).
std::optional<std::size_t> frame_size(std::string_view bytes) {
  const std::size_t n = std::min(bytes.size(), header_prefix.size());
  if (bytes.substr(0, n) != header_prefix.substr(0, n)) return std::nullopt;
  if (bytes.size() == n) return 0;
  std::size_t body = 0;
  std::size_t i = header_prefix.size();
  for (; i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9'; ++i) {
    body = body * 10 + static_cast<std::size_t>(bytes[i] - '0');
    if (body > Limits{}.max_body_bytes) return std::nullopt;
  }
  if (i == bytes.size()) return 0;
  if (bytes[i] != '\n' || body == 0 || bytes[header_prefix.size()] == '0') return std::nullopt;
  return i + 1 + body;
}

}  // namespace

void Inbox::reset() {
  input_ = {};
  carry_.clear();
  decoder_.reset();
  handed_over_.clear();
  failed_ = false;
}

void Inbox::feed(std::string_view chunk) {
  if (decoder_) {
    decoder_->feed(chunk);
  } else if (!failed_) {
    input_ = chunk;
  }
}

std::optional<Received> Inbox::next() {
  if (decoder_) return from_decoder();
  if (failed_) return std::nullopt;
  while (!carry_.empty()) {
    const auto size = frame_size(carry_);
    if (!size) {
      std::string bytes = std::move(carry_);
      bytes.append(std::exchange(input_, {}));
      return hand_over(std::move(bytes));
    }
    if (input_.empty()) return std::nullopt;
    if (*size == 0) {
      // The header is still incomplete: take up to its end and look again.
      const std::size_t newline = input_.find('\n');
      const std::size_t n = newline == std::string_view::npos ? input_.size() : newline + 1;
      carry_.append(input_.substr(0, n));
      input_.remove_prefix(n);
      continue;
    }
    const std::size_t n = std::min(*size - carry_.size(), input_.size());
    carry_.append(input_.substr(0, n));
    input_.remove_prefix(n);
    if (carry_.size() < *size) return std::nullopt;
    Received r = take(carry_);
    carry_.clear();
    return r;
  }
  if (input_.empty()) return std::nullopt;
  const auto size = frame_size(input_);
  if (!size) {
    const std::string_view rest = std::exchange(input_, {});
    return hand_over(std::string(rest));
  }
  if (*size == 0 || *size > input_.size()) {
    carry_.assign(input_);
    input_ = {};
    return std::nullopt;
  }
  const std::string_view frame = input_.substr(0, *size);
  input_.remove_prefix(*size);
  return take(frame);
}

Received Inbox::take(std::string_view frame) {
  if (auto stamp = data_frame_.match(frame)) return *stamp;
  DecodeResult decoded = decode_body(frame.substr(frame.find('\n') + 1));
  if (auto* error = std::get_if<ProtocolError>(&decoded)) {
    failed_ = true;
    return std::move(*error);
  }
  return std::get<Message>(std::move(decoded));
}

std::optional<Received> Inbox::hand_over(std::string bytes) {
  handed_over_ = std::move(bytes);
  decoder_.emplace();
  decoder_->feed(handed_over_);
  return from_decoder();
}

std::optional<Received> Inbox::from_decoder() {
  auto decoded = decoder_->next();
  if (!decoded) return std::nullopt;
  if (auto* error = std::get_if<ProtocolError>(&*decoded)) return std::move(*error);
  return std::get<Message>(std::move(*decoded));
}

}  // namespace tcpchat::bench
