#include "cache_control.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace wellknown {

namespace {

// RFC 9110 §5.6.2: tchar.
bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// RFC 9110 §5.6.4: a quoted-string, the whole of `s`.
bool is_quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (++i + 1 >= s.size()) return false;
      continue;
    }
    if (c == '"' || (c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// Splits at commas outside quoted strings.
std::vector<std::string_view> elements(std::string_view v) {
  std::vector<std::string_view> out;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (quoted && v[i] == '\\') {
      ++i;
    } else if (v[i] == '"') {
      quoted = !quoted;
    } else if (v[i] == ',' && !quoted) {
      out.push_back(v.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(v.substr(start));
  return out;
}

}  // namespace

void check_cache_control(const std::string& value) {
  // A header value must not carry control characters (RFC 9110 §5.5): they
  // would let a configuration inject header lines.
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      throw ConfigError("the value contains a control character");
    }
  }
  const std::string where = "Cache-Control \"" + value + "\": ";
  bool any = false;
  for (std::string_view element : elements(value)) {
    element = trim(element);
    if (element.empty()) continue;  // RFC 9110 §5.6.1: empty list elements are ignored
    any = true;
    size_t eq = element.find('=');
    std::string_view name = trim(element.substr(0, eq));
    std::string_view arg = eq == std::string_view::npos ? std::string_view() : trim(element.substr(eq + 1));
    if (!is_token(name)) {
      throw ConfigError(where + "\"" + std::string(element) +
                        "\" is not a directive (RFC 9111 §5.2: a name such as max-age, "
                        "optionally =VALUE)");
    }
    const std::string n = lower(name);
    if (eq != std::string_view::npos && !is_token(arg) && !is_quoted_string(arg)) {
      throw ConfigError(where + n + " has a malformed value \"" + std::string(arg) +
                        "\" (RFC 9111 §5.2: a token or a quoted string)");
    }
    if (n == "max-age" || n == "s-maxage" || n == "stale-while-revalidate" ||
        n == "stale-if-error") {
      bool digits = !arg.empty() && arg.find_first_not_of("0123456789") == std::string_view::npos;
      if (!digits) {
        throw ConfigError(where + n + " takes a number of seconds, e.g. " + n +
                          "=600 (RFC 9111 §1.2.2)");
      }
    } else if (eq != std::string_view::npos &&
               (n == "public" || n == "no-store" || n == "must-revalidate" ||
                n == "proxy-revalidate" || n == "no-transform" || n == "immutable" ||
                n == "must-understand")) {
      throw ConfigError(where + n + " takes no value (RFC 9111 §5.2.2)");
    }
  }
  if (!any) {
    throw ConfigError(where + "no directive; give one such as \"public, max-age=600\", or off");
  }
}

namespace {

// The ladder of values near a change (see CacheControl): step i's seconds,
// and the step of `left` seconds (rounded down).
constexpr Seconds kLadderTop = 366 * 86400;

Seconds step_seconds(size_t i) {
  if (i < 120) return static_cast<Seconds>(i);
  if (i < 238) return static_cast<Seconds>(i - 118) * 60;
  if (i < 284) return static_cast<Seconds>(i - 236) * 3600;
  return static_cast<Seconds>(i - 282) * 86400;
}

size_t step_of(Seconds left) {
  if (left > kLadderTop) left = kLadderTop;
  if (left < 120) return static_cast<size_t>(left);
  if (left < 7200) return static_cast<size_t>(118 + left / 60);
  if (left < 172800) return static_cast<size_t>(236 + left / 3600);
  return static_cast<size_t>(282 + left / 86400);
}

}  // namespace

CacheControl::CacheControl(std::string value) : value_(std::move(value)) {
  bool revalidate_always = false;
  Seconds max_age = -1;
  Seconds stale = 0;
  for (std::string_view element : elements(value_)) {
    element = trim(element);
    if (element.empty()) continue;
    size_t eq = element.find('=');
    std::string name = lower(trim(element.substr(0, eq)));
    Seconds delta = -1;
    if (name == "max-age" || name == "s-maxage" || name == "stale-while-revalidate" ||
        name == "stale-if-error") {
      // check_cache_control made it digits; a huge one is as good as a year.
      std::string_view arg = trim(element.substr(eq + 1));
      delta = 0;
      for (char c : arg) {
        delta = delta * 10 + (c - '0');
        if (delta > kLadderTop * 100) break;
      }
      if (name == "max-age" || name == "s-maxage") {
        max_age = std::max(max_age, delta);
      } else {
        stale = std::max(stale, delta);
      }
    }
    // RFC 9111 §5.2.2.4, §5.2.2.5: stored responses are revalidated before
    // every use (an unqualified no-cache; a qualified one names fields only).
    if (name == "no-store" || (name == "no-cache" && eq == std::string_view::npos)) {
      revalidate_always = true;
    }
    directives_.push_back({name, std::string(element), delta});
  }
  if (revalidate_always) {
    lifetime_ = 0;
    horizon_ = 0;
    return;
  }
  if (max_age >= 0) {
    lifetime_ = max_age;
    horizon_ = max_age + stale;
  }
  for (size_t i = 0; step_seconds(i) < horizon_ && step_seconds(i) <= kLadderTop; ++i) {
    ladder_.push_back(render(step_seconds(i)));
  }
}

std::string CacheControl::render(Seconds left) const {
  std::string out;
  auto add = [&out](const std::string& text) {
    if (!out.empty()) out += ", ";
    out += text;
  };
  Seconds fresh = 0;  // the longest lifetime once cut to `left`
  bool has_lifetime = false;
  for (const auto& d : directives_) {
    if (d.name == "max-age" || d.name == "s-maxage") {
      fresh = std::max(fresh, std::min(d.delta, left));
      has_lifetime = true;
    }
  }
  if (!has_lifetime) fresh = left;
  for (const auto& d : directives_) {
    if (d.name == "max-age" || d.name == "s-maxage") {
      add(d.name + "=" + std::to_string(std::min(d.delta, left)));
    } else if (d.name == "stale-while-revalidate" || d.name == "stale-if-error") {
      add(d.name + "=" + std::to_string(std::min(d.delta, left - fresh)));
    } else {
      add(d.text);
    }
  }
  if (!has_lifetime) add("max-age=" + std::to_string(left));
  return out;
}

const std::string& CacheControl::for_remaining(Seconds left) const noexcept {
  if (left >= horizon_) return value_;
  if (left < 0) left = 0;
  return ladder_[step_of(left)];
}

const CacheControl& CacheControls::get(const std::string& value) {
  auto& slot = by_value_[value];
  if (!slot) slot = std::make_unique<CacheControl>(value);
  return *slot;
}

}  // namespace wellknown
