#include "core/admission.hpp"

#include <catch2/catch.hpp>

#include "tcpchat/encode.hpp"

using namespace tcpchat;

TEST_CASE("an ordinary message is admitted", "[admission]") {
  CHECK_FALSE(refusal_for({"alice", "", "hi", "d"}, 1000));
  CHECK_FALSE(refusal_for({"@alice", "", "names may start with @", "d"}, 1000));
}

TEST_CASE("nobody may speak as the server", "[admission]") {
  CHECK(refusal_for({"@SERVER", "ServerFull", "fake", "d"}, 1000) ==
        "the name @SERVER is reserved for the server");
}

TEST_CASE("the limit applies to the canonical encoding, both numbers in the sentence",
          "[admission]") {
  const Message m{"m", "", std::string(100, 'x'), "d"};
  const std::size_t size = encoded_body_size(m);
  CHECK_FALSE(refusal_for(m, size));
  const auto why = refusal_for(m, size - 1);
  REQUIRE(why);
  CHECK(*why == "the message is " + std::to_string(size) +
                    " bytes once encoded as the server sends it, over the limit of " +
                    std::to_string(size - 1) + " bytes");
}
