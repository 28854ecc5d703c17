#include "fixtures.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "decode_helpers.hpp"

namespace test = tcpchat::test;

namespace {

// Feeds the case's bytes split exactly as the recorder sent them.
std::vector<tcpchat::DecodeResult> decode_as_sent(const test::FixtureCase& c) {
  tcpchat::FrameDecoder decoder;
  std::vector<tcpchat::DecodeResult> out;
  std::size_t at = 0;
  for (const std::size_t n : c.chunks) {
    decoder.feed(std::string_view(c.sent).substr(at, n));
    at += n;
    while (auto r = decoder.next()) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

TEST_CASE("every recorded case decodes as its category says", "[fixtures]") {
  const auto cases = test::load_cases();
  REQUIRE(cases.size() >= 40);
  for (const auto& c : cases) {
    INFO("case " << c.name << " (" << c.category << ")");
    const auto results = decode_as_sent(c);
    const auto error = test::error_of(results);
    if (c.category == "valid") {
      CHECK_FALSE(error);
      CHECK(test::messages_of(results) == c.expect_messages);
      // Any other split decodes the same way.
      CHECK(test::messages_of(test::decode_all(c.sent, 1)) == c.expect_messages);
      CHECK(test::messages_of(test::decode_all(c.sent, 7)) == c.expect_messages);
    } else if (c.category == "invalid") {
      REQUIRE(error);
      CHECK_FALSE(error->reason.empty());
      CHECK(test::messages_of(results).empty());
    } else if (c.category == "valid_then_invalid") {
      CHECK(test::messages_of(results) == c.expect_messages);
      CHECK(error);
    } else if (c.category == "robustness") {
      // An incomplete frame followed by EOF: nothing decoded, nothing rejected, frame pending.
      CHECK(results.empty());
    } else if (c.category == "quirk") {
      // Lenient forms of the original (Unicode digits, `_`, NBSP, NaN, non-string fields) are
      // refused; a length larger than the body waits for the rest of the body.
      if (c.name == "length_too_large_then_idle") {
        CHECK(results.empty());
      } else {
        CHECK(error);
      }
    } else {
      FAIL("unknown category " << c.category);
    }
  }
}

TEST_CASE("the recorded invalid cases are refused for the right reason", "[fixtures]") {
  using K = tcpchat::ProtocolErrorKind;
  const std::vector<std::pair<std::string, K>> expected = {
      {"numbers_instead_of_strings", K::field_not_string},
      {"missing_date", K::missing_field},
      {"wrong_header_case", K::bad_header_name},
      {"header_name_space", K::bad_header_name},
      {"non_numeric_length", K::invalid_length},
      {"negative_length", K::invalid_length},
      {"zero_length", K::invalid_length},
      {"empty_line", K::empty_line},
      {"json_without_header", K::header_too_long},
      {"invalid_json", K::invalid_json},
      {"non_utf8_body", K::invalid_utf8},
      {"non_utf8_header", K::invalid_length},
      {"json_array", K::not_an_object},
      {"json_string_toplevel", K::not_an_object},
      {"huge_length_overflow", K::length_overflow},
      {"huge_length_1e12", K::body_too_large},
      {"length_excludes_newline", K::empty_line},
      {"header_fullwidth_digits", K::invalid_length},
      {"header_underscore_digits", K::invalid_length},
      {"header_nbsp", K::invalid_length},
      {"nan_infinity_values", K::invalid_json},
      {"other_json_types", K::field_not_string},
  };
  const auto cases = test::load_cases();
  for (const auto& [name, kind] : expected) {
    INFO("case " << name);
    const auto it =
        std::find_if(cases.begin(), cases.end(), [&](const auto& c) { return c.name == name; });
    REQUIRE(it != cases.end());
    const auto error = test::error_of(test::decode_all(it->sent, it->sent.size()));
    REQUIRE(error);
    CHECK(tcpchat::to_string(error->kind) == tcpchat::to_string(kind));
  }
}

TEST_CASE("the recorded frame files decode to the recorded messages", "[fixtures]") {
  int checked = 0;
  for (const auto& c : test::load_cases()) {
    const auto file = test::fixtures_dir() + "/frames/" + c.name + ".bin";
    if (!std::filesystem::exists(file)) continue;
    INFO("case " << c.name);
    const auto sent = test::read_file(file);
    CHECK(sent == c.sent);
    if (c.category == "valid") {
      CHECK(test::messages_of(test::decode_all(sent, sent.size())) == c.expect_messages);
    }
    ++checked;
  }
  CHECK(checked >= 19);
}
