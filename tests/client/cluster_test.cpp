// The client on a cluster node: a message the cluster refuses counts as not sent (exit 65) while
// the connection stays, and a HistoryGap notice is reported on stderr while the client carries
// on.
#include <catch2/catch.hpp>

#include "client_support.hpp"
#include "redis_server.hpp"

using namespace tcpchat::test;

namespace {

Daemon node(const RedisServer& redis) {
  return Daemon(daemon_args({"--cluster", "redis://127.0.0.1:" + std::to_string(redis.port())}));
}

}  // namespace

TEST_CASE("a message the cluster refuses counts as not sent, and the others still go",
          "[cluster]") {
  RedisServer redis;
  Daemon daemon = node(redis);
  redis.kill();
  REQUIRE(daemon.wait_log("lost Redis at"));
  Process client(client_argv({"--port", std::to_string(daemon.port()), "--timeout", "5"}),
                 client_env());
  client.write_stdin("one\ntwo\n");
  client.close_stdin();
  CHECK(client.wait_exit() == 65);
  CHECK(contains(client.stderr_text(), "ClusterUnavailable"));
  CHECK(contains(client.stderr_text(), "2 of 2 sent messages were not delivered"));
}

TEST_CASE("a HistoryGap notice is reported and the client carries on", "[cluster]") {
  RedisServer redis;
  Daemon daemon = node(redis);
  Process listener(client_argv({"--port", std::to_string(daemon.port()), "--listen"}),
                   client_env());
  REQUIRE(wait_clients(daemon, 1));
  Process before(client_argv({"--port", std::to_string(daemon.port())}), client_env());
  before.write_stdin("before the loss\n");
  before.close_stdin();
  REQUIRE(before.wait_exit() == 0);
  // The room exists in Redis now, with an epoch that the restart loses.
  redis.restart(RedisServer::Data::lost);
  CHECK(listener.wait_stderr("HistoryGap"));
  REQUIRE(daemon.wait_log("is back after"));
  Process sender(client_argv({"--port", std::to_string(daemon.port()), "--name", "after"}),
                 client_env());
  sender.write_stdin("still here\n");
  sender.close_stdin();
  CHECK(sender.wait_exit() == 0);
  CHECK(listener.wait_stdout("still here"));
  CHECK(listener.running());
}
