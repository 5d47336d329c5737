#include "core/metadata.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <functional>

#include "core/route_table.hpp"
#include "core/well_known_uri.hpp"
#include "core/url.hpp"

using namespace wellknown;
using json = nlohmann::ordered_json;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

json oidc_minimal() {
  return json::parse(R"({
    "issuer": "https://id.example.com/t1",
    "authorization_endpoint": "https://id.example.com/t1/authorize",
    "token_endpoint": "https://id.example.com/t1/token",
    "jwks_uri": "https://id.example.com/t1/jwks.json",
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"]
  })");
}

}  // namespace

TEST(Url, ParsesAndChecks) {
  Url u = parse_url("https://id.example.com/t1");
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.host, "id.example.com");
  EXPECT_EQ(u.path, "/t1");
  EXPECT_EQ(parse_url("https://id.example.com").path, "");
  EXPECT_EQ(parse_url("http://127.0.0.1:8080/tenant1/").port, "8080");
  EXPECT_NE(error_of([] { check_url("jwks_uri", "http://h/x", {}); }).find("must use https"),
            std::string::npos);
  EXPECT_NO_THROW(check_url("jwks_uri", "http://h/x", {true, true}));
  EXPECT_NE(error_of([] { check_url("jwks_uri", "https://h/x#f", {}); }).find("fragment"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_url("issuer", "https://h/x?q", {false, false}); }).find("query"),
            std::string::npos);
  EXPECT_NO_THROW(check_url("resource", "https://h/x?q", {}));
  for (const char* bad : {"id.example.com", "ftp://h/", "https://", "https://u@h/", "/relative",
                          "https://h/a b"}) {
    EXPECT_THROW(parse_url(bad), ConfigError) << bad;
  }
}

TEST(Metadata, MemberValuesByRegisteredType) {
  EXPECT_EQ(member_value("scopes_supported", {"openid", "profile"}), json({"openid", "profile"}));
  EXPECT_EQ(member_value("claims_parameter_supported", {"true"}), json(true));
  EXPECT_EQ(member_value("claims_parameter_supported", {"false"}), json(false));
  EXPECT_EQ(member_value("token_endpoint", {"https://h/token"}), json("https://h/token"));
  EXPECT_EQ(member_value("mfa_challenge_endpoint", {"https://h/mfa"}), json("https://h/mfa"));
  EXPECT_THROW(member_value("claims_parameter_supported", {"yes"}), ConfigError);
  EXPECT_THROW(member_value("token_endpoint", {"a", "b"}), ConfigError);
  EXPECT_THROW(member_value("mtls_endpoint_aliases", {"x"}), ConfigError);
  EXPECT_THROW(member_value("resource_name", {"\xff"}), ConfigError);
}

TEST(Metadata, StrictJson) {
  EXPECT_EQ(parse_json(R"({"a":1,"b":[true,null]})", "x")["b"][0], true);
  EXPECT_NE(error_of([] { parse_json(R"({"a":1,"a":2})", "f.json"); }).find("duplicate member \"a\""),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_json(R"({"o":{"k":1,"k":1}})", "f.json"); }).find("duplicate"),
            std::string::npos);
  // The same name in sibling objects is fine.
  EXPECT_NO_THROW(parse_json(R"([{"k":1},{"k":2}])", "x"));
  EXPECT_NE(error_of([] { parse_json("{\"a\":\"\xff\"}", "f.json"); }).find("invalid JSON"),
            std::string::npos);
  EXPECT_THROW(parse_json("{\"a\":1} trailing", "x"), ConfigError);
  EXPECT_THROW(parse_json(std::string(100, '[') + std::string(100, ']'), "x"), ConfigError);
  EXPECT_NO_THROW(parse_json(std::string(10, '[') + std::string(10, ']'), "x"));
}

TEST(Metadata, OverrideKeepsPosition) {
  json doc = json::object();
  set_member(doc, "issuer", "https://a");
  set_member(doc, "jwks_uri", "https://a/jwks");
  set_member(doc, "issuer", "https://b");
  EXPECT_EQ(doc.dump(), R"({"issuer":"https://b","jwks_uri":"https://a/jwks"})");
}

TEST(Metadata, OidcRequiredMembersAndWarnings) {
  json doc = oidc_minimal();
  EXPECT_TRUE(finalize_document(Document::OpenIdConfiguration, doc, {}).empty());

  for (const char* member : {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                             "response_types_supported", "subject_types_supported",
                             "id_token_signing_alg_values_supported"}) {
    json d = oidc_minimal();
    d.erase(member);
    std::string e = error_of([&] { finalize_document(Document::OpenIdConfiguration, d, {}); });
    EXPECT_NE(e.find(member), std::string::npos) << e;
    EXPECT_NE(e.find("OpenID Connect Discovery 1.0 §3"), std::string::npos) << e;
  }
  // Implicit-only providers need no token endpoint.
  json implicit = oidc_minimal();
  implicit.erase("token_endpoint");
  implicit["response_types_supported"] = {"id_token", "id_token token"};
  EXPECT_NO_THROW(finalize_document(Document::OpenIdConfiguration, implicit, {}));

  json ec_only = oidc_minimal();
  ec_only["id_token_signing_alg_values_supported"] = {"ES256"};
  ec_only["issuer"] = "https://id.example.com/t1/";
  auto w = finalize_document(Document::OpenIdConfiguration, ec_only, {});
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("ends with \"/\""), std::string::npos);
  EXPECT_NE(w[1].find("RS256"), std::string::npos);
}

TEST(Metadata, RelaxedRequiredServesAMinimalDocument) {
  // A hosted auth service's document for API gateways: just issuer and jwks_uri.
  json doc = json::parse(R"({"issuer":"https://clerk.example.com",
                             "jwks_uri":"https://clerk.example.com/.well-known/jwks.json"})");
  EXPECT_THROW(finalize_document(Document::OpenIdConfiguration, doc, {}), ConfigError);
  ValidationOptions relaxed;
  relaxed.relax_required = true;
  auto w = finalize_document(Document::OpenIdConfiguration, doc, relaxed);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("served without"), std::string::npos);
  EXPECT_EQ(doc.size(), 2u);
}

TEST(Metadata, TypesUrlsAndEmptyArrays) {
  auto err = [](json d, Document k = Document::OpenIdConfiguration) {
    return error_of([&] { finalize_document(k, d, {}); });
  };
  json d = oidc_minimal();
  d["claims_parameter_supported"] = "true";
  EXPECT_NE(err(d).find("claims_parameter_supported must be a boolean"), std::string::npos);
  d = oidc_minimal();
  d["scopes_supported"] = {"openid", 7};
  EXPECT_NE(err(d).find("scopes_supported must be an array of strings"), std::string::npos);
  d = oidc_minimal();
  d["userinfo_endpoint"] = "http://id.example.com/userinfo";
  EXPECT_NE(err(d).find("userinfo_endpoint"), std::string::npos);
  d = oidc_minimal();
  d["issuer"] = "https://id.example.com/t1?tenant=1";
  EXPECT_NE(err(d).find("query"), std::string::npos);
  // Extra members are free-form.
  d = oidc_minimal();
  d["mfa_challenge_endpoint"] = "https://id.example.com/mfa";
  d["x_vendor"] = json::object({{"nested", {1, 2}}});
  EXPECT_NO_THROW(finalize_document(Document::OpenIdConfiguration, d, {}));
  // Zero-element arrays are omitted (RFC 8414 §3.2).
  d = oidc_minimal();
  d["scopes_supported"] = json::array();
  finalize_document(Document::OpenIdConfiguration, d, {});
  EXPECT_FALSE(d.contains("scopes_supported"));
  // ... so an empty required array is missing.
  d = oidc_minimal();
  d["response_types_supported"] = json::array();
  EXPECT_NE(err(d).find("response_types_supported"), std::string::npos);
  // Plain http where the operator allows it.
  d = oidc_minimal();
  d["issuer"] = "http://127.0.0.1:8080/tenant1";
  ValidationOptions dev;
  dev.allow_http = true;
  EXPECT_NO_THROW(finalize_document(Document::OpenIdConfiguration, d, dev));
}

TEST(Metadata, Rfc8414And9728Required) {
  json as = json::parse(R"({"issuer":"https://as","authorization_endpoint":"https://as/a",
                            "token_endpoint":"https://as/t","response_types_supported":["code"]})");
  json as_copy = as;
  EXPECT_NO_THROW(finalize_document(Document::AuthorizationServer, as_copy, {}));
  json no_auth = as;
  no_auth.erase("authorization_endpoint");
  EXPECT_THROW(finalize_document(Document::AuthorizationServer, no_auth, {}), ConfigError);
  // Client credentials only: no authorization endpoint needed.
  no_auth["grant_types_supported"] = {"client_credentials"};
  EXPECT_NO_THROW(finalize_document(Document::AuthorizationServer, no_auth, {}));
  json no_token = as;
  no_token.erase("token_endpoint");
  EXPECT_THROW(finalize_document(Document::AuthorizationServer, no_token, {}), ConfigError);
  no_token["grant_types_supported"] = {"implicit"};
  EXPECT_NO_THROW(finalize_document(Document::AuthorizationServer, no_token, {}));

  json pr = json::parse(R"({"resource":"https://rs/api","authorization_servers":["https://as"]})");
  EXPECT_NO_THROW(finalize_document(Document::ProtectedResource, pr, {}));
  json bad = pr;
  bad["authorization_servers"] = {"https://as", "http://as2"};
  EXPECT_NE(error_of([&] { finalize_document(Document::ProtectedResource, bad, {}); })
                .find("authorization_servers"),
            std::string::npos);
  bad = pr;
  bad.erase("resource");
  EXPECT_NE(error_of([&] { finalize_document(Document::ProtectedResource, bad, {}); })
                .find("RFC 9728 §2"),
            std::string::npos);
}

TEST(Routes, UrlFormsForPathAndRootIssuers) {
  UrlForms all;
  EXPECT_EQ(identifier_path("/t1/"), "/t1");
  EXPECT_EQ(identifier_path(""), "");
  EXPECT_EQ(well_known_paths(Document::OpenIdConfiguration, "/t1", all),
            (std::vector<std::string>{"/t1/.well-known/openid-configuration",
                                      "/.well-known/openid-configuration/t1"}));
  EXPECT_EQ(well_known_paths(Document::AuthorizationServer, "/t1", all),
            (std::vector<std::string>{"/.well-known/oauth-authorization-server/t1",
                                      "/t1/.well-known/oauth-authorization-server"}));
  EXPECT_EQ(well_known_paths(Document::OpenIdConfiguration, "", all),
            (std::vector<std::string>{"/.well-known/openid-configuration"}));
  EXPECT_EQ(well_known_paths(Document::ProtectedResource, "/api", all),
            (std::vector<std::string>{"/.well-known/oauth-protected-resource/api"}));
  EXPECT_EQ(well_known_paths(Document::JwkSet, "/t1", all),
            (std::vector<std::string>{"/t1/jwks.json"}));
  EXPECT_EQ(well_known_paths(Document::JwkSet, "", all),
            (std::vector<std::string>{"/.well-known/jwks.json"}));
  UrlForms only_append;
  only_append.oidc_insert = false;
  EXPECT_EQ(well_known_paths(Document::OpenIdConfiguration, "/t1", only_append).size(), 1u);
}

TEST(Routes, TableLookupAndConflicts) {
  RouteTable<int> t;
  t.add("/t1/jwks.json", 1, "issuer https://h/t1");
  t.add("/t1/jwks.json", 1, "issuer https://h/t1");  // same value: fine
  EXPECT_NE(error_of([&] { t.add("/t1/jwks.json", 2, "issuer https://h/t2"); })
                .find("already served for issuer https://h/t1"),
            std::string::npos);
  for (int i = 0; i < 1000; ++i) t.add("/tenant" + std::to_string(i) + "/x", i, "x");
  ASSERT_NE(t.find("/tenant999/x"), nullptr);
  EXPECT_EQ(*t.find("/tenant999/x"), 999);
  EXPECT_EQ(t.find("/tenant1000/x"), nullptr);
  EXPECT_EQ(t.find(std::string_view("/t1/jwks.jsonX", 13)) != nullptr, true);
}

TEST(Routes, DiscoveryPaths) {
  EXPECT_TRUE(is_discovery_path("/.well-known/openid-configuration"));
  EXPECT_TRUE(is_discovery_path("/.well-known/openid-configuration/unknown"));
  EXPECT_TRUE(is_discovery_path("/unknown/.well-known/oauth-authorization-server"));
  EXPECT_FALSE(is_discovery_path("/.well-known/openid-configurationX"));
  EXPECT_FALSE(is_discovery_path("/api/users"));
  EXPECT_FALSE(is_discovery_path("/.well-known/security.txt"));
}

TEST(Routes, DiscoveryPathLooksPastAnEarlierPartialMatch) {
  EXPECT_TRUE(is_discovery_path("/a/.well-known/openid-configurationX/.well-known/openid-configuration"));
  EXPECT_FALSE(is_discovery_path("/a/.well-known/jwks.jsonX/.well-known/jwks.jsonY"));
}

TEST(Routes, RoutePathDecodesAsNginxDoes) {
  EXPECT_EQ(route_path(""), "");
  EXPECT_EQ(route_path("/t1"), "/t1");
  EXPECT_EQ(route_path("/sp%20ace"), "/sp ace");
  EXPECT_EQ(route_path("/%C3%A9t%c3%a9"), "/\xC3\xA9t\xC3\xA9");
  EXPECT_THROW(route_path("/a%2Fb"), ConfigError);
  EXPECT_THROW(route_path("/a%2fb"), ConfigError);
  EXPECT_THROW(route_path("/a%2"), ConfigError);
  EXPECT_THROW(route_path("/a%zz"), ConfigError);
  EXPECT_THROW(route_path("/a%00"), ConfigError);
  EXPECT_THROW(route_path("/a//b"), ConfigError);
  EXPECT_THROW(route_path("/a/./b"), ConfigError);
  EXPECT_THROW(route_path("/a/.."), ConfigError);
  EXPECT_THROW(route_path("/%2E%2E/x"), ConfigError);
}

// ---------------------------------------------------------------- metadata files

namespace {

// A private directory under $TMPDIR (mkdtemp), removed with its files after each test.
class MetadataFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/wellknown-unit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr) << path;
    if (f) {
      EXPECT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
      std::fclose(f);
    }
    return path;
  }
  // The error load_metadata_file throws for `path`, checked to name the file.
  std::string error_for(const std::string& path) {
    std::string e = error_of([&] { load_metadata_file(path); });
    EXPECT_NE(e.find("metadata file \"" + path + "\""), std::string::npos) << e;
    return e;
  }
  std::string dir_;
};

std::string nested_objects(int levels) {
  std::string s;
  for (int i = 0; i < levels; ++i) s += "{\"x_d\":";
  s += "1";
  return s + std::string(levels, '}');
}

}  // namespace

TEST_F(MetadataFile, LoadsAnObjectInFileOrder) {
  std::string path = write("ok.json", R"({"token_endpoint":"https://h/t","issuer":"https://h",
                                          "x_nested":{"z":1,"a":[true,null]},"scopes_supported":[]})");
  json doc = load_metadata_file(path);
  std::vector<std::string> names;
  for (const auto& m : doc.items()) names.push_back(m.key());
  EXPECT_EQ(names, (std::vector<std::string>{"token_endpoint", "issuer", "x_nested", "scopes_supported"}));
  EXPECT_EQ(doc["x_nested"].dump(), R"({"z":1,"a":[true,null]})");
  // Loading does not validate members (build_discovery does, after overrides).
  EXPECT_EQ(load_metadata_file(write("typed.json", R"({"token_endpoint":5})"))["token_endpoint"], 5);
  EXPECT_TRUE(load_metadata_file(write("empty-object.json", "{}")).empty());
  EXPECT_TRUE(load_metadata_file(write("spaces.json", "\n  {}\n\n")).empty());
}

TEST_F(MetadataFile, FileErrorsNameTheFile) {
  std::string e = error_for(dir_ + "/missing.json");
  EXPECT_EQ(e, "cannot open metadata file \"" + dir_ + "/missing.json\": No such file or directory");

  std::string sub = dir_ + "/sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  EXPECT_EQ(error_for(sub), "metadata file \"" + sub + "\" is a directory");

  std::string empty = write("empty.json", "");
  EXPECT_EQ(error_for(empty), "metadata file \"" + empty + "\" is empty");
}

TEST_F(MetadataFile, SizeCapIsOneMebibyte) {
  const std::string head = "{\"x_pad\":\"";
  const std::string tail = "\"}";
  std::string exact = head + std::string(kMaxMetadataFileSize - head.size() - tail.size(), 'a') + tail;
  ASSERT_EQ(exact.size(), kMaxMetadataFileSize);
  EXPECT_NO_THROW(load_metadata_file(write("exact.json", exact)));
  std::string over = write("over.json", head + std::string(kMaxMetadataFileSize, 'a') + tail);
  EXPECT_EQ(error_for(over), "metadata file \"" + over + "\" is larger than 1 MiB");
  std::string one_more = exact;
  one_more.insert(1, " ");
  std::string p = write("one-more.json", one_more);
  EXPECT_EQ(error_for(p), "metadata file \"" + p + "\" is larger than 1 MiB");
}

TEST_F(MetadataFile, JsonErrorsNameTheFile) {
  struct Case {
    const char* name;
    std::string content;
    const char* says;
  };
  const Case cases[] = {
      {"invalid.json", R"({"token_endpoint": })", ": invalid JSON: "},
      {"truncated.json", R"({"issuer": "https://h")", ": invalid JSON: "},
      {"trailing.json", R"({"a":1} {"b":2})", ": invalid JSON: "},
      {"comment.json", "{\"a\":1 /* no */}", ": invalid JSON: "},
      {"single-quotes.json", "{'a':1}", ": invalid JSON: "},
      {"whitespace.json", " \n\t ", ": invalid JSON: "},
      {"latin1.json", "{\"x_name\":\"caf\xE9\"}", ": invalid JSON: "},
      {"overlong.json", "{\"x_name\":\"\xC0\xAF\"}", ": invalid JSON: "},
      {"surrogate.json", "{\"x_name\":\"\xED\xA0\x80\"}", ": invalid JSON: "},
      {"dup.json", R"({"token_endpoint":"https://h/t","x":1,"token_endpoint":"https://h/t2"})",
       ": duplicate member \"token_endpoint\""},
      {"dup-nested.json", R"({"x_o":{"k":1,"k":2}})", ": duplicate member \"k\""},
      {"dup-in-array.json", R"({"x_a":[{"k":1},{"j":1,"j":2}]})", ": duplicate member \"j\""},
      {"deep-objects.json", nested_objects(kMaxJsonDepth + 1), ": nesting deeper than 32 levels"},
      {"deep-arrays.json",
       "{\"x\":" + std::string(kMaxJsonDepth, '[') + "1" + std::string(kMaxJsonDepth, ']') + "}",
       ": nesting deeper than 32 levels"},
      {"very-deep.json", std::string(10000, '['), ""},
      {"array.json", R"([{"issuer":"https://h"}])", " must hold a JSON object, not array"},
      {"string.json", R"("https://h")", " must hold a JSON object, not string"},
      {"number.json", "42", " must hold a JSON object, not number"},
      {"null.json", "null", " must hold a JSON object, not null"},
  };
  for (const auto& c : cases) {
    std::string path = write(c.name, c.content);
    std::string e = error_for(path);
    EXPECT_EQ(e.rfind("metadata file \"" + path + "\"", 0), 0u) << c.name << ": " << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << c.name << ": " << e;
  }
  // Valid UTF-8, escapes and 32 levels are fine; duplicate names in sibling objects too.
  EXPECT_EQ(load_metadata_file(write("utf8.json", "{\"x_name\":\"caf\xC3\xA9 \\u00e9\"}"))["x_name"],
            "caf\xC3\xA9 \xC3\xA9");
  EXPECT_NO_THROW(load_metadata_file(write("deep32.json", nested_objects(kMaxJsonDepth))));
  EXPECT_NO_THROW(load_metadata_file(write("siblings.json", R"({"a":{"k":1},"b":{"k":2}})")));
}

// A container's own level counts: 33 levels of nesting are refused even
// when the innermost container is empty.
TEST_F(MetadataFile, NestingLimitCountsAnEmptyInnermostContainer) {
  for (const std::string& text :
       {std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'),
        "{\"x\":" + std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']') + "}"}) {
    std::string path = write("deep-empty.json", text);
    EXPECT_NE(error_of([&] { load_metadata_file(path); }).find("nesting deeper than 32 levels"),
              std::string::npos)
        << text;
  }
}
