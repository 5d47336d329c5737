// Discovery metadata documents: OpenID Connect Discovery 1.0 §3, RFC 8414 §2
// (OAuth 2.0 Authorization Server Metadata) and RFC 9728 §2 (OAuth 2.0
// Protected Resource Metadata). Members keep the order they were declared in.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "document.hpp"
#include "error.hpp"

namespace wellknown {

enum class MemberType {
  String,       // a JSON string
  Url,          // an absolute https URL (RFC 8414 §2, RFC 9728 §2)
  StringArray,  // a JSON array of strings
  UrlArray,     // a JSON array of URLs (RFC 9728 authorization_servers)
  Boolean,      // true or false
  Object,       // a JSON object (RFC 8705 mtls_endpoint_aliases)
};

// The type of a registered member (IANA "OAuth Authorization Server
// Metadata" and "OAuth Protected Resource Metadata" registries, and OIDC
// Discovery §3), or nothing for an unregistered one.
std::optional<MemberType> registered_type(const std::string& member);

// True if `member` is registered for `document` (an issuer's two documents
// share one registry, RFC 8414 §2 and OIDC Discovery §3; RFC 9728 §2 has
// its own, with some members in both).
bool is_member_of(const std::string& member, Document document);

// Every registered member name, for suggestions.
std::vector<std::string> registered_members();

// Converts directive arguments to a member value by the member's registered
// type: a URL or string takes one argument; an array takes one argument per
// element; a boolean takes "true" or "false". An unregistered member with one
// argument is a string. Throws ConfigError naming the member and the rule.
nlohmann::ordered_json member_value(const std::string& member,
                                    const std::vector<std::string>& args);

// Parses JSON text strictly (RFC 8259): valid UTF-8, no duplicate member
// names at any depth, nesting at most kMaxJsonDepth. `what` names the input
// in error messages.
constexpr int kMaxJsonDepth = 32;
nlohmann::ordered_json parse_json(const std::string& text, const std::string& what);

// Reads a metadata document from `path` (at most kMaxMetadataFileSize
// bytes), parsed as parse_json does; it must be a JSON object. Its members
// are the base a configuration overrides.
constexpr size_t kMaxMetadataFileSize = 1024 * 1024;
nlohmann::ordered_json load_metadata_file(const std::string& path);

// Sets `member` to `value` in the object `doc`: in place if present (an
// override keeps the member's position), else appended.
void set_member(nlohmann::ordered_json& doc, const std::string& member,
                nlohmann::ordered_json value);

struct ValidationOptions {
  bool allow_http = false;      // plain http URLs (local development)
  bool relax_required = false;  // serve without the required members (a minimal document)
  // Warn when id_token_signing_alg_values_supported lacks RS256. Off when the
  // operator gave the list: a stated choice is not warned about again.
  bool warn_without_rs256 = true;
};

// Checks the type of every registered member of `doc` (an object) and the
// URL rules of its URL members. Throws ConfigError naming the member and the
// rule.
void check_member_types(const nlohmann::ordered_json& doc, const ValidationOptions& options);

// Validates a document and brings it to its served form: zero-element
// arrays are dropped (RFC 8414 §3.2, RFC 9728 §3.2), then every registered
// member's type and URL rules are checked, then the required members of
// `document` (a metadata document: a JwkSet is a ConfigError). Throws
// ConfigError naming the member and the rule; returns warnings.
Warnings finalize_document(Document document, nlohmann::ordered_json& doc,
                           const ValidationOptions& options);

}  // namespace wellknown
