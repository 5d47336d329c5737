// Instants at config load: RFC 3339 times in key windows, durations in
// nginx's syntax, and the HTTP-date of Last-Modified. POSIX seconds
// throughout; the request path only compares them.
#pragma once

#include <climits>
#include <string>
#include <string_view>

namespace wellknown {

using Seconds = long long;  // seconds since 1970-01-01T00:00:00Z

// Open ends of an interval: since forever, until forever.
constexpr Seconds kSinceAlways = LLONG_MIN;
constexpr Seconds kForever = LLONG_MAX;

// "2026-12-01T00:00:00Z": an RFC 3339 §5.6 date-time in UTC ("Z" or
// "+00:00"), whole seconds. Throws ConfigError saying what to write.
Seconds parse_rfc3339_utc(std::string_view text);

// The same form, "YYYY-MM-DDTHH:MM:SSZ"; "-" for kSinceAlways, "forever"
// for kForever.
std::string format_rfc3339(Seconds t);

// RFC 9110 §5.6.7 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(Seconds t);

// A duration as nginx writes one (ngx_parse_time): "14d", "36h", "1d12h",
// "90m", "30s", "2w"; a bare number is seconds. Throws ConfigError.
Seconds parse_duration(std::string_view text);

// "14d 2h" style text for messages: the largest units, no zero parts.
std::string format_duration(Seconds s);

}  // namespace wellknown
