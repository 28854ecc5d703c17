#pragma once

// The recorded transcripts of the original Python chat (../shared/fixtures/python-chat).

#include <optional>
#include <string>
#include <vector>

#include "tcpchat/message.hpp"

namespace tcpchat::test {

struct FixtureCase {
  std::string name;
  std::string category;             // valid, invalid, valid_then_invalid, robustness, quirk
  std::string sent;                 // the bytes the recorder sent
  std::vector<std::size_t> chunks;  // how `sent` was split into send() calls
  bool shutdown_after = false;      // the recorder half-closed after sending
  // Messages tcpchat must accept, in order; empty when the fields are not all strings
  // (quirk cases that the original echoed and tcpchat refuses).
  std::vector<Message> expect_messages;
  std::vector<std::string> expect_broadcast;  // exact bytes every client must receive
};

struct EncoderVector {
  std::string name;
  std::optional<Message> fields;  // nullopt when a field is not a string
  std::string send;               // the original's bytes for the whole frame
};

std::string fixtures_dir();
std::string read_file(const std::string& path);
std::string base64_decode(const std::string& text);
std::vector<FixtureCase> load_cases();
std::vector<EncoderVector> load_encoder_vectors();

}  // namespace tcpchat::test
