#include "core/entity.hpp"

#include <gtest/gtest.h>

#include "keys.hpp"

using namespace wellknown;
using json = nlohmann::ordered_json;

namespace {

EntityConfig oidc_issuer(const std::string& issuer) {
  EntityConfig c;
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

TEST(Issuer, PathEntityDocumentsAndForms) {
  JwkSet keys = rsa_and_ec();
  EntityDocuments d = build_entity(oidc_issuer("https://id.example.com/t1"), &keys);
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
  EntityConfig c = oidc_issuer("https://id.example.com");
  c.members["jwks_uri"] = "https://keys.example.com/certs";
  c.members["id_token_signing_alg_values_supported"] = {"RS256"};
  c.documents = {Resource::OpenIdConfiguration};
  EntityDocuments d = build_entity(c, &keys);
  json oidc = json::parse(d.documents[0].body);
  EXPECT_EQ(oidc["jwks_uri"], "https://keys.example.com/certs");
  EXPECT_EQ(oidc["id_token_signing_alg_values_supported"], json({"RS256"}));
  EXPECT_EQ(d.jwks_paths, std::vector<std::string>{"/.well-known/jwks.json"});
  EXPECT_EQ(d.documents[0].paths, std::vector<std::string>{"/.well-known/openid-configuration"});
}

TEST(Issuer, Errors) {
  JwkSet keys = rsa_and_ec();
  auto err = [&](EntityConfig c) {
    try {
      build_entity(c, &keys);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EntityConfig c = oidc_issuer("https://id.example.com/t1");
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
  EntityConfig no_keys = oidc_issuer("https://id.example.com/t1");
  EXPECT_THROW(build_entity(no_keys, nullptr), ConfigError);
}

TEST(Issuer, Seed004MinimalDocument) {
  JwkSet keys = rsa_and_ec();
  EntityConfig c;
  c.identifier = "https://clerk.example.com";
  c.documents = {Resource::OpenIdConfiguration};
  c.validation.relax_required = true;
  c.members["id_token_signing_alg_values_supported"] = json::array();  // omit the derived list
  EntityDocuments d = build_entity(c, &keys);
  EXPECT_EQ(d.documents[0].body,
            R"({"issuer":"https://clerk.example.com","jwks_uri":"https://clerk.example.com/.well-known/jwks.json"})");
  ASSERT_FALSE(d.warnings.empty());
}
