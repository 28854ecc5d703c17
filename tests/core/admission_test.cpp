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

TEST_CASE("names that only look like the server's are refused", "[admission]") {
  for (const std::string name :
       {"@SERVER ", "@SERVER\u200b", "\u200b@SERVER", "\uff20\uff33\uff25\uff32\uff36\uff25\uff32",
        "\ufe6bSERVER", "@server", "@Server-bot", "\u00ad@SERVER"}) {
    INFO(name);
    CHECK(refusal_for({name, "", "hi", "d"}, 1000) ==
          "the name looks like @SERVER, which is reserved for the server");
  }
  CHECK_FALSE(refusal_for({"@alice", "", "hi", "d"}, 1000));
  CHECK_FALSE(refusal_for({"SERVER", "", "hi", "d"}, 1000));
  CHECK_FALSE(refusal_for({"José", "", "hi", "d"}, 1000));
}

TEST_CASE("names with control or bidirectional characters are refused", "[admission]") {
  for (const std::string name :
       {"a\x01", "a\x7f", "a\u0085", "\u202eevil", "a\u2066b", "a\u200f"}) {
    INFO(name);
    CHECK(refusal_for({name, "", "hi", "d"}, 1000) ==
          "the name contains a control or bidirectional character");
  }
}
