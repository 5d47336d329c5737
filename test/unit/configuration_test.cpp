// The configuration logic the adapter hands nginx's arguments to: block
// statements (DiscoveryBlock), key sets (key_statement, KeySets) and the
// assembly of one server's routes (Server).
#include "core/configuration.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "keys.hpp"

using namespace wellknown;
using json = nlohmann::ordered_json;

namespace {

std::string identity(const std::string& name) { return name; }

std::string error_of(DiscoveryBlock& b, const std::string& name,
                     const std::vector<std::string>& values) {
  try {
    b.statement(name, values, identity);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

using testkeys::TempFile;

void minimal_oidc(DiscoveryBlock& b, const std::string& issuer) {
  b.statement("authorization_endpoint", {issuer + "/authorize"}, identity);
  b.statement("token_endpoint", {issuer + "/token"}, identity);
  b.statement("response_types_supported", {"code"}, identity);
  b.statement("subject_types_supported", {"public"}, identity);
}

// An issuer block with the members OpenID Connect requires and key set "k".
DiscoveryBlock& open_issuer(Server& s, const std::string& id, const std::string& file,
                            unsigned long line) {
  DiscoveryBlock& b = s.open(Role::Issuer, id, {file, line});
  minimal_oidc(b, id);
  b.statement("keys", {"k"}, identity);
  return b;
}

}  // namespace

TEST(DiscoveryBlock, SettingsAndMembers) {
  DiscoveryBlock b(Role::Issuer, "https://id.example.com/t1");
  EXPECT_STREQ(b.directive(), "wellknown_issuer");
  b.statement("keys", {"main"}, identity);
  b.statement("documents", {"oauth-authorization-server"}, identity);
  b.statement("url_forms", {"oauth_insert"}, identity);
  b.statement("allow_http", {"on"}, identity);
  b.statement("relax_required", {"off"}, identity);
  b.statement("jwks_path", {"/keys"}, identity);
  b.statement("scopes_supported", {"openid", "email"}, identity);
  b.statement("extra", {"mfa_challenge_endpoint", "\"https://id.example.com/mfa\""}, identity);
  EXPECT_EQ(b.key_set(), "main");
  const DiscoveryConfig& c = b.config();
  EXPECT_EQ(c.identifier, "https://id.example.com/t1");
  EXPECT_EQ(c.documents, std::vector<Document>{Document::AuthorizationServer});
  EXPECT_FALSE(c.forms.oidc_append);
  EXPECT_FALSE(c.forms.oidc_insert);
  EXPECT_TRUE(c.forms.oauth_insert);
  EXPECT_FALSE(c.forms.oauth_append);
  EXPECT_TRUE(c.validation.allow_http);
  EXPECT_FALSE(c.validation.relax_required);
  EXPECT_EQ(c.jwks_path, "/keys");
  EXPECT_EQ(c.members.dump(),
            R"({"scopes_supported":["openid","email"],)"
            R"("mfa_challenge_endpoint":"https://id.example.com/mfa"})");
}

TEST(DiscoveryBlock, MetadataFileGoesThroughFullName) {
  TempFile file(R"({"issuer":"https://id.example.com","scopes_supported":["openid"]})");
  std::string asked;
  DiscoveryBlock b(Role::Issuer, "https://id.example.com");
  b.statement("metadata_file", {"relative.json"}, [&](const std::string& name) {
    asked = name;
    return file.path;
  });
  EXPECT_EQ(asked, "relative.json");
  EXPECT_EQ(b.config().base_file, file.path);
  EXPECT_EQ(b.config().base["scopes_supported"], json({"openid"}));
  EXPECT_NE(error_of(b, "metadata_file", {file.path}).find("metadata_file is given twice (the first: \"" +
                                                              file.path + "\")"),
            std::string::npos);
}

TEST(DiscoveryBlock, Errors) {
  struct Case {
    Role role;
    std::vector<std::string> before;  // a statement given first ("" for none)
    std::string name;
    std::vector<std::string> values;
    std::string error;
  };
  const std::vector<Case> cases = {
      {Role::Issuer, {}, "keys", {}, "keys takes exactly one value"},
      {Role::Issuer, {}, "keys", {"a", "b"}, "keys takes exactly one value"},
      {Role::Issuer, {}, "keys", {""}, "keys: the key set name is empty"},
      {Role::Issuer, {"keys", "a"}, "keys", {"b"}, "keys is given twice"},
      {Role::Issuer, {}, "documents", {}, "documents needs at least one of"},
      {Role::Issuer, {}, "documents", {"oauth-protected-resource"},
       "(for oauth-protected-resource, use wellknown_resource)"},
      {Role::Issuer, {}, "documents", {"openid-configuration", "openid-configuration"},
       "documents: \"openid-configuration\" is listed twice"},
      {Role::Issuer, {}, "url_forms", {}, "url_forms needs at least one of"},
      {Role::Issuer, {}, "url_forms", {"oidc_prepend"}, "url_forms: unknown form \"oidc_prepend\""},
      {Role::Issuer, {}, "url_forms", {"oidc_insert", "oidc_insert"},
       "url_forms: \"oidc_insert\" is listed twice"},
      {Role::Issuer, {}, "allow_http", {"yes"}, "allow_http takes on or off, not \"yes\""},
      {Role::Issuer, {}, "metadata_file", {""}, "metadata_file takes one file name"},
      {Role::Issuer, {}, "extra", {"x"}, "extra takes a member name and a JSON value"},
      {Role::Issuer, {}, "extra", {"x", "{"}, "extra x"},
      {Role::Issuer, {"scopes_supported", "openid"}, "scopes_supported", {"email"},
       "member \"scopes_supported\" is given twice"},
      {Role::Issuer, {"scopes_supported", "openid"}, "extra", {"scopes_supported", "[]"},
       "member \"scopes_supported\" is given twice"},
      {Role::Issuer, {}, "nonsense", {"x"},
       "unknown statement \"nonsense\": expected keys, jwks_path, documents, url_forms"},
      {Role::ProtectedResource, {}, "nonsense", {"x"},
       "unknown statement \"nonsense\": expected keys, jwks_path, allow_http, serve_at_root"},
      {Role::Issuer, {}, "authorisation_endpoint", {"https://id.example.com/a"},
       "unknown statement \"authorisation_endpoint\" (did you mean authorization_endpoint?)"},
      {Role::Issuer, {}, "jwks_pth", {"/k"}, "(did you mean jwks_path?)"},
      {Role::Issuer, {}, "wellknown_cache_control", {"no-store"},
       "wellknown_cache_control is not a statement of wellknown_issuer; it belongs in http, "
       "server or location; inside an issuer or resource block, write cache_control"},
      {Role::ProtectedResource, {}, "wellknown_keys", {"k"},
       "wellknown_keys is not a statement of wellknown_resource; it belongs in the http block"},
      {Role::ProtectedResource, {}, "token_endpoint", {"https://id.example.com/token"},
       "token_endpoint is not a member of a protected resource's metadata (RFC 9728 §2); it "
       "belongs in wellknown_issuer (RFC 8414 §2). To publish it here anyway, write extra "
       "token_endpoint JSON;"},
      {Role::Issuer, {}, "resource_name", {"API"},
       "resource_name is not a member of an issuer's metadata"},
      {Role::Issuer, {}, "mtls_endpoint_aliases", {"x"},
       "mtls_endpoint_aliases is a JSON object: give it as JSON with extra mtls_endpoint_aliases"},
      {Role::Issuer, {}, "extra", {"x_name", "hello"},
       "a JSON string keeps its quotes inside nginx's: extra x_name '\"hello\"';"},
      {Role::Issuer, {}, "token_endpoint", {"https://$host/token"},
       "token_endpoint \"https://$host/token\": variables are not expanded here"},
      {Role::Issuer, {}, "extra", {"x", "\"$x\""}, "variables are not expanded here"},
      {Role::Issuer, {}, "cache_control", {"max-age=abc"},
       "max-age takes a number of seconds, e.g. max-age=600"},
      {Role::Issuer, {"cache_control", "off"}, "cache_control", {"no-store"},
       "cache_control is given twice"},
      {Role::Issuer, {}, "serve_at_root", {"on"}, "serve_at_root applies to wellknown_resource only"},
      {Role::ProtectedResource, {}, "documents", {"openid-configuration"},
       "documents applies to issuers only"},
      {Role::ProtectedResource, {}, "url_forms", {"oidc_insert"}, "url_forms applies to issuers only"},
      {Role::ProtectedResource, {}, "relax_required", {"on"},
       "relax_required applies to issuers only"},
  };
  for (const auto& c : cases) {
    DiscoveryBlock b(c.role, "https://id.example.com");
    if (!c.before.empty()) {
      b.statement(c.before[0], {c.before.begin() + 1, c.before.end()}, identity);
    }
    std::string e = error_of(b, c.name, c.values);
    EXPECT_NE(e.find(c.error), std::string::npos) << c.name << ": got \"" << e << "\"";
  }
}

TEST(DiscoveryBlock, MembersBothRegistriesHoldAreAcceptedInBoth) {
  for (Role role : {Role::Issuer, Role::ProtectedResource}) {
    DiscoveryBlock b(role, "https://id.example.com");
    b.statement("scopes_supported", {"openid"}, identity);
    b.statement("jwks_uri", {"https://id.example.com/keys"}, identity);
    b.statement("cache_control", {"public, max-age=60"}, identity);
    EXPECT_EQ(b.config().cache_control, "public, max-age=60");
  }
  DiscoveryBlock r(Role::ProtectedResource, "https://id.example.com");
  r.statement("extra", {"token_endpoint", "\"https://id.example.com/t\""}, identity);  // deliberate
  r.statement("serve_at_root", {"on"}, identity);
  EXPECT_TRUE(r.config().serve_at_root);
  EXPECT_THROW(DiscoveryBlock(Role::Issuer, "https://$host"), ConfigError);
}

TEST(DiscoveryBlock, ProtectedResourceServesItsOneDocument) {
  DiscoveryBlock b(Role::ProtectedResource, "https://api.example.com/mcp");
  EXPECT_STREQ(b.directive(), "wellknown_resource");
  EXPECT_EQ(b.config().documents, std::vector<Document>{Document::ProtectedResource});
}

TEST(KeySets, KeyStatementsDefineSealAndShare) {
  auto ec = testkeys::generate("EC", "P-256");
  TempFile pem(testkeys::spki(ec.get()));
  KeySets sets;
  KeySet& a = sets.define("a");
  EXPECT_TRUE(key_statement(a, "key", {"key.pem", "kid=one"},
                            [&](const std::string&) { return pem.path; }, 0)
                  .empty());
  sets.seal("a", a, 0);
  KeySet& b = sets.define("b");
  key_statement(b, "key", {pem.path, "kid=one"}, identity, 0);
  sets.seal("b", b, 0);
  ASSERT_EQ(a.timeline.versions().size(), 1u);
  const Response* ra = a.timeline.versions()[0].response;
  EXPECT_EQ(ra, b.timeline.versions()[0].response) << "sets with the same bytes share one response";
  EXPECT_EQ(json::parse(ra->body)["keys"][0]["kid"], "one");
  EXPECT_EQ(a.timeline.versions()[0].last_modified, "") << "no schedule: no Last-Modified";
  EXPECT_EQ(&sets.get("a"), &a);

  // The same key again under another kid: a warning naming the file.
  Warnings w = key_statement(b, "key", {pem.path, "kid=two"}, identity, 0);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("key \"" + pem.path + "\": ", 0), 0u) << w[0];
}

TEST(KeySets, UnusedSetsAreReportedWhereTheyWereDefined) {
  auto ec = testkeys::generate("EC", "P-256");
  TempFile pem(testkeys::spki(ec.get()));
  KeySets sets;
  for (auto [name, line] : {std::pair{"used", 1u}, std::pair{"spare", 5u}}) {
    KeySet& s = sets.define(name, {"k.conf", line});
    key_statement(s, "key", {pem.path}, identity, 0);
    sets.seal(name, s, 0);
  }
  sets.get("used");
  std::vector<LocatedWarning> w = sets.unused();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].message,
            "wellknown_keys \"spare\": no issuer, resource or wellknown_jwks location uses this "
            "key set");
  EXPECT_EQ(w[0].origin.line, 5u);
}

TEST(KeySets, PrivateKeyReadableByOthersWarns) {
  auto ec = testkeys::generate("EC", "P-256");
  TempFile priv(testkeys::pkcs8(ec.get()));
  KeySet set;
  chmod(priv.path.c_str(), 0644);
  Warnings w = key_statement(set, "key", {priv.path, "kid=a"}, identity, 0);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("holds a private key and is readable by group or others (mode 0644): "
                      "chmod 600 it, or publish from the public key instead"),
            std::string::npos)
      << w[0];
  chmod(priv.path.c_str(), 0600);
  EXPECT_TRUE(key_statement(set, "key", {priv.path, "kid=b"}, identity, 0).size() == 1u)
      << "only the duplicate-key warning";
  // A public key may be readable by anyone.
  TempFile pub(testkeys::spki(ec.get()));
  chmod(pub.path.c_str(), 0644);
  KeySet other;
  EXPECT_TRUE(key_statement(other, "key", {pub.path}, identity, 0).empty());
}

TEST(KeySets, Errors) {
  KeySets sets;
  auto message = [](auto f) -> std::string {
    try {
      f();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message([&] { sets.define(""); }), "the key set name is empty");
  KeySet& a = sets.define("a");
  EXPECT_EQ(message([&] { sets.define("a"); }), "key set \"a\" is already defined");
  EXPECT_EQ(message([&] { sets.seal("a", a, 0); }), "key set \"a\" has no keys; add: key FILE;");
  EXPECT_EQ(message([&] { sets.get("b"); }),
            "no key set named \"b\"; define it with wellknown_keys b { key FILE; } in the http "
            "block");
  EXPECT_NE(message([&] { key_statement(a, "file", {"x.pem"}, identity, 0); })
                .find("unknown directive \"file\" in the key set; expected: key FILE"),
            std::string::npos);
  EXPECT_EQ(message([&] { key_statement(a, "key", {}, identity, 0); }),
            "\"key\" needs a file name: key FILE [OPTION ...];");
  EXPECT_NE(message([&] { key_statement(a, "key", {"/etc/keys/$host.pem"}, identity, 0); })
                .find("variables are not expanded here"),
            std::string::npos);
  // Every error names the file, whichever check failed.
  auto ec = testkeys::generate("EC", "P-256");
  TempFile pem(testkeys::spki(ec.get()));
  EXPECT_EQ(message([&] { key_statement(a, "key", {pem.path, "alg=RS256"}, identity, 0); })
                .rfind("key \"" + pem.path + "\": ", 0),
            0u);
  EXPECT_NE(message([&] { key_statement(a, "key", {"/nonexistent/k.pem"}, identity, 0); })
                .find("/nonexistent/k.pem"),
            std::string::npos);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ec = testkeys::generate("EC", "P-256");
    pem_ = std::make_unique<TempFile>(testkeys::spki(ec.get()));
    KeySet& k = sets_.define("k");
    key_statement(k, "key", {pem_->path}, identity, 0);
    sets_.seal("k", k, 0);
  }
  // The Cache-Control value of a block without its own, for the schedule
  // checks.
  // The warnings as the adapter logs them, one line per group.
  std::vector<std::string> build(Server& s, bool not_found = false) {
    return s.build(sets_, ccs_, ccs_.get("public, max-age=600"), not_found).lines();
  }
  static const Response* response(const Route& r) {
    return r.timeline ? r.timeline->at(0).response : nullptr;
  }
  std::unique_ptr<TempFile> pem_;
  KeySets sets_;
  CacheControls ccs_;
};

TEST_F(ServerTest, RoutesEveryFormAndDeclinesTheRest) {
  Server s;
  open_issuer(s, "https://id.example.com/t1", "a.conf", 3);
  DiscoveryBlock& r = s.open(Role::ProtectedResource, "https://id.example.com/mcp", {"a.conf", 9});
  r.statement("authorization_servers", {"https://id.example.com/t1"}, identity);
  // The only finding: an EC-only key set lacks RS256 (OIDC Discovery §3).
  std::vector<std::string> w = build(s, /*not_found=*/true);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("lacks RS256"), std::string::npos) << w[0];

  for (const char* path : {"/t1/.well-known/openid-configuration",
                           "/.well-known/openid-configuration/t1",
                           "/.well-known/oauth-authorization-server/t1",
                           "/t1/.well-known/oauth-authorization-server", "/t1/jwks.json",
                           "/.well-known/oauth-protected-resource/mcp"}) {
    Route route = s.route(path);
    EXPECT_EQ(route.action, Route::Action::Serve) << path;
    ASSERT_NE(response(route), nullptr) << path;
  }
  EXPECT_EQ(response(s.route("/t1/jwks.json")), sets_.get("k").timeline.at(0).response);
  EXPECT_EQ(json::parse(response(s.route("/.well-known/oauth-protected-resource/mcp"))->body)
                ["resource"],
            "https://id.example.com/mcp");
  EXPECT_EQ(s.route("/t2/.well-known/openid-configuration").action, Route::Action::NotFound);
  EXPECT_EQ(s.route("/t1/").action, Route::Action::Decline);
  EXPECT_EQ(s.route("/").action, Route::Action::Decline);

  // An exact-match location at a path served here never runs; at another
  // discovery path it keeps its requests.
  EXPECT_EQ(s.exact_location("/t1/jwks.json"), "issuer \"https://id.example.com/t1\" (key set)");
  EXPECT_EQ(s.exact_location("/t2/.well-known/openid-configuration"), std::nullopt);
  EXPECT_EQ(s.route("/t2/.well-known/openid-configuration").action, Route::Action::Decline);
  EXPECT_EQ(s.exact_location("/status"), std::nullopt);
  EXPECT_EQ(s.route("/status").action, Route::Action::Decline);
}

// A block unchanged since an earlier generation, with the same key set
// content, is taken over whole (the same documents, not built again); a
// changed statement or a changed key set builds it again; a block that
// signs is always built.
TEST_F(ServerTest, UnchangedBlocksAreTakenOverChangedOnesBuilt) {
  ResponseCache responses;
  BlockCache blocks;
  auto doc = [](const Server& s, const char* path) {
    return s.route(path).timeline->at(0).response;
  };
  const char* t1 = "/t1/.well-known/openid-configuration";
  const char* t2 = "/t2/.well-known/openid-configuration";
  auto first = std::make_unique<Server>(&responses, &blocks);
  open_issuer(*first, "https://id.example.com/t1", "a.conf", 1);
  open_issuer(*first, "https://id.example.com/t2", "a.conf", 2);
  blocks.begin_load();
  build(*first);
  EXPECT_EQ(blocks.reused(), 0u);
  EXPECT_EQ(blocks.built(), 2u);

  // The next generation: t1 as before (at another line), t2 with one more
  // member.
  Server second(&responses, &blocks);
  open_issuer(second, "https://id.example.com/t1", "b.conf", 10);
  DiscoveryBlock& changed = open_issuer(second, "https://id.example.com/t2", "b.conf", 20);
  changed.statement("scopes_supported", {"openid"}, identity);
  blocks.begin_load();
  std::vector<std::string> w = build(second);
  EXPECT_EQ(blocks.reused(), 1u);
  EXPECT_EQ(blocks.built(), 1u);
  EXPECT_EQ(doc(second, t1), doc(*first, t1));
  EXPECT_NE(doc(second, t2), doc(*first, t2));
  EXPECT_NE(doc(second, t2)->body.find("scopes_supported"), std::string::npos);
  // A taken-over block's warnings are said again, at its new line.
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("b.conf:10"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("b.conf:20"), std::string::npos) << w[0];

  // While the second generation holds its blocks, pruning keeps them; once
  // no generation does, they are gone.
  first.reset();
  blocks.prune();
  EXPECT_EQ(blocks.size(), 2u);

  // The same statements over another key set content: built again, and
  // its jwks-derived member follows the new set.
  auto rsa = testkeys::generate("RSA", "2048");
  TempFile rsa_pem(testkeys::spki(rsa.get()));
  KeySets other;
  KeySet& k = other.define("k");
  key_statement(k, "key", {rsa_pem.path}, identity, 0);
  other.seal("k", k, 0);
  Server third(&responses, &blocks);
  open_issuer(third, "https://id.example.com/t1", "c.conf", 1);
  blocks.begin_load();
  third.build(other, ccs_, ccs_.get("public, max-age=600"));
  EXPECT_EQ(blocks.reused(), 0u);
  EXPECT_NE(doc(third, t1), doc(second, t1));
  EXPECT_NE(doc(third, t1)->body.find("RS256"), std::string::npos);

  // A metadata file's content is part of the block: the same statement
  // over a rewritten file builds again.
  TempFile meta("{\"scopes_supported\":[\"openid\"]}");
  auto with_file = [&](Server& s) {
    DiscoveryBlock& b = open_issuer(s, "https://id.example.com/t3", "d.conf", 1);
    b.statement("metadata_file", {meta.path}, identity);
  };
  Server fourth(&responses, &blocks);
  with_file(fourth);
  blocks.begin_load();
  build(fourth);
  std::ofstream(meta.path, std::ios::trunc) << "{\"scopes_supported\":[\"openid\",\"email\"]}";
  Server fifth(&responses, &blocks);
  with_file(fifth);
  blocks.begin_load();
  build(fifth);
  EXPECT_EQ(blocks.reused(), 0u);
  EXPECT_NE(doc(fifth, "/t3/.well-known/openid-configuration")->body.find("email"),
            std::string::npos);
}

TEST_F(ServerTest, UnservedDiscoveryPathsAreDeclinedByDefault) {
  Server s;
  open_issuer(s, "https://id.example.com/t1", "a.conf", 3);
  build(s);
  EXPECT_EQ(s.route("/t1/jwks.json").action, Route::Action::Serve);
  EXPECT_EQ(s.route("/t2/.well-known/openid-configuration").action, Route::Action::Decline);
  EXPECT_EQ(s.route("/realms/master/.well-known/openid-configuration").action,
            Route::Action::Decline);
}

TEST_F(ServerTest, PerBlockCacheControl) {
  Server s;
  DiscoveryBlock& a = open_issuer(s, "https://id.example.com/a", "a.conf", 1);
  a.statement("cache_control", {"no-store"}, identity);
  open_issuer(s, "https://id.example.com/b", "a.conf", 2);
  DiscoveryBlock& c = open_issuer(s, "https://id.example.com/c", "a.conf", 3);
  c.statement("cache_control", {"off"}, identity);
  build(s);
  for (const char* p : {"/a/jwks.json", "/a/.well-known/openid-configuration"}) {
    ASSERT_NE(s.route(p).cache_control, nullptr) << p;
    EXPECT_EQ(s.route(p).cache_control->value(), "no-store") << p;
  }
  EXPECT_EQ(s.route("/b/jwks.json").cache_control, nullptr) << "inherits the location's";
  ASSERT_NE(s.route("/c/jwks.json").cache_control, nullptr);
  EXPECT_EQ(s.route("/c/jwks.json").cache_control->value(), "") << "off: no header";
  // The key set's one response serves all three.
  EXPECT_EQ(response(s.route("/a/jwks.json")), response(s.route("/b/jwks.json")));
}

TEST_F(ServerTest, ResourceMetadataForTheLongestResourcePrefix) {
  Server s;
  auto resource = [&](const char* id, unsigned line) {
    DiscoveryBlock& r = s.open(Role::ProtectedResource, id, {"a.conf", line});
    r.statement("authorization_servers", {"https://id.example.com"}, identity);
    return &r;
  };
  resource("https://mcp.example.com/mcp", 1);
  resource("https://mcp.example.com/mcp/github", 2)->statement("serve_at_root", {"on"}, identity);
  EXPECT_TRUE(build(s).empty());
  auto url = [&](const char* path) {
    const std::string* u = s.resource_metadata(path);
    return u ? *u : std::string("(none)");
  };
  EXPECT_EQ(url("/mcp"), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(url("/mcp/tools"), "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(url("/mcp/github/x"),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp/github");
  EXPECT_EQ(url("/mcpx"), "(none)") << "segment by segment";
  EXPECT_EQ(url("/"), "(none)");
  // serve_at_root: the root well-known URI serves that resource's document.
  Route root = s.route("/.well-known/oauth-protected-resource");
  ASSERT_EQ(root.action, Route::Action::Serve);
  EXPECT_EQ(json::parse(response(root)->body)["resource"], "https://mcp.example.com/mcp/github");
}

TEST_F(ServerTest, ResourceWithoutAuthorizationServersWarns) {
  Server s;
  s.open(Role::ProtectedResource, "https://mcp.example.com/mcp", {"r.conf", 4});
  std::vector<std::string> w = build(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("no authorization_servers: MCP clients need at least one"),
            std::string::npos)
      << w[0];
  EXPECT_EQ(w[0].substr(w[0].size() - 9), " r.conf:4") << w[0];
}

TEST_F(ServerTest, TwoResourcesCannotBothOwnTheRoot) {
  Server s;
  for (const char* id : {"https://mcp.example.com/a", "https://mcp.example.com/b"}) {
    DiscoveryBlock& r = s.open(Role::ProtectedResource, id, {"a.conf", 1});
    r.statement("authorization_servers", {"https://id.example.com"}, identity);
    r.statement("serve_at_root", {"on"}, identity);
  }
  try {
    build(s);
    FAIL() << "two resources at the root";
  } catch (const LocatedError& e) {
    EXPECT_NE(std::string(e.what()).find("is already served for resource \"https://mcp.example.com/a\""),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ServerTest, RepeatedIdentifier) {
  Server s;
  s.open(Role::Issuer, "https://id.example.com", {"a.conf", 1});
  s.open(Role::ProtectedResource, "https://id.example.com", {"a.conf", 2});  // another kind
  try {
    s.open(Role::Issuer, "https://id.example.com", {"a.conf", 3});
    FAIL() << "a repeated issuer was accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "issuer \"https://id.example.com\" is already defined in this server");
  }
}

TEST_F(ServerTest, ErrorsNameTheBlockAndItsOrigin) {
  auto located = [this](Server& s, KeySets& sets) -> std::pair<std::string, Origin> {
    try {
      s.build(sets, ccs_, ccs_.get("public, max-age=600"));
    } catch (const LocatedError& e) {
      return {e.what(), e.origin()};
    }
    return {"", {}};
  };
  {
    Server s;
    DiscoveryBlock& b = s.open(Role::Issuer, "https://id.example.com", {"a.conf", 7});
    minimal_oidc(b, "https://id.example.com");
    b.statement("keys", {"missing"}, identity);
    auto [message, origin] = located(s, sets_);
    EXPECT_EQ(message,
              "wellknown_issuer \"https://id.example.com\": no key set named \"missing\"; define "
              "it with wellknown_keys missing { key FILE; } in the http block");
    EXPECT_EQ(origin.file, "a.conf");
    EXPECT_EQ(origin.line, 7u);
  }
  {
    // Two issuers at one path: the second block is named.
    Server s;
    open_issuer(s, "https://id.example.com/t1", "a.conf", 1);
    open_issuer(s, "https://id.example.com/t1/", "a.conf", 2);
    auto [message, origin] = located(s, sets_);
    EXPECT_NE(message.find("wellknown_issuer \"https://id.example.com/t1/\": path \""),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("is already served for issuer \"https://id.example.com/t1\""),
              std::string::npos)
        << message;
    EXPECT_EQ(origin.line, 2u);
  }
  {
    // A given jwks_uri on this origin naming another issuer's key set.
    Server s;
    open_issuer(s, "https://id.example.com/a", "a.conf", 1);
    DiscoveryBlock& b = s.open(Role::ProtectedResource, "https://id.example.com/b", {"a.conf", 5});
    b.statement("jwks_uri", {"https://ID.example.com:443/a/jwks.json"}, identity);
    auto [message, origin] = located(s, sets_);
    EXPECT_EQ(message,
              "wellknown_resource \"https://id.example.com/b\": jwks_uri names \"/a/jwks.json\", "
              "which this server serves for issuer \"https://id.example.com/a\" (key set)");
    EXPECT_EQ(origin.line, 5u);
  }
}

TEST_F(ServerTest, WarningsNameTheBlockAndItsOrigin) {
  Server s;
  open_issuer(s, "https://id.example.com/", "b.conf", 4);
  std::vector<std::string> w = build(s);
  ASSERT_FALSE(w.empty());
  for (const auto& x : w) {
    EXPECT_EQ(x.rfind("wellknown_issuer \"https://id.example.com/\": ", 0), 0u) << x;
    EXPECT_EQ(x.substr(x.size() - 12), " in b.conf:4") << x;
  }
}

// One finding about many issuers is one line: the count, the first
// locations, how many more (a multi-tenant configuration with EC-only keys).
TEST_F(ServerTest, AlikeWarningsOfManyIssuersAreOneLine) {
  Server s;
  for (int i = 0; i < 5; ++i) {
    open_issuer(s, "https://id.example.com/t" + std::to_string(i), "m.conf", 10 + 3 * i);
  }
  open_issuer(s, "https://id.example.com/slash/", "m.conf", 40);
  std::vector<std::string> w = build(s);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0],
            "6 issuers: openid-configuration: id_token_signing_alg_values_supported lacks RS256, "
            "which OIDC Discovery §3 says MUST be included; clients that insist on RS256 will "
            "refuse this provider in m.conf:10, m.conf:13, m.conf:16 and 3 more");
  // A finding that names its issuer stays a line of its own.
  EXPECT_EQ(w[1].rfind("wellknown_issuer \"https://id.example.com/slash/\": ", 0), 0u) << w[1];
  EXPECT_EQ(w[2].rfind("wellknown_issuer \"https://id.example.com/slash/\": ", 0), 0u) << w[2];
}

// Findings of several servers merge into the groups; a stated
// id_token_signing_alg_values_supported without RS256 is not warned about.
TEST_F(ServerTest, FindingsMergeAcrossServersAndStatedAlgsDoNotWarn) {
  Findings all;
  for (int i = 0; i < 2; ++i) {
    Server s;
    open_issuer(s, "https://id" + std::to_string(i) + ".example.com", "s.conf", 1 + i);
    all.merge(s.build(sets_, ccs_, ccs_.get("public, max-age=600")));
  }
  Server stated;
  DiscoveryBlock& b = open_issuer(stated, "https://id.example.com/es", "s.conf", 9);
  b.statement("id_token_signing_alg_values_supported", {"ES256"}, identity);
  all.merge(stated.build(sets_, ccs_, ccs_.get("public, max-age=600")));
  std::vector<std::string> w = all.lines(1);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].substr(0, 11), "2 issuers: ");
  EXPECT_EQ(w[0].substr(w[0].size() - 23), " in s.conf:1 and 1 more") << w[0];
}

TEST(Configuration, ErrorResponses) {
  Configuration c;
  EXPECT_EQ(json::parse(c.not_found().body)["error"], "not_found");
  EXPECT_EQ(json::parse(c.method_not_allowed().body)["error"], "method_not_allowed");
  Server& a = c.add_server();
  Server& b = c.add_server();
  EXPECT_NE(&a, &b);
}

// declare_key + resolve: the same keys and warnings as key_statement, each
// warning and the first error located at its key statement; files read by
// a child (a KeyFileCache reading there), all asked for before any is used.
TEST(KeySets, DeclaredKeysResolveAsKeyStatementsWithTheirOrigins) {
  auto ec = testkeys::generate("EC", "P-256");
  TempFile pub(testkeys::spki(ec.get()));
  TempFile priv(testkeys::pkcs8(ec.get()));
  chmod(priv.path.c_str(), 0644);  // a warning at its line
  KeyFileCache cache(/*in_child=*/true);
  cache.begin_load(time(nullptr));
  KeySets sets;
  KeySet& a = sets.define("a", {"k.conf", 1});
  declare_key(a, "key", {pub.path, "kid=one"}, identity, {"k.conf", 2}, &cache);
  KeySet& b = sets.define("b", {"k.conf", 4});
  declare_key(b, "key", {priv.path, "kid=two"}, identity, {"k.conf", 5}, &cache);
  EXPECT_TRUE(a.configured.empty()) << "nothing is done before resolve";
  std::vector<LocatedWarning> w = sets.resolve(0, &cache);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].origin.line, 5u);
  EXPECT_NE(w[0].message.find("key \"" + priv.path + "\": the file holds a private key"),
            std::string::npos)
      << w[0].message;
  EXPECT_EQ(json::parse(a.timeline.versions()[0].response->body)["keys"][0]["kid"], "one");
  EXPECT_EQ(json::parse(b.timeline.versions()[0].response->body)["keys"][0]["kid"], "two");
  EXPECT_EQ(cache.read(), 2u);
  EXPECT_TRUE(sets.resolve(0, &cache).empty()) << "resolved sets are not done again";

  // Statement errors come at once; a file's error at resolve, at its line.
  KeySet& c = sets.define("c", {"k.conf", 7});
  try {
    declare_key(c, "key", {pub.path, "kid="}, identity, {"k.conf", 8}, &cache);
    ADD_FAILURE() << "an empty kid was accepted";
  } catch (const LocatedError&) {
    ADD_FAILURE() << "a statement error is at the current line, not located";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("key \"" + pub.path + "\": ", 0), 0u) << e.what();
  }
  declare_key(c, "key", {pub.path}, identity, {"k.conf", 8}, &cache);
  declare_key(c, "key", {"/nonexistent/k.pem"}, identity, {"k.conf", 9}, &cache);
  try {
    sets.resolve(0, &cache);
    ADD_FAILURE() << "a missing file was accepted";
  } catch (const LocatedError& e) {
    EXPECT_EQ(e.origin().line, 9u);
    EXPECT_EQ(std::string(e.what()).rfind("wellknown_keys: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/k.pem"), std::string::npos) << e.what();
  }
  cache.stop_reader();
}
