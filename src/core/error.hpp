// Errors raised by the core while turning operator input into responses.
// The nginx adapter catches them at its boundary and reports them as
// "[emerg] ... in FILE:LINE"; nothing thrown here ever reaches nginx.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace wellknown {

// A configuration problem the operator must fix. The message says what is
// wrong and, where possible, how to fix it.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

// Non-fatal findings collected at config load; the adapter logs each one at
// NGX_LOG_WARN.
using Warnings = std::vector<std::string>;

}  // namespace wellknown
