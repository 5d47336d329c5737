// Errors raised by the core while turning operator input into responses.
// The nginx adapter catches them at its boundary and reports them as
// "[emerg] ... in FILE:LINE"; nothing thrown here ever reaches nginx.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
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

// Where a directive was written, for findings reported after its block was
// read (nginx's own merge-time errors would point at a closing brace).
struct Origin {
  std::string file;
  unsigned long line = 0;
};

// A ConfigError about a directive read earlier: the message names the
// directive and its argument; `origin` is its file:line.
class LocatedError : public ConfigError {
 public:
  LocatedError(const std::string& message, Origin origin)
      : ConfigError(message), origin_(std::move(origin)) {}
  const Origin& origin() const { return origin_; }

 private:
  Origin origin_;
};

struct LocatedWarning {
  std::string message;
  Origin origin;
};

}  // namespace wellknown
