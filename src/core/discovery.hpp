// One issuer's or protected resource's discovery documents, built from its
// configuration and key set.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "document.hpp"
#include "jwk_set.hpp"
#include "metadata.hpp"
#include "signed_metadata.hpp"
#include "well_known_uri.hpp"

namespace wellknown {

// What an identifier names: an authorization server / OpenID provider
// (identified by "issuer", RFC 8414 §2) or a protected resource (identified
// by "resource", RFC 9728 §2).
enum class Role { Issuer, ProtectedResource };

// What a wellknown_issuer or wellknown_resource block describes.
struct DiscoveryConfig {
  Role role = Role::Issuer;
  std::string identifier;                  // exactly as configured
  std::optional<std::string> jwks_path;    // where its key set is served, if not the default
  std::vector<Document> documents = {Document::OpenIdConfiguration,
                                     Document::AuthorizationServer};
  UrlForms forms;
  ValidationOptions validation;
  // Members from a metadata file, in file order; the declared members
  // override them in place or follow them.
  nlohmann::ordered_json base = nlohmann::ordered_json::object();
  std::string base_file;  // where `base` came from, for error messages
  nlohmann::ordered_json members = nlohmann::ordered_json::object();  // declared, in order
  std::optional<std::string> cache_control;  // unset: the location's wellknown_cache_control
  // A protected resource with a path also answers the root
  // /.well-known/oauth-protected-resource, where MCP clients look last.
  bool serve_at_root = false;
  // signed_metadata_key: signs each document's members into its
  // "signed_metadata" member; its private key is freed once they are built.
  std::shared_ptr<MetadataSigner> signer;
};

// The configuration of a protected resource: its one document, RFC 9728.
DiscoveryConfig protected_resource_config(std::string identifier);

struct ServedDocument {
  Document document;
  std::string body;
  std::vector<std::string> paths;
};

struct DiscoveryDocuments {
  std::vector<ServedDocument> documents;
  std::vector<std::string> jwks_paths;  // empty without a key set
  // The request path of a jwks_uri that was given (not derived) and points
  // at the identifier's own origin: the caller checks that the server does not
  // serve something else there.
  std::optional<std::string> given_jwks_route;
  // A protected resource: the request path under which requests belong to it
  // (its identifier's path, decoded; "" for the root) and the URL of its
  // metadata, for a WWW-Authenticate challenge (RFC 9728 §5.1).
  std::optional<std::string> resource_route;
  std::string resource_metadata_url;
  Warnings warnings;
};

// Builds every document an issuer or protected resource serves. Members: the identifier
// ("issuer" or "resource") first, then the metadata file's and the declared
// members in order, then the derived ones not given: "jwks_uri" (where
// `keys` is served) and, for openid-configuration,
// "id_token_signing_alg_values_supported" (the algs of the signing keys),
// and last "signed_metadata" when the config has a signer.
// Throws ConfigError naming the document, the member and the rule.
DiscoveryDocuments build_discovery(const DiscoveryConfig& config, const JwkSet* keys);

}  // namespace wellknown
