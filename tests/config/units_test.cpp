#include "runtime/units.hpp"

#include <catch2/catch.hpp>

using namespace tcpchat;
using namespace std::chrono_literals;

TEST_CASE("byte counts take B, K, KiB, M, MiB, G and GiB", "[units]") {
  CHECK(parse_bytes("1048576") == 1048576u);
  CHECK(parse_bytes("512B") == 512u);
  CHECK(parse_bytes("64K") == 65536u);
  CHECK(parse_bytes("64KiB") == 65536u);
  CHECK(parse_bytes("8 MiB") == 8u << 20);
  CHECK(parse_bytes("1G") == 1u << 30);
  CHECK_FALSE(parse_bytes("8MB"));
  CHECK_FALSE(parse_bytes("MiB"));
  CHECK_FALSE(parse_bytes("-1"));
  CHECK_FALSE(parse_bytes("99999999999999999999"));
  CHECK_FALSE(parse_bytes("17179869184GiB"));  // overflows 64 bits
}

TEST_CASE("durations take ms, s, m, min and h; a bare number is seconds", "[units]") {
  CHECK(parse_duration("30") == Duration(30s));
  CHECK(parse_duration("30s") == Duration(30s));
  CHECK(parse_duration("500ms") == Duration(500ms));
  CHECK(parse_duration("5m") == Duration(5min));
  CHECK(parse_duration("5min") == Duration(5min));
  CHECK(parse_duration("1h") == Duration(1h));
  CHECK_FALSE(parse_duration("1d"));
  CHECK_FALSE(parse_duration("soon"));
  CHECK_FALSE(parse_duration("1099511627776s"));  // 2^40 units
}

TEST_CASE("formats pick the largest whole unit and read back the same", "[units]") {
  CHECK(format_bytes(8u << 20) == "8MiB");
  CHECK(format_bytes(1536) == "1536");
  CHECK(format_bytes(0) == "0");
  CHECK(format_bytes(std::size_t{3} << 30) == "3GiB");
  CHECK(format_duration(30s) == "30s");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(0ms) == "0s");
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1024}, std::size_t{1} << 33}) {
    CHECK(parse_bytes(format_bytes(n)) == n);
  }
  for (Duration d : {Duration(0), Duration(1), Duration(60000), Duration(longest_duration)}) {
    CHECK(parse_duration(format_duration(d)) == d);
  }
}

TEST_CASE("whole numbers and switches", "[units]") {
  CHECK(parse_whole_number("42") == 42u);
  CHECK_FALSE(parse_whole_number("42x"));
  CHECK_FALSE(parse_whole_number(""));
  CHECK_FALSE(parse_whole_number("+1"));
  for (const char* yes : {"true", "yes", "on", "1"}) CHECK(parse_bool(yes) == true);
  for (const char* no : {"false", "no", "off", "0"}) CHECK(parse_bool(no) == false);
  CHECK_FALSE(parse_bool("maybe"));
}
