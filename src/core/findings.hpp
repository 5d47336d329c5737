// Warnings about issuer and resource blocks, grouped: a configuration with
// 10,000 tenants that share one mistake gets one line saying so, not 10,000.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "error.hpp"

namespace wellknown {

class Findings {
 public:
  // A finding about `subject` (e.g. `wellknown_issuer "https://id.example.com/t1"`),
  // one of the `kind` (a plural noun: "issuers"), declared at `origin`.
  // `finding` is the text without the subject; findings with the same kind
  // and text are one group.
  void add(const std::string& subject, const char* kind, const std::string& finding,
           const Origin& origin);
  void merge(Findings&& other);

  // One line per group, in the order groups first appeared. A group of one
  // reads "SUBJECT: FINDING in FILE:LINE"; a larger one
  // "N KIND: FINDING in FILE:LINE, FILE:LINE, FILE:LINE and M more" (the
  // first `shown` origins).
  std::vector<std::string> lines(size_t shown = 3) const;

  bool empty() const { return groups_.empty(); }
  void clear();

 private:
  struct Group {
    const char* kind;
    std::string finding;
    std::string first_subject;
    std::vector<Origin> origins;  // the first `kMaxOrigins`
    size_t count = 0;
  };
  static constexpr size_t kMaxOrigins = 8;
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;  // kind + '\n' + finding -> groups_
};

}  // namespace wellknown
