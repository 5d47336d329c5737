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
