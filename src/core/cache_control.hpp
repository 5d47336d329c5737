// The Cache-Control values the operator configures (wellknown_cache_control,
// cache_control in an issuer or resource block), checked once at load.
#pragma once

#include <string>

namespace wellknown {

// Checks `value` against RFC 9110 §5.5 (no control characters) and RFC
// 9111 §5.2: a comma-separated list of
// directives, each a token with an optional "=" token or quoted-string.
// The response directives that take delta-seconds (max-age, s-maxage,
// stale-while-revalidate, stale-if-error) need one; those that take no
// argument (public, no-store, must-revalidate, proxy-revalidate,
// no-transform, immutable, must-understand) refuse one. Throws ConfigError
// naming the directive and what to write instead.
void check_cache_control(const std::string& value);

}  // namespace wellknown

#include <map>
#include <memory>
#include <vector>

#include "timestamp.hpp"

namespace wellknown {

// A Cache-Control value as sent, and the values it turns into as a
// scheduled version nears its end: no client or shared cache may keep a
// version past the moment the schedule replaces it, so near a change the
// freshness lifetime (max-age, s-maxage, RFC 9111 §5.2.2.1 and §5.2.2.10)
// is cut to the seconds left, and so is the time a cache may serve it stale
// afterwards (stale-while-revalidate, stale-if-error, RFC 5861 §3 and §4).
// A value with no lifetime at all (or none: wellknown_cache_control off)
// would let a cache pick one from Last-Modified (RFC 9111 §4.2.2), so a
// version with an end gets "max-age=" the seconds left. no-store and
// no-cache already make caches ask every time: left as written.
//
// Every value is computed here, at load: seconds exactly in the last two
// minutes, then whole minutes below two hours, whole hours below two days,
// whole days beyond, always rounded down.
class CacheControl {
 public:
  // `value` has passed check_cache_control, or is "" (no header).
  explicit CacheControl(std::string value);

  const std::string& value() const noexcept { return value_; }

  // The value to send for a version that the schedule replaces `left`
  // seconds from now (kForever: never). "" means no header.
  const std::string& for_remaining(Seconds left) const noexcept;

  // The same for a version that ends at `end` (kForever: never), at `now`.
  const std::string& for_end(Seconds end, Seconds now) const noexcept {
    return end == kForever ? value_ : for_remaining(end - now);
  }

  // The longest a cache may consider a response fresh: the larger of
  // max-age and s-maxage; kForever if the value gives neither (and has no
  // no-store or no-cache), 0 if caches must revalidate every time.
  Seconds lifetime() const noexcept { return lifetime_; }

 private:
  std::string render(Seconds left) const;

  struct Directive {
    std::string name;  // lower case
    std::string text;  // as written
    Seconds delta;     // its delta-seconds, -1 if none
  };
  std::string value_;
  std::vector<Directive> directives_;
  Seconds lifetime_ = kForever;
  Seconds horizon_ = kForever;     // below this many seconds left, a ladder value is sent
  std::vector<std::string> ladder_;  // by step index
};

// One CacheControl per distinct value in a configuration, at a stable address.
class CacheControls {
 public:
  const CacheControl& get(const std::string& value);

 private:
  std::map<std::string, std::unique_ptr<CacheControl>> by_value_;
};

}  // namespace wellknown
