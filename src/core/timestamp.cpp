#include "timestamp.hpp"

#include <cstdio>
#include <ctime>

#include "error.hpp"

namespace wellknown {

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool to_tm(Seconds t, std::tm& tm) {
  time_t tt = static_cast<time_t>(t);
  return gmtime_r(&tt, &tm) != nullptr;
}

}  // namespace

Seconds parse_rfc3339_utc(std::string_view text) {
  const std::string shown = "\"" + std::string(text) + "\"";
  auto bad = [&]() -> ConfigError {
    return ConfigError(shown + " is not an RFC 3339 UTC time; write it as 2026-12-01T00:00:00Z");
  };
  // date-time = full-date "T" partial-time time-offset (RFC 3339 §5.6)
  int year, month, day, hour, minute, second;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
    throw bad();
  }
  std::string_view offset = text.substr(19);
  if (!offset.empty() && offset[0] == '.') {
    throw ConfigError(shown + ": give whole seconds, without a fraction");
  }
  if (offset != "Z" && offset != "z" && offset != "+00:00") {
    throw ConfigError(shown + ": give the time in UTC, ending in Z");
  }
  // RFC 3339 §5.7; a leap second (60) has no POSIX time of its own.
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    throw ConfigError(shown + " is not a valid date and time");
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const Seconds t = timegm(&tm);
  // timegm normalises 2027-02-30 to March 2: refuse what did not round-trip.
  std::tm back{};
  if (!to_tm(t, back) || back.tm_mday != day || back.tm_mon != month - 1) {
    throw ConfigError(shown + " is not a valid date (no such day in that month)");
  }
  return t;
}

std::string format_rfc3339(Seconds t) {
  if (t == kSinceAlways) return "-";
  if (t == kForever) return "forever";
  std::tm tm{};
  char buf[32];
  if (!to_tm(t, tm) || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(t);
  }
  return buf;
}

std::string format_http_date(Seconds t) {
  // Fixed English names: IMF-fixdate is not localised (RFC 9110 §5.6.7).
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  if (!to_tm(t, tm)) {
    throw ConfigError("time " + std::to_string(t) + " cannot be written as an HTTP date");
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

Seconds parse_duration(std::string_view text) {
  const std::string shown = "\"" + std::string(text) + "\"";
  if (text.empty()) {
    throw ConfigError("the duration is empty; write it as 14d, 36h, 90m or 30s");
  }
  Seconds total = 0;
  size_t i = 0;
  while (i < text.size()) {
    Seconds n = 0;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > 100LL * 365 * 86400) {
        throw ConfigError(shown + " is too long a duration");
      }
      ++i;
    }
    if (i == start) {
      throw ConfigError(shown + " is not a duration; write it as 14d, 36h, 90m or 30s");
    }
    Seconds unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 'w': unit = 7 * 86400; break;
        case 'd': unit = 86400; break;
        case 'h': unit = 3600; break;
        case 'm': unit = 60; break;
        case 's': unit = 1; break;
        default:
          throw ConfigError(shown + " is not a duration; units are w, d, h, m and s (as in 14d)");
      }
      ++i;
    } else if (start != 0) {
      throw ConfigError(shown + ": give a unit for the last number (w, d, h, m or s)");
    }
    total += n * unit;
    if (total > 100LL * 365 * 86400) {
      throw ConfigError(shown + " is too long a duration");
    }
  }
  return total;
}

std::string format_duration(Seconds s) {
  if (s < 0) return "-" + format_duration(-s);
  if (s == 0) return "0s";
  std::string out;
  const struct { Seconds size; const char* unit; } kUnits[] = {
      {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (const auto& u : kUnits) {
    if (s >= u.size) {
      if (!out.empty()) out += ' ';
      out += std::to_string(s / u.size) + u.unit;
      s %= u.size;
    }
  }
  return out;
}

}  // namespace wellknown
