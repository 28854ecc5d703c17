// tcpchat --token-file against the real daemon with accounts: it signs in first, keeps Welcome
// quiet, exits 77 when refused (without retrying) and 65 for a message under another name.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "accounts.hpp"
#include "client_support.hpp"
#include "tcp_peer.hpp"

using namespace tcpchat;
using namespace tcpchat::test;

namespace {

struct Room {
  TempDir dir;
  Token alice = new_token("alice");
  std::filesystem::path auth_file = dir.path() / "accounts";
  std::filesystem::path token_file = dir.path() / "alice.token";
  Room() {
    write_auth_file(auth_file, {alice.line});
    write_auth_file(token_file, {alice.token});
  }
};

struct Run {
  std::optional<int> status;
  std::string out;
  std::string err;
};

Run run_client(std::vector<std::string> args, const std::string& input = "",
               std::map<std::string, std::string> env = {}) {
  Process p(client_argv(std::move(args)), client_env(std::move(env)));
  if (!input.empty()) p.write_stdin(input);
  p.close_stdin();
  Run r{p.wait_exit(20s), {}, {}};
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

}  // namespace

TEST_CASE("auth: --token-file signs in first, and Welcome is not printed", "[e2e][auth]") {
  Room room;
  Daemon daemon(daemon_args({"--auth-file", room.auth_file.string()}));
  const auto port = std::to_string(daemon.port());
  const auto r = run_client(
      {"--port", port, "--name", "alice", "--token-file", room.token_file.string()}, "one\ntwo\n");
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const auto got = parse_json_lines(r.out);
  REQUIRE(got.size() == 2);  // the two echoes, and no Welcome
  CHECK(got[0].message == "one");
  CHECK(got[1].client_name == "alice");

  SECTION("the environment names the file as well") {
    const auto by_env = run_client({"--port", port, "--name", "alice", "--send", "by env"}, "",
                                   {{"TCPCHAT_TOKEN_FILE", room.token_file.string()}});
    CHECK(by_env.status == 0);
  }
  SECTION("a message under another name is refused, the others go, exit 65") {
    const auto mixed =
        run_client({"--port", port, "--name", "alice", "--token-file", room.token_file.string(),
                    "--input", "json"},
                   "{\"message\": \"mine\"}\n{\"message\": \"forged\", \"client_name\": "
                   "\"bob\"}\n{\"message\": \"mine too\"}\n");
    CHECK(mixed.status == 65);
    CHECK(contains(mixed.err, "the server reported NameMismatch"));
    CHECK(contains(mixed.err,
                   "1 of 3 sent messages were not delivered: the server refused them "
                   "(NameMismatch)"));
    const auto echoed = parse_json_lines(mixed.out);
    REQUIRE(echoed.size() == 2);
    CHECK(echoed[1].message == "mine too");
  }
}

TEST_CASE("auth: a refused token is exit 77 with a sentence, and --reconnect does not retry",
          "[e2e][auth]") {
  Room room;
  Daemon daemon(daemon_args({"--auth-file", room.auth_file.string()}));
  const auto port = std::to_string(daemon.port());
  const auto wrong = room.dir.path() / "wrong.token";
  write_auth_file(wrong, {"0123456789abcdef0123456789abcdef"});
  const auto r = run_client({"--port", port, "--name", "alice", "--token-file", wrong.string(),
                             "--listen", "--reconnect"});
  CHECK(r.status == 77);
  CHECK(r.err == "tcpchat: the server reported AuthFailed: unknown account, or the wrong token\n");
  const auto none = run_client({"--port", port, "--send", "no token"});
  CHECK(none.status == 77);
  CHECK(contains(none.err, "the server reported AuthRequired: authenticate first"));
}

TEST_CASE("auth: a token file others can read is refused before connecting", "[e2e][auth]") {
  Room room;
  ::chmod(room.token_file.c_str(), 0644);
  const auto r = run_client({"--name", "alice", "--token-file", room.token_file.string()});
  CHECK(r.status == 64);
  CHECK(contains(
      r.err, "the token file " + room.token_file.string() + " can be read by others: chmod 600"));
}
