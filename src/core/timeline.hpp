// What one path serves over time: the versions a key set's schedule
// produces from config load on, each precomputed, contiguous and in order.
// A document that does not follow a schedule has one version with no ends.
#pragma once

#include <string>
#include <vector>

#include "response.hpp"
#include "timestamp.hpp"

namespace wellknown {

struct Version {
  Seconds from = kSinceAlways;  // when it took effect; kSinceAlways: no scheduled start
  Seconds until = kForever;     // when the next version takes over
  const Response* response = nullptr;
  // Last-Modified: the HTTP-date of `from`, the moment this content took
  // effect, the same on every instance with the same configuration
  // whenever it started. Empty when `from` is open: no instant can be
  // named consistently (RFC 9110 §8.8.2), so the ETag is the validator.
  std::string last_modified;
};

class Timeline {
 public:
  Timeline() = default;
  // One version, no ends.
  explicit Timeline(const Response* always) { versions_.push_back({kSinceAlways, kForever, always, {}}); }
  explicit Timeline(std::vector<Version> versions) : versions_(std::move(versions)) {}

  // The version in effect at `now`. Before the first version (a clock set
  // back after load), the first. No allocation: a scan of a few entries.
  const Version& at(Seconds now) const noexcept {
    size_t i = 1;
    while (i < versions_.size() && versions_[i].from <= now) ++i;
    return versions_[i - 1];
  }

  const std::vector<Version>& versions() const noexcept { return versions_; }

 private:
  std::vector<Version> versions_;
};

}  // namespace wellknown
