#include "url.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/http.h>

#include <cstring>
#include <memory>

#include "error.hpp"

namespace wellknown {

namespace {

struct OsslString {
  char* p = nullptr;
  ~OsslString() { OPENSSL_free(p); }
  std::string str() const { return p ? p : ""; }
};

}  // namespace

Url parse_url(const std::string& text) {
  auto scheme_end = text.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : text.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") {
    throw ConfigError("\"" + text + "\" is not an absolute https URL");
  }
  // RFC 3986 §2: outside the unreserved and reserved ASCII sets, a URL
  // holds characters only percent-encoded: no controls, no raw non-ASCII.
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f || std::strchr("\"<>\\^`{|}", c) != nullptr) {
      throw ConfigError("\"" + text +
                        "\" contains characters a URL may not hold unencoded (RFC 3986 §2.1: "
                        "percent-encode them)");
    }
  }
  int ssl = 0;
  int port_num = 0;
  OsslString user, host, port, path, query, frag;
  if (OSSL_HTTP_parse_url(text.c_str(), &ssl, &user.p, &host.p, &port.p, &port_num, &path.p,
                          &query.p, &frag.p) != 1) {
    ERR_clear_error();
    throw ConfigError("\"" + text + "\" is not a valid URL");
  }
  Url u;
  u.https = ssl != 0;
  u.host = host.str();
  if (u.host.empty()) {
    throw ConfigError("\"" + text + "\" has no host");
  }
  if (!user.str().empty()) {
    throw ConfigError("\"" + text + "\" carries user information; metadata URLs may not");
  }
  // OpenSSL reports the default port even when none is written: keep only
  // what the operator wrote, so the identifier is reproduced exactly.
  std::string after_host = text.substr(scheme_end + 3);
  auto authority_end = after_host.find_first_of("/?#");
  std::string authority = after_host.substr(0, authority_end);
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    u.port = authority.substr(colon + 1);
  }
  // The path exactly as written ("" when absent; OpenSSL would say "/").
  std::string rest = authority_end == std::string::npos ? "" : after_host.substr(authority_end);
  u.path = rest.substr(0, rest.find_first_of("?#"));
  u.has_query = rest.find('?') != std::string::npos &&
                (rest.find('#') == std::string::npos || rest.find('?') < rest.find('#'));
  u.query = query.str();
  u.has_fragment = rest.find('#') != std::string::npos;
  return u;
}

Url check_url(const std::string& member, const std::string& text, const UrlRules& rules) {
  Url u;
  try {
    u = parse_url(text);
  } catch (const ConfigError& e) {
    throw ConfigError(member + ": " + e.what());
  }
  if (!u.https && !rules.allow_http) {
    throw ConfigError(member + ": \"" + text +
                      "\" must use https (for local development, allow plain http with \"allow_http on;\" "
                      "in the wellknown_issuer or wellknown_resource block)");
  }
  if (u.has_fragment) {
    throw ConfigError(member + ": \"" + text + "\" may not contain a fragment");
  }
  if (u.has_query && !rules.allow_query) {
    throw ConfigError(member + ": \"" + text + "\" may not contain a query (RFC 8414 §2)");
  }
  return u;
}

}  // namespace wellknown
