// Absolute URLs in metadata: parsed by OpenSSL's URL parser and checked
// against the rules of RFC 8414 §2, RFC 9728 §2 and OIDC Discovery 1.0 §3.
#pragma once

#include <string>

namespace wellknown {

struct Url {
  bool https = false;
  std::string host;
  std::string port;   // as written, empty if absent
  std::string path;   // "" for a URL without a path, else starts with "/"
  std::string query;  // without "?"; empty if absent
  bool has_fragment = false;
  bool has_query = false;
};

// Parses an absolute http(s) URL. Throws ConfigError if it is not one.
Url parse_url(const std::string& text);

struct UrlRules {
  bool allow_http = false;   // plain http (local development only)
  bool allow_query = true;   // issuer identifiers have none (RFC 8414 §2)
};

// Checks `text` as the value of member `member`: absolute, https (or http
// where allowed), no fragment, no query where not allowed, no userinfo.
// Throws ConfigError naming the member and the rule.
Url check_url(const std::string& member, const std::string& text, const UrlRules& rules);

}  // namespace wellknown
