#include "cluster/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>

namespace tcpchat {
namespace asio = boost::asio;

namespace {

RedisReply copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

RedisConnection* owner(const redisAsyncContext* context) {
  return static_cast<RedisConnection*>(context->data);
}

}  // namespace

std::shared_ptr<RedisConnection> RedisConnection::create(asio::io_context& io, LostHandler lost) {
  return std::shared_ptr<RedisConnection>(new RedisConnection(io, std::move(lost)));
}

RedisConnection::RedisConnection(asio::io_context& io, LostHandler lost)
    : socket_(io), connect_timer_(io), lost_(std::move(lost)) {}

RedisConnection::~RedisConnection() {
  close();
}

void RedisConnection::connect(const std::string& address, std::uint16_t port,
                              std::chrono::milliseconds timeout,
                              std::function<void(const std::string&)> done) {
  context_ = redisAsyncConnect(address.c_str(), port);
  if (!context_ || context_->err) {
    const std::string why = context_ ? context_->errstr : "out of memory";
    if (context_) redisAsyncFree(context_);
    context_ = nullptr;
    return asio::post(socket_.get_executor(), [done, why] { done(why); });
  }
  // hiredis frees its read buffer whenever it empties past 16 KiB, and a reader's XREAD replies
  // are larger: keep it, rather than allocate it again for every reply.
  context_->c.reader->maxbuf = 0;
  arena_.serve(*context_->c.reader);
  context_->data = this;
  context_->ev.data = this;
  context_->ev.addRead = &RedisConnection::add_read;
  context_->ev.delRead = &RedisConnection::del_read;
  context_->ev.addWrite = &RedisConnection::add_write;
  context_->ev.delWrite = &RedisConnection::del_write;
  context_->ev.cleanup = &RedisConnection::cleanup;
  boost::system::error_code ec;
  socket_.assign(context_->c.fd, ec);
  connected_handler_ = std::move(done);
  redisAsyncSetConnectCallback(context_, &RedisConnection::on_connect);
  redisAsyncSetDisconnectCallback(context_, &RedisConnection::on_disconnect);
  // hiredis connects without blocking and wants to know when the socket is writable.
  add_write(this);
  connect_timer_.expires_after(timeout);
  connect_timer_.async_wait(
      [self = shared_from_this(), timeout](const boost::system::error_code& e) {
        if (e || self->connected_ || !self->connected_handler_) return;
        auto done = std::exchange(self->connected_handler_, nullptr);
        self->close();
        done("no answer within " + std::to_string(timeout.count()) + " ms");
      });
}

void RedisConnection::command(const std::vector<std::string>& args, ReplyHandler handler) {
  command_view(args, [handler = std::move(handler)](const redisReply* reply) {
    if (!reply) return handler(std::nullopt);
    handler(copy(reply));
  });
}

void RedisConnection::command_view(const std::vector<std::string>& args, ViewHandler handler) {
  if (!context_) {
    return asio::post(socket_.get_executor(), [handler = std::move(handler)] { handler(nullptr); });
  }
  send(args, new ViewHandler(std::move(handler)));
}

void RedisConnection::send(const std::vector<std::string>& args, ViewHandler* handler) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (redisAsyncCommandArgv(context_, &RedisConnection::on_reply, handler,
                            static_cast<int>(argv.size()), argv.data(),
                            lengths.data()) != REDIS_OK) {
    std::unique_ptr<ViewHandler> lost(handler);
    asio::post(socket_.get_executor(), [h = std::move(*lost)] { h(nullptr); });
  }
}

void RedisConnection::close() {
  connect_timer_.cancel();
  if (!context_ || closing_) return;
  closing_ = true;
  // Frees the context now, calling every pending reply handler with nothing, and cleanup().
  redisAsyncFree(context_);
  context_ = nullptr;
}

void RedisConnection::detach() {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
  // hiredis closes the socket itself: Asio must let go of it first.
  socket_.release();
  context_ = nullptr;
  want_read_ = want_write_ = false;
}

void RedisConnection::arm_read() {
  if (read_armed_ || !want_read_ || !context_) return;
  read_armed_ = true;
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->read_armed_ = false;
                       if (ec || !self->context_) return;
                       redisAsyncHandleRead(self->context_);
                       self->arm_read();
                     });
}

void RedisConnection::arm_write() {
  if (write_armed_ || !want_write_ || !context_) return;
  write_armed_ = true;
  socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->write_armed_ = false;
                       if (ec || !self->context_) return;
                       redisAsyncHandleWrite(self->context_);
                       self->arm_write();
                     });
}

void RedisConnection::add_read(void* self) {
  auto* c = static_cast<RedisConnection*>(self);
  c->want_read_ = true;
  c->arm_read();
}

void RedisConnection::del_read(void* self) {
  static_cast<RedisConnection*>(self)->want_read_ = false;
}

void RedisConnection::add_write(void* self) {
  auto* c = static_cast<RedisConnection*>(self);
  c->want_write_ = true;
  c->arm_write();
}

void RedisConnection::del_write(void* self) {
  static_cast<RedisConnection*>(self)->want_write_ = false;
}

void RedisConnection::cleanup(void* self) {
  static_cast<RedisConnection*>(self)->detach();
}

void RedisConnection::on_connect(const redisAsyncContext* context, int status) {
  RedisConnection* c = owner(context);
  c->connect_timer_.cancel();
  auto done = std::exchange(c->connected_handler_, nullptr);
  if (status == REDIS_OK) {
    c->connected_ = true;
    if (done) done("");
    return;
  }
  // hiredis frees the context after this returns.
  const std::string why = context->errstr;
  c->closing_ = true;
  if (done) done(why);
}

void RedisConnection::on_disconnect(const redisAsyncContext* context, int status) {
  RedisConnection* c = owner(context);
  const bool was_connected = std::exchange(c->connected_, false);
  if (c->closing_ || !was_connected) return;
  c->closing_ = true;
  const std::string why = status == REDIS_OK ? std::string("closed") : std::string(context->errstr);
  if (c->lost_) c->lost_(why);
}

void RedisConnection::on_reply(redisAsyncContext*, void* reply, void* handler) {
  std::unique_ptr<ViewHandler> h(static_cast<ViewHandler*>(handler));
  (*h)(static_cast<const redisReply*>(reply));
}

}  // namespace tcpchat
