// The --cluster URL: the Redis URI convention, and the password never shown.
#include "runtime/redis_url.hpp"

#include <catch2/catch.hpp>

using tcpchat::parse_redis_url;

TEST_CASE("a Redis URL gives host, port, database and credentials", "[cluster]") {
  const auto plain = parse_redis_url("redis://127.0.0.1:6380/2");
  REQUIRE(plain.url);
  CHECK(plain.url->host == "127.0.0.1");
  CHECK(plain.url->port == 6380);
  CHECK(plain.url->db == 2);
  CHECK(plain.url->password.empty());
  CHECK(plain.url->masked() == "redis://127.0.0.1:6380/2");

  const auto secret = parse_redis_url("redis://chat:p@ss:w0rd@redis.internal:6379");
  REQUIRE(secret.url);
  CHECK(secret.url->user == "chat");
  CHECK(secret.url->password == "p@ss:w0rd");
  CHECK(secret.url->host == "redis.internal");
  CHECK(secret.url->db == 0);
  CHECK(secret.url->masked() == "redis://chat:***@redis.internal:6379/0");

  const auto v6 = parse_redis_url("redis://:pw@[::1]:7000/1");
  REQUIRE(v6.url);
  CHECK(v6.url->host == "::1");
  CHECK(v6.url->port == 7000);
  CHECK(v6.url->user.empty());
  CHECK(v6.url->masked() == "redis://:***@[::1]:7000/1");

  CHECK(parse_redis_url("redis://localhost").url->port == 6379);
  // Nothing that would print as another URL.
  CHECK_FALSE(parse_redis_url("redis://a]:b:1").url);
  CHECK_FALSE(parse_redis_url("redis://a:b:1").url);
  CHECK(tcpchat::mask_password("redis://u:hunter2@h:0") == "redis://u:***@h:0");
  CHECK(tcpchat::mask_password("redis://h:1") == "redis://h:1");
}

TEST_CASE("what is not a Redis URL says what is expected", "[cluster]") {
  CHECK(parse_redis_url("http://127.0.0.1:6379").problem.starts_with("expected redis://"));
  CHECK(parse_redis_url("redis://").problem.starts_with("expected redis://"));
  CHECK(parse_redis_url("redis://h:0").problem == "the port must be a number from 1 to 65535");
  CHECK(parse_redis_url("redis://h:99999").problem == "the port must be a number from 1 to 65535");
  CHECK(parse_redis_url("redis://h:6379/x").problem ==
        "the database after '/' must be a number, such as /0");
}
