// The client's pure parts: options, input handling, display, echo tracking, backoff.

#include <catch2/catch.hpp>
#include <fstream>

#include "backoff.hpp"
#include "echo_tracker.hpp"
#include "input.hpp"
#include "options.hpp"
#include "output.hpp"
#include "process.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"

using namespace tcpchat;
using namespace tcpchat::client;

namespace {

Options parse(std::vector<std::string> args, const Environment& env = {{"USER", "tester"}}) {
  return parse_command(args, env).options;
}

std::string usage_error(std::vector<std::string> args, const Environment& env = {}) {
  try {
    parse_command(args, env);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("options: defaults", "[unit]") {
  const Options o = parse({});
  CHECK(o.host == "127.0.0.1");
  CHECK(o.port == 9999);
  CHECK(o.name == "tester");
  CHECK(o.subject.empty());
  CHECK_FALSE(o.format);
  CHECK(o.color == ColorMode::automatic);
  CHECK(o.input_mode() == InputMode::lines);
  CHECK(o.max_message_bytes == 1'048'576);
  CHECK(parse_command({"--help"}, {}).action == Action::help);
  CHECK(parse_command({"--version"}, {}).action == Action::version);
  CHECK(help_text().find("--reconnect") != std::string::npos);
}

TEST_CASE("options: the command line wins over the environment, which wins over the file",
          "[unit]") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "tcpchat");
  std::ofstream(dir.path() / "tcpchat" / "config")
      << "# a comment\nhost = example.org\nport = 1234\nname = file\nsubject = from file\n";
  Environment env = {{"XDG_CONFIG_HOME", dir.path().string()}, {"USER", "tester"}};
  Options o = parse({}, env);
  CHECK(o.host == "example.org");
  CHECK(o.port == 1234);
  CHECK(o.name == "file");
  CHECK(o.subject == "from file");

  env["TCPCHAT_NAME"] = "environment";
  env["TCPCHAT_PORT"] = "4321";
  o = parse({}, env);
  CHECK(o.name == "environment");
  CHECK(o.port == 4321);
  CHECK(o.host == "example.org");

  o = parse({"--name", "command", "--subject", ""}, env);
  CHECK(o.name == "command");
  CHECK(o.subject.empty());
  CHECK(o.port == 4321);

  std::ofstream(dir.path() / "tcpchat" / "config", std::ios::app) << "listen = true\n";
  CHECK_THAT(usage_error({}, env), Catch::Contains("config file") && Catch::Contains("listen"));
}

TEST_CASE("options: the default config file lives under HOME without XDG_CONFIG_HOME", "[unit]") {
  CHECK(config_path({{"HOME", "/home/a"}}) == "/home/a/.config/tcpchat/config");
  CHECK(config_path({{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", "/x"}}) == "/x/tcpchat/config");
  CHECK_FALSE(config_path({}));
}

TEST_CASE("options: invalid values name where they came from", "[unit]") {
  CHECK(usage_error({"--port", "0"}) ==
        "invalid value \"0\" for --port: expected a whole number from 1 to 65535");
  CHECK(usage_error({}, {{"TCPCHAT_PORT", "http"}}) ==
        "invalid value \"http\" for TCPCHAT_PORT: expected a whole number from 1 to 65535");
  CHECK_THAT(usage_error({"--format", "xml"}), Catch::Contains("line, block or json"));
  CHECK_THAT(usage_error({"--color", "sometimes"}), Catch::Contains("auto, always or never"));
  CHECK_THAT(usage_error({"--timeout", "-1"}), Catch::Contains("for --timeout"));
  CHECK_THAT(usage_error({"--input", "csv"}), Catch::Contains("lines, json or whole"));
  CHECK(usage_error({"--name", ""}) == "--name must not be empty");
  CHECK(usage_error({"--name", "\xff"}) == "the value of --name is not valid UTF-8");
  CHECK(usage_error({"--nope"}) == "unrecognised option '--nope'");
  CHECK(parse({"--timeout", "0.25"}).timeout == std::chrono::milliseconds(250));
}

TEST_CASE("options: scripting options that do not fit together", "[unit]") {
  CHECK(usage_error({"--count", "2"}) == "--count needs --listen");
  CHECK(usage_error({"--reconnect"}) == "--reconnect needs --listen");
  CHECK(usage_error({"--listen", "--send", "x"}) == "--listen and --send exclude each other");
  CHECK_THAT(usage_error({"--listen", "--input", "json"}), Catch::Contains("--input"));
  CHECK_THAT(usage_error({"--send", "x", "--input", "whole"}), Catch::Contains("--input"));
  CHECK(usage_error({"--send", ""}) == "--send needs a non-empty text");
  CHECK(usage_error({"--listen", "--count", "0"}) ==
        "invalid value \"0\" for --count: expected a whole number from 1 to "
        "18446744073709551615");
}

TEST_CASE("input: lines end at LF or CRLF in any chunking, a final line without one counts",
          "[unit]") {
  LineSplitter splitter(100);
  std::vector<LineSplitter::Line> lines;
  splitter.feed("one\r", lines);
  splitter.feed("\ntw", lines);
  splitter.feed("o\n\nthree", lines);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "one");
  CHECK(lines[1].text == "two");
  CHECK(lines[2].text.empty());
  CHECK(lines[2].number == 3);
  const auto last = splitter.finish();
  REQUIRE(last);
  CHECK(last->text == "three");
  CHECK(last->number == 4);
  CHECK_FALSE(splitter.finish());
}

TEST_CASE("input: a line over the limit is reported as too long without keeping it", "[unit]") {
  LineSplitter splitter(5);
  std::vector<LineSplitter::Line> lines;
  splitter.feed("12345\r\n123456", lines);
  splitter.feed("789\nok\n", lines);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "12345");
  CHECK_FALSE(lines[0].too_long);
  CHECK(lines[1].too_long);
  CHECK(lines[1].text.empty());
  CHECK(lines[2].text == "ok");
  CHECK(lines[2].number == 3);
}

TEST_CASE("input: blank lines and the final newline of whole input", "[unit]") {
  CHECK(is_blank(""));
  CHECK(is_blank(" \t "));
  CHECK_FALSE(is_blank(" x "));
  CHECK(strip_final_newline("a\nb\n") == "a\nb");
  CHECK(strip_final_newline("a\r\n") == "a");
  CHECK(strip_final_newline("a\n\n") == "a\n");
  CHECK(strip_final_newline("a\r") == "a\r");
}

TEST_CASE("input: prepare refuses invalid UTF-8 and bodies over the limit", "[unit]") {
  const Message m{"alice", "", "hello", "24/11/2018 20:43:01"};
  const auto ok = prepare(m, 1'048'576);
  REQUIRE(std::holds_alternative<Outgoing>(ok));
  CHECK(std::get<Outgoing>(ok).frame == encode(m));

  CHECK(std::get<std::string>(prepare({"alice", "", "\xc3", "d"}, 1000)) ==
        "it is not valid UTF-8");

  // The limit counts the encoded body, newline included, exactly as the daemon does.
  const std::string frame = encode(m);
  const std::size_t body = frame.size() - (frame.find('\n') + 1);
  CHECK(std::holds_alternative<Outgoing>(prepare(m, body)));
  CHECK(std::get<std::string>(prepare(m, body - 1)) ==
        "its frame body of " + std::to_string(body) + " bytes is over the limit of " +
            std::to_string(body - 1) + " bytes (--max-message-bytes)");
}

TEST_CASE("input: JSON lines set the message and optionally the other fields", "[unit]") {
  const Message defaults{"alice", "subject", "", "24/11/2018 20:43:01"};
  auto message = [&](std::string_view line) {
    const auto prepared = prepare_json_line(line, defaults, 1000);
    REQUIRE(std::holds_alternative<Outgoing>(prepared));
    return std::get<Outgoing>(prepared).message;
  };
  auto problem = [&](std::string_view line) {
    const auto prepared = prepare_json_line(line, defaults, 1000);
    REQUIRE(std::holds_alternative<std::string>(prepared));
    return std::get<std::string>(prepared);
  };
  CHECK(message(R"({"message": "hi"})") ==
        Message{"alice", "subject", "hi", "24/11/2018 20:43:01"});
  CHECK(message(R"({"date":"d","client_name":"bob","subject":"","message":"a\nb"})") ==
        Message{"bob", "", "a\nb", "d"});
  CHECK_THAT(problem("{"), Catch::StartsWith("it is not valid JSON"));
  CHECK(problem("[1]") == "it is not a JSON object");
  CHECK(problem(R"({"subject": "x"})") == "it has no \"message\"");
  CHECK(problem(R"({"message": 1})") == "its \"message\" is not a string");
  CHECK_THAT(problem(R"({"message": "x", "mesage": "y"})"), Catch::Contains("\"mesage\""));
  // The sentence goes to stderr: a key cannot put a control character on the terminal.
  CHECK_THAT(problem(R"({"message": "x", "\u001b[2J\n": "y"})"),
             Catch::StartsWith(R"(it has the key "\u001b[2J\n")"));
  CHECK_THAT(problem(R"({"\u202e": 1})"), Catch::StartsWith(R"(it has the key "\u202e")"));
}

TEST_CASE("output: the protocol's forms, coloured by sender only when asked", "[unit]") {
  const Message m{"alice", "greeting", "hi\x1b[31m", "24/11/2018 20:43:01"};
  CHECK(Output(Format::line, false).render(m) ==
        "[24/11/2018 20:43:01] alice (greeting): hi\\u001b[31m\n");
  CHECK(Output(Format::json, true).render(m) == format_json(m) + "\n");
  CHECK(Output(Format::block, false).render(m) == format_block(m));

  const std::string line = Output(Format::line, true).render(m);
  CHECK(line.starts_with("\x1b["));
  CHECK(line.ends_with("\x1b[0mhi\\u001b[31m\n"));
  CHECK(Output(Format::line, true).render({"alice", "", "x", "d"}).substr(0, 5) ==
        line.substr(0, 5));  // one colour per sender

  const std::string block = Output(Format::block, true).render(m);
  CHECK(block.find("Mensagem: \x1b[0mhi") != std::string::npos);
  CHECK(block.ends_with("\n-\x1b[0m\n"));
}

TEST_CASE("output: the default format and when to colour", "[unit]") {
  CHECK(default_format(true) == Format::line);
  CHECK(default_format(false) == Format::json);
  const Environment plain = {{"TERM", "xterm"}};
  CHECK(use_color(ColorMode::automatic, Format::line, true, plain));
  CHECK_FALSE(use_color(ColorMode::automatic, Format::line, false, plain));
  CHECK_FALSE(use_color(ColorMode::automatic, Format::line, true, {{"NO_COLOR", "1"}}));
  CHECK(use_color(ColorMode::automatic, Format::line, true, {{"NO_COLOR", ""}}));
  CHECK_FALSE(use_color(ColorMode::automatic, Format::line, true, {{"TERM", "dumb"}}));
  CHECK(use_color(ColorMode::always, Format::block, false, {{"NO_COLOR", "1"}}));
  CHECK_FALSE(use_color(ColorMode::never, Format::line, true, plain));
  CHECK_FALSE(use_color(ColorMode::always, Format::json, true, plain));
}

TEST_CASE("echo tracker: own echoes confirm in order, by all four fields", "[unit]") {
  EchoTracker echoes;
  const Message a{"alice", "", "same", "24/11/2018 20:43:01"};
  const Message b{"alice", "", "next", "24/11/2018 20:43:01"};
  echoes.sent(a, 100);
  echoes.sent(b, 90);
  CHECK(echoes.unconfirmed_bytes() == 190);
  CHECK_FALSE(echoes.confirm({"bob", "", "same", a.date}));  // someone else's
  CHECK_FALSE(echoes.confirm({"alice", "", "same", "other date"}));
  CHECK_FALSE(echoes.confirm(b));  // not the oldest: cannot be ours yet
  CHECK(echoes.confirm(a));
  CHECK(echoes.unconfirmed() == 1);
  CHECK(with_unconfirmed("lost", echoes) == "lost; 1 of 2 sent messages were not confirmed");
  CHECK(echoes.confirm(b));
  CHECK(echoes.unconfirmed_bytes() == 0);
  CHECK_FALSE(echoes.confirm(b));
  CHECK(with_unconfirmed("lost", EchoTracker{}) == "lost");
}

TEST_CASE("backoff: doubles from 250 ms up to 8 s, and starts over after a reset", "[unit]") {
  Backoff backoff;
  std::vector<long> waits;
  for (int i = 0; i < 7; ++i) waits.push_back(static_cast<long>(backoff.next().count()));
  CHECK(waits == std::vector<long>{250, 500, 1000, 2000, 4000, 8000, 8000});
  CHECK(backoff.attempt() == 7);
  backoff.reset();
  CHECK(backoff.attempt() == 0);
  CHECK(backoff.next().count() == 250);
}
