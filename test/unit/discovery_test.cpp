#include "core/discovery.hpp"

#include <gtest/gtest.h>

#include "keys.hpp"

using namespace wellknown;
using json = nlohmann::ordered_json;

namespace {

DiscoveryConfig oidc_issuer(const std::string& issuer) {
  DiscoveryConfig c;
  c.identifier = issuer;
  c.members["authorization_endpoint"] = issuer + "/authorize";
  c.members["token_endpoint"] = issuer + "/token";
  c.members["response_types_supported"] = {"code"};
  c.members["subject_types_supported"] = {"public"};
  return c;
}

JwkSet rsa_and_ec() {
  JwkSet set;
  auto rsa = testkeys::generate("RSA", "2048");
  auto ec = testkeys::generate("EC", "P-256");
  set.add(make_jwk(parse_key_pem(testkeys::spki(rsa.get())), {}));
  set.add(make_jwk(parse_key_pem(testkeys::spki(ec.get())), {}));
  return set;
}

}  // namespace

TEST(Issuer, PathDiscoveryDocumentsAndForms) {
  JwkSet keys = rsa_and_ec();
  DiscoveryDocuments d = build_discovery(oidc_issuer("https://id.example.com/t1"), &keys);
  ASSERT_EQ(d.documents.size(), 2u);
  EXPECT_EQ(d.jwks_paths, std::vector<std::string>{"/t1/jwks.json"});
  json oidc = json::parse(d.documents[0].body);
  // issuer first, declared members in order, derived members last.
  std::vector<std::string> order;
  for (const auto& m : oidc.items()) order.push_back(m.key());
  EXPECT_EQ(order, (std::vector<std::string>{"issuer", "authorization_endpoint", "token_endpoint",
                                             "response_types_supported", "subject_types_supported",
                                             "jwks_uri", "id_token_signing_alg_values_supported"}));
  EXPECT_EQ(oidc["issuer"], "https://id.example.com/t1");
  EXPECT_EQ(oidc["jwks_uri"], "https://id.example.com/t1/jwks.json");
  EXPECT_EQ(oidc["id_token_signing_alg_values_supported"], json({"RS256", "ES256"}));
  EXPECT_EQ(d.documents[0].paths,
            (std::vector<std::string>{"/t1/.well-known/openid-configuration",
                                      "/.well-known/openid-configuration/t1"}));
  json as = json::parse(d.documents[1].body);
  EXPECT_EQ(as["issuer"], oidc["issuer"]);  // identical issuer in every form
  EXPECT_FALSE(as.contains("id_token_signing_alg_values_supported"));
  EXPECT_EQ(d.documents[1].paths,
            (std::vector<std::string>{"/.well-known/oauth-authorization-server/t1",
                                      "/t1/.well-known/oauth-authorization-server"}));
  EXPECT_TRUE(d.warnings.empty());
}

TEST(Issuer, RootIssuerAndExplicitMembers) {
  JwkSet keys = rsa_and_ec();
  DiscoveryConfig c = oidc_issuer("https://id.example.com");
  c.members["jwks_uri"] = "https://keys.example.com/certs";
  c.members["id_token_signing_alg_values_supported"] = {"RS256"};
  c.documents = {Document::OpenIdConfiguration};
  DiscoveryDocuments d = build_discovery(c, &keys);
  json oidc = json::parse(d.documents[0].body);
  EXPECT_EQ(oidc["jwks_uri"], "https://keys.example.com/certs");
  EXPECT_EQ(oidc["id_token_signing_alg_values_supported"], json({"RS256"}));
  EXPECT_EQ(d.jwks_paths, std::vector<std::string>{"/.well-known/jwks.json"});
  EXPECT_EQ(d.documents[0].paths, std::vector<std::string>{"/.well-known/openid-configuration"});
}

TEST(Issuer, Errors) {
  JwkSet keys = rsa_and_ec();
  auto err = [&](DiscoveryConfig c) {
    try {
      build_discovery(c, &keys);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  DiscoveryConfig c = oidc_issuer("https://id.example.com/t1");
  c.members["issuer"] = "https://id.example.com/t1/";
  EXPECT_NE(err(c).find("differs"), std::string::npos);
  EXPECT_NE(err(oidc_issuer("http://id.example.com")).find("https"), std::string::npos);
  EXPECT_NE(err(oidc_issuer("https://id.example.com/t1?x=1")).find("query"), std::string::npos);
  c = oidc_issuer("https://id.example.com/t1");
  c.members.erase("token_endpoint");
  std::string e = err(c);
  EXPECT_EQ(e.rfind("openid-configuration lacks required member(s) token_endpoint", 0), 0u) << e;
  c = oidc_issuer("https://id.example.com/t1");
  c.jwks_path = "keys.json";
  EXPECT_NE(err(c).find("jwks_path"), std::string::npos);
  // Without a key set, jwks_uri must be given for OIDC.
  DiscoveryConfig no_keys = oidc_issuer("https://id.example.com/t1");
  EXPECT_THROW(build_discovery(no_keys, nullptr), ConfigError);
}

TEST(Issuer, MinimalDocumentForApiGateways) {
  JwkSet keys = rsa_and_ec();
  DiscoveryConfig c;
  c.identifier = "https://clerk.example.com";
  c.documents = {Document::OpenIdConfiguration};
  c.validation.relax_required = true;
  c.members["id_token_signing_alg_values_supported"] = json::array();  // omit the derived list
  DiscoveryDocuments d = build_discovery(c, &keys);
  EXPECT_EQ(d.documents[0].body,
            R"({"issuer":"https://clerk.example.com","jwks_uri":"https://clerk.example.com/.well-known/jwks.json"})");
  ASSERT_FALSE(d.warnings.empty());
}

// ---------------------------------------------------------------- protected resources (RFC 9728)

namespace {

JwkSet rsa_only() {
  JwkSet set;
  auto rsa = testkeys::generate("RSA", "2048");
  set.add(make_jwk(parse_key_pem(testkeys::spki(rsa.get())), {}));
  return set;
}

std::vector<std::string> member_names(const std::string& body) {
  std::vector<std::string> names;
  json doc = json::parse(body);
  for (const auto& m : doc.items()) names.push_back(m.key());
  return names;
}

std::string build_error(const DiscoveryConfig& c, const JwkSet* keys) {
  try {
    build_discovery(c, keys);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool any_contains(const Warnings& w, const std::string& text) {
  for (const auto& s : w) {
    if (s.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST(ProtectedResource, ConfigIsOneProtectedResourceDocument) {
  DiscoveryConfig c = protected_resource_config("https://api.example.com/api");
  EXPECT_EQ(c.role, Role::ProtectedResource);
  EXPECT_EQ(c.identifier, "https://api.example.com/api");
  EXPECT_EQ(c.documents, std::vector<Document>{Document::ProtectedResource});
  EXPECT_TRUE(c.base.empty());
  EXPECT_TRUE(c.members.empty());
  EXPECT_FALSE(c.jwks_path.has_value());
}

TEST(ProtectedResource, PathResourceMemberOrderAndDerivedJwksUri) {
  JwkSet keys = rsa_and_ec();
  DiscoveryConfig c = protected_resource_config("https://api.example.com/api");
  c.members["authorization_servers"] = {"https://id.example.com/t1", "https://id2.example.com"};
  c.members["scopes_supported"] = {"read", "write"};
  c.members["resource_signing_alg_values_supported"] = json::array();  // zero elements: omitted
  c.members["bearer_methods_supported"] = {"header"};
  c.members["resource_name"] = "Example API";
  c.members["x_tier"] = "gold";
  DiscoveryDocuments d = build_discovery(c, &keys);
  ASSERT_EQ(d.documents.size(), 1u);
  EXPECT_EQ(d.documents[0].document, Document::ProtectedResource);
  EXPECT_EQ(d.documents[0].paths,
            std::vector<std::string>{"/.well-known/oauth-protected-resource/api"});
  EXPECT_EQ(d.jwks_paths, std::vector<std::string>{"/api/jwks.json"});
  EXPECT_EQ(d.documents[0].body,
            R"({"resource":"https://api.example.com/api",)"
            R"("authorization_servers":["https://id.example.com/t1","https://id2.example.com"],)"
            R"("scopes_supported":["read","write"],"bearer_methods_supported":["header"],)"
            R"("resource_name":"Example API","x_tier":"gold",)"
            R"("jwks_uri":"https://api.example.com/api/jwks.json"})");
  EXPECT_EQ(member_names(d.documents[0].body),
            (std::vector<std::string>{"resource", "authorization_servers", "scopes_supported",
                                      "bearer_methods_supported", "resource_name", "x_tier",
                                      "jwks_uri"}));
  // Never the issuer-only derived member, whatever the key set.
  EXPECT_EQ(d.documents[0].body.find("id_token_signing_alg_values_supported"), std::string::npos);
  EXPECT_FALSE(d.given_jwks_route.has_value());
  EXPECT_TRUE(d.warnings.empty());
}

TEST(ProtectedResource, RootTrailingSlashJwksPathAndNoKeys) {
  JwkSet keys = rsa_only();
  // Root resource: the well-known path itself, the root key set path.
  DiscoveryDocuments root = build_discovery(protected_resource_config("https://rs.example.com"), &keys);
  EXPECT_EQ(root.documents[0].paths,
            std::vector<std::string>{"/.well-known/oauth-protected-resource"});
  EXPECT_EQ(root.jwks_paths, std::vector<std::string>{"/.well-known/jwks.json"});
  EXPECT_EQ(root.documents[0].body,
            R"({"resource":"https://rs.example.com","jwks_uri":"https://rs.example.com/.well-known/jwks.json"})");

  // "https://host/" is a root resource too; the identifier is kept as written.
  DiscoveryDocuments slash = build_discovery(protected_resource_config("https://rs.example.com/"), nullptr);
  EXPECT_EQ(slash.documents[0].paths,
            std::vector<std::string>{"/.well-known/oauth-protected-resource"});
  EXPECT_EQ(slash.documents[0].body, R"({"resource":"https://rs.example.com/"})");

  // A terminating "/" is dropped from the path (RFC 9728 §3.1) but not from "resource".
  DiscoveryDocuments v2 = build_discovery(protected_resource_config("https://api.example.com/v2/"), &keys);
  EXPECT_EQ(v2.documents[0].paths,
            std::vector<std::string>{"/.well-known/oauth-protected-resource/v2"});
  EXPECT_EQ(v2.jwks_paths, std::vector<std::string>{"/v2/jwks.json"});
  EXPECT_EQ(json::parse(v2.documents[0].body)["resource"], "https://api.example.com/v2/");
  EXPECT_EQ(json::parse(v2.documents[0].body)["jwks_uri"], "https://api.example.com/v2/jwks.json");

  // jwks_path moves the key set and the derived jwks_uri.
  DiscoveryConfig moved = protected_resource_config("https://api.example.com/api");
  moved.jwks_path = "/keys/api.json";
  DiscoveryDocuments m = build_discovery(moved, &keys);
  EXPECT_EQ(m.jwks_paths, std::vector<std::string>{"/keys/api.json"});
  EXPECT_EQ(json::parse(m.documents[0].body)["jwks_uri"], "https://api.example.com/keys/api.json");

  // Without a key set: no jwks_uri, no key set path; "resource" alone is complete.
  DiscoveryDocuments bare = build_discovery(protected_resource_config("https://api.example.com/bare"), nullptr);
  EXPECT_TRUE(bare.jwks_paths.empty());
  EXPECT_EQ(bare.documents[0].body, R"({"resource":"https://api.example.com/bare"})");

  // Port and percent-encoded path: the URL as written, the route decoded.
  DiscoveryDocuments enc =
      build_discovery(protected_resource_config("https://api.example.com:8443/caf%C3%A9"), &keys);
  EXPECT_EQ(enc.documents[0].paths,
            std::vector<std::string>{"/.well-known/oauth-protected-resource/caf\xC3\xA9"});
  EXPECT_EQ(enc.jwks_paths, std::vector<std::string>{"/caf\xC3\xA9/jwks.json"});
  EXPECT_EQ(json::parse(enc.documents[0].body)["jwks_uri"],
            "https://api.example.com:8443/caf%C3%A9/jwks.json");
  EXPECT_EQ(json::parse(enc.documents[0].body)["resource"], "https://api.example.com:8443/caf%C3%A9");
}

TEST(ProtectedResource, Errors) {
  auto err = [](const std::string& id) { return build_error(protected_resource_config(id), nullptr); };
  std::string e = err("https://api.example.com/r?v=1");
  EXPECT_NE(e.find("resource"), std::string::npos) << e;
  EXPECT_NE(e.find("query"), std::string::npos) << e;
  e = err("https://api.example.com/r#frag");
  EXPECT_NE(e.find("fragment"), std::string::npos) << e;
  e = err("http://api.example.com/r");
  EXPECT_NE(e.find("must use https"), std::string::npos) << e;
  e = err("https://api.example.com/a%2Fb");
  EXPECT_EQ(e.rfind("resource: ", 0), 0u) << e;
  EXPECT_NE(e.find("%2F"), std::string::npos) << e;
  e = err("not a url");
  EXPECT_NE(e.find("resource"), std::string::npos) << e;

  DiscoveryConfig dev = protected_resource_config("http://127.0.0.1:8080/r");
  dev.validation.allow_http = true;
  EXPECT_NO_THROW(build_discovery(dev, nullptr));

  // A declared or file "resource" member must be the identifier, byte for byte.
  DiscoveryConfig c = protected_resource_config("https://api.example.com/r");
  c.members["resource"] = "https://api.example.com/other";
  e = build_error(c, nullptr);
  EXPECT_NE(e.find("resource member \"https://api.example.com/other\" differs from the resource "
                   "identifier \"https://api.example.com/r\""),
            std::string::npos)
      << e;
  c = protected_resource_config("https://api.example.com/r");
  c.base["resource"] = "https://api.example.com/r/";
  EXPECT_NE(build_error(c, nullptr).find("differs"), std::string::npos);
  c = protected_resource_config("https://api.example.com/r");
  c.members["resource"] = "https://api.example.com/r";
  c.base["resource"] = "https://api.example.com/r";
  EXPECT_EQ(build_error(c, nullptr), "(no error)");

  // authorization_servers: an array of https URLs.
  for (json bad : {json({"not-a-url"}), json({"https://as.example.com", "http://as.example.com"}),
                   json("https://as.example.com"), json({"https://as.example.com#f"})}) {
    c = protected_resource_config("https://api.example.com/r");
    c.members["authorization_servers"] = bad;
    e = build_error(c, nullptr);
    EXPECT_EQ(e.rfind("oauth-protected-resource: authorization_servers", 0), 0u) << bad << ": " << e;
  }
}

// ---------------------------------------------------------------- metadata file base + declared members

TEST(Discovery, BaseMembersFirstInFileOrderDeclaredOverrideInPlace) {
  JwkSet keys = rsa_only();
  DiscoveryConfig c;
  c.identifier = "https://id.example.com/mf";
  c.base = json::parse(R"({
    "authorization_endpoint": "https://id.example.com/mf/authorize",
    "issuer": "https://id.example.com/mf",
    "token_endpoint": "https://id.example.com/mf/token",
    "x_from_file": {"b": [1, 2], "a": null},
    "response_types_supported": ["code"],
    "grant_types_supported": [],
    "subject_types_supported": ["public"],
    "scopes_supported": ["openid", "email"]
  })");
  c.members["token_endpoint"] = "https://id.example.com/mf/token-v2";  // override, keeps position
  c.members["scopes_supported"] = json::array();                       // override to empty: omitted
  c.members["x_late"] = 1;                                             // new: appended
  DiscoveryDocuments d = build_discovery(c, &keys);
  ASSERT_EQ(d.documents.size(), 2u);
  EXPECT_EQ(d.documents[0].body,
            R"({"issuer":"https://id.example.com/mf","authorization_endpoint":"https://id.example.com/mf/authorize",)"
            R"("token_endpoint":"https://id.example.com/mf/token-v2","x_from_file":{"b":[1,2],"a":null},)"
            R"("response_types_supported":["code"],"subject_types_supported":["public"],"x_late":1,)"
            R"("jwks_uri":"https://id.example.com/mf/jwks.json","id_token_signing_alg_values_supported":["RS256"]})");
  EXPECT_EQ(member_names(d.documents[1].body),
            (std::vector<std::string>{"issuer", "authorization_endpoint", "token_endpoint",
                                      "x_from_file", "response_types_supported",
                                      "subject_types_supported", "x_late", "jwks_uri"}));
  EXPECT_TRUE(d.warnings.empty());
}

TEST(Discovery, BaseSuppliesRequiredMembersAndIsValidated) {
  JwkSet keys = rsa_only();
  DiscoveryConfig c;
  c.identifier = "https://id.example.com/mf";
  c.base = json::parse(R"({"authorization_endpoint":"https://id.example.com/mf/a",
                           "token_endpoint":"https://id.example.com/mf/t",
                           "response_types_supported":["code"],
                           "subject_types_supported":["public"]})");
  EXPECT_NO_THROW(build_discovery(c, &keys));

  // The base's issuer must be the identifier.
  DiscoveryConfig other = c;
  other.base["issuer"] = "https://id.example.com/other";
  EXPECT_NE(build_error(other, &keys).find("issuer member \"https://id.example.com/other\" differs"),
            std::string::npos);

  // Registered members of the base are type-checked like declared ones...
  // and an error names the file.
  DiscoveryConfig wrong = c;
  wrong.base["token_endpoint"] = 5;
  wrong.base_file = "/etc/nginx/mf.json";
  std::string e = build_error(wrong, &keys);
  EXPECT_EQ(e, "metadata file \"/etc/nginx/mf.json\": token_endpoint must be an https URL");
  // ... unless the block overrides them.
  wrong.members["token_endpoint"] = "https://id.example.com/mf/t2";
  EXPECT_NO_THROW(build_discovery(wrong, &keys));

  // A base jwks_uri counts as given: not derived, and checked for its route.
  DiscoveryConfig given = c;
  given.base["jwks_uri"] = "https://id.example.com/keys.json";
  DiscoveryDocuments d = build_discovery(given, &keys);
  EXPECT_EQ(json::parse(d.documents[0].body)["jwks_uri"], "https://id.example.com/keys.json");
  ASSERT_TRUE(d.given_jwks_route.has_value());
  EXPECT_EQ(*d.given_jwks_route, "/keys.json");
  EXPECT_EQ(d.jwks_paths, std::vector<std::string>{"/mf/jwks.json"});  // the key set is still served
}

TEST(Discovery, ResourceBaseMembers) {
  DiscoveryConfig c = protected_resource_config("https://api.example.com/files");
  c.base = json::parse(R"({"resource_name":"From the file",
                           "authorization_servers":["https://id.example.com"],
                           "resource":"https://api.example.com/files",
                           "bearer_methods_supported":["header","body"],
                           "scopes_supported":[]})");
  c.members["resource_name"] = "From nginx.conf";
  DiscoveryDocuments d = build_discovery(c, nullptr);
  EXPECT_EQ(d.documents[0].body,
            R"({"resource":"https://api.example.com/files","resource_name":"From nginx.conf",)"
            R"("authorization_servers":["https://id.example.com"],"bearer_methods_supported":["header","body"]})");
}

// ---------------------------------------------------------------- given jwks_uri

TEST(Discovery, GivenJwksRouteOnlyForAGivenSameOriginJwksUri) {
  JwkSet keys = rsa_only();
  auto route = [&](const std::string& issuer, const std::optional<std::string>& jwks_uri,
                   bool allow_http = false) {
    DiscoveryConfig c = oidc_issuer(issuer);
    c.validation.allow_http = allow_http;
    if (jwks_uri) c.members["jwks_uri"] = *jwks_uri;
    return build_discovery(c, &keys).given_jwks_route;
  };
  // Derived: nothing to check.
  EXPECT_FALSE(route("https://id.example.com/a", std::nullopt).has_value());
  // Given, same origin: its request path, decoded as nginx decodes it.
  EXPECT_EQ(route("https://id.example.com/a", std::string("https://id.example.com/b/jwks.json")),
            std::optional<std::string>("/b/jwks.json"));
  EXPECT_EQ(route("https://id.example.com/a", std::string("https://id.example.com/a/jwks.json")),
            std::optional<std::string>("/a/jwks.json"));
  EXPECT_EQ(route("https://id.example.com/a", std::string("https://id.example.com/caf%C3%A9/jwks.json")),
            std::optional<std::string>("/caf\xC3\xA9/jwks.json"));
  EXPECT_EQ(route("https://id.example.com/a", std::string("https://id.example.com/k.json?v=2")),
            std::optional<std::string>("/k.json"));
  EXPECT_EQ(route("https://id.example.com", std::string("https://id.example.com/.well-known/jwks.json")),
            std::optional<std::string>("/.well-known/jwks.json"));
  EXPECT_EQ(route("https://id.example.com:8443/a", std::string("https://id.example.com:8443/b/jwks.json")),
            std::optional<std::string>("/b/jwks.json"));
  // Another origin: another host, another port, another scheme.
  EXPECT_FALSE(route("https://id.example.com/a", std::string("https://keys.example.com/b/jwks.json")).has_value());
  EXPECT_FALSE(route("https://id.example.com/a", std::string("https://id.example.com:8443/b/jwks.json")).has_value());
  EXPECT_FALSE(route("https://id.example.com:8443/a", std::string("https://id.example.com/b/jwks.json")).has_value());
  EXPECT_FALSE(route("https://id.example.com/a", std::string("http://id.example.com/b/jwks.json"), true).has_value());
  // A same-origin jwks_uri no request could reach is an error naming it.
  DiscoveryConfig c = oidc_issuer("https://id.example.com/a");
  c.members["jwks_uri"] = "https://id.example.com/a%2Fb/jwks.json";
  std::string e = build_error(c, &keys);
  EXPECT_NE(e.find("jwks_uri"), std::string::npos) << e;
  EXPECT_NE(e.find("%2F"), std::string::npos) << e;
  // Without a key set, a given jwks_uri is still reported.
  DiscoveryConfig no_keys = oidc_issuer("https://id.example.com/a");
  no_keys.members["jwks_uri"] = "https://id.example.com/b/jwks.json";
  no_keys.members["id_token_signing_alg_values_supported"] = {"RS256"};
  DiscoveryDocuments d = build_discovery(no_keys, nullptr);
  EXPECT_EQ(d.given_jwks_route, std::optional<std::string>("/b/jwks.json"));
  EXPECT_TRUE(d.jwks_paths.empty());
  // Resources too.
  DiscoveryConfig r = protected_resource_config("https://api.example.com/api");
  r.members["jwks_uri"] = "https://api.example.com/b/jwks.json";
  EXPECT_EQ(build_discovery(r, &keys).given_jwks_route, std::optional<std::string>("/b/jwks.json"));
}

// The same origin spelled another way (RFC 3986 §6.2.2.1: the host is
// case-insensitive; §6.2.3: the scheme's default port may be written or not)
// is the same origin: its route is checked.
TEST(Discovery, GivenJwksRouteForAnotherSpellingOfTheSameOrigin) {
  JwkSet keys = rsa_only();
  for (const char* uri : {"https://ID.EXAMPLE.COM/b/jwks.json", "https://id.example.com:443/b/jwks.json"}) {
    DiscoveryConfig c = oidc_issuer("https://id.example.com/a");
    c.members["jwks_uri"] = uri;
    EXPECT_EQ(build_discovery(c, &keys).given_jwks_route, std::optional<std::string>("/b/jwks.json")) << uri;
  }
}

// ---------------------------------------------------------------- id_token algs against the key set

TEST(Discovery, DeclaredIdTokenAlgsCheckedAgainstTheKeySet) {
  JwkSet rsa = rsa_only();
  auto warnings = [&](std::vector<std::string> algs, const JwkSet* keys,
                      std::vector<Document> docs = {Document::OpenIdConfiguration,
                                                    Document::AuthorizationServer}) {
    DiscoveryConfig c = oidc_issuer("https://id.example.com/alg");
    c.documents = std::move(docs);
    c.members["id_token_signing_alg_values_supported"] = algs;
    if (!keys) c.members["jwks_uri"] = "https://keys.example.com/jwks.json";
    return build_discovery(c, keys).warnings;
  };
  Warnings w = warnings({"RS256", "ES256"}, &rsa);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0],
            "openid-configuration: id_token_signing_alg_values_supported lists ES256, but no key in "
            "the issuer's key set signs with it");

  // HMAC and "none" use no published key.
  EXPECT_TRUE(warnings({"RS256", "HS256", "HS384", "HS512", "none"}, &rsa).empty());

  // Every alg a key could sign with is checked: PS256 is not RS256, ES256K is an EC alg.
  w = warnings({"RS256", "PS256", "HS256", "ES256K", "EdDSA"}, &rsa);
  EXPECT_EQ(w.size(), 3u);
  EXPECT_TRUE(any_contains(w, "lists PS256,"));
  EXPECT_TRUE(any_contains(w, "lists ES256K,"));
  EXPECT_TRUE(any_contains(w, "lists EdDSA,"));
  EXPECT_FALSE(any_contains(w, "HS256"));

  // A key set that signs with both: nothing to say.
  JwkSet both = rsa_and_ec();
  EXPECT_TRUE(warnings({"RS256", "ES256"}, &both).empty());

  // Only the OpenID Connect document carries id_token algs.
  EXPECT_TRUE(warnings({"RS256", "ES256"}, &rsa, {Document::AuthorizationServer}).empty());
  // Without a key set there is nothing to check against.
  EXPECT_TRUE(warnings({"RS256", "ES256"}, nullptr).empty());

  // The derived list never warns.
  EXPECT_TRUE(build_discovery(oidc_issuer("https://id.example.com/alg"), &both).warnings.empty());

  // Algs from the metadata file are checked too.
  DiscoveryConfig c = oidc_issuer("https://id.example.com/alg");
  c.base["id_token_signing_alg_values_supported"] = {"RS256", "ES384"};
  w = build_discovery(c, &rsa).warnings;
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("lists ES384,"), std::string::npos) << w[0];
}
