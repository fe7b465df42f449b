#pragma once
// RapidCheck inside doctest (RapidCheck ships adapters for gtest, Catch and Boost.Test only).
// Usage, inside a TEST_CASE:  omega::rc_check("replay reproduces", [](int n) { RC_ASSERT(...); });

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <iostream>
#include <sstream>
#include <string>
#include <utility>

namespace omega {

template <class Testable>
void rc_check(const std::string& description, Testable&& testable) {
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable));
  std::ostringstream report;
  rc::detail::printResultMessage(result, report);
  if (result.template is<rc::detail::SuccessResult>()) {
    const auto success = result.template get<rc::detail::SuccessResult>();
    if (!success.distribution.empty()) std::cout << "- " << description << "\n" << report.str() << "\n";
    CHECK_MESSAGE(true, description);
  } else {
    FAIL_CHECK(description << "\n" << report.str());
  }
}

}  // namespace omega
