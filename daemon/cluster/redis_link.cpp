#include "cluster/redis_link.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <vector>

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One opening in progress: whichever of its steps fails first, or its timer, ends it once.
struct Opening : std::enable_shared_from_this<Opening> {
  Opening(asio::io_context& io, RedisUrl url, std::string name, RedisConnection::LostHandler lost,
          LinkOpened done)
      : resolver(io),
        timer(io),
        url(std::move(url)),
        name(std::move(name)),
        lost(std::move(lost)),
        done(std::move(done)) {}

  tcp::resolver resolver;
  asio::steady_timer timer;
  RedisUrl url;
  std::string name;
  RedisConnection::LostHandler lost;
  LinkOpened done;
  std::shared_ptr<RedisConnection> connection;

  void fail(const std::string& why) {
    if (!done) return;
    // Taken first: closing calls the pending handlers, which must find the opening ended.
    auto finish = std::exchange(done, nullptr);
    timer.cancel();
    resolver.cancel();
    if (connection) connection->close();
    finish(nullptr, why);
  }
  void succeed() {
    if (!done) return;
    timer.cancel();
    std::exchange(done, nullptr)(std::move(connection), "");
  }

  void start(asio::io_context& io, std::chrono::milliseconds timeout) {
    timer.expires_after(timeout);
    timer.async_wait([self = shared_from_this(), timeout](const boost::system::error_code& ec) {
      if (!ec) self->fail("no answer within " + std::to_string(timeout.count()) + " ms");
    });
    resolver.async_resolve(
        url.host, std::to_string(url.port), tcp::resolver::numeric_service,
        [self = shared_from_this(), &io, timeout](const boost::system::error_code& ec,
                                                  const tcp::resolver::results_type& results) {
          if (!self->done) return;
          if (ec || results.empty()) {
            return self->fail("cannot resolve " + self->url.host + ": " + ec.message());
          }
          self->connect(io, results.begin()->endpoint(), timeout);
        });
  }

  void connect(asio::io_context& io, const tcp::endpoint& endpoint,
               std::chrono::milliseconds timeout) {
    connection = RedisConnection::create(io, lost);
    connection->connect(endpoint.address().to_string(), endpoint.port(), timeout,
                        [self = shared_from_this()](const std::string& why) {
                          if (!why.empty()) return self->fail(why);
                          self->handshake();
                        });
  }

  // Pipelined: each step's reply is checked in order, and the last one completes the opening.
  void handshake() {
    std::vector<std::vector<std::string>> steps;
    if (!url.password.empty()) {
      if (url.user.empty()) {
        steps.push_back({"AUTH", url.password});
      } else {
        steps.push_back({"AUTH", url.user, url.password});
      }
    }
    if (url.db != 0) steps.push_back({"SELECT", std::to_string(url.db)});
    steps.push_back({"CLIENT", "SETNAME", name});
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const bool last = i + 1 == steps.size();
      connection->command(steps[i], [self = shared_from_this(), step = steps[i].front(),
                                     last](std::optional<RedisReply> reply) {
        if (!self->done) return;
        if (!reply) return self->fail("the connection closed during " + step);
        if (reply->type == RedisReply::Type::error) {
          return self->fail(step + " refused: " + reply->text);
        }
        if (last) self->succeed();
      });
    }
  }
};

}  // namespace

void open_redis_link(asio::io_context& io, const RedisUrl& url, const std::string& client_name,
                     std::chrono::milliseconds timeout, RedisConnection::LostHandler lost,
                     LinkOpened done) {
  auto opening = std::make_shared<Opening>(io, url, client_name, std::move(lost), std::move(done));
  opening->start(io, timeout);
}

}  // namespace tcpchat
