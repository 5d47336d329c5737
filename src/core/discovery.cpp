#include "discovery.hpp"

#include <algorithm>
#include <cctype>

#include "url.hpp"

namespace wellknown {

namespace {

std::string origin_of(const Url& url) {
  return (url.https ? "https://" : "http://") + url.host + (url.port.empty() ? "" : ":" + url.port);
}

// The origin as a comparison key (RFC 3986 §6.2.2.1 and §6.2.3): the host
// is case-insensitive and an explicit default port is the same as none.
std::string origin_key(const Url& url) {
  std::string host = url.host;
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool default_port = url.port.empty() || url.port == (url.https ? "443" : "80");
  return (url.https ? "https://" : "http://") + host + (default_port ? "" : ":" + url.port);
}

// Algorithms whose keys a JWK Set publishes (RFC 7518 §3.1); HS* and "none"
// use no published key.
bool uses_published_key(const std::string& alg) {
  return alg.rfind("RS", 0) == 0 || alg.rfind("PS", 0) == 0 || alg.rfind("ES", 0) == 0 ||
         alg == "EdDSA" || alg == "Ed25519" || alg == "Ed448";
}

}  // namespace

DiscoveryConfig protected_resource_config(std::string identifier) {
  DiscoveryConfig c;
  c.role = Role::ProtectedResource;
  c.identifier = std::move(identifier);
  c.documents = {Document::ProtectedResource};
  return c;
}

DiscoveryDocuments build_discovery(const DiscoveryConfig& config, const JwkSet* keys) {
  const bool resource = config.role == Role::ProtectedResource;
  const char* id_member = resource ? "resource" : "issuer";
  UrlRules rules;
  rules.allow_http = config.validation.allow_http;
  // RFC 8414 §2, OIDC Discovery §3: an issuer has no query. RFC 9728 §3.1
  // would put a resource's query after the well-known path; requests are
  // routed by path alone, so such a resource could not be told apart.
  rules.allow_query = resource;
  Url url = check_url(id_member, config.identifier, rules);
  if (resource && url.has_query) {
    throw ConfigError("resource: \"" + config.identifier +
                      "\" has a query; RFC 9728 §3.1 allows one, but this module serves metadata "
                      "by path alone, so give the resource a path instead");
  }
  // `path` is the identifier's path as written (percent-encoded, used in
  // URLs); `route` is the form nginx's decoded request URI takes.
  std::string path = identifier_path(url.path);
  std::string route;
  try {
    route = route_path(path);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(id_member) + ": " + e.what());
  }
  std::string origin = origin_of(url);

  // The metadata file's members are checked on their own first, so that an
  // error names the file.
  const std::string in_file =
      config.base_file.empty() ? "" : "metadata file \"" + config.base_file + "\": ";
  if (!config.base.empty()) {
    nlohmann::ordered_json kept = config.base;  // what the block does not override
    for (const auto& m : config.members.items()) kept.erase(m.key());
    try {
      check_member_types(kept, config.validation);
    } catch (const ConfigError& e) {
      throw ConfigError(in_file + e.what());
    }
  }
  for (const auto* source : {&config.base, &config.members}) {
    if (source->contains(id_member) && (*source)[id_member] != config.identifier) {
      // OIDC Discovery §4.3, RFC 8414 §3.3 and RFC 9728 §3.3: clients refuse
      // a document whose identifier differs from the one they asked for.
      throw ConfigError((source == &config.base ? in_file : "") + id_member + " member " +
                        (*source)[id_member].dump() +
                        " differs from the " + (resource ? "resource" : "issuer") + " identifier \"" +
                        config.identifier + "\"");
    }
  }

  DiscoveryDocuments out;
  std::string jwks_uri;
  if (keys) {
    if (config.jwks_path) {
      const std::string& p = *config.jwks_path;
      if (p.empty() || p[0] != '/' || p.find_first_of("?#") != std::string::npos) {
        throw ConfigError("jwks_path \"" + p + "\" must be an absolute path without query");
      }
      try {
        out.jwks_paths = {route_path(p)};  // written as in a URL, routed decoded
      } catch (const ConfigError& e) {
        throw ConfigError(std::string("jwks_path: ") + e.what());
      }
      jwks_uri = origin + p;
    } else {
      out.jwks_paths = well_known_paths(Document::JwkSet, route, config.forms);
      jwks_uri = origin + well_known_paths(Document::JwkSet, path, config.forms).front();
    }
  }

  for (Document document : config.documents) {
    std::string suffix = document_name(document);
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    doc[id_member] = config.identifier;
    for (const auto* source : {&config.base, &config.members}) {
      for (const auto& m : source->items()) {
        set_member(doc, m.key(), m.value());
      }
    }
    const bool jwks_uri_given = doc.contains("jwks_uri");
    if (keys && !jwks_uri_given) {
      doc["jwks_uri"] = jwks_uri;
    }
    // An id_token_signing_alg_values_supported the operator wrote (directive
    // or metadata file) is a stated choice: OIDC Discovery §3's RS256 rule
    // is only pointed out for the list derived from the key set.
    ValidationOptions validation = config.validation;
    validation.warn_without_rs256 = !doc.contains("id_token_signing_alg_values_supported");
    if (document == Document::OpenIdConfiguration && keys &&
        !doc.contains("id_token_signing_alg_values_supported")) {
      doc["id_token_signing_alg_values_supported"] = keys->signing_algs();
    }
    try {
      Warnings w = finalize_document(document, doc, validation);
      for (auto& s : w) {
        out.warnings.push_back(s.rfind(suffix, 0) == 0 ? s : suffix + ": " + s);
      }
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      throw ConfigError(msg.rfind(suffix, 0) == 0 ? msg : suffix + ": " + msg);
    }

    // Given members are checked against what this module serves.
    if (jwks_uri_given && doc.contains("jwks_uri")) {
      Url given = parse_url(doc["jwks_uri"].get<std::string>());
      if (origin_key(given) == origin_key(url)) {
        try {
          out.given_jwks_route = route_path(given.path);
        } catch (const ConfigError& e) {
          throw ConfigError(suffix + ": jwks_uri: " + e.what());
        }
      }
    }
    // MCP authorization (2025-11-25) has clients find the authorization
    // server in this member; RFC 9728 §2 leaves it OPTIONAL.
    if (document == Document::ProtectedResource && !doc.contains("authorization_servers")) {
      out.warnings.push_back(suffix +
                             ": no authorization_servers: MCP clients need at least one to find "
                             "where to get tokens; add authorization_servers URL;");
    }
    if (document == Document::OpenIdConfiguration && keys &&
        doc.contains("id_token_signing_alg_values_supported")) {
      std::vector<std::string> served = keys->signing_algs();
      for (const auto& alg : doc["id_token_signing_alg_values_supported"]) {
        std::string a = alg.get<std::string>();
        if (uses_published_key(a) && std::find(served.begin(), served.end(), a) == served.end()) {
          out.warnings.push_back(suffix + ": id_token_signing_alg_values_supported lists " + a +
                                 ", but no key in the issuer's key set signs with it");
        }
      }
    }
    if (config.signer) {
      try {
        doc["signed_metadata"] = config.signer->sign(doc, config.identifier, keys);
      } catch (const ConfigError& e) {
        throw ConfigError(suffix + ": " + e.what());
      }
    }
    std::string body;
    try {
      body = doc.dump();
    } catch (const nlohmann::json::exception& e) {
      // Not reachable from checked input (names and values are checked for
      // UTF-8); never let the library's exception stand for a config error.
      throw ConfigError(suffix + ": the document cannot be serialised: " + e.what());
    }
    std::vector<std::string> paths = well_known_paths(document, route, config.forms);
    if (document == Document::ProtectedResource && config.serve_at_root && !route.empty()) {
      paths.push_back(well_known_paths(document, "", config.forms).front());
    }
    out.documents.push_back({document, std::move(body), std::move(paths)});
  }
  if (config.signer) {
    // Every document is signed: the private key has done its work.
    config.signer->forget_private_key();
    for (const auto& w : config.signer->warnings()) out.warnings.push_back(w);
  }
  if (resource) {
    out.resource_route = route;
    out.resource_metadata_url =
        origin + well_known_paths(Document::ProtectedResource, path, config.forms).front();
  }
  return out;
}

}  // namespace wellknown
