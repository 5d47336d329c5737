#include "core/jwk.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/encoding.hpp"
#include "core/jwk_set.hpp"
#include "core/key_file.hpp"
#include "keys.hpp"

using namespace wellknown;
using testkeys::base64url_decode;

namespace {

Jwk jwk_from_pem(const std::string& pem, const std::vector<std::string>& opts = {}) {
  return make_jwk(parse_key_pem(pem), parse_key_options(opts));
}

// Every member of every JWK must be on the public allowlist, and none of the
// private parameters of RFC 7518 §6.2.2, §6.3.2 and §6.4, or RFC 8037 §2, appear.
void expect_public_only(const Jwk& jwk) {
  auto j = jwk.to_json();
  for (const auto& m : j.items()) {
    EXPECT_TRUE(is_public_jwk_member(m.key())) << m.key();
  }
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    EXPECT_FALSE(j.contains(priv)) << priv;
  }
}

}  // namespace

// RFC 7638 §3.1: the example RSA key and its thumbprint.
TEST(Thumbprint, Rfc7638Example) {
  Jwk jwk;
  jwk.kty = "RSA";
  jwk.n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
      "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
      "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
      "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  jwk.e = "AQAB";
  // RFC 7638 §3.1: members in lexicographic order, no whitespace.
  EXPECT_EQ(thumbprint_input(jwk).substr(0, 33), "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7");
  EXPECT_EQ(jwk.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

// RFC 8037 Appendix A.3: the Ed25519 public key of A.2 and its thumbprint,
// through the whole key -> JWK path.
TEST(Thumbprint, Rfc8037Ed25519Example) {
  std::string raw = base64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  ASSERT_EQ(raw.size(), 32u);
  PublicKeyMaterial m;
  m.key = public_key_from_raw("ED25519", raw);
  Jwk jwk = make_jwk(m, {});
  EXPECT_EQ(jwk.kty, "OKP");
  EXPECT_EQ(jwk.crv, "Ed25519");
  EXPECT_EQ(jwk.x, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  EXPECT_EQ(thumbprint_input(jwk),
            "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}");
  EXPECT_EQ(jwk.kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_EQ(jwk.alg, "EdDSA");
  EXPECT_EQ(jwk.use, "sig");
}

// RFC 7518 §6.3.1.1: n is the minimal big-endian encoding. An RSA modulus
// always has its top bit set, so a signed encoding would add a 0x00.
TEST(Rsa, ModulusWithTopBitSetHasNoLeadingZero) {
  auto key = testkeys::generate("RSA", "2048");
  Jwk jwk = jwk_from_pem(testkeys::spki(key.get()));
  std::string n = base64url_decode(jwk.n);
  ASSERT_EQ(n.size(), 256u);
  EXPECT_GE(static_cast<unsigned char>(n[0]), 0x80);
  EXPECT_EQ(jwk.e, "AQAB");  // 65537, three octets
  EXPECT_EQ(jwk.alg, "RS256");
  EXPECT_EQ(jwk.kid, jwk.thumbprint());
}

// RFC 7518 §6.2.1.2: coordinates are always the full field width, even when
// their leading octets are zero.
TEST(Ec, CoordinatesKeepLeadingZeroOctets) {
  struct Case {
    const char* curve;
    size_t width;
    const char* crv;
    const char* alg;
  };
  for (const Case& c : {Case{"P-256", 32, "P-256", "ES256"}, Case{"P-384", 48, "P-384", "ES384"},
                        Case{"P-521", 66, "P-521", "ES512"}}) {
    // Find a key whose x or y starts with a zero octet (P-521: half of all
    // keys; P-256 and P-384: about 1 in 128).
    bool found = false;
    for (int tries = 0; tries < 2000 && !found; ++tries) {
      auto key = testkeys::generate("EC", c.curve);
      Jwk jwk = jwk_from_pem(testkeys::traditional(key.get()));
      std::string x = base64url_decode(jwk.x), y = base64url_decode(jwk.y);
      ASSERT_EQ(x.size(), c.width) << c.curve;
      ASSERT_EQ(y.size(), c.width) << c.curve;
      EXPECT_EQ(jwk.crv, c.crv);
      EXPECT_EQ(jwk.alg, c.alg);
      found = x[0] == '\0' || y[0] == '\0';
    }
    EXPECT_TRUE(found) << "no key with a leading zero coordinate octet for " << c.curve;
  }
}

TEST(Okp, AllCurves) {
  struct Case {
    const char* type;
    const char* crv;
    size_t len;
    const char* use;
    const char* alg;
  };
  for (const Case& c : {Case{"ED25519", "Ed25519", 32, "sig", "EdDSA"},
                        Case{"ED448", "Ed448", 57, "sig", "EdDSA"},
                        Case{"X25519", "X25519", 32, "enc", ""},
                        Case{"X448", "X448", 56, "enc", ""}}) {
    auto key = testkeys::generate(c.type);
    Jwk jwk = jwk_from_pem(testkeys::pkcs8(key.get()));
    EXPECT_EQ(jwk.kty, "OKP");
    EXPECT_EQ(jwk.crv, c.crv);
    EXPECT_EQ(base64url_decode(jwk.x).size(), c.len);
    EXPECT_EQ(jwk.use, c.use) << c.type;
    EXPECT_EQ(jwk.alg, c.alg) << c.type;
    EXPECT_FALSE(jwk.to_json().contains("y"));
    expect_public_only(jwk);
  }
}

// Each private-key format yields the same public JWK and nothing private.
TEST(PrivateKeys, EveryFormatYieldsOnlyPublicMembers) {
  auto rsa = testkeys::generate("RSA", "2048");
  auto ec = testkeys::generate("EC", "P-256");
  auto ed = testkeys::generate("ED25519");
  struct Case {
    const char* name;
    EVP_PKEY* key;
    std::string pem;
  };
  for (const Case& c : {Case{"RSA PKCS#8", rsa.get(), testkeys::pkcs8(rsa.get())},
                        Case{"RSA PKCS#1", rsa.get(), testkeys::traditional(rsa.get())},
                        Case{"EC PKCS#8", ec.get(), testkeys::pkcs8(ec.get())},
                        Case{"EC SEC1", ec.get(), testkeys::traditional(ec.get())},
                        Case{"Ed25519 PKCS#8", ed.get(), testkeys::pkcs8(ed.get())}}) {
    EXPECT_NE(c.pem.find("PRIVATE KEY"), std::string::npos) << c.name;
    PublicKeyMaterial m = parse_key_pem(c.pem);
    // The loaded key holds no private half (an EC key is only a point).
    PublicKeyPtr k = key_object(m);
    BIGNUM* d = nullptr;
    EXPECT_NE(EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_RSA_D, &d), 1) << c.name;
    EXPECT_NE(EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d), 1) << c.name;
    size_t len = 0;
    EXPECT_NE(EVP_PKEY_get_raw_private_key(k.get(), nullptr, &len), 1) << c.name;
    ERR_clear_error();
    Jwk from_private = make_jwk(m, {});
    Jwk from_public = jwk_from_pem(testkeys::spki(c.key));
    EXPECT_EQ(from_private.to_json().dump(), from_public.to_json().dump()) << c.name;
    expect_public_only(from_private);
  }
}

// EC private keys are reduced to their public point from the encoding
// without a full key decode; every encoding OpenSSL writes gives the JWK of
// the public key: named or explicit curve, with or without the public key,
// compressed point, P-256/384/521. A point off the curve is refused.
TEST(PrivateKeys, EcEncodingsGiveThePublicKeysJwk) {
  for (const char* curve : {"P-256", "P-384", "P-521"}) {
    auto ec = testkeys::generate("EC", curve);
    const std::string want = jwk_from_pem(testkeys::spki(ec.get())).to_json().dump();
    struct Variant {
      const char* name;
      const char* param;
      const char* text;
      int value;
    };
    for (const Variant& v :
         {Variant{"as generated", nullptr, nullptr, 0},
          Variant{"no public key", OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, nullptr, 0},
          Variant{"compressed point", OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed", 0},
          Variant{"explicit curve", OSSL_PKEY_PARAM_EC_ENCODING, "explicit", 0}}) {
      wellknown::PublicKeyPtr k(EVP_PKEY_dup(ec.get()));
      if (v.param && v.text) {
        ASSERT_EQ(EVP_PKEY_set_utf8_string_param(k.get(), v.param, v.text), 1) << v.name;
      } else if (v.param) {
        ASSERT_EQ(EVP_PKEY_set_int_param(k.get(), v.param, v.value), 1) << v.name;
      }
      for (const std::string& pem : {testkeys::pkcs8(k.get()), testkeys::traditional(k.get())}) {
        std::string what = std::string(curve) + " " + v.name + "\n" + pem;
        if (std::string(v.name) == "explicit curve") {
          // Refused as today: JOSE names its curves (RFC 7518 §6.2.1.1).
          try {
            (void)make_jwk(parse_key_pem(pem), {});
          } catch (const ConfigError&) {
            continue;
          }
        }
        PublicKeyMaterial m = parse_key_pem(pem);
        EXPECT_TRUE(m.had_private_key) << what;
        EXPECT_EQ(make_jwk(m, {}).to_json().dump(), want) << what;
      }
    }
  }
  // The last octet of the PKCS#8 DER is the last octet of y: flipped, the
  // point is off the curve.
  auto ec = testkeys::generate("EC", "P-256");
  unsigned char* der = nullptr;
  int len = i2d_PrivateKey(ec.get(), &der);
  ASSERT_GT(len, 0);
  std::string sec1(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  sec1.back() ^= 1;
  std::string pem = "-----BEGIN EC PRIVATE KEY-----\n" + base64(sec1) + "\n-----END EC PRIVATE KEY-----\n";
  EXPECT_THROW(parse_key_pem(pem), ConfigError);
  ERR_clear_error();
}

TEST(PublicKeys, Pkcs1RsaPublicKey) {
  auto rsa = testkeys::generate("RSA", "2048");
  std::string pem = testkeys::to_pem([&](BIO* b) {
    return PEM_write_bio_PUBKEY(b, rsa.get());
  });
  // Re-encode SPKI as PKCS#1 "RSA PUBLIC KEY" through the encoder.
  unsigned char* der = nullptr;
  int len = i2d_PublicKey(rsa.get(), &der);
  ASSERT_GT(len, 0);
  std::string b64 = base64(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  std::string pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pkcs1 += b64.substr(i, 64) + "\n";
  pkcs1 += "-----END RSA PUBLIC KEY-----\n";
  EXPECT_EQ(jwk_from_pem(pkcs1).n, jwk_from_pem(pem).n);
}

TEST(Certificates, SelfSignedPublishesX5cAndX5tS256) {
  auto key = testkeys::generate("EC", "P-256");
  auto cert = testkeys::certificate(key.get(), "leaf", nullptr, nullptr);
  std::string der = testkeys::cert_der(cert.get());
  Jwk jwk = jwk_from_pem(testkeys::cert_pem(cert.get()));
  ASSERT_EQ(jwk.x5c.size(), 1u);
  EXPECT_EQ(jwk.x5c[0], base64(der));  // standard base64, RFC 7517 §4.7
  EXPECT_EQ(jwk.x5t_s256, base64url(sha256(der)));
  EXPECT_TRUE(jwk.x5t.empty());
  EXPECT_EQ(jwk.x, jwk_from_pem(testkeys::spki(key.get())).x);
  Jwk with_x5t = jwk_from_pem(testkeys::cert_pem(cert.get()), {"x5t"});
  EXPECT_EQ(with_x5t.x5t, base64url(sha1(der)));
}

TEST(Certificates, ChainLeafFirst) {
  auto ca_key = testkeys::generate("EC", "P-384");
  auto leaf_key = testkeys::generate("EC", "P-256");
  auto ca = testkeys::certificate(ca_key.get(), "ca", nullptr, nullptr);
  auto leaf = testkeys::certificate(leaf_key.get(), "leaf", ca.get(), ca_key.get());
  Jwk jwk = jwk_from_pem(testkeys::cert_pem(leaf.get()) + testkeys::cert_pem(ca.get()));
  ASSERT_EQ(jwk.x5c.size(), 2u);
  EXPECT_EQ(jwk.x5c[0], base64(testkeys::cert_der(leaf.get())));
  EXPECT_EQ(jwk.x5c[1], base64(testkeys::cert_der(ca.get())));
  EXPECT_EQ(jwk.crv, "P-256");  // the leaf's key

  // Out of order: rejected (RFC 7517 §4.7).
  EXPECT_THROW(jwk_from_pem(testkeys::cert_pem(ca.get()) + testkeys::cert_pem(leaf.get())),
               ConfigError);
  // A private key with its certificate is accepted; with another's, refused.
  EXPECT_NO_THROW(jwk_from_pem(testkeys::pkcs8(leaf_key.get()) + testkeys::cert_pem(leaf.get())));
  EXPECT_THROW(jwk_from_pem(testkeys::pkcs8(ca_key.get()) + testkeys::cert_pem(leaf.get())),
               ConfigError);
}

TEST(Certificates, ExpiredLeafWarns) {
  auto key = testkeys::generate("EC", "P-256");
  auto cert = testkeys::certificate(key.get(), "old", nullptr, nullptr, -1);
  PublicKeyMaterial m = parse_key_pem(testkeys::cert_pem(cert.get()));
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("expired"), std::string::npos);
}

// Bad inputs are refused with a message that names the problem.
TEST(KeyFiles, BadInputs) {
  auto expect_error = [](const std::string& pem, const std::string& needle) {
    try {
      parse_key_pem(pem);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto ec = testkeys::generate("EC", "P-256");
  expect_error("", "no PEM data");
  expect_error("hello world\n", "no PEM data");
  expect_error(testkeys::encrypted_pkcs8(ec.get()), "encrypted");
  std::string spki = testkeys::spki(ec.get());
  expect_error(spki.substr(0, spki.size() / 2), "malformed or truncated");
  expect_error(spki + spki, "2 keys");
  expect_error("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", "unsupported PEM block \"FOO\"");
  expect_error("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "malformed");
  expect_error("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
               "OpenSSH");
}

TEST(KeyFiles, MissingFileAndDirectory) {
  EXPECT_THROW(load_key_file("/nonexistent/key.pem"), ConfigError);
  try {
    load_key_file("/tmp");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos);
  }
}

TEST(KeyTypes, UnsupportedTypesAndCurves) {
  auto k1 = testkeys::generate("EC", "secp256k1");
  EXPECT_THROW(jwk_from_pem(testkeys::spki(k1.get())), ConfigError);
  auto dsa_params = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "brainpoolP256r1");
  ASSERT_NE(dsa_params, nullptr);
  wellknown::PublicKeyPtr bp(dsa_params);
  EXPECT_THROW(jwk_from_pem(testkeys::spki(bp.get())), ConfigError);
}

TEST(Rsa, WeakKeys) {
  auto weak = testkeys::generate("RSA", "1024");
  std::string pem = testkeys::spki(weak.get());
  try {
    jwk_from_pem(pem);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("allow_weak"), std::string::npos);
  }
  EXPECT_NO_THROW(jwk_from_pem(pem, {"allow_weak"}));
  auto tiny = testkeys::generate("RSA", "512");
  EXPECT_THROW(jwk_from_pem(testkeys::spki(tiny.get()), {"allow_weak"}), ConfigError);
}

TEST(Options, AlgUseAndKeyOps) {
  auto rsa = testkeys::generate("RSA", "2048");
  auto p384 = testkeys::generate("EC", "P-384");
  auto x = testkeys::generate("X25519");
  std::string r = testkeys::spki(rsa.get()), e = testkeys::spki(p384.get()), xx = testkeys::spki(x.get());

  EXPECT_EQ(jwk_from_pem(r, {"alg=PS256"}).alg, "PS256");
  Jwk oaep = jwk_from_pem(r, {"alg=RSA-OAEP-256"});
  EXPECT_EQ(oaep.use, "enc");
  EXPECT_FALSE(oaep.is_signing_key());
  EXPECT_THROW(jwk_from_pem(e, {"alg=ES256"}), ConfigError);  // P-384 needs ES384
  EXPECT_THROW(jwk_from_pem(r, {"alg=ES256"}), ConfigError);
  EXPECT_THROW(jwk_from_pem(r, {"alg=RS256", "use=enc"}), ConfigError);
  EXPECT_THROW(jwk_from_pem(xx, {"use=sig"}), ConfigError);
  EXPECT_EQ(jwk_from_pem(xx, {"alg=ECDH-ES+A256KW"}).alg, "ECDH-ES+A256KW");

  // key_ops instead of use (RFC 7517 §4.3), unless use is explicit.
  Jwk ops = jwk_from_pem(e, {"key_ops=verify"});
  EXPECT_TRUE(ops.use.empty());
  EXPECT_EQ(ops.key_ops, std::vector<std::string>{"verify"});
  EXPECT_EQ(ops.alg, "ES384");
  EXPECT_TRUE(ops.is_signing_key());
  Jwk both = jwk_from_pem(e, {"use=sig", "key_ops=verify"});
  EXPECT_EQ(both.use, "sig");
  EXPECT_THROW(jwk_from_pem(e, {"use=enc", "key_ops=verify"}), ConfigError);
  EXPECT_THROW(jwk_from_pem(e, {"key_ops=verify,deriveKey"}), ConfigError);
  EXPECT_THROW(jwk_from_pem(xx, {"key_ops=verify"}), ConfigError);
  EXPECT_THROW(jwk_from_pem(r, {"x5t"}), ConfigError);  // no certificate
  EXPECT_EQ(jwk_from_pem(r, {"kid=ins_1lyWDZiobr600AKUeQDoSlrEmoM"}).kid,
            "ins_1lyWDZiobr600AKUeQDoSlrEmoM");
}

TEST(Options, Parsing) {
  auto bad = [](std::vector<std::string> tokens, const std::string& needle) {
    try {
      parse_key_options(tokens);
      ADD_FAILURE() << "accepted " << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  bad({"foo=bar"}, "unknown option \"foo=bar\"");
  bad({"kid="}, "needs a value");
  bad({"kid"}, "needs a value");
  bad({"kid=a", "kid=b"}, "given twice");
  bad({"use=both"}, "\"sig\" or \"enc\"");
  bad({"key_ops=verify,verify"}, "listed twice");
  bad({"key_ops=bogus"}, "not one of");
  bad({"key_ops=verify,"}, "not one of");
  bad({"x5t=1"}, "takes no value");
  bad({"kid=a\x01"}, "control character");
  bad({"kid=\xff\xfe"}, "UTF-8");
  KeyOptions o = parse_key_options({"kid=k=1", "alg=RS384", "use=sig", "x5t", "allow_weak"});
  EXPECT_EQ(*o.kid, "k=1");
  EXPECT_EQ(*o.alg, "RS384");
  EXPECT_TRUE(o.x5t);
  EXPECT_TRUE(o.allow_weak);
}

TEST(JwkSetTest, OrderDuplicatesAndSerialisation) {
  auto a = testkeys::generate("ED25519");
  auto b = testkeys::generate("EC", "P-256");
  JwkSet set;
  EXPECT_EQ(set.add(jwk_from_pem(testkeys::spki(a.get()), {"kid=z"})), "");
  EXPECT_EQ(set.add(jwk_from_pem(testkeys::spki(b.get()), {"kid=a"})), "");
  EXPECT_THROW(set.add(jwk_from_pem(testkeys::spki(b.get()), {"kid=z"})), ConfigError);
  // The same key under another kid is allowed, with a warning.
  EXPECT_NE(set.add(jwk_from_pem(testkeys::spki(a.get()), {"kid=y"})), "");
  auto j = nlohmann::json::parse(set.serialize());
  ASSERT_EQ(j["keys"].size(), 3u);
  EXPECT_EQ(j["keys"][0]["kid"], "z");  // configured order, not sorted
  EXPECT_EQ(j["keys"][1]["kid"], "a");
  EXPECT_EQ(set.signing_algs(), (std::vector<std::string>{"EdDSA", "ES256"}));
  EXPECT_EQ(set.serialize().find(' '), std::string::npos);  // compact
}

// RFC 7518 §3.5 with RFC 4055 restrictions: a PSS key limited to SHA-512 can
// only ever produce PS512; an unrestricted one defaults to PS256.
TEST(RsaPss, RestrictedKeysGetTheirOnlyAlgorithm) {
  auto pss_key = [](const char* md, int saltlen) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
    EVP_PKEY* k = nullptr;
    EXPECT_EQ(EVP_PKEY_keygen_init(ctx), 1);
    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048);
    if (md) {
      EVP_PKEY_CTX_set_rsa_pss_keygen_md_name(ctx, md, nullptr);
      EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md_name(ctx, md);
      EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(ctx, saltlen);
    }
    EXPECT_EQ(EVP_PKEY_generate(ctx, &k), 1);
    EVP_PKEY_CTX_free(ctx);
    return wellknown::PublicKeyPtr(k);
  };
  auto free_key = pss_key(nullptr, 0);
  EXPECT_EQ(jwk_from_pem(testkeys::spki(free_key.get())).alg, "PS256");
  auto sha512 = pss_key("SHA512", 64);
  std::string pem = testkeys::spki(sha512.get());
  EXPECT_EQ(jwk_from_pem(pem).alg, "PS512");
  EXPECT_THROW(jwk_from_pem(pem, {"alg=PS256"}), ConfigError);
  auto sha1 = pss_key("SHA1", 20);
  EXPECT_THROW(jwk_from_pem(testkeys::spki(sha1.get())), ConfigError);
}

namespace {

// PEM of `der` under `label`, 64-column base64 (RFC 7468 §2).
std::string pem_of(const std::string& label, const std::string& der) {
  std::string b64 = wellknown::base64(der), out = "-----BEGIN " + label + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + label + "-----\n";
}

std::string der_of_pem(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  char *name = nullptr, *header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  PEM_read_bio(b, &name, &header, &data, &len);
  BIO_free(b);
  std::string der(reinterpret_cast<char*>(data), static_cast<size_t>(len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return der;
}

}  // namespace

// The cached decoders (PKCS#8, SubjectPublicKeyInfo) read one structure and
// leave the rest: bytes after it are refused, as with d2i_*, and each key
// decoded through a reused decoder is its own.
TEST(KeyFile, CachedDecodersRefuseTrailingBytesAndKeepKeysApart) {
  auto a = testkeys::generate("EC", "P-256");
  auto b = testkeys::generate("RSA", "2048");
  for (const auto& [label, pem] :
       std::vector<std::pair<std::string, std::string>>{{"PRIVATE KEY", testkeys::pkcs8(a.get())},
                                                        {"PUBLIC KEY", testkeys::spki(a.get())}}) {
    std::string der = der_of_pem(pem);
    EXPECT_NO_THROW(parse_key_pem(pem_of(label, der))) << label;
    try {
      parse_key_pem(pem_of(label, der + std::string("\x05\x00", 2)));
      ADD_FAILURE() << label << ": trailing bytes accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("trailing bytes"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parse_key_pem(pem_of(label, der.substr(0, der.size() - 1))), ConfigError) << label;
  }
  PublicKeyMaterial ka = parse_key_pem(testkeys::pkcs8(a.get()));
  PublicKeyMaterial kb = parse_key_pem(testkeys::pkcs8(b.get()));
  PublicKeyMaterial ka2 = parse_key_pem(testkeys::pkcs8(a.get()));
  // An EC private key is kept as its curve and point (no key object).
  EXPECT_EQ(ka.key, nullptr);
  EXPECT_EQ(ka.ec_curve, "P-256");
  EXPECT_EQ(EVP_PKEY_eq(key_object(ka).get(), a.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(kb.key.get(), b.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(key_object(ka2).get(), key_object(ka).get()), 1);
  EXPECT_NE(EVP_PKEY_eq(key_object(ka).get(), kb.key.get()), 1);
  // Only the public half is kept.
  BIGNUM* priv = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key_object(ka).get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv), 0);
  EXPECT_EQ(EVP_PKEY_get_bn_param(kb.key.get(), OSSL_PKEY_PARAM_RSA_D, &priv), 0);
  BN_free(priv);
  ERR_clear_error();
}
