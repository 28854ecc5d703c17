#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/reply_arena.hpp"

struct redisAsyncContext;
struct redisReply;

namespace tcpchat {

// A reply as the cluster link reads it, copied out of hiredis' own.
struct RedisReply {
  enum class Type : unsigned char { string, integer, array, nil, status, error };
  Type type = Type::nil;
  std::string text;  // string, status, error
  long long integer = 0;
  std::vector<RedisReply> elements;  // array
};

// One hiredis async connection on the daemon's io_context: hiredis writes commands and parses
// replies, and Asio tells it when its socket is ready, through hiredis' event hooks. hiredis 0.14
// has no timeouts of its own: connecting is bounded here, commands by the caller.
class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  // The reply, or nothing when the connection ended before it came.
  using ReplyHandler = std::function<void(std::optional<RedisReply>)>;
  // hiredis' own reply, valid during the call only, or null when the connection ended: for a
  // reader that takes what it needs without a copy of the whole reply first.
  using ViewHandler = std::function<void(const redisReply*)>;
  // Called once when an established connection ends, with why.
  using LostHandler = std::function<void(const std::string& why)>;

  static std::shared_ptr<RedisConnection> create(boost::asio::io_context& io, LostHandler lost);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects to a numeric address (hiredis would resolve a name with a blocking call); `done`
  // gets an empty string, or why it failed within `timeout`.
  void connect(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout,
               std::function<void(const std::string& error)> done);
  // Queues a command; replies come in the order of the commands.
  void command(const std::vector<std::string>& args, ReplyHandler handler);
  void command_view(const std::vector<std::string>& args, ViewHandler handler);
  // Ends the connection; pending handlers get nothing. No LostHandler call.
  void close();
  bool connected() const { return context_ != nullptr && connected_; }

 private:
  RedisConnection(boost::asio::io_context& io, LostHandler lost);
  void arm_read();
  void arm_write();
  void detach();  // hiredis is about to free the context and close its socket

  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);
  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* handler);
  // Queues a command whose reply goes to `handler` (a ViewHandler*, owned from here).
  void send(const std::vector<std::string>& args, ViewHandler* handler);

  // Before the context, which builds its replies in it until it is freed.
  ReplyArena arena_;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer connect_timer_;
  redisAsyncContext* context_ = nullptr;
  LostHandler lost_;
  std::function<void(const std::string&)> connected_handler_;
  bool connected_ = false;
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_armed_ = false;
  bool write_armed_ = false;
  bool closing_ = false;
};

}  // namespace tcpchat
