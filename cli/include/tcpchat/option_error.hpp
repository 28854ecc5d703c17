#pragma once

#include <algorithm>
#include <boost/program_options/errors.hpp>
#include <string>

namespace tcpchat {

// The sentence of a Boost.Program_options error, safe from the user's text. program_options makes
// it by replacing each %placeholder% of a template with the user's text and searching again, so a
// name or value that holds a placeholder itself ("%original_token%") never ends: a program that
// hangs at start, or a daemon that hangs on SIGHUP. The user's '%' stand in as DEL while the
// sentence is made.
class OptionErrorSentence : boost::program_options::error_with_option_name {
 public:
  // The class only names the protected member; no object of it is ever made.
  OptionErrorSentence() = delete;

  static std::string of(boost::program_options::error& e) {
    auto* named = dynamic_cast<boost::program_options::error_with_option_name*>(&e);
    if (!named) return e.what();
    constexpr char stand_in = '\x7f';
    for (auto& [placeholder, text] : named->*&OptionErrorSentence::m_substitutions) {
      std::ranges::replace(text, '%', stand_in);
    }
    std::string sentence = named->what();
    std::ranges::replace(sentence, stand_in, '%');
    return sentence;
  }
};

}  // namespace tcpchat
