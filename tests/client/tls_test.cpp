// tcpchat --tls: against the real daemon, and against `openssl s_server`, which will serve the
// certificates a daemon should not (expired, for another name, from an unknown CA).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "certificates.hpp"
#include "client_support.hpp"
#include "tcp_peer.hpp"

using namespace tcpchat;
using namespace tcpchat::test;

namespace {

std::vector<std::string> tls_daemon(const Certificates& certs) {
  return daemon_args({"--tls-port", "0", "--tls-cert-file", certs.server().cert, "--tls-key-file",
                      certs.server().key});
}

// `openssl s_server` serving `pair` on a free loopback port, until destroyed.
class TlsServer {
 public:
  explicit TlsServer(const KeyPair& pair)
      : process_({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pair.cert, "-key",
                  pair.key}) {
    REQUIRE(process_.wait_stdout("ACCEPT 127.0.0.1:"));
    const std::string out = process_.stdout_text();
    const auto colon = out.find(':', out.find("ACCEPT"));
    port_ = out.substr(colon + 1, out.find('\n', colon) - colon - 1);
  }
  const std::string& port() const { return port_; }

 private:
  Process process_;
  std::string port_;
};

struct Run {
  std::optional<int> status;
  std::string err;
};

Run run_client(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  Process p(client_argv(std::move(args)), client_env(std::move(env)));
  p.close_stdin();
  Run r{p.wait_exit(20s), {}};
  r.err = p.stderr_text();
  return r;
}

}  // namespace

TEST_CASE("tls: --tls sends and receives the same frames as plaintext", "[e2e][tls]") {
  Certificates certs;
  Daemon daemon(tls_daemon(certs));
  Peer plain(daemon.port());
  REQUIRE(wait_clients(daemon, 1));
  const auto sent =
      run_client({"--port", std::to_string(daemon.tls_port()), "--host", "localhost", "--tls",
                  "--tls-ca-file", certs.ca_cert(), "--name", "alice", "--send", "over TLS"});
  CHECK(sent.status == 0);
  CHECK(sent.err.empty());
  const auto m = plain.read_message();
  REQUIRE(m);
  CHECK(m->client_name == "alice");
  CHECK(m->message == "over TLS");

  SECTION("from the environment and the config file, as every setting") {
    const auto by_env =
        run_client({"--port", std::to_string(daemon.tls_port()), "--send", "by env"},
                   {{"TCPCHAT_TLS", "1"}, {"TCPCHAT_TLS_CA_FILE", certs.ca_cert()}});
    CHECK(by_env.status == 0);
    CHECK(plain.read_message()->message == "by env");
    TempDir config;
    std::filesystem::create_directories(config.path() / "tcpchat");
    std::ofstream(config.path() / "tcpchat" / "config")
        << "tls = true\ntls-ca-file = " << certs.ca_cert() << "\n";
    const auto by_file =
        run_client({"--port", std::to_string(daemon.tls_port()), "--send", "by file"},
                   {{"XDG_CONFIG_HOME", config.path().string()}});
    CHECK(by_file.status == 0);
    CHECK(plain.read_message()->message == "by file");
  }

  SECTION("a plaintext port answers in clear, and the client says so") {
    const auto port = std::to_string(daemon.port());
    const auto r = run_client(
        {"--port", port, "--tls", "--tls-ca-file", certs.ca_cert(), "--send", "never sent"});
    CHECK(r.status == 76);
    CHECK(r.err == "tcpchat: the server at 127.0.0.1:" + port + " answered without TLS; is " +
                       port + " its --tls-port?\n");
  }
}

TEST_CASE("tls: a certificate that fails verification is one sentence, exit 76, no retry",
          "[e2e][tls]") {
  Certificates certs;
  struct Case {
    const char* what;
    KeyPair pair;
    std::string host;
    std::string sentence;
  };
  const auto expired = certs.issue("expired", -1);
  const auto elsewhere = certs.issue("elsewhere", 30, "chat.example");
  const auto stranger = certs.self_signed("stranger");
  for (const Case& c :
       {Case{"expired", expired, "localhost", "has expired"},
        Case{"for another name", elsewhere, "localhost",
             "is not for localhost (connect by the name it carries, or set --tls-server-name)"},
        Case{"unknown CA", stranger, "localhost",
             "is signed by an unknown CA: it is not among the CAs of --tls-ca-file " +
                 certs.ca_cert()}}) {
    DYNAMIC_SECTION(c.what) {
      TlsServer server(c.pair);
      const std::string where = c.host + ":" + server.port();
      const auto r = run_client({"--host", c.host, "--port", server.port(), "--tls",
                                 "--tls-ca-file", certs.ca_cert(), "--listen", "--reconnect"});
      CHECK(r.status == 76);
      CHECK(r.err == "tcpchat: the TLS certificate of " + where + " " + c.sentence + "\n");
    }
  }
}

TEST_CASE("tls: an empty system CA store is named, with the package that fills it", "[e2e][tls]") {
  Certificates certs;
  TlsServer server(certs.server());
  TempDir empty;
  const auto r =
      run_client({"--host", "localhost", "--port", server.port(), "--tls", "--send", "x"},
                 {{"SSL_CERT_FILE", (empty.path() / "none.pem").string()},
                  {"SSL_CERT_DIR", empty.path().string()}});
  CHECK(r.status == 76);
  CHECK(r.err == "tcpchat: the TLS certificate of localhost:" + server.port() +
                     " is signed by an unknown CA: it is not among the system's CAs, and the "
                     "system has none (install the ca-certificates package, or name the CA with "
                     "--tls-ca-file)\n");
}

TEST_CASE("tls: settings that would send in clear are refused", "[e2e][tls]") {
  const auto r = run_client({"--tls-ca-file", "/etc/ssl/certs/ca-certificates.crt"});
  CHECK(r.status == 64);
  CHECK(r.err == "tcpchat: --tls-ca-file needs TLS: add --tls; see tcpchat --help\n");
  const auto half = run_client({"--tls", "--tls-cert-file", "a.pem"});
  CHECK(half.status == 64);
  CHECK(contains(half.err, "needs both --tls-cert-file and --tls-key-file"));
  const auto missing = run_client({"--tls", "--tls-ca-file", "/nonexistent/ca.pem", "--send", "x"});
  CHECK(missing.status == 64);
  CHECK(missing.err ==
        "tcpchat: cannot read the TLS CA file /nonexistent/ca.pem: No such file or directory\n");
}
