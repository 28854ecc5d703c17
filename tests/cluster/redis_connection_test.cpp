// The hiredis connection on an io_context, against a real redis-server: commands and their
// replies in order, a blocking read, the append script, a connection refused, and a server
// that goes away under a pending command.
#include "cluster/redis_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <iterator>

#include "redis_server.hpp"

using tcpchat::RedisConnection;
using tcpchat::RedisReply;
using namespace std::chrono_literals;

namespace {

// Runs `io` until `done` or 10 s.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(20ms);
  }
  return done();
}

std::shared_ptr<RedisConnection> connected(boost::asio::io_context& io, std::uint16_t port,
                                           std::string* lost = nullptr) {
  auto c = RedisConnection::create(io, [lost](const std::string& why) {
    if (lost) *lost = why.empty() ? "lost" : why;
  });
  std::optional<std::string> error;
  c->connect("127.0.0.1", port, 2s, [&](const std::string& e) { error = e; });
  REQUIRE(run_until(io, [&] { return error.has_value(); }));
  REQUIRE(*error == "");
  return c;
}

}  // namespace

TEST_CASE("commands get their replies, in order, on the loop", "[cluster]") {
  tcpchat::test::RedisServer redis;
  boost::asio::io_context io;
  auto c = connected(io, redis.port());
  std::vector<RedisReply> replies;
  const auto keep = [&](std::optional<RedisReply> r) {
    REQUIRE(r);
    replies.push_back(std::move(*r));
  };
  c->command({"PING"}, keep);
  c->command({"SET", "k", std::string("a\0b", 3)}, keep);
  c->command({"GET", "k"}, keep);
  c->command({"INCR", "k"}, keep);
  c->command({"XREAD", "BLOCK", "100", "STREAMS", "nothing", "$"}, keep);
  c->command({"CLIENT", "SETNAME", "tcpchatd:test:writer"}, keep);
  REQUIRE(run_until(io, [&] { return replies.size() == 6; }));
  CHECK(replies[0].type == RedisReply::Type::status);
  CHECK(replies[0].text == "PONG");
  CHECK(replies[2].type == RedisReply::Type::string);
  CHECK(replies[2].text == std::string("a\0b", 3));
  CHECK(replies[3].type == RedisReply::Type::error);
  CHECK(replies[4].type == RedisReply::Type::nil);  // the blocking read timed out
  CHECK(replies[5].text == "OK");
  CHECK(redis.cli({"CLIENT", "LIST"}).find("name=tcpchatd:test:writer") != std::string::npos);
}

TEST_CASE("the append script runs through the connection", "[cluster]") {
  tcpchat::test::RedisServer redis;
  boost::asio::io_context io;
  auto c = connected(io, redis.port());
  std::ifstream file(TCPCHAT_APPEND_SCRIPT);
  const std::string script((std::istreambuf_iterator<char>(file)), {});
  std::optional<RedisReply> reply;
  c->command({"EVAL", script, "3", "room", "stream", "last:node/i1", std::string(32, 'e'), "100",
              "node", "i1", "60000", "1", "1", "0",
              R"({"client_name": "alice", "subject": "", "message": "hi", "date": "d"})"},
             [&](std::optional<RedisReply> r) { reply = std::move(r); });
  REQUIRE(run_until(io, [&] { return reply.has_value(); }));
  REQUIRE(reply->type == RedisReply::Type::array);
  REQUIRE(reply->elements.size() == 2);
  CHECK(reply->elements[0].text == std::string(32, 'e'));
  CHECK(reply->elements[1].integer == 1);
  CHECK(redis.cli({"GET", "last:node/i1"}) == "1:1\n");
}

TEST_CASE("a refused connection says why, and a lost one fails what is pending", "[cluster]") {
  boost::asio::io_context io;
  std::uint16_t closed_port = 0;
  {
    tcpchat::test::RedisServer gone;
    closed_port = gone.port();
  }
  auto refused = RedisConnection::create(io, nullptr);
  std::optional<std::string> error;
  refused->connect("127.0.0.1", closed_port, 2s, [&](const std::string& e) { error = e; });
  REQUIRE(run_until(io, [&] { return error.has_value(); }));
  CHECK(error->find("refused") != std::string::npos);

  tcpchat::test::RedisServer redis;
  std::string lost;
  auto c = connected(io, redis.port(), &lost);
  bool answered = false;
  std::optional<RedisReply> reply{RedisReply{}};
  c->command({"XREAD", "BLOCK", "5000", "STREAMS", "s", "$"}, [&](std::optional<RedisReply> r) {
    answered = true;
    reply = std::move(r);
  });
  io.restart();
  io.run_for(100ms);  // the command is on its way
  redis.process().signal(SIGKILL);
  REQUIRE(run_until(io, [&] { return answered && !lost.empty(); }));
  CHECK_FALSE(reply.has_value());
  CHECK_FALSE(c->connected());
}
