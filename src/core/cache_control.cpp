#include "cache_control.hpp"

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

}  // namespace wellknown
