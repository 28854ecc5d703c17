#include "cluster/reply_arena.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace tcpchat {
namespace {

// Each object knows its arena: hiredis frees a reply with nothing but its pointer.
struct Node {
  ReplyArena* arena;
  redisReply reply;
};

ReplyArena* arena_of(void* reply) {
  return reinterpret_cast<Node*>(static_cast<std::byte*>(reply) - offsetof(Node, reply))->arena;
}

// A new object for `task`, in its parent's place as hiredis' own objects are.
redisReply* create(const redisReadTask* task, int type) {
  ReplyArena* arena =
      task->parent ? arena_of(task->parent->obj) : static_cast<ReplyArena*>(task->privdata);
  auto* node = static_cast<Node*>(arena->allocate(sizeof(Node)));
  node->arena = arena;
  redisReply* r = &node->reply;
  std::memset(r, 0, sizeof *r);
  r->type = type;
  if (task->parent) {
    static_cast<redisReply*>(task->parent->obj)->element[task->idx] = r;
  }
  return r;
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  redisReply* r = create(task, task->type);
  r->str = static_cast<char*>(arena_of(r)->allocate(len + 1));
  std::memcpy(r->str, str, len);
  r->str[len] = '\0';
  r->len = len;
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  redisReply* r = create(task, REDIS_REPLY_ARRAY);
  if (elements > 0) {
    const auto n = static_cast<std::size_t>(elements);
    r->element = static_cast<redisReply**>(arena_of(r)->allocate(n * sizeof(redisReply*)));
    std::memset(r->element, 0, n * sizeof(redisReply*));
  }
  r->elements = static_cast<std::size_t>(elements > 0 ? elements : 0);
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  redisReply* r = create(task, REDIS_REPLY_INTEGER);
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) {
  return create(task, REDIS_REPLY_NIL);
}

// hiredis frees the whole reply, never a part of it.
void free_reply(void* reply) {
  arena_of(reply)->reset();
}

redisReplyObjectFunctions functions = {create_string, create_array, create_integer, create_nil,
                                       free_reply};

}  // namespace

void ReplyArena::serve(redisReader& reader) {
  reader.fn = &functions;
  reader.privdata = this;
}

void* ReplyArena::allocate(std::size_t bytes) {
  constexpr std::size_t align = alignof(std::max_align_t);
  bytes = (bytes + align - 1) / align * align;
  while (current_ < blocks_.size() && used_ + bytes > blocks_[current_].size) {
    ++current_;
    used_ = 0;
  }
  if (current_ == blocks_.size()) {
    const std::size_t size = std::max(block_bytes, bytes);
    blocks_.push_back({std::make_unique<std::byte[]>(size), size});
    used_ = 0;
  }
  std::byte* at = blocks_[current_].data.get() + used_;
  used_ += bytes;
  return at;
}

void ReplyArena::reset() {
  if (blocks_.size() > kept_blocks) blocks_.resize(kept_blocks);
  current_ = 0;
  used_ = 0;
}

}  // namespace tcpchat
