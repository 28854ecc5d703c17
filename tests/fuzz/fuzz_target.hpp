#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// What every fuzz target defines. libFuzzer calls it with generated inputs; in ordinary builds
// replay_main.cpp calls it with the committed corpus and crashes.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace tcpchat::fuzz {

// Stops the process when a property fails, so that libFuzzer keeps the input as a crash and a
// replay fails its ctest; assert() would be compiled out of release builds.
inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz: property failed: %s\n", property);
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An input whose first byte picks the size of the chunks the rest is fed in, as TCP segments
// or read(2) would split it: 1 to 256 bytes.
struct ChunkedInput {
  std::size_t chunk_bytes;
  std::string_view bytes;
};
inline ChunkedInput chunked_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {1, {}};
  return {std::size_t{data[0]} + 1, as_text(data + 1, size - 1)};
}

}  // namespace tcpchat::fuzz
