// Each exit status with its sentence, and stdin left as it was found, against the real daemon.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "client_support.hpp"
#include "tcp_peer.hpp"

using namespace tcpchat;
using namespace tcpchat::test;

namespace {

const Message from_bob{"bob", "", "hello", "24/11/2018 20:43:01"};

std::string at(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

// The `flags:` line of /proc/self/fdinfo/0, printed by the shell around the client.
const std::string show_stdin_flags = "grep flags /proc/self/fdinfo/0";

}  // namespace

TEST_CASE("exit 64: usage errors say what is wrong", "[e2e][exit]") {
  auto run = [](std::vector<std::string> args) {
    Process client(client_argv(std::move(args)), client_env());
    REQUIRE(client.wait_exit() == 64);
    return client.stderr_text();
  };
  CHECK(run({"--bogus"}) == "tcpchat: unrecognised option '--bogus'; see tcpchat --help\n");
  CHECK(run({"--count", "3"}) == "tcpchat: --count needs --listen; see tcpchat --help\n");
  CHECK(run({"--port", "70000"}) ==
        "tcpchat: invalid value \"70000\" for --port: expected a whole number from 1 to 65535; "
        "see tcpchat --help\n");
  CHECK_THAT(run({"stray"}), Catch::StartsWith("tcpchat: too many positional options"));
  // program_options substitutes the user's text into its sentence and searched it again: a
  // placeholder in the option name made that loop forever.
  CHECK(run({"--x%original_token%"}) ==
        "tcpchat: unrecognised option '--x%original_token%'; see tcpchat --help\n");

  Process help(client_argv({"--help"}), client_env());
  CHECK(help.wait_exit() == 0);
  for (const char* option :
       {"--host", "--port", "--name", "--subject", "--format", "--color", "--input", "--listen",
        "--count", "--send", "--reconnect", "--timeout", "--max-message-bytes", "NO_COLOR",
        "TCPCHAT_HOST", "/subject", "130"}) {
    CHECK_THAT(help.stdout_text(), Catch::Contains(option));
  }
}

TEST_CASE("exit 65: lines that cannot be sent are reported by number and the others still go",
          "[e2e][exit]") {
  Daemon daemon(daemon_args());
  const auto port = std::to_string(daemon.port());
  Process listener(client_argv({"--port", port, "--listen", "--count", "2"}), client_env());
  REQUIRE(wait_clients(daemon, 1));

  Process sender(client_argv({"--port", port}), client_env());
  sender.write_stdin("good\n\xff\xfe\n");
  sender.write_stdin(std::string(1'048'577, 'x') + "\n");  // longer than the daemon's limit
  // Fits as a line, but its frame body of 1048647 bytes does not.
  sender.write_stdin(std::string(1'048'560, 'y') + "\n");
  sender.write_stdin("also good\n");
  sender.close_stdin();
  CHECK(sender.wait_exit() == 65);
  CHECK(sender.stderr_text() ==
        "tcpchat: line 2 was not sent: it is not valid UTF-8\n"
        "tcpchat: line 3 was not sent: it is longer than the limit of 1048576 bytes "
        "(--max-message-bytes)\n"
        "tcpchat: line 4 was not sent: its frame body of 1048647 bytes is over the limit of "
        "1048576 bytes (--max-message-bytes)\n"
        "tcpchat: 3 of 5 input lines were not sent\n");
  CHECK(listener.wait_exit() == 0);
  const auto received = parse_json_lines(listener.stdout_text());
  REQUIRE(received.size() == 2);
  CHECK(received[0].message == "good");
  CHECK(received[1].message == "also good");
}

TEST_CASE("exit 65: invalid JSON lines and too long whole input", "[e2e][exit]") {
  Daemon daemon(daemon_args());
  const auto port = std::to_string(daemon.port());
  SECTION("--input json") {
    Process sender(client_argv({"--port", port, "--input", "json"}), client_env());
    sender.write_stdin("{\"message\": \"ok\"}\nnot json\n{\"message\": 5}\n");
    sender.close_stdin();
    CHECK(sender.wait_exit() == 65);
    CHECK(sender.stderr_text() ==
          "tcpchat: line 2 was not sent: it is not valid JSON (syntax error)\n"
          "tcpchat: line 3 was not sent: its \"message\" is not a string\n"
          "tcpchat: 2 of 3 input lines were not sent\n");
    CHECK(parse_json_lines(sender.stdout_text()).size() == 1);
  }
  SECTION("--input whole") {
    Process sender(client_argv({"--port", port, "--input", "whole", "--max-message-bytes", "100"}),
                   client_env());
    sender.write_stdin(std::string(150, 'z'));
    sender.close_stdin();
    CHECK(sender.wait_exit() == 65);
    CHECK(sender.stderr_text() ==
          "tcpchat: standard input was not sent: its 150 bytes are over the limit of 100 bytes "
          "(--max-message-bytes)\n");
  }
}

TEST_CASE("exit 65: a message the server could not record is said and the client carries on",
          "[e2e][exit]") {
  // /dev/full refuses every write: each message comes back as a StorageError.
  Daemon daemon(daemon_args({"--history-file", "/dev/full"}));
  Process sender(client_argv({"--port", std::to_string(daemon.port())}), client_env());
  sender.write_stdin("first\nsecond\n");
  sender.close_stdin();
  CHECK(sender.wait_exit() == 65);
  CHECK(sender.stderr_text() ==
        "tcpchat: the server reported StorageError: the server could not record your message, so "
        "it was not delivered; try again later\n"
        "tcpchat: the server reported StorageError: the server could not record your message, so "
        "it was not delivered; try again later\n"
        "tcpchat: 2 of 2 sent messages were not delivered: the server could not record them\n");
}

TEST_CASE("exit 68: a host name that is not found", "[e2e][exit]") {
  // A label over 63 bytes cannot exist in DNS: the resolver library refuses it without a query.
  const std::string host = std::string(70, 'a') + ".invalid";
  Process client(client_argv({"--host", host, "--send", "x"}), client_env());
  CHECK(client.wait_exit() == 68);
  CHECK(client.stderr_text() == "tcpchat: host name not found: " + host + "\n");
}

TEST_CASE("exit 69: nothing listens on the port", "[e2e][exit]") {
  // A bound socket that does not listen keeps the port for this test and refuses connections.
  const int reserved = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(reserved >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(::bind(reserved, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(::getsockname(reserved, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const auto port = ntohs(address.sin_port);

  Process client(client_argv({"--port", std::to_string(port), "--send", "x"}), client_env());
  CHECK(client.wait_exit() == 69);
  CHECK(client.stderr_text() ==
        "tcpchat: cannot connect to " + at(port) + ": connection refused — is tcpchatd running?\n");
  ::close(reserved);
}

TEST_CASE("exit 74: a connection lost mid-stream says how many messages were not confirmed",
          "[e2e][exit]") {
  Daemon daemon(daemon_args());
  Process sender(client_argv({"--port", std::to_string(daemon.port()), "--name", "alice"}),
                 client_env());
  sender.write_stdin("one\n");
  REQUIRE(sender.wait_stdout("\"one\""));
  // A stopped daemon reads nothing: the next frames wait in its socket, unconfirmed.
  daemon.process().signal(SIGSTOP);
  sender.write_stdin("two\nthree\n");
  const auto expected = frame_size("alice", "", "two") + frame_size("alice", "", "three");
  REQUIRE(wait_until([&] { return unread_bytes(daemon.port()) >= expected; }, 10s));
  daemon.process().signal(SIGKILL);  // closing with unread data resets the connection

  CHECK(sender.wait_exit() == 74);
  CHECK(sender.stderr_text() == "tcpchat: connection to " + at(daemon.port()) +
                                    " lost: connection reset by peer; 2 of 3 sent messages "
                                    "were not confirmed\n");
}

TEST_CASE("exit 74: a listener whose server goes away", "[e2e][exit]") {
  Daemon daemon(daemon_args());
  Process listener(client_argv({"--port", std::to_string(daemon.port()), "--listen"}),
                   client_env());
  REQUIRE(wait_clients(daemon, 1));
  CHECK(daemon.stop() == 0);
  CHECK(listener.wait_exit() == 74);
  CHECK(listener.stderr_text() ==
        "tcpchat: connection to " + at(daemon.port()) + " lost: the server closed it\n");
}

TEST_CASE("exit 75: --timeout expires with messages unconfirmed", "[e2e][exit]") {
  Daemon daemon(daemon_args());
  SECTION("sending") {
    daemon.process().signal(SIGSTOP);  // connections still complete; nothing is echoed
    Process sender(client_argv({"--port", std::to_string(daemon.port()), "--send", "hello",
                                "--timeout", "0.3"}),
                   client_env());
    CHECK(sender.wait_exit() == 75);
    CHECK(sender.stderr_text() ==
          "tcpchat: timed out after 0.3 s; 1 of 1 sent message was not confirmed\n");
    daemon.process().signal(SIGCONT);
  }
  SECTION("listening for --count messages") {
    Process listener(client_argv({"--port", std::to_string(daemon.port()), "--listen", "--count",
                                  "2", "--timeout", "0.3"}),
                     client_env());
    CHECK(listener.wait_exit() == 75);
    CHECK(listener.stderr_text() == "tcpchat: timed out after 0.3 s: received 0 of 2 messages\n");
  }
}

TEST_CASE("exit 76: the server reports an error, or sends a malformed frame", "[e2e][exit]") {
  SECTION("InvalidRequestError") {
    Daemon daemon(daemon_args({"--max-message-bytes", "64"}));
    Process sender(client_argv({"--port", std::to_string(daemon.port()), "--send",
                                "a message whose frame is longer than 64 bytes"}),
                   client_env());
    CHECK(sender.wait_exit() == 76);
    CHECK_THAT(sender.stderr_text(),
               Catch::StartsWith("tcpchat: the server reported InvalidRequestError: ") &&
                   Catch::EndsWith("; 1 of 1 sent message was not confirmed\n"));
  }
  SECTION("ServerFull") {
    Daemon daemon(daemon_args({"--max-clients", "1"}));
    Peer occupant(daemon.port());
    REQUIRE(wait_clients(daemon, 1));
    Process listener(client_argv({"--port", std::to_string(daemon.port()), "--listen"}),
                     client_env());
    CHECK(listener.wait_exit() == 76);
    CHECK_THAT(listener.stderr_text(),
               Catch::StartsWith("tcpchat: the server reported ServerFull: "));
  }
  SECTION("a frame over the client's --max-message-bytes") {
    Daemon daemon(daemon_args());
    Process listener(client_argv({"--port", std::to_string(daemon.port()), "--listen",
                                  "--max-message-bytes", "64"}),
                     client_env());
    REQUIRE(wait_clients(daemon, 1));
    Peer(daemon.port()).send_message({"bob", "", std::string(100, 'x'), "24/11/2018 20:43:01"});
    CHECK(listener.wait_exit() == 76);
    CHECK_THAT(listener.stderr_text(),
               Catch::StartsWith("tcpchat: the server sent a malformed frame: "));
  }
}

TEST_CASE("exit 130 on SIGINT, 0 on SIGTERM", "[e2e][exit]") {
  Daemon daemon(daemon_args({"--history", "1"}));
  Peer(daemon.port()).send_message(from_bob);
  Process listener(client_argv({"--port", std::to_string(daemon.port()), "--listen"}),
                   client_env());
  REQUIRE(listener.wait_stdout("\"hello\""));  // running, with its signal handlers in place
  SECTION("SIGINT") {
    listener.signal(SIGINT);
    CHECK(listener.wait_exit() == 130);
    CHECK(listener.stderr_text() == "tcpchat: interrupted\n");
  }
  SECTION("SIGTERM") {
    listener.signal(SIGTERM);
    CHECK(listener.wait_exit() == 0);
    CHECK(listener.stderr_text().empty());
  }
}

TEST_CASE("exit: stdin's file status flags are restored on exit", "[e2e][exit]") {
  Daemon daemon(daemon_args());
  const std::string client = client_path() + " --port " + std::to_string(daemon.port());
  // The shell's stdin is the test's pipe; the client and both greps share its open file
  // description, where O_NONBLOCK lives.
  Process shell(
      {"/bin/sh", "-c",
       show_stdin_flags + "; " + client + " > /dev/null; echo \"status=$?\"; " + show_stdin_flags},
      client_env());
  SECTION("after a normal end") {
    shell.write_stdin("hello\n");
    shell.close_stdin();
    REQUIRE(shell.wait_exit() == 0);
    CHECK_THAT(shell.stdout_text(), Catch::Contains("status=0"));
  }
  SECTION("after the connection was lost while reading stdin") {
    REQUIRE(wait_clients(daemon, 1));
    shell.write_stdin("hello\n");
    REQUIRE(wait_until([&] { return daemon.log().find("hello") != std::string::npos; }, 10s));
    daemon.process().signal(SIGKILL);
    REQUIRE(shell.wait_exit() == 0);
    CHECK_THAT(shell.stdout_text(), Catch::Contains("status=74"));
  }
  const std::string out = shell.stdout_text();
  const auto first_end = out.find('\n');
  const std::string before = out.substr(0, first_end);
  const std::string after = out.substr(out.rfind("flags"));
  CHECK_THAT(before, Catch::StartsWith("flags:"));
  CHECK(after == before + "\n");
}
