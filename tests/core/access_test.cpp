// Accounts and the throttle of failed sign-ins, without the daemon: parsing an auth file,
// verifying tokens, what a reload withdraws, and failures counted per address in a window.
#include <catch2/catch.hpp>
#include <chrono>

#include "core/accounts.hpp"
#include "core/auth_throttle.hpp"

using namespace tcpchat;
using namespace std::chrono_literals;

TEST_CASE("an auth file's accounts verify their own tokens only", "[access]") {
  const std::string alice = new_token();
  const std::string bob = new_token();
  CHECK(alice.size() == 32);
  CHECK(alice.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(alice != bob);
  const Accounts accounts = Accounts::parse("# comment\n\n" + account_line("alice", alice) +
                                            "\r\n" + account_line("bob", bob) + "\n");
  CHECK(accounts.size() == 2);
  CHECK(accounts.verify("alice", alice));
  CHECK(accounts.verify("bob", bob));
  CHECK_FALSE(accounts.verify("alice", bob));
  CHECK_FALSE(accounts.verify("carol", alice));
  CHECK_FALSE(accounts.verify("alice", alice + "x"));
  CHECK_FALSE(accounts.verify("alice", ""));
}

TEST_CASE("a line that is not an account is refused with its number", "[access]") {
  const std::string good = account_line("alice", new_token());
  const auto line_of = [&](const std::string& bad) {
    try {
      Accounts::parse(good + "\n" + bad + "\n");
    } catch (const Accounts::ParseError& e) {
      return std::make_pair(e.line, std::string(e.what()));
    }
    return std::make_pair(std::size_t{0}, std::string());
  };
  CHECK(line_of("alice").first == 2);
  CHECK(line_of("bob:md5:" + std::string(64, 'a')).second ==
        "unknown digest \"md5\": expected sha256");
  CHECK(line_of("bob:sha256:abc").second ==
        "the digest must be 64 hex characters, the SHA-256 of the token");
  CHECK(line_of(good).second == "the account alice is listed twice");
  CHECK(line_of("@SERVER:sha256:" + std::string(64, 'a')).second ==
        "the name @SERVER is reserved for the server");
  CHECK(line_of(":sha256:" + std::string(64, 'a')).second == "an account name is 1 to 64 bytes");
  CHECK(line_of(std::string(65, 'n') + ":sha256:" + std::string(64, 'a')).first == 2);
}

TEST_CASE("account names: 1 to 64 bytes of UTF-8 anyone may go by, without ':'", "[access]") {
  CHECK_FALSE(account_name_problem("alice"));
  CHECK_FALSE(account_name_problem("José"));
  CHECK_FALSE(account_name_problem(std::string(64, 'a')));
  CHECK(account_name_problem(""));
  CHECK(account_name_problem(std::string(65, 'a')));
  CHECK(account_name_problem("a:b"));
  CHECK(account_name_problem("\xff"));
  CHECK(account_name_problem("evil\u202ename"));
  CHECK(account_name_problem("tab\there"));
  CHECK(account_name_problem("@SERVER"));
}

TEST_CASE("a reload withdraws the accounts removed and those given another token", "[access]") {
  const std::string a = new_token(), b = new_token(), c = new_token();
  const Accounts before = Accounts::parse(account_line("alice", a) + "\n" + account_line("bob", b) +
                                          "\n" + account_line("carol", c) + "\n");
  const Accounts after =
      Accounts::parse(account_line("alice", a) + "\n" + account_line("carol", new_token()) + "\n" +
                      account_line("dave", new_token()) + "\n");
  CHECK(Accounts::withdrawn(before, after) == std::set<std::string>{"bob", "carol"});
  CHECK(Accounts::withdrawn(after, after).empty());
}

TEST_CASE("five failures in a minute throttle an address until its minute has passed", "[access]") {
  AuthThrottle throttle;
  const SteadyTime t0{};
  for (std::size_t i = 0; i < AuthThrottle::failures_allowed; ++i) {
    CHECK_FALSE(throttle.throttled("192.0.2.1", t0 + std::chrono::seconds(i)));
    throttle.failed("192.0.2.1", t0 + std::chrono::seconds(i));
  }
  CHECK(throttle.throttled("192.0.2.1", t0 + 10s));
  CHECK_FALSE(throttle.throttled("192.0.2.2", t0 + 10s));  // that address only
  CHECK(throttle.throttled("192.0.2.1", t0 + 59s));
  CHECK_FALSE(throttle.throttled("192.0.2.1", t0 + 60s));
  // A failure after the window starts a new one.
  throttle.failed("192.0.2.1", t0 + 61s);
  CHECK_FALSE(throttle.throttled("192.0.2.1", t0 + 62s));
}

TEST_CASE("the throttle keeps the addresses that failed last, no more than its capacity",
          "[access]") {
  AuthThrottle throttle;
  const SteadyTime t0{};
  for (std::size_t i = 0; i < AuthThrottle::failures_allowed; ++i) throttle.failed("first", t0);
  for (std::size_t i = 0; i < AuthThrottle::capacity; ++i) {
    throttle.failed("other" + std::to_string(i), t0 + 1s);
  }
  CHECK(throttle.size() == AuthThrottle::capacity);
  // The oldest went out to make room: a scan of many addresses cannot grow the table.
  CHECK_FALSE(throttle.throttled("first", t0 + 2s));
}
