#include "tcpchat/format.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "tcpchat/unicode.hpp"
#include "tcpchat/utf8.hpp"

using tcpchat::Message;

TEST_CASE("line form without and with a subject", "[format]") {
  CHECK(tcpchat::format_line({"alice", "", "hi", "24/11/2018 20:43:01"}) ==
        "[24/11/2018 20:43:01] alice: hi");
  CHECK(tcpchat::format_line({"alice", "greeting", "hi", "24/11/2018 20:43:01"}) ==
        "[24/11/2018 20:43:01] alice (greeting): hi");
}

TEST_CASE("line form neutralises control characters in every field", "[format]") {
  const Message m{"ev\x1b[31mil", "s\tt", "two\nlines\r\x07", "d\x7f"};
  CHECK(tcpchat::format_line(m) == "[d\\u007f] ev\\u001b[31mil (s\\tt): two\\nlines\\r\\u0007");
  // U+009B is a one-byte CSI for some terminals.
  CHECK(tcpchat::format_line({"x", "",
                              "a\xc2\x9b"
                              "2J",
                              "d"}) == "[d] x: a\\u009b2J");
  // Other non-ASCII text is shown as it is.
  CHECK(tcpchat::format_line({"João", "", "ção 😀 \xc2\xa0", "d"}) == "[d] João: ção 😀 \xc2\xa0");
}

TEST_CASE("line form never contains a control byte", "[format]") {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  all += "\x7f";
  const std::string line = tcpchat::format_line({all, all, all, all});
  for (const char c : line) {
    const auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 && u != 0x7f));
  }
}

TEST_CASE("block form is the original GUI's display", "[format]") {
  const Message m{"bob", "topic", "line1\nline2\ttab\x1b", "24/11/2018 20:43:01"};
  CHECK(tcpchat::format_block(m) ==
        "-\nCliente: bob\tData: 24/11/2018 20:43:01\nAssunto: topic\n"
        "Mensagem: line1\nline2\\ttab\\u001b\n-\n");
  CHECK(tcpchat::format_block({"a\nb", "c\nd", "m", "d"}) ==
        "-\nCliente: a\\nb\tData: d\nAssunto: c\\nd\nMensagem: m\n-\n");
}

TEST_CASE("JSON Lines form has the four keys in protocol order", "[format]") {
  CHECK(tcpchat::format_json({"a\"", "", "x\ny é", "d"}) ==
        R"({"client_name":"a\"","subject":"","message":"x\ny é","date":"d"})");
}

TEST_CASE("format_date gives the original client's local-time form", "[format]") {
  setenv("TZ", "UTC", 1);
  tzset();
  const auto t = std::chrono::system_clock::from_time_t(1543092181);  // 2018-11-24 20:43:01 UTC
  CHECK(tcpchat::format_date(t) == "24/11/2018 20:43:01");
  setenv("TZ", "BRT3", 1);  // a POSIX zone three hours west, no tzdata needed
  tzset();
  CHECK(tcpchat::format_date(t) == "24/11/2018 17:43:01");
  unsetenv("TZ");
  tzset();
}

TEST_CASE("UTF-8 validation", "[format]") {
  CHECK(tcpchat::is_valid_utf8("plain ção 😀 你好"));
  CHECK(tcpchat::is_valid_utf8(""));
  CHECK_FALSE(tcpchat::is_valid_utf8("\xff"));
  CHECK_FALSE(tcpchat::is_valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(tcpchat::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(tcpchat::is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(tcpchat::is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(tcpchat::is_valid_utf8("\x80"));              // lone continuation byte
}

TEST_CASE("UTF-8 validation around the eight-byte ASCII fast path", "[format]") {
  const std::string ascii(37, 'a');
  auto with = [&](std::size_t at, std::string_view inserted, bool keep_tail) {
    std::string out(ascii, 0, at);
    out.append(inserted);
    if (keep_tail) out.append(ascii, at);
    return out;
  };
  for (std::size_t at = 0; at <= ascii.size(); ++at) {
    INFO("inserted at " << at);
    CHECK_FALSE(tcpchat::is_valid_utf8(with(at, "\xff", true)));
    CHECK(tcpchat::is_valid_utf8(with(at, "ç", true)));
    CHECK_FALSE(tcpchat::is_valid_utf8(with(at, "\xe4\xbd", false)));
  }
}

TEST_CASE("display forms neutralise bidirectional controls", "[format]") {
  const tcpchat::Message m{"a\u202eb", "", "x\u2066y\u200ez\u2069", "d"};
  CHECK(tcpchat::format_line(m) == "[d] a\\u202eb: x\\u2066y\\u200ez\\u2069");
  CHECK(tcpchat::displayable("CSI \u009b and \u200f") == "CSI \\u009b and \\u200f");
  CHECK(tcpchat::displayable("plain \u00e9 \u2014 ok") == "plain \u00e9 \u2014 ok");
  CHECK(tcpchat::displayable("cut \xe2\x80") == "cut \xe2\x80");  // not UTF-8: left as it is
}

TEST_CASE("names fold as they look", "[format]") {
  CHECK(tcpchat::fold_name("\uff20\uff53erver") == "@SERVER");
  CHECK(tcpchat::fold_name("a\u200bb\u00adc") == "ABC");
  CHECK(tcpchat::fold_name("\ufe6bx") == "@X");
  CHECK(tcpchat::fold_name("José") == "JOS\u00e9");
}
