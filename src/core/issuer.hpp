// One issuer's discovery documents, built from its configuration and key set.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jwk_set.hpp"
#include "metadata.hpp"
#include "routes.hpp"

namespace wellknown {

struct IssuerConfig {
  std::string issuer;                      // the identifier, exactly as configured
  std::optional<std::string> jwks_path;    // where its key set is served, if not the default
  std::vector<Resource> documents = {Resource::OpenIdConfiguration,
                                     Resource::AuthorizationServer};
  UrlForms forms;
  ValidationOptions validation;
  nlohmann::ordered_json members = nlohmann::ordered_json::object();  // declared, in order
};

struct ServedDocument {
  Resource resource;
  std::string body;
  std::vector<std::string> paths;
};

struct IssuerDocuments {
  std::vector<ServedDocument> documents;
  std::vector<std::string> jwks_paths;  // empty without a key set
  Warnings warnings;
};

// Builds every document the issuer serves. Members: "issuer" first, then the
// declared members in declaration order, then the derived ones not declared:
// "jwks_uri" (where `keys` is served) and, for openid-configuration,
// "id_token_signing_alg_values_supported" (the algs of the signing keys).
// Throws ConfigError naming the document, the member and the rule.
IssuerDocuments build_issuer(const IssuerConfig& config, const JwkSet* keys);

}  // namespace wellknown
