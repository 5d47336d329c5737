// Shared by the libFuzzer targets in fuzz/ (make fuzz; README "Tests").
//
// The core's contract for operator input is: a result, or a ConfigError
// naming the problem. Every target therefore runs the code under test in
// expect_config_error(): a ConfigError is an expected outcome; any other
// exception escaping the core is a finding (the adapter would still catch
// it as std::exception, but nginx -t would print a library's message, e.g.
// "[json.exception.type_error.316] ...", instead of naming the problem), and
// so is every sanitizer report, crash, hang or leak.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "core/error.hpp"

namespace fuzz {

template <typename F>
bool expect_config_error(F&& f) {
  try {
    f();
    if (std::getenv("FUZZ_VERBOSE")) std::fprintf(stderr, "ok\n");
    return true;
  } catch (const wellknown::ConfigError& e) {
    // FUZZ_VERBOSE=1 TARGET INPUT...: see what each corpus input reaches.
    if (std::getenv("FUZZ_VERBOSE")) std::fprintf(stderr, "ConfigError: %s\n", e.what());
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: %s escaped the core (not a ConfigError): %s\n",
                 typeid(e).name(), e.what());
    std::abort();
  }
}

// Up to `max` strings, each of up to `max_len` bytes, split from the input.
inline std::vector<std::string> strings(FuzzedDataProvider& in, size_t max, size_t max_len = 64) {
  std::vector<std::string> out;
  size_t n = in.ConsumeIntegralInRange<size_t>(0, max);
  for (size_t i = 0; i < n && in.remaining_bytes() > 0; ++i) {
    out.push_back(in.ConsumeRandomLengthString(max_len));
  }
  return out;
}

// A finding not fixed yet can be kept out of the runs with a filter here
// (so that a run goes on looking for new ones), next to its DISABLED_
// regression test in test/unit/fuzz_regression_test.cpp; the filter goes
// with the fix. None today: F1-F3 are fixed (84ca7f0).

}  // namespace fuzz
