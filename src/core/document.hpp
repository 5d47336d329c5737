// The documents this module serves: one name each, after the standard that
// defines it.
#pragma once

namespace wellknown {

enum class Document {
  OpenIdConfiguration,  // OpenID Connect Discovery 1.0 §4: the OpenID Provider's metadata
  AuthorizationServer,  // RFC 8414 §3: OAuth 2.0 Authorization Server Metadata
  ProtectedResource,    // RFC 9728 §3: OAuth 2.0 Protected Resource Metadata
  JwkSet,               // RFC 7517 §5: the keys that verify the issuer's signatures
};

// The last segment of the document's well-known URI, which also names it in
// messages: "openid-configuration", "oauth-authorization-server",
// "oauth-protected-resource", "jwks.json".
constexpr const char* document_name(Document document) {
  switch (document) {
    case Document::OpenIdConfiguration: return "openid-configuration";
    case Document::AuthorizationServer: return "oauth-authorization-server";
    case Document::ProtectedResource: return "oauth-protected-resource";
    case Document::JwkSet: break;
  }
  return "jwks.json";
}

}  // namespace wellknown
