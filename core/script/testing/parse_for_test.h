// For unit tests: a script from text that must parse (a parse error fails the test, with its
// FILE:LINE message, and gives an empty script).
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "core/script/script.h"

namespace ptc {

inline Script parse_for_test(const std::string& text) {
  auto r = parse_script(text, "test.ops");
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << e->str();
    return Script{};
  }
  return std::get<Script>(r);
}

}  // namespace ptc
