// Access control against the real daemon: accounts and the @AUTH frame, throttling, names that
// belong to accounts, revocation on SIGHUP, certificate names, unique names and protected mode.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "accounts.hpp"
#include "certificates.hpp"
#include "daemon_process.hpp"
#include "http_client.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::new_token;
using tcpchat::test::Peer;
using tcpchat::test::TempDir;
using tcpchat::test::Token;
using tcpchat::test::write_auth_file;
using namespace std::chrono_literals;

namespace {

Message auth_frame(const std::string& account, const std::string& token) {
  return {account, "@AUTH", token, "d"};
}

// Sends @AUTH and expects Welcome.
void sign_in(Peer& peer, const std::string& account, const std::string& token) {
  peer.send_message(auth_frame(account, token));
  const auto welcome = peer.read_message();
  REQUIRE(welcome);
  CHECK(welcome->client_name == "@SERVER");
  CHECK(welcome->subject == "Welcome");
}

void expect_refusal(Peer& peer, std::string_view subject) {
  const auto reply = peer.read_message();
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == subject);
  CHECK(peer.wait_closed());
}

struct Accounts {
  TempDir dir;
  Token alice = new_token("alice");
  Token bob = new_token("bob");
  std::filesystem::path file = dir.path() / "accounts";
  Accounts() { write_auth_file(file, {alice.line, bob.line}); }
};

std::vector<std::string> with_accounts(const Accounts& a, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--auth-file", a.file.string(), "--log-level", "debug"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("auth: a good token is welcomed into the room, the others are refused", "[auth]") {
  Accounts a;
  Daemon daemon(with_accounts(a, {"--auth-timeout", "1s"}));
  Peer alice(daemon.port());
  sign_in(alice, "alice", a.alice.token);
  const Message hello{"alice", "", "hello", "d"};
  alice.send_message(hello);
  CHECK(alice.read_message() == hello);

  SECTION("a wrong token") {
    Peer mallory(daemon.port());
    mallory.send_message(auth_frame("alice", a.bob.token));
    expect_refusal(mallory, "AuthFailed");
  }
  SECTION("an unknown account") {
    Peer mallory(daemon.port());
    mallory.send_message(auth_frame("carol", a.alice.token));
    expect_refusal(mallory, "AuthFailed");
  }
  SECTION("another frame first") {
    Peer plain(daemon.port());
    plain.send_message({"alice", "", "let me in", "d"});
    expect_refusal(plain, "AuthRequired");
    CHECK(alice.nothing_within(50ms));
  }
  SECTION("no @AUTH within --auth-timeout") {
    Peer silent(daemon.port());
    const auto reply = silent.read_message(4s);
    REQUIRE(reply);
    CHECK(reply->subject == "AuthRequired");
    CHECK(contains(reply->message, "no @AUTH frame within 1s (--auth-timeout)"));
    CHECK(silent.wait_closed());
  }
}

TEST_CASE("auth: before Welcome a connection gets neither history nor live messages", "[auth]") {
  Accounts a;
  Daemon daemon(with_accounts(a, {"--history", "10"}));
  Peer alice(daemon.port());
  sign_in(alice, "alice", a.alice.token);
  const Message first{"alice", "", "before bob", "d"};
  alice.send_message(first);
  CHECK(alice.read_message() == first);

  Peer bob(daemon.port());
  const Message second{"alice", "", "while bob waits", "d"};
  alice.send_message(second);
  CHECK(alice.read_message() == second);
  CHECK(bob.nothing_within(100ms));
  // Welcome first, then the replay of both, then live traffic.
  sign_in(bob, "bob", a.bob.token);
  CHECK(bob.read_message() == first);
  CHECK(bob.read_message() == second);
}

TEST_CASE("auth: failures throttle one address, and another still signs in", "[auth]") {
  Accounts a;
  Daemon daemon(with_accounts(a, {"--monitor", "127.0.0.1:0"}));
  for (int i = 0; i < 5; ++i) {
    Peer guess(daemon.port());
    guess.send_message(auth_frame("alice", "0123456789abcdef0123456789abcdef"));
    expect_refusal(guess, "AuthFailed");
  }
  Peer honest(daemon.port());
  honest.send_message(auth_frame("alice", a.alice.token));
  expect_refusal(honest, "AuthThrottled");

  Peer elsewhere(
      daemon.port(), "127.0.0.1",
      {.receive_buffer_bytes = 0, .max_segment_bytes = 0, .source_address = "127.0.0.2"});
  sign_in(elsewhere, "alice", a.alice.token);
  const auto page = tcpchat::test::http_get(tcpchat::test::monitor_port(daemon), "/metrics").body;
  CHECK(tcpchat::test::metric(page, "tcpchat_auth_failures_total{reason=\"bad_token\"}") == 5);
  CHECK(tcpchat::test::metric(page, "tcpchat_auth_failures_total{reason=\"throttled\"}") == 1);
  CHECK(tcpchat::test::metric(page, "tcpchat_clients_authenticated") == 1);
}

TEST_CASE("auth: a message under another account's name is refused and goes nowhere", "[auth]") {
  Accounts a;
  TempDir dir;
  const auto history = dir.path() / "history.jsonl";
  Daemon daemon(with_accounts(a, {"--history", "10", "--history-file", history.string()}));
  Peer alice(daemon.port()), bob(daemon.port());
  sign_in(alice, "alice", a.alice.token);
  sign_in(bob, "bob", a.bob.token);
  alice.send_message({"bob", "", "I am bob", "d"});
  const auto reply = alice.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "NameMismatch");
  const Message honest{"alice", "", "I am alice", "d"};
  alice.send_message(honest);  // the connection stays
  CHECK(alice.read_message() == honest);
  CHECK(bob.read_message() == honest);  // the forged one never reached bob
  const std::string recorded = tcpchat::test::read_text_file(history);
  CHECK_FALSE(contains(recorded, "I am bob"));
  CHECK(contains(recorded, "I am alice"));
}

TEST_CASE("auth: a token appears in no log, history or monitoring output", "[auth]") {
  Accounts a;
  TempDir dir;
  const auto history = dir.path() / "history.jsonl";
  Daemon daemon(with_accounts(
      a, {"--history", "10", "--history-file", history.string(), "--monitor", "127.0.0.1:0"}));
  Peer alice(daemon.port());
  sign_in(alice, "alice", a.alice.token);
  Peer wrong(daemon.port());
  wrong.send_message(auth_frame("bob", a.alice.token));
  expect_refusal(wrong, "AuthFailed");
  const Message m{"alice", "", "hi", "d"};
  alice.send_message(m);
  CHECK(alice.read_message() == m);
  const auto port = tcpchat::test::monitor_port(daemon);
  const auto clients = tcpchat::test::http_get(port, "/clients?state=all").body;
  CHECK(contains(clients, "\"account\":\"alice\""));
  for (const std::string& seen : {daemon.log(), tcpchat::test::read_text_file(history), clients,
                                  tcpchat::test::http_get(port, "/metrics").body}) {
    CHECK_FALSE(contains(seen, a.alice.token));
    CHECK_FALSE(contains(seen, "@AUTH\""));
  }
}

TEST_CASE("auth: SIGHUP adds and withdraws accounts, and keeps them when the file breaks",
          "[auth]") {
  Accounts a;
  Daemon daemon(with_accounts(a));
  Peer alice(daemon.port()), bob(daemon.port());
  sign_in(alice, "alice", a.alice.token);
  sign_in(bob, "bob", a.bob.token);
  const auto carol = new_token("carol");
  write_auth_file(a.file, {a.alice.line, carol.line});  // bob removed, carol added
  daemon.process().signal(SIGHUP);
  const auto revoked = bob.read_message();
  REQUIRE(revoked);
  CHECK(revoked->subject == "AuthRevoked");
  CHECK(bob.wait_closed());
  Peer newcomer(daemon.port());
  sign_in(newcomer, "carol", carol.token);
  const Message m{"alice", "", "alice stays", "d"};
  alice.send_message(m);
  CHECK(newcomer.read_message() == m);

  SECTION("a broken file keeps the accounts") {
    write_auth_file(a.file, {"carol:sha256:not-hex"});
    daemon.process().signal(SIGHUP);
    CHECK(daemon.wait_log("SIGHUP: invalid auth file " + a.file.string() + ", line 1"));
    Peer again(daemon.port());
    sign_in(again, "carol", carol.token);
  }
}

TEST_CASE("auth: the auth file is checked at start", "[auth]") {
  Accounts a;
  const auto refused = [](const std::string& path) {
    return tcpchat::test::run_daemon({"--port", "0", "--auth-file", path});
  };
  const auto missing = refused((a.dir.path() / "none").string());
  CHECK(missing.status == 66);
  CHECK(contains(missing.err, "cannot read the auth file"));
  ::chmod(a.file.c_str(), 0644);
  const auto open = refused(a.file.string());
  CHECK(open.status == 77);
  CHECK(contains(open.err,
                 "can be read or written by group or others: chmod 600 " + a.file.string()));
  write_auth_file(a.file, {a.alice.line, "bob:sha256:1234"});
  const auto bad = refused(a.file.string());
  CHECK(bad.status == 78);
  CHECK(contains(bad.err, "invalid auth file " + a.file.string() +
                              ", line 2: the digest must be "
                              "64 hex characters"));
}

TEST_CASE("auth: a client certificate's name is its account, with no @AUTH", "[auth][tls]") {
  tcpchat::test::Certificates certs;
  Daemon daemon({"--tls-port", "0", "--tls-cert-file", certs.server().cert, "--tls-key-file",
                 certs.server().key, "--tls-verify-clients", "require", "--tls-ca-file",
                 certs.ca_cert(), "--names-from-certificate", "true", "--quiet"});
  Peer client(daemon.tls_port());
  client.start_tls({.ca_file = certs.ca_cert(),
                    .server_name = "localhost",
                    .cert_file = certs.client().cert,
                    .key_file = certs.client().key,
                    .max_version = 0});
  const Message as_certified{"chat-client", "", "named by my certificate", "d"};
  client.send_message(as_certified);
  CHECK(client.read_message() == as_certified);
  client.send_message({"someone-else", "", "not me", "d"});
  const auto reply = client.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "NameMismatch");
}

TEST_CASE("auth: --unique-names keeps a name to the connection using it", "[auth]") {
  Daemon daemon({"--unique-names", "true", "--quiet"});
  Peer first(daemon.port()), second(daemon.port());
  const Message mine{"sam", "", "I am sam", "d"};
  first.send_message(mine);
  CHECK(first.read_message() == mine);
  CHECK(second.read_message() == mine);
  second.send_message({"sam", "", "me too", "d"});
  const auto reply = second.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "NameInUse");
  first.close();
  const Message now_free{"sam", "", "mine now", "d"};
  REQUIRE(tcpchat::test::wait_until(
      [&] {
        second.send_message(now_free);
        const auto m = second.read_message();
        return m && *m == now_free;
      },
      5s));
}

TEST_CASE("auth: protected mode refuses an open room beyond loopback", "[auth]") {
  const auto check = [](std::vector<std::string> args) {
    args.insert(args.begin(), "--check-config");
    return tcpchat::test::run_daemon(args);
  };
  const auto cli = check({"--bind", "0.0.0.0", "--port", "9999"});
  CHECK(cli.status == 64);
  CHECK(contains(cli.err,
                 "refusing to listen on 0.0.0.0:9999 (--bind on the command line) "
                 "without authentication"));
  CHECK(contains(cli.err, "set auth-file"));
  CHECK(contains(cli.err, "allow-anonymous = true"));
  TempDir dir;
  const auto conf = dir.path() / "tcpchatd.conf";
  std::ofstream(conf) << "bind = ::\nport = 9999\n";
  const auto file = check({"--config", conf.string()});
  CHECK(file.status == 78);
  CHECK(contains(file.err, "refusing to listen on [::]:9999 (bind in the config file)"));
  CHECK(check({"--bind", "0.0.0.0", "--allow-anonymous", "true"}).status == 0);
  Accounts a;
  CHECK(check({"--bind", "0.0.0.0", "--auth-file", a.file.string()}).status == 0);
  CHECK(check({"--bind", "127.0.0.1", "--bind", "::1"}).status == 0);
}

TEST_CASE("auth: --max-unauthenticated bounds connections waiting to sign in", "[auth]") {
  Accounts a;
  Daemon daemon(with_accounts(a, {"--max-unauthenticated", "1"}));
  Peer waiting(daemon.port());  // accepted first: the listener takes the backlog in order
  Peer extra(daemon.port());
  expect_refusal(extra, "ServerFull");
  sign_in(waiting, "alice", a.alice.token);
  Peer next(daemon.port());
  sign_in(next, "bob", a.bob.token);
}
