// Where each document is served: the well-known URIs of RFC 8615 as RFC 8414
// §3.1, RFC 9728 §3.1 and OpenID Connect Discovery 1.0 §4.1 build them from
// an identifier, in every form clients try.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "document.hpp"

namespace wellknown {

// The URL forms clients try, each of which the operator can turn off.
struct UrlForms {
  bool oidc_append = true;  // {path}/.well-known/openid-configuration (OIDC Discovery §4.1)
  bool oidc_insert = true;  // /.well-known/openid-configuration{path} (MCP clients, VS Code)
  bool oauth_insert = true; // /.well-known/oauth-authorization-server{path} (RFC 8414 §3.1)
  bool oauth_append = true; // {path}/.well-known/oauth-authorization-server (multi-tenant providers)
};

// The path component of an issuer or resource identifier as used to build
// well-known URLs: "" for a root identifier, otherwise without its trailing
// "/" (RFC 8414 §3.1, RFC 9728 §3.1: "any terminating / ... is removed").
std::string identifier_path(const std::string& url_path);

// The form of an identifier path (from identifier_path) that nginx's request
// URI takes: percent-decoded (RFC 3986 §2.1). Throws ConfigError for a path no
// request could reach: an encoded "/", a control character, a malformed
// escape, or an empty, "." or ".." segment (nginx normalises those away).
std::string route_path(const std::string& path);

// The request paths at which `document` is served for an identifier whose
// path component is `path` (from identifier_path). JWK Set: {path}/jwks.json
// for a path issuer (as multi-tenant providers serve it),
// /.well-known/jwks.json for a root one. Protected
// resources: /.well-known/oauth-protected-resource{path} (RFC 9728 §3.1).
std::vector<std::string> well_known_paths(Document document, const std::string& path,
                                          const UrlForms& forms);

// True if `path` is one this module would answer for some configuration:
// a request for it that matches no entry gets the module's JSON 404 instead
// of falling through to the server's other locations.
bool is_discovery_path(std::string_view path) noexcept;

}  // namespace wellknown
