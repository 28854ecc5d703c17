// TLS (--tls-port) against the real daemon, with certificates made by the openssl command: the
// same bytes as plaintext, one room for both, handshakes that fail or stall, versions, client
// certificates, a certificate replaced by SIGHUP, and the settings refused at start.
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "certificates.hpp"
#include "daemon_process.hpp"
#include "fixtures.hpp"
#include "http_client.hpp"
#include "process_stats.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::Certificates;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::TlsClientOptions;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> tls_args(const Certificates& certs, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--quiet",         "--tls-port",        "0",
                                   "--tls-cert-file", certs.server().cert, "--tls-key-file",
                                   certs.server().key};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TlsClientOptions trusting(const Certificates& certs) {
  return {.ca_file = certs.ca_cert(),
          .server_name = "localhost",
          .cert_file = {},
          .key_file = {},
          .max_version = 0};
}

Peer tls_peer(const Daemon& daemon, const TlsClientOptions& options) {
  Peer peer(daemon.tls_port());
  peer.start_tls(options);
  return peer;
}

// Whether `openssl s_client` completes a handshake with the daemon's TLS port under `flags`.
bool s_client_connects(const Daemon& daemon, const Certificates& certs,
                       std::vector<std::string> flags) {
  std::vector<std::string> argv = {"openssl",
                                   "s_client",
                                   "-connect",
                                   "127.0.0.1:" + std::to_string(daemon.tls_port()),
                                   "-servername",
                                   "localhost",
                                   "-CAfile",
                                   certs.ca_cert(),
                                   "-verify_return_error"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  tcpchat::test::ProcessOptions options;
  options.stdin_pipe = false;
  tcpchat::test::Process p(argv, options);
  const auto status = p.wait_exit(10s);
  REQUIRE(status);
  return *status == 0 && contains(p.stdout_text(), "Verify return code: 0 (ok)");
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("frames over TLS are the bytes of plaintext, and both share one room", "[tls]") {
  Certificates certs;
  Daemon daemon(tls_args(certs));
  Peer plain(daemon.port());
  Peer secure = tls_peer(daemon, trusting(certs));
  CHECK(secure.tls_version() == "TLSv1.3");
  REQUIRE(tcpchat::test::sync_room({&plain, &secure}));

  const Message from_tls{"alice", "greeting", "héllo over TLS", "01/12/2026 10:00:00"};
  secure.send_message(from_tls);
  const auto seen_plain = plain.read_frame();
  REQUIRE(seen_plain);
  CHECK(*seen_plain == tcpchat::encode(from_tls));
  CHECK(secure.read_frame() == seen_plain);  // the echo

  const Message from_plain{"bob", "", "and back", "01/12/2026 10:00:01"};
  plain.send_message(from_plain);
  CHECK(secure.read_frame() == tcpchat::encode(from_plain));
  CHECK(plain.read_frame() == tcpchat::encode(from_plain));

  SECTION("an @SERVER refusal over TLS is the plaintext one, and closes with close_notify") {
    Peer bad_plain(daemon.port());
    Peer bad_tls = tls_peer(daemon, trusting(certs));
    bad_plain.send("Content-length:3\nabc");
    bad_tls.send("Content-length:3\nabc");
    const auto plain_reply = bad_plain.read_message();
    const auto tls_reply = bad_tls.read_message();
    REQUIRE(plain_reply);
    REQUIRE(tls_reply);
    CHECK(tls_reply->client_name == "@SERVER");
    CHECK(tls_reply->subject == "InvalidRequestError");
    CHECK(tls_reply->message == plain_reply->message);
    CHECK(bad_tls.wait_closed());
    CHECK(bad_tls.closed_cleanly());
    CHECK(plain.nothing_within(50ms));
  }

  SECTION("plaintext and TLS clients see one order") {
    Peer plain2(daemon.port());
    Peer secure2 = tls_peer(daemon, trusting(certs));
    std::vector<Peer*> all = {&plain, &secure, &plain2, &secure2};
    REQUIRE(tcpchat::test::sync_room(all));
    constexpr int per_sender = 50;
    for (int i = 0; i < per_sender; ++i) {
      for (std::size_t s = 0; s < all.size(); ++s) {
        all[s]->send_message(
            {"sender" + std::to_string(s), "", "message " + std::to_string(i), "d"});
      }
    }
    const auto first = plain.read_messages(per_sender * all.size());
    REQUIRE(first.size() == per_sender * all.size());
    for (Peer* p : {&secure, &plain2, &secure2}) CHECK(p->read_messages(first.size()) == first);
  }
}

TEST_CASE("the original's recorded frames are broadcast over TLS as over plaintext", "[tls]") {
  Certificates certs;
  Daemon daemon(tls_args(certs));
  Peer observer(daemon.port());
  std::size_t replayed = 0;
  for (const auto& c : tcpchat::test::load_cases()) {
    if (c.category != "valid" && c.category != "invalid" && c.category != "valid_then_invalid") {
      continue;
    }
    DYNAMIC_SECTION(c.name << " (" << c.category << ")") {
      Peer sender = tls_peer(daemon, trusting(certs));
      REQUIRE(tcpchat::test::sync_room({&sender, &observer}));
      sender.try_send(c.sent);  // an invalid frame may be refused before it is all sent
      for (const auto& frame : c.expect_broadcast) {
        CHECK(sender.read_frame() == frame);
        CHECK(observer.read_frame() == frame);
      }
      if (c.category != "valid") {
        const auto reply = sender.read_message();
        REQUIRE(reply);
        CHECK(reply->subject == "InvalidRequestError");
        CHECK(sender.wait_closed());
      }
    }
    ++replayed;
  }
  CHECK(replayed >= 20);
}

TEST_CASE("a plaintext client or a stalled handshake on the TLS port is closed in time", "[tls]") {
  Certificates certs;
  Daemon daemon(tls_args(certs, {"--tls-handshake-timeout", "1s", "--monitor", "127.0.0.1:0",
                                 "--log-level", "debug"}));
  Peer a = tls_peer(daemon, trusting(certs));
  Peer b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));

  Peer plaintext(daemon.tls_port());
  plaintext.send(tcpchat::encode({"old client", "", "hi", "d"}));
  Peer silent(daemon.tls_port());
  CHECK(plaintext.wait_closed(5s));
  // The sweep runs once a second: closed within the timeout and one sweep.
  CHECK(silent.wait_closed(4s));
  CHECK(plaintext.buffered() == 0);

  const Message m{"a", "", "still chatting", "d"};
  a.send_message(m);
  CHECK(b.read_message() == m);
  CHECK(a.read_message() == m);
  CHECK(daemon.wait_log("TLS handshake with " + plaintext.local_name() + " failed: "));
  CHECK(daemon.wait_log("not finished within 1s (--tls-handshake-timeout)"));
  const auto page = tcpchat::test::http_get(tcpchat::test::monitor_port(daemon), "/metrics").body;
  CHECK(tcpchat::test::metric(page, "tcpchat_connections_closed_total{reason=\"tls_handshake\"}") ==
        2);
  CHECK(tcpchat::test::metric(page, "tcpchat_tls_handshakes") == 0);
  CHECK(tcpchat::test::metric(page, "tcpchat_tls_certificate_expiry_timestamp_seconds") > 0);
}

TEST_CASE("past --tls-max-handshakes, new connections wait in the backlog", "[tls]") {
  Certificates certs;
  Daemon daemon(tls_args(certs, {"--tls-max-handshakes", "1", "--monitor", "127.0.0.1:0"}));
  const auto port = tcpchat::test::monitor_port(daemon);
  const auto metric = [&](std::string_view series) {
    return tcpchat::test::metric(tcpchat::test::http_get(port, "/metrics").body, series);
  };
  Peer stalled(daemon.tls_port());  // connects, and never says ClientHello
  REQUIRE(tcpchat::test::wait_until([&] { return metric("tcpchat_tls_handshakes") == 1; }, 5s));
  Peer waiting(daemon.tls_port());  // the kernel completes its connection; the daemon waits
  Peer plain(daemon.port());        // plaintext is not held up
  REQUIRE(tcpchat::test::sync_room({&plain}));
  CHECK(metric("tcpchat_connections_accepted_total") == 2);
  CHECK(metric("tcpchat_tls_handshakes") == 1);

  stalled.close();  // its handshake ends, and the one waiting is taken
  waiting.start_tls(trusting(certs));
  REQUIRE(tcpchat::test::sync_room({&plain, &waiting}));
  CHECK(metric("tcpchat_connections_accepted_total") == 3);
  CHECK(metric("tcpchat_tls_handshakes") == 0);
}

TEST_CASE("part of a TLS record waits for the socket, not in a busy loop", "[tls]") {
  Certificates certs;
  Daemon daemon(tls_args(certs));
  Peer partial = tls_peer(daemon, trusting(certs));
  Peer other = tls_peer(daemon, trusting(certs));
  REQUIRE(tcpchat::test::sync_room({&partial, &other}));
  // The first bytes of a record header, past OpenSSL: the daemon has part of a record, and only
  // the socket can complete it.
  REQUIRE(::send(partial.fd(), "\x17\x03", 2, 0) == 2);
  const std::size_t before = tcpchat::test::cpu_ticks(daemon.process().pid());
  // An observation window, not a wait for anything: a loop spinning on the partial record would
  // burn all of it.
  std::this_thread::sleep_for(500ms);
  const std::size_t used = tcpchat::test::cpu_ticks(daemon.process().pid()) - before;
  CHECK(used < 10);  // of about 50 ticks in the window
  const Message m{"other", "", "the loop is free", "d"};
  other.send_message(m);
  CHECK(other.read_message() == m);
}

TEST_CASE("TLS 1.2 and 1.3 are accepted, and 1.2 refused under --tls-min-version 1.3", "[tls]") {
  Certificates certs;
  {
    Daemon daemon(tls_args(certs));
    CHECK(s_client_connects(daemon, certs, {"-tls1_2"}));
    CHECK(s_client_connects(daemon, certs, {"-tls1_3"}));
  }
  Daemon strict(tls_args(certs, {"--tls-min-version", "1.3"}));
  CHECK_FALSE(s_client_connects(strict, certs, {"-tls1_2"}));
  CHECK(s_client_connects(strict, certs, {"-tls1_3"}));
}

TEST_CASE("client certificates: with --tls-verify-clients require, a client without one is refused",
          "[tls]") {
  Certificates certs;
  Daemon daemon(
      tls_args(certs, {"--tls-verify-clients", "require", "--tls-ca-file", certs.ca_cert()}));
  Peer listener(daemon.port());

  TlsClientOptions with = trusting(certs);
  with.cert_file = certs.client().cert;
  with.key_file = certs.client().key;
  Peer accepted = tls_peer(daemon, with);
  REQUIRE(tcpchat::test::sync_room({&accepted, &listener}));

  // In TLS 1.3 the client's handshake ends before the server has judged its certificate: the
  // refusal arrives as an alert on the first read.
  Peer refused(daemon.tls_port());
  bool handshake_failed = false;
  try {
    refused.start_tls(trusting(certs));
  } catch (const std::runtime_error&) {
    handshake_failed = true;
  }
  if (!handshake_failed) CHECK(refused.wait_closed());
  CHECK(refused.buffered() == 0);

  Peer unknown(daemon.tls_port());
  const auto stranger = certs.self_signed("stranger");
  TlsClientOptions untrusted = trusting(certs);
  untrusted.cert_file = stranger.cert;
  untrusted.key_file = stranger.key;
  try {
    unknown.start_tls(untrusted);
    CHECK(unknown.wait_closed());
  } catch (const std::runtime_error&) {
  }

  const Message m{"verified", "", "only me", "d"};
  accepted.send_message(m);
  CHECK(listener.read_message() == m);
}

TEST_CASE("SIGHUP serves a new certificate to new connections and keeps old ones", "[tls]") {
  Certificates certs;
  const std::string cert = (certs.dir() / "live.pem").string();
  const std::string key = (certs.dir() / "live.key").string();
  fs::copy_file(certs.server().cert, cert);
  fs::copy_file(certs.server().key, key);
  Daemon daemon({"--quiet", "--tls-port", "0", "--tls-cert-file", cert, "--tls-key-file", key});
  const std::string first = Certificates::serial(cert);
  CHECK(daemon.wait_log("serial " + first));
  Peer old = tls_peer(daemon, trusting(certs));
  CHECK(old.peer_serial() == first);

  const auto renewed = certs.issue("renewed");
  fs::copy_file(renewed.cert, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(renewed.key, key, fs::copy_options::overwrite_existing);
  const std::string second = Certificates::serial(cert);
  REQUIRE(second != first);
  daemon.process().signal(SIGHUP);
  REQUIRE(daemon.wait_log("TLS certificate: subject /CN=localhost, serial " + second));
  Peer fresh = tls_peer(daemon, trusting(certs));
  CHECK(fresh.peer_serial() == second);
  REQUIRE(tcpchat::test::sync_room({&old, &fresh}));
  const Message m{"old", "", "still here after the reload", "d"};
  old.send_message(m);
  CHECK(fresh.read_message() == m);
  CHECK(old.read_message() == m);

  SECTION("a broken key keeps the certificate that was loaded") {
    write_file(key, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    daemon.process().signal(SIGHUP);
    CHECK(daemon.wait_log("SIGHUP: cannot use the TLS key file " + key));
    CHECK(daemon.wait_log("keep the certificate loaded before (" + second + ")"));
    Peer later = tls_peer(daemon, trusting(certs));
    CHECK(later.peer_serial() == second);
  }
}

TEST_CASE("an expired certificate is a loud warning, not a refusal to serve", "[tls]") {
  Certificates certs;
  const auto expired = certs.issue("expired", -1);
  Daemon daemon({"--quiet", "--tls-port", "0", "--tls-cert-file", expired.cert, "--tls-key-file",
                 expired.key});
  CHECK(daemon.wait_log("warning: the TLS certificate EXPIRED on "));
  Peer plain(daemon.port());
  Peer secure(daemon.tls_port());
  secure.start_tls({});  // verifying nothing, so the expired certificate is accepted
  REQUIRE(tcpchat::test::sync_room({&plain, &secure}));
}

TEST_CASE("bad TLS settings stop the start with one sentence and status 78", "[tls]") {
  Certificates certs;
  const auto other = certs.issue("other");
  const auto refused = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"--port", "0", "--tls-port", "0"});
    return tcpchat::test::run_daemon(args);
  };
  const auto one_sentence = [](const tcpchat::test::Outcome& o, std::string_view expected) {
    CHECK(o.status == 78);
    CHECK(contains(o.err, expected));
    CHECK(tcpchat::test::occurrences(o.err, "\n") == 1);
    CHECK_FALSE(contains(o.err, "listening on"));
  };
  const std::string missing = (certs.dir() / "missing.pem").string();
  one_sentence(refused({"--tls-cert-file", missing, "--tls-key-file", certs.server().key}),
               "cannot read the TLS certificate file " + missing + ": No such file or directory");
  one_sentence(refused({"--tls-cert-file", certs.server().cert, "--tls-key-file", other.key}),
               "the TLS key file " + other.key + " does not match the certificate in " +
                   certs.server().cert);
  one_sentence(refused({"--tls-cert-file", certs.server().cert, "--tls-key-file",
                        certs.server().key, "--tls-verify-clients", "optional"}),
               "tls-verify-clients = optional needs tls-ca-file");
  one_sentence(refused({"--tls-key-file", certs.server().key}),
               "TLS needs tls-cert-file and tls-key-file");
  const auto no_listener = tcpchat::test::run_daemon({"--port", "0", "--plaintext", "false"});
  one_sentence(no_listener,
               "plaintext = false and no tls-port leave the daemon nothing to listen on");

  SECTION("--check-config loads the certificate and key") {
    const auto bad =
        tcpchat::test::run_daemon({"--check-config", "--tls-port", "9443", "--tls-cert-file",
                                   certs.server().cert, "--tls-key-file", other.key});
    CHECK(bad.status == 78);
    CHECK(contains(bad.err, "does not match the certificate"));
    const auto good =
        tcpchat::test::run_daemon({"--check-config", "--tls-port", "9443", "--tls-cert-file",
                                   certs.server().cert, "--tls-key-file", certs.server().key});
    CHECK(good.status == 0);
    CHECK(contains(good.err, "TLS certificate: subject /CN=localhost, serial " +
                                 Certificates::serial(certs.server().cert)));
    CHECK(contains(good.out, "tls-port = 9443"));
  }
}

TEST_CASE("plaintext = false serves TLS alone", "[tls]") {
  Certificates certs;
  Daemon daemon({"--quiet", "--bind", "127.0.0.1", "--port", "0", "--plaintext", "false",
                 "--tls-port", "0", "--tls-cert-file", certs.server().cert, "--tls-key-file",
                 certs.server().key});
  CHECK(daemon.ports().empty());
  Peer a = tls_peer(daemon, trusting(certs));
  Peer b = tls_peer(daemon, trusting(certs));
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
}
