// Scripting mode end to end: the real tcpchat against the real tcpchatd on a loopback port.

#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>

#include "client_support.hpp"
#include "tcp_peer.hpp"

using namespace tcpchat;
using namespace tcpchat::test;

namespace {

// `24/11/2018 20:43:01`
bool is_date(const std::string& date) {
  const std::string_view form = "00/00/0000 00:00:00";
  if (date.size() != form.size()) return false;
  for (std::size_t i = 0; i < form.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(date[i])) != 0;
    if (form[i] == '0' ? !digit : date[i] != form[i]) return false;
  }
  return true;
}

std::vector<std::string> texts(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    out.push_back(m.message);
  return out;
}

}  // namespace

TEST_CASE("scripting: piped lines reach a listener in order and the sender exits 0", "[e2e]") {
  Daemon daemon(daemon_args());
  const auto port = std::to_string(daemon.port());
  Process listener(client_argv({"--port", port, "--listen", "--count", "3"}), client_env());
  REQUIRE(wait_clients(daemon, 1));

  Process sender(client_argv({"--port", port, "--name", "alice", "--subject", "news"}),
                 client_env());
  sender.write_stdin("one\r\n\n \t \nsecond line\nthree");  // CRLF, blank lines, no final LF
  sender.close_stdin();
  CHECK(sender.wait_exit() == 0);
  CHECK(sender.stderr_text().empty());
  CHECK(listener.wait_exit() == 0);
  CHECK(listener.stderr_text().empty());

  const auto received = parse_json_lines(listener.stdout_text());
  CHECK(texts(received) == std::vector<std::string>{"one", "second line", "three"});
  for (const auto& m : received) {
    CHECK(m.client_name == "alice");
    CHECK(m.subject == "news");
    CHECK(is_date(m.date));
  }
  // The sender's stdout is the room's transcript too: its own echoes.
  CHECK(parse_json_lines(sender.stdout_text()) == received);
}

TEST_CASE("scripting: --input json sets the message and optionally subject, client_name and date",
          "[e2e]") {
  Daemon daemon(daemon_args());
  Process sender(
      client_argv({"--port", std::to_string(daemon.port()), "--input", "json", "--name", "alice"}),
      client_env());
  sender.write_stdin(
      "{\"message\": \"plain\"}\n"
      "{\"message\": \"two\\nlines\", \"subject\": \"s\", \"client_name\": \"bob\", "
      "\"date\": \"01/02/2003 04:05:06\"}\n");
  sender.close_stdin();
  CHECK(sender.wait_exit() == 0);
  const auto echoes = parse_json_lines(sender.stdout_text());
  REQUIRE(echoes.size() == 2);
  CHECK(echoes[0].client_name == "alice");
  CHECK(echoes[0].message == "plain");
  CHECK(echoes[1] == Message{"bob", "s", "two\nlines", "01/02/2003 04:05:06"});
}

TEST_CASE("scripting: --input whole sends all of stdin as one multi-line message", "[e2e]") {
  Daemon daemon(daemon_args());
  Process sender(client_argv({"--port", std::to_string(daemon.port()), "--input", "whole"}),
                 client_env());
  sender.write_stdin("first line\n\nthird line\n");
  sender.close_stdin();
  CHECK(sender.wait_exit() == 0);
  CHECK(texts(parse_json_lines(sender.stdout_text())) ==
        std::vector<std::string>{"first line\n\nthird line"});
}

TEST_CASE("scripting: --send sends one message and exits after its echo", "[e2e]") {
  Daemon daemon(daemon_args());
  Peer peer(daemon.port());
  REQUIRE(wait_clients(daemon, 1));
  Process sender(client_argv({"--port", std::to_string(daemon.port()), "--send", "hello there",
                              "--subject", "hi"}),
                 client_env());
  CHECK(sender.wait_exit() == 0);
  const auto echoes = parse_json_lines(sender.stdout_text());
  REQUIRE(echoes.size() == 1);
  CHECK(echoes[0].message == "hello there");
  const auto seen = peer.read_message();
  REQUIRE(seen);
  CHECK(*seen == echoes[0]);
}

TEST_CASE("scripting: --listen --count N exits 0 after N messages, history replay included",
          "[e2e]") {
  Daemon daemon(daemon_args({"--history", "5"}));
  Peer peer(daemon.port());
  for (const char* text : {"one", "two", "three"})
    peer.send_message({"bob", "", text, "24/11/2018 20:43:01"});
  REQUIRE(peer.read_messages(3).size() == 3);
  Process listener(
      client_argv({"--port", std::to_string(daemon.port()), "--listen", "--count", "2"}),
      client_env());
  CHECK(listener.wait_exit() == 0);
  CHECK(texts(parse_json_lines(listener.stdout_text())) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("scripting: --format line and block use the protocol's forms with colour only when asked",
          "[e2e]") {
  Daemon daemon(daemon_args({"--history", "1"}));
  Peer peer(daemon.port());
  peer.send_message({"bob", "greeting", "multi\nline", "24/11/2018 20:43:01"});
  REQUIRE(peer.read_message());
  auto listen = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.end(), {"--port", std::to_string(daemon.port()), "--listen", "--count", "1"});
    Process listener(client_argv(args), client_env(env));
    REQUIRE(listener.wait_exit() == 0);
    return listener.stdout_text();
  };
  CHECK(listen({"--format", "line"}) == "[24/11/2018 20:43:01] bob (greeting): multi\\nline\n");
  CHECK(
      listen({"--format", "block"}) ==
      "-\nCliente: bob\tData: 24/11/2018 20:43:01\nAssunto: greeting\nMensagem: multi\nline\n-\n");
  CHECK(listen({"--format", "line", "--color", "always"}).find("\x1b[") != std::string::npos);
  CHECK(listen({"--format", "line"}, {{"TCPCHAT_COLOR", "auto"}, {"NO_COLOR", "1"}}).find('\x1b') ==
        std::string::npos);
  CHECK(listen({}, {{"TCPCHAT_FORMAT", "json"}}).starts_with("{\"client_name\":\"bob\""));
}

TEST_CASE(
    "scripting: the command line wins over TCPCHAT_* variables, which win over the config file",
    "[e2e]") {
  Daemon daemon(daemon_args());
  TempDir config;
  std::filesystem::create_directories(config.path() / "tcpchat");
  std::ofstream(config.path() / "tcpchat" / "config")
      << "port = " << daemon.port() << "\nname = from-file\nsubject = file subject\n";
  auto sent_by = [&](std::vector<std::string> args, std::map<std::string, std::string> env) {
    env["XDG_CONFIG_HOME"] = config.path().string();
    args.insert(args.end(), {"--send", "hi"});
    Process sender(client_argv(args), client_env(env));
    REQUIRE(sender.wait_exit() == 0);
    const auto echoes = parse_json_lines(sender.stdout_text());
    REQUIRE(echoes.size() == 1);
    return echoes[0].client_name + "/" + echoes[0].subject;
  };
  CHECK(sent_by({}, {}) == "from-file/file subject");
  CHECK(sent_by({}, {{"TCPCHAT_NAME", "from-env"}}) == "from-env/file subject");
  CHECK(sent_by({"--name", "from-cli"}, {{"TCPCHAT_NAME", "from-env"}}) == "from-cli/file subject");
}

TEST_CASE("scripting: --reconnect re-establishes a lost connection across a daemon restart",
          "[e2e]") {
  auto first = std::make_unique<Daemon>(daemon_args({"--history", "10"}));
  const auto port = first->port();
  const auto name = "127.0.0.1:" + std::to_string(port);
  Process listener(client_argv({"--port", std::to_string(port), "--listen", "--reconnect",
                                "--count", "2", "--format", "line"}),
                   client_env());
  REQUIRE(wait_clients(*first, 1));
  Peer(port).send_message({"bob", "", "before the restart", "24/11/2018 20:43:01"});
  REQUIRE(listener.wait_stdout("before the restart"));

  CHECK(first->stop() == 0);
  first.reset();
  REQUIRE(listener.wait_stderr("connection to " + name +
                               " lost: the server closed it; reconnecting in 0.25 s (attempt 1)"));

  Daemon second(daemon_args({"--bind", "127.0.0.1", "--port", std::to_string(port)}));
  REQUIRE(listener.wait_stderr("reconnected to " + name));
  REQUIRE(wait_clients(second, 1));
  Peer(port).send_message({"bob", "", "after the restart", "24/11/2018 20:43:02"});
  CHECK(listener.wait_exit() == 0);
  CHECK(listener.stdout_text() ==
        "[24/11/2018 20:43:01] bob: before the restart\n"
        "[24/11/2018 20:43:02] bob: after the restart\n");
}

TEST_CASE("scripting: a closed stdout pipe ends a listener quietly with status 0", "[e2e]") {
  Daemon daemon(daemon_args({"--history", "10"}));
  Peer peer(daemon.port());
  peer.send_message({"bob", "", "first", "24/11/2018 20:43:01"});
  REQUIRE(peer.read_message());
  const std::string client =
      client_path() + " --port " + std::to_string(daemon.port()) + " --listen";
  Process pipeline({"/bin/sh", "-c", "{ " + client + "; echo \"status=$?\" >&2; } | head -n 1"},
                   client_env());
  REQUIRE(pipeline.wait_stdout("\"first\""));
  // head has printed its line and gone; the listener notices at its next write.
  const bool ended = wait_until(
      [&] {
        peer.send_message({"bob", "", "more", "24/11/2018 20:43:01"});
        peer.read_message();
        return pipeline.stderr_text().find("status=") != std::string::npos;
      },
      10s);
  CHECK(ended);
  CHECK(pipeline.wait_exit() == 0);
  CHECK(pipeline.stderr_text() == "status=0\n");
}
