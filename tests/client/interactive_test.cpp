// Interactive mode under a real terminal: tmux runs tcpchat in a pane, types into it and reads
// the screen back, while a raw TCP peer plays the other side of the room.

#include <signal.h>

#include <catch2/catch.hpp>

#include "accounts.hpp"
#include "client_support.hpp"
#include "tcp_peer.hpp"

using namespace tcpchat;
using namespace tcpchat::test;

namespace {

// A shell line that records stdin's flags and the terminal's settings around the client, and
// its exit status, in files of the tmux session's directory. The shell survives the Ctrl-C that
// the terminal sends to the whole foreground process group.
std::string around_client(const std::string& client_args) {
  return "trap : INT; grep flags /proc/self/fdinfo/0 > flags.before; stty -g > stty.before; "
         "env -u TCPCHAT_HOST -u TCPCHAT_PORT -u TCPCHAT_NAME -u TCPCHAT_SUBJECT "
         "-u TCPCHAT_FORMAT -u TCPCHAT_COLOR -u TCPCHAT_TIMEOUT -u TCPCHAT_MAX_MESSAGE_BYTES "
         "XDG_CONFIG_HOME=/nonexistent/tcpchat-tests " +
         client_path() + " " + client_args +
         "; echo $? > status; grep flags /proc/self/fdinfo/0 > flags.after; stty -g > stty.after";
}

struct Session {
  Daemon daemon{daemon_args()};
  Tmux terminal;
  Peer bob;

  explicit Session(const std::string& extra_args = "")
      : terminal(around_client("--port " + std::to_string(daemon.port()) + " --name alice " +
                               extra_args),
                 {}),
        bob(daemon.port()) {}

  std::string file(const char* name) const { return read_text_file(terminal.dir() / name); }

  // The next message bob receives from alice (skipping bob's own echoes).
  std::optional<Message> from_alice() {
    for (;;) {
      auto m = bob.read_message();
      if (!m || m->client_name != "bob") return m;
    }
  }

  // After the client exited: its status, and the terminal and stdin as they were before.
  void check_exit(int status) {
    REQUIRE(terminal.wait_exit());
    CHECK(file("status") == std::to_string(status) + "\n");
    CHECK(file("stty.after") == file("stty.before"));
    CHECK(file("flags.after") == file("flags.before"));
    CHECK_THAT(file("flags.before"), Catch::StartsWith("flags:"));
  }
};

bool wait_last_line(const Tmux& terminal, const std::string& line) {
  return wait_until([&] { return terminal.last_line() == line; }, 10s);
}

}  // namespace

TEST_CASE("interactive: a message arriving mid-line leaves the typed text intact", "[tty]") {
  Session s;
  REQUIRE(wait_last_line(s.terminal, "alice>"));  // the prompt, its final space cut
  REQUIRE(wait_clients(s.daemon, 2));             // alice and bob are in the room

  s.terminal.type("first");
  s.terminal.press("Enter");
  REQUIRE(s.terminal.wait_screen("alice: first"));  // its echo
  REQUIRE(s.from_alice()->message == "first");

  s.terminal.type("half typed");
  REQUIRE(wait_last_line(s.terminal, "alice> half typed"));
  s.bob.send_message({"bob", "", "incoming while typing", "24/11/2018 20:43:01"});
  REQUIRE(s.terminal.wait_screen(
      "[24/11/2018 20:43:01] bob: incoming while typing\nalice> half typed\n"));
  // The typed text and the cursor are where they were.
  CHECK(s.terminal.last_line() == "alice> half typed");
  CHECK(s.terminal.cursor().first == static_cast<int>(std::string("alice> half typed").size()));

  s.terminal.type(" and finished");
  s.terminal.press("Enter");
  const auto sent = s.from_alice();
  REQUIRE(sent);
  CHECK(sent->message == "half typed and finished");

  s.terminal.press("Up");  // recalls the line sent last
  REQUIRE(wait_last_line(s.terminal, "alice> half typed and finished"));
  s.terminal.press("Up");
  REQUIRE(wait_last_line(s.terminal, "alice> first"));
  CHECK(s.terminal.screen().find("^[") == std::string::npos);  // no raw escape echoed

  s.terminal.press("C-c");  // clears the line
  REQUIRE(wait_last_line(s.terminal, "alice>"));
  CHECK_THAT(s.terminal.screen(), Catch::Contains("alice> first^C\n"));
  s.terminal.press("C-d");  // on an empty line: quit
  s.check_exit(0);
  CHECK(s.terminal.screen().find("tcpchat:") == std::string::npos);  // quitting is not an error
}

TEST_CASE("interactive: /name, /subject, /help, //text and /quit", "[tty]") {
  Session s;
  REQUIRE(wait_last_line(s.terminal, "alice>"));  // the prompt, its final space cut
  REQUIRE(wait_clients(s.daemon, 2));

  s.terminal.type("/name carol");
  s.terminal.press("Enter");
  REQUIRE(wait_last_line(s.terminal, "carol>"));
  s.terminal.type("/subject plans");
  s.terminal.press("Enter");
  REQUIRE(wait_last_line(s.terminal, "carol (plans)>"));
  s.terminal.type("//slash first");
  s.terminal.press("Enter");
  const auto sent = s.from_alice();
  REQUIRE(sent);
  CHECK(sent->client_name == "carol");
  CHECK(sent->subject == "plans");
  CHECK(sent->message == "/slash first");
  REQUIRE(s.terminal.wait_screen("carol (plans): /slash first"));

  s.terminal.type("/help");
  s.terminal.press("Enter");
  REQUIRE(s.terminal.wait_screen("commands: /name NEW"));
  s.terminal.type("/nonsense");
  s.terminal.press("Enter");
  REQUIRE(s.terminal.wait_screen("unknown command /nonsense"));
  s.terminal.type("/quit");
  s.terminal.press("Enter");
  s.check_exit(0);
}

TEST_CASE("interactive: signed in with --token-file, /name is refused and says why",
          "[tty][auth]") {
  TempDir dir;
  const auto alice = new_token("alice");
  write_auth_file(dir.path() / "accounts", {alice.line});
  write_auth_file(dir.path() / "token", {alice.token});
  Daemon daemon(daemon_args({"--auth-file", (dir.path() / "accounts").string()}));
  Tmux terminal(around_client("--port " + std::to_string(daemon.port()) +
                              " --name alice --token-file " + (dir.path() / "token").string()),
                {});
  REQUIRE(wait_last_line(terminal, "alice>"));
  REQUIRE(wait_clients(daemon, 1));
  terminal.type("/name carol");
  terminal.press("Enter");
  REQUIRE(terminal.wait_screen("you are signed in as alice: the server takes no other name"));
  REQUIRE(wait_last_line(terminal, "alice>"));
  terminal.type("still alice");
  terminal.press("Enter");
  REQUIRE(terminal.wait_screen("alice: still alice"));
}

TEST_CASE("interactive: the server going away is said once, exit 74, terminal restored", "[tty]") {
  Session s;
  REQUIRE(wait_last_line(s.terminal, "alice>"));  // the prompt, its final space cut
  REQUIRE(wait_clients(s.daemon, 2));
  s.terminal.type("not sent yet");
  REQUIRE(wait_last_line(s.terminal, "alice> not sent yet"));
  CHECK(s.daemon.stop() == 0);
  s.check_exit(74);
  const std::string screen = s.terminal.screen();
  const std::string sentence =
      "tcpchat: connection to 127.0.0.1:" + std::to_string(s.daemon.port()) +
      " lost: the server closed it\n";
  CHECK_THAT(screen, Catch::Contains("alice> not sent yet\n" + sentence));
  CHECK(screen.find(sentence) == screen.rfind(sentence));  // said once
}
