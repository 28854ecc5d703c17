#pragma once

#include <cstddef>
#include <memory>
#include <vector>

struct redisReader;

namespace tcpchat {

// hiredis' reply objects for one connection, carved out of blocks that are kept from one reply
// to the next. hiredis builds every reply as a tree of objects of two allocations each, and a
// node's reader takes every entry of the stream: a reply of 64 entries was 700 allocations and
// as many frees. hiredis builds one reply at a time and frees only the whole of it, so each
// reply starts again at the first block.
class ReplyArena {
 public:
  ReplyArena() = default;
  ReplyArena(const ReplyArena&) = delete;
  ReplyArena& operator=(const ReplyArena&) = delete;

  // Makes `reader` build its replies here, as redisReply objects as its own would be: the arena
  // must outlive the reader.
  void serve(redisReader& reader);

  // Past a reply that needed more (the history at start), the blocks beyond this are freed.
  static constexpr std::size_t block_bytes = 64 * 1024;
  static constexpr std::size_t kept_blocks = 4;

  // For hiredis' callbacks.
  void* allocate(std::size_t bytes);
  void reset();

 private:
  struct Block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0;  // the block being carved
  std::size_t used_ = 0;     // of it
};

}  // namespace tcpchat
