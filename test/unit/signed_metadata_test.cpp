// Signed metadata (RFC 8414 §2.1, RFC 9728 §2.2): JWS signing with every
// key type (checked here with OpenSSL's verify on the public key; t/79
// checks with jose and PyJWT), the signed_metadata_key statement and its
// refusals, the kid and alg taken from the published key set, and the
// private key freed once the documents are built.
#include "core/signed_metadata.hpp"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/configuration.hpp"
#include "core/discovery.hpp"
#include "core/jws.hpp"
#include "keys.hpp"

using namespace wellknown;
using json = nlohmann::ordered_json;

namespace {

std::string identity(const std::string& name) { return name; }

wellknown::PublicKeyPtr generate(const char* type, const char* param) {
  if (std::string(type) != "RSA-PSS") return testkeys::generate(type, param);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
  EVP_PKEY* k = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1 || EVP_PKEY_generate(ctx, &k) != 1) {
    throw std::runtime_error("RSA-PSS keygen failed");
  }
  EVP_PKEY_CTX_free(ctx);
  return wellknown::PublicKeyPtr(k);
}

// A private key file, mode 0600 unless told, removed at the end of the test.
using KeyFile = testkeys::TempFile;

std::vector<std::string> split(const std::string& jwt) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = jwt.find('.', start);
    parts.push_back(jwt.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// Verifies a compact JWS with OpenSSL on `pub`, the JOSE way: RSA-PSS with
// a salt as long as the hash, ECDSA from R || S.
bool verifies(const std::string& jwt, EVP_PKEY* pub) {
  auto parts = split(jwt);
  if (parts.size() != 3) return false;
  const std::string alg = json::parse(testkeys::base64url_decode(parts[0]))["alg"];
  const std::string input = parts[0] + "." + parts[1];
  std::string sig = testkeys::base64url_decode(parts[2]);
  const bool eddsa = alg.rfind("Ed", 0) == 0;
  const char* md = eddsa                    ? nullptr
                   : alg.substr(2) == "256" ? "SHA256"
                   : alg.substr(2) == "384" ? "SHA384"
                                            : "SHA512";
  if (alg[0] == 'E' && alg[1] == 'S') {
    const size_t w = sig.size() / 2;
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), int(w), nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + w, int(w), nullptr));
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(s, &der);
    sig.assign(reinterpret_cast<char*>(der), size_t(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit_ex(ctx, &pctx, md, nullptr, nullptr, pub, nullptr) == 1;
  if (ok && alg[0] == 'P') {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              reinterpret_cast<const unsigned char*>(input.data()),
                              input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

json header_of(const std::string& jwt) { return json::parse(testkeys::base64url_decode(split(jwt)[0])); }
json claims_of(const std::string& jwt) { return json::parse(testkeys::base64url_decode(split(jwt)[1])); }

std::string signer_error(const std::vector<std::string>& values) {
  try {
    MetadataSigner s(values, identity);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// The JwkSet a `key FILE OPTIONS...;` line would publish.
JwkSet set_of(const std::vector<std::vector<std::string>>& lines) {
  KeySet set;
  for (const auto& l : lines) key_statement(set, "key", l, identity, 0);
  return set.configured;
}

}  // namespace

TEST(Jws, EveryKeyTypeSignsWhatOpenSslVerifies) {
  struct Case {
    const char* type;
    const char* param;
    const char* alg;
    size_t signature_bytes;  // 0: any
  };
  const Case cases[] = {
      {"RSA", "2048", "RS256", 256},   {"RSA", "2048", "RS512", 256},
      {"RSA", "2048", "PS256", 256},   {"RSA", "2048", "PS384", 256},
      {"RSA-PSS", nullptr, "PS256", 256}, {"EC", "P-256", "ES256", 64},
      {"EC", "P-384", "ES384", 96},    {"EC", "P-521", "ES512", 132},
      {"ED25519", nullptr, "EdDSA", 64}, {"ED448", nullptr, "EdDSA", 114},
      {"ED25519", nullptr, "Ed25519", 64},
  };
  const json claims = {{"iss", "https://id.example.com"}, {"n", 1}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.type) + " " + c.alg);
    auto key = generate(c.type, c.param);
    ASSERT_TRUE(key);
    std::string jwt = sign_jwt(key.get(), c.alg, "k1", claims);
    EXPECT_EQ(header_of(jwt).dump(), json({{"alg", c.alg}, {"kid", "k1"}, {"typ", "JWT"}}).dump());
    EXPECT_EQ(claims_of(jwt), claims);
    // RFC 7518 §3.4: R || S at the curve's width, not DER.
    EXPECT_EQ(testkeys::base64url_decode(split(jwt)[2]).size(), c.signature_bytes);
    auto pub = parse_key_pem(testkeys::spki(key.get())).key;
    EXPECT_TRUE(verifies(jwt, pub.get()));
    // Another key does not verify it.
    auto other = generate(c.type, c.param);
    EXPECT_FALSE(verifies(jwt, other.get()));
  }
}

TEST(Jws, Rs256AndEdDsaAreDeterministicEcdsaAndPssAreNot) {
  const json claims = {{"iss", "https://id.example.com"}};
  auto rsa = testkeys::generate("RSA", "2048");
  auto ed = testkeys::generate("ED25519");
  auto ec = testkeys::generate("EC", "P-256");
  EXPECT_EQ(sign_jwt(rsa.get(), "RS256", "k", claims), sign_jwt(rsa.get(), "RS256", "k", claims));
  EXPECT_EQ(sign_jwt(ed.get(), "EdDSA", "k", claims), sign_jwt(ed.get(), "EdDSA", "k", claims));
  // A random salt (PS256) and, before OpenSSL 3.2, a random nonce (ES256).
  EXPECT_NE(sign_jwt(rsa.get(), "PS256", "k", claims), sign_jwt(rsa.get(), "PS256", "k", claims));
  if (OPENSSL_VERSION_NUMBER < 0x30200000L) {
    EXPECT_NE(sign_jwt(ec.get(), "ES256", "k", claims), sign_jwt(ec.get(), "ES256", "k", claims));
  }
}

TEST(Jws, RefusesWhatIsNotASignatureAlgorithm) {
  auto rsa = testkeys::generate("RSA", "2048");
  for (const char* alg : {"HS256", "none", "RSA-OAEP", "ES25", ""}) {
    EXPECT_THROW(sign_jwt(rsa.get(), alg, "k", json::object()), ConfigError) << alg;
  }
}

TEST(MetadataSigner, StatementRefusals) {
  auto rsa = testkeys::generate("RSA", "2048");
  auto x25519 = testkeys::generate("X25519");
  auto weak = testkeys::generate("RSA", "1024");
  KeyFile priv(testkeys::pkcs8(rsa.get()));
  KeyFile pub(testkeys::spki(rsa.get()));
  KeyFile cert(testkeys::cert_pem(testkeys::certificate(rsa.get(), "c", nullptr, nullptr).get()));
  KeyFile agreement(testkeys::pkcs8(x25519.get()));
  KeyFile small(testkeys::pkcs8(weak.get()));
  struct Case {
    std::vector<std::string> values;
    std::string error;
  };
  const Case cases[] = {
      {{}, "signed_metadata_key needs the private key file: signed_metadata_key FILE [alg=ALG] "
           "[kid=KID] [unpublished];"},
      {{""}, "signed_metadata_key needs the private key file"},
      {{priv.path, "bogus"}, "signed_metadata_key: unknown option \"bogus\"; expected signed_metadata_key FILE"},
      {{priv.path, "use=sig"}, "signed_metadata_key: unknown option \"use=sig\""},
      {{priv.path, "unpublished=yes"}, "signed_metadata_key: unknown option \"unpublished=yes\""},
      {{priv.path, "alg=RS256", "alg=PS256"}, "signed_metadata_key: alg is given twice"},
      {{priv.path, "unpublished", "unpublished"}, "signed_metadata_key: unpublished is given twice"},
      {{priv.path, "alg="}, "option \"alg\" needs a value"},
      {{priv.path, "kid=a\x01", "unpublished"}, "kid contains a control character"},
      {{priv.path, "kid=a"}, "signed_metadata_key: kid= is only for an unpublished key"},
      {{priv.path, "alg=ES256"}, "signed_metadata_key \"" + priv.path +
                                     "\": alg=ES256 does not fit an RSA key; use one of "
                                     "RS256, RS384, RS512, PS256, PS384, PS512"},
      {{priv.path, "alg=RSA-OAEP"}, "alg=RSA-OAEP does not fit an RSA key with use=sig"},
      {{pub.path}, "signed_metadata_key: key file \"" + pub.path +
                       "\" holds no private key, so nothing can be signed with it"},
      {{cert.path}, "holds no private key"},
      {{agreement.path}, "an X25519 key cannot be used for signatures"},
      {{small.path}, "RSA key has 1024 bits; at least 2048 are required"},
      {{"/nonexistent/key.pem"}, "signed_metadata_key: cannot open key file \"/nonexistent/key.pem\""},
  };
  for (const auto& c : cases) {
    const std::string got = signer_error(c.values);
    EXPECT_NE(got.find(c.error), std::string::npos) << "got: " << got << "\nwant: " << c.error;
  }
}

TEST(MetadataSigner, KidAndAlgFromThePublishedSet) {
  auto rsa = testkeys::generate("RSA", "2048");
  auto other = testkeys::generate("RSA", "2048");
  KeyFile priv(testkeys::traditional(rsa.get()));  // PKCS#1
  KeyFile pub(testkeys::spki(rsa.get()));
  KeyFile other_pub(testkeys::spki(other.get()));
  const json doc = {{"issuer", "https://id.example.com"}, {"jwks_uri", "https://id.example.com/j"}};

  // Published from the public key, under an opaque kid with PS256: the JWS
  // says that kid and alg.
  JwkSet set = set_of({{other_pub.path}, {pub.path, "kid=2026-q1", "alg=PS256"}});
  MetadataSigner signer({priv.path}, identity);
  std::string jwt = signer.sign(doc, "https://id.example.com", &set);
  EXPECT_EQ(header_of(jwt)["kid"], "2026-q1");
  EXPECT_EQ(header_of(jwt)["alg"], "PS256");
  EXPECT_TRUE(verifies(jwt, rsa.get()));
  EXPECT_EQ(claims_of(jwt).dump(),
            R"({"iss":"https://id.example.com","issuer":"https://id.example.com","jwks_uri":"https://id.example.com/j"})");

  // alg given and equal to the set's: fine; another alg: refused.
  EXPECT_NO_THROW(MetadataSigner({priv.path, "alg=PS256"}, identity).sign(doc, "x", &set));
  try {
    MetadataSigner({priv.path, "alg=RS256"}, identity).sign(doc, "x", &set);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("the key set publishes this key with alg=PS256, but the "
                                         "statement says alg=RS256"),
              std::string::npos)
        << e.what();
  }
  // The same key twice, under two algs: the statement's alg picks one.
  JwkSet twice = set_of({{pub.path, "kid=rs", "alg=RS256"}, {pub.path, "kid=ps", "alg=PS512"}});
  EXPECT_EQ(header_of(MetadataSigner({priv.path, "alg=PS512"}, identity).sign(doc, "x", &twice))["kid"], "ps");
  EXPECT_EQ(header_of(MetadataSigner({priv.path}, identity).sign(doc, "x", &twice))["kid"], "rs");
  // Not in the set, published for encryption only, or no set at all.
  JwkSet without = set_of({{other_pub.path}});
  JwkSet enc = set_of({{pub.path, "use=enc"}});
  for (const JwkSet* s : {&without, &enc}) {
    try {
      signer.sign(doc, "x", s);
      FAIL();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("signed_metadata_key \"" + priv.path +
                                           "\": the key is not a signing key of the published key "
                                           "set"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(signer.sign(doc, "x", nullptr), ConfigError);

  // Unpublished: its own kid (the thumbprint unless given), no set needed.
  MetadataSigner loose({priv.path, "unpublished"}, identity);
  EXPECT_EQ(header_of(loose.sign(doc, "x", nullptr))["kid"], set_of({{pub.path}}).keys()[0].kid);
  MetadataSigner named({priv.path, "unpublished", "kid=meta", "alg=RS384"}, identity);
  EXPECT_EQ(header_of(named.sign(doc, "x", &without)).dump(), R"({"alg":"RS384","kid":"meta","typ":"JWT"})");

  // A member named iss would replace the iss claim.
  EXPECT_THROW(loose.sign({{"iss", "https://evil.example"}}, "x", nullptr), ConfigError);

  // Freed: nothing more is signed.
  loose.forget_private_key();
  EXPECT_THROW(loose.sign(doc, "x", nullptr), ConfigError);
}

TEST(MetadataSigner, WarnsAboutAPrivateKeyOthersCanRead) {
  auto ed = testkeys::generate("ED25519");
  KeyFile loose(testkeys::pkcs8(ed.get()), 0644);
  MetadataSigner s({loose.path, "unpublished"}, identity);
  ASSERT_EQ(s.warnings().size(), 1u);
  EXPECT_NE(s.warnings()[0].find("signed_metadata_key \"" + loose.path +
                                 "\": the file holds a private key and is readable by group or "
                                 "others (mode 0644)"),
            std::string::npos)
      << s.warnings()[0];
}

TEST(SignedMetadata, EachDocumentCarriesTheJwtOfItsOwnMembers) {
  auto ec = testkeys::generate("EC", "P-384");
  KeyFile priv(testkeys::traditional(ec.get()));  // SEC1
  Configuration c;
  KeySet& k = c.key_sets().define("k");
  key_statement(k, "key", {priv.path}, identity, 0);
  c.key_sets().seal("k", k, 0);
  // (A key set's response is a JWK Set: it takes wellknown_jwks_type.)
  EXPECT_TRUE(k.timeline.at(0).response->jwk_set);
  Server& server = c.add_server();
  DiscoveryBlock& b = server.open(Role::Issuer, "https://id.example.com/t1", {"nginx.conf", 3});
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"authorization_endpoint", "https://id.example.com/t1/authorize"},
           {"token_endpoint", "https://id.example.com/t1/token"},
           {"response_types_supported", "code"},
           {"subject_types_supported", "public"},
           {"keys", "k"}}) {
    b.statement(name, {value}, identity);
  }
  b.statement("signed_metadata_key", {priv.path}, identity);
  DiscoveryConfig config = b.config();
  ASSERT_TRUE(config.signer);
  DiscoveryDocuments docs = build_discovery(config, &k.jwks);
  ASSERT_EQ(docs.documents.size(), 2u);
  for (const auto& d : docs.documents) {
    SCOPED_TRACE(document_name(d.document));
    json doc = json::parse(d.body);
    // Last member; its claims are iss and every other member, in order.
    std::string last;
    for (const auto& m : doc.items()) last = m.key();
    EXPECT_EQ(last, "signed_metadata");
    std::string jwt = doc["signed_metadata"];
    doc.erase("signed_metadata");
    json expect = {{"iss", "https://id.example.com/t1"}};
    for (const auto& m : doc.items()) expect[m.key()] = m.value();
    EXPECT_EQ(claims_of(jwt).dump(), expect.dump());
    EXPECT_EQ(header_of(jwt)["kid"], k.jwks.keys()[0].kid);
    EXPECT_EQ(header_of(jwt)["alg"], "ES384");
    EXPECT_TRUE(verifies(jwt, ec.get()));
    EXPECT_EQ(d.body.find("\"d\""), std::string::npos);
  }
  // The two documents differ (id_token_signing_alg_values_supported is
  // OpenID Connect's), and so do their JWTs.
  EXPECT_NE(json::parse(docs.documents[0].body)["signed_metadata"],
            json::parse(docs.documents[1].body)["signed_metadata"]);
  // The private key is gone once the documents are built.
  EXPECT_THROW(config.signer->sign(json::object(), "x", nullptr), ConfigError);
}

TEST(SignedMetadata, ResourceIssIsTheResource) {
  auto ed = testkeys::generate("ED25519");
  KeyFile priv(testkeys::pkcs8(ed.get()));
  DiscoveryBlock b(Role::ProtectedResource, "https://api.example.com/mcp");
  b.statement("authorization_servers", {"https://id.example.com"}, identity);
  b.statement("signed_metadata_key", {priv.path, "unpublished", "kid=api"}, identity);
  DiscoveryDocuments docs = build_discovery(b.config(), nullptr);
  std::string jwt = json::parse(docs.documents[0].body)["signed_metadata"];
  EXPECT_EQ(claims_of(jwt).dump(),
            R"({"iss":"https://api.example.com/mcp","resource":"https://api.example.com/mcp","authorization_servers":["https://id.example.com"]})");
  EXPECT_TRUE(verifies(jwt, ed.get()));
}

TEST(SignedMetadata, BlockStatementRefusals) {
  auto ed = testkeys::generate("ED25519");
  KeyFile priv(testkeys::pkcs8(ed.get()));
  char meta_name[] = "/tmp/wellknown-meta-XXXXXX";
  int fd = mkstemp(meta_name);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(meta_name) << R"({"signed_metadata":"eyJ.eyJ.sig"})";
  auto error = [&](const std::vector<std::pair<std::string, std::vector<std::string>>>& stmts) {
    DiscoveryBlock b(Role::Issuer, "https://id.example.com");
    try {
      for (const auto& [name, values] : stmts) b.statement(name, values, identity);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::vector<std::string> key = {priv.path, "unpublished"};
  EXPECT_EQ(error({{"signed_metadata_key", key}, {"signed_metadata", {"eyJ.eyJ.sig"}}}),
            "signed_metadata is given as a member (in the block) and signed with "
            "signed_metadata_key; remove one of them");
  EXPECT_EQ(error({{"extra", {"signed_metadata", "\"x\""}}, {"signed_metadata_key", key}}),
            "signed_metadata is given as a member (in the block) and signed with "
            "signed_metadata_key; remove one of them");
  EXPECT_EQ(error({{"metadata_file", {meta_name}}, {"signed_metadata_key", key}}),
            "signed_metadata is given as a member (in the metadata file) and signed with "
            "signed_metadata_key; remove one of them");
  EXPECT_EQ(error({{"signed_metadata_key", key}, {"signed_metadata_key", key}}),
            "signed_metadata_key is given twice");
  EXPECT_EQ(error({{"signed_metadata_key", {priv.path, "$file"}}}).rfind("signed_metadata_key \"$file\": variables", 0),
            0u);
  std::remove(meta_name);

  // Published but the block names no key set: refused when the documents
  // are built, naming the file.
  DiscoveryBlock b(Role::Issuer, "https://id.example.com");
  b.statement("signed_metadata_key", {priv.path}, identity);
  b.statement("relax_required", {"on"}, identity);
  try {
    build_discovery(b.config(), nullptr);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("openid-configuration: signed_metadata_key \"" + priv.path +
                                         "\": no key set is published here (keys NAME;)"),
              std::string::npos)
        << e.what();
  }
}

// With the key file reader, the file is read and the JWT signed in its
// child: the same header and claims, a signature the public key verifies,
// a file without a private key refused with the same message, and a key
// replaced between reading and signing refused rather than signed with.
TEST(MetadataSigner, SignsInTheReadersChild) {
  auto rsa = testkeys::generate("RSA", "2048");
  auto other = testkeys::generate("RSA", "2048");
  KeyFile priv(testkeys::traditional(rsa.get()));  // PKCS#1
  KeyFile pub(testkeys::spki(rsa.get()));
  const json doc = {{"issuer", "https://id.example.com"}, {"n", 1.5}};
  JwkSet set = set_of({{pub.path, "kid=r"}});
  KeyFileReader reader;
  MetadataSigner there({priv.path}, identity, &reader);
  const std::string jwt = there.sign(doc, "https://id.example.com", &set);
  EXPECT_GT(reader.pid(), 0);  // signed by the child, which is still running
  EXPECT_EQ(header_of(jwt).dump(), R"({"alg":"RS256","kid":"r","typ":"JWT"})");
  EXPECT_EQ(claims_of(jwt).dump(), R"({"iss":"https://id.example.com","issuer":"https://id.example.com","n":1.5})");
  EXPECT_TRUE(verifies(jwt, rsa.get()));
  // RS256 is deterministic: the same JWT as signing here.
  EXPECT_EQ(jwt, MetadataSigner({priv.path}, identity).sign(doc, "https://id.example.com", &set));

  try {
    MetadataSigner({pub.path}, identity, &reader);
    ADD_FAILURE() << "a public key was taken to sign with";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("holds no private key"), std::string::npos) << e.what();
  }

  KeyFile swapped(testkeys::traditional(rsa.get()));
  MetadataSigner before({swapped.path, "unpublished"}, identity, &reader);
  {
    std::ofstream out(swapped.path, std::ios::trunc);
    out << testkeys::pkcs8(other.get());
  }
  try {
    before.sign(doc, "x", nullptr);
    ADD_FAILURE() << "signed with a key that replaced the one checked";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("changed while the configuration was loaded"),
              std::string::npos)
        << e.what();
  }
  reader.stop();
}
