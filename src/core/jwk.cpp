#include "jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "encoding.hpp"

namespace wellknown {

namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr get_bn(const EVP_PKEY* key, const char* param) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1 || bn == nullptr) {
    ERR_clear_error();
    throw ConfigError(std::string("cannot read key parameter ") + param);
  }
  return BnPtr(bn);
}

// RFC 7518 §6.3.1.1/§6.3.1.2: "the minimum number of octets", no leading zero.
std::string bn_minimal(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// RFC 7518 §6.2.1.2/§6.2.1.3: coordinates are the full field width.
std::string bn_padded(const BIGNUM* bn, size_t width) {
  std::string out(width, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(width)) < 0) {
    throw ConfigError("EC coordinate wider than its curve");
  }
  return out;
}

// Algorithm families, RFC 7518 §3.1 (JWS) and §4.1 (JWE), RFC 8037 §3.1,
// RFC 9864 §2 (fully-specified Ed25519 and Ed448). Built on demand, at
// config load only. (The module's only process-lifetime objects are
// OpenSSL handles fetched once: decoders in key_file.cpp, the SHA-256
// digest in encoding.cpp. They hold no configuration, so they are the same
// for every generation, and are freed at exit.)
using Names = std::vector<std::string>;

struct TypeRules {
  const char* name;             // for messages
  Names sig_algs;               // empty: cannot sign
  Names enc_algs;               // empty: cannot encrypt or agree keys
  std::string default_sig_alg;  // inferred alg when the key signs (may be empty)
  Names key_ops;                // operations the key type supports
};

TypeRules rules_for(KeyType t) {
  const Names rsa_sig = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"};
  const Names rsa_enc = {"RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512", "RSA1_5"};
  const Names ecdh = {"ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW"};
  const Names rsa_ops = {"sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"};
  const Names ec_ops = {"sign", "verify", "deriveKey", "deriveBits"};
  const Names sig_ops = {"sign", "verify"};
  const Names dh_ops = {"deriveKey", "deriveBits"};
  switch (t) {
    case KeyType::Rsa: return {"RSA", rsa_sig, rsa_enc, "RS256", rsa_ops};
    case KeyType::RsaPss: return {"RSA-PSS", {"PS256", "PS384", "PS512"}, {}, "PS256", sig_ops};
    case KeyType::P256: return {"EC P-256", {"ES256"}, ecdh, "ES256", ec_ops};
    case KeyType::P384: return {"EC P-384", {"ES384"}, ecdh, "ES384", ec_ops};
    case KeyType::P521: return {"EC P-521", {"ES512"}, ecdh, "ES512", ec_ops};
    case KeyType::Ed25519: return {"Ed25519", {"EdDSA", "Ed25519"}, {}, "EdDSA", sig_ops};
    case KeyType::Ed448: return {"Ed448", {"EdDSA", "Ed448"}, {}, "EdDSA", sig_ops};
    case KeyType::X25519: return {"X25519", {}, ecdh, "", dh_ops};
    case KeyType::X448: return {"X448", {}, ecdh, "", dh_ops};
  }
  throw ConfigError("unknown key type");
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? s : ", " + s;
  }
  return out;
}

// RFC 7517 §4.3: the registered key_ops values, and the "use" each belongs to.
Names sig_ops() { return {"sign", "verify"}; }
Names enc_ops() { return {"encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"}; }

std::string use_of_op(const std::string& op) { return contains(sig_ops(), op) ? "sig" : "enc"; }

}  // namespace

KeyOptions parse_key_options(const std::vector<std::string>& tokens) {
  KeyOptions o;
  bool seen_ops = false;
  for (const auto& token : tokens) {
    auto eq = token.find('=');
    std::string name = token.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : token.substr(eq + 1);
    bool has_value = eq != std::string::npos;

    auto needs_value = [&]() {
      if (!has_value || value.empty()) {
        throw ConfigError("option \"" + name + "\" needs a value, as in \"" + name + "=...\"");
      }
    };
    auto once = [&](bool seen) {
      if (seen) {
        throw ConfigError("option \"" + name + "\" is given twice");
      }
    };

    if (name == "kid") {
      once(o.kid.has_value());
      needs_value();
      if (!is_valid_utf8(value)) {
        throw ConfigError("kid is not valid UTF-8");
      }
      if (std::any_of(value.begin(), value.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        throw ConfigError("kid contains a control character");
      }
      o.kid = value;
    } else if (name == "alg") {
      once(o.alg.has_value());
      needs_value();
      o.alg = value;
    } else if (name == "use") {
      once(o.use.has_value());
      needs_value();
      // RFC 7517 §4.2 defines "sig" and "enc".
      if (value != "sig" && value != "enc") {
        throw ConfigError("use=\"" + value + "\" is not \"sig\" or \"enc\" (RFC 7517 §4.2)");
      }
      o.use = value;
    } else if (name == "key_ops") {
      once(seen_ops);
      seen_ops = true;
      needs_value();
      size_t start = 0;
      for (;;) {
        size_t comma = value.find(',', start);
        std::string op = value.substr(start, comma == std::string::npos ? std::string::npos
                                                                         : comma - start);
        if (!contains(sig_ops(), op) && !contains(enc_ops(), op)) {
          throw ConfigError("key_ops value \"" + op + "\" is not one of " + join(sig_ops()) +
                            ", " + join(enc_ops()) + " (RFC 7517 §4.3)");
        }
        // RFC 7517 §4.3: "Duplicate key operation values MUST NOT be present".
        if (contains(o.key_ops, op)) {
          throw ConfigError("key_ops value \"" + op + "\" is listed twice (RFC 7517 §4.3)");
        }
        o.key_ops.push_back(op);
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
    } else if (name == "x5t" && !has_value) {
      once(o.x5t);
      o.x5t = true;
    } else if (name == "allow_weak" && !has_value) {
      once(o.allow_weak);
      o.allow_weak = true;
    } else if ((name == "x5t" || name == "allow_weak") && has_value) {
      throw ConfigError("option \"" + name + "\" takes no value");
    } else if (name == "publish" || name == "retire") {
      std::optional<Seconds>& slot = name == "publish" ? o.publish : o.retire;
      once(slot.has_value());
      needs_value();
      slot = parse_rfc3339_utc(value);
    } else if (name == "window") {
      once(o.certificate_window);
      needs_value();
      if (value != "certificate") {
        throw ConfigError("window=\"" + value +
                          "\": the only window a key file carries is its certificate's; write "
                          "window=certificate, or publish= and retire= with times");
      }
      o.certificate_window = true;
    } else if (name == "lead" || name == "grace") {
      std::optional<Seconds>& slot = name == "lead" ? o.lead : o.grace;
      once(slot.has_value());
      needs_value();
      slot = parse_duration(value);
    } else {
      throw ConfigError("unknown option \"" + token +
                        "\"; expected kid=, alg=, use=, key_ops=, x5t, allow_weak, publish=, "
                        "retire=, window=certificate, lead= or grace=");
    }
  }
  if (o.certificate_window && (o.publish || o.retire)) {
    throw ConfigError("window=certificate takes the window from the certificate; give either it "
                      "(with lead= and grace=) or publish= and retire=, not both");
  }
  if ((o.lead || o.grace) && !o.certificate_window) {
    throw ConfigError(std::string(o.lead ? "lead=" : "grace=") +
                      " shifts a certificate's window; add window=certificate, or write the "
                      "times with publish= and retire=");
  }
  return o;
}

KeyType classify_key(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) return KeyType::Rsa;
  if (EVP_PKEY_is_a(key, "RSA-PSS")) return KeyType::RsaPss;
  if (EVP_PKEY_is_a(key, "ED25519")) return KeyType::Ed25519;
  if (EVP_PKEY_is_a(key, "ED448")) return KeyType::Ed448;
  if (EVP_PKEY_is_a(key, "X25519")) return KeyType::X25519;
  if (EVP_PKEY_is_a(key, "X448")) return KeyType::X448;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1) {
      ERR_clear_error();
      throw ConfigError(
          "EC key with explicit curve parameters; use a named curve (P-256, P-384 or P-521)");
    }
    std::string g(group, len);
    // RFC 7518 §6.2.1.1 registers P-256, P-384 and P-521 only.
    if (g == "prime256v1" || g == "P-256") return KeyType::P256;
    if (g == "secp384r1" || g == "P-384") return KeyType::P384;
    if (g == "secp521r1" || g == "P-521") return KeyType::P521;
    throw ConfigError("unsupported EC curve " + g + "; JOSE supports P-256, P-384 and P-521");
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  throw ConfigError(std::string("unsupported key type ") + (name ? name : "(unknown)") +
                    "; supported: RSA, EC P-256/P-384/P-521, Ed25519, Ed448, X25519, X448");
}

bool is_public_jwk_member(const std::string& name) {
  const std::array<const char*, 14> allowed = {
      "kty", "use", "key_ops", "alg", "kid", "crv", "n", "e", "x", "y",
      "x5c", "x5t", "x5t#S256", "x5u"};
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; });
}

bool Jwk::is_signing_key() const {
  if (!use.empty()) {
    return use == "sig";
  }
  return !key_ops.empty() && use_of_op(key_ops.front()) == "sig";
}

std::string thumbprint_input(const Jwk& jwk) {
  // nlohmann::json keeps object members in a std::map: lexicographic order,
  // which is exactly RFC 7638 §3.3's ordering; dump() adds no whitespace.
  nlohmann::json j;
  j["kty"] = jwk.kty;
  if (jwk.kty == "RSA") {
    j["e"] = jwk.e;  // RFC 7638 §3.2: e, kty, n
    j["n"] = jwk.n;
  } else if (jwk.kty == "EC") {
    j["crv"] = jwk.crv;  // crv, kty, x, y
    j["x"] = jwk.x;
    j["y"] = jwk.y;
  } else if (jwk.kty == "OKP") {
    j["crv"] = jwk.crv;  // RFC 8037 §2: crv, kty, x
    j["x"] = jwk.x;
  } else {
    throw ConfigError("no thumbprint rule for kty " + jwk.kty);
  }
  return j.dump();
}

std::string Jwk::thumbprint() const { return base64url(sha256(thumbprint_input(*this))); }

nlohmann::ordered_json Jwk::to_json() const {
  nlohmann::ordered_json j;
  j["kty"] = kty;
  if (!use.empty()) j["use"] = use;
  if (!key_ops.empty()) j["key_ops"] = key_ops;
  if (!alg.empty()) j["alg"] = alg;
  j["kid"] = kid;
  if (!crv.empty()) j["crv"] = crv;
  if (kty == "RSA") {
    j["n"] = n;
    j["e"] = e;
  } else {
    j["x"] = x;
    if (kty == "EC") j["y"] = y;
  }
  if (!x5c.empty()) j["x5c"] = x5c;
  if (!x5t.empty()) j["x5t"] = x5t;
  if (!x5t_s256.empty()) j["x5t#S256"] = x5t_s256;
  return j;
}

namespace {

// An RSA-PSS key may carry restrictions (RFC 4055 §3.1): one hash, one MGF1
// hash, a minimum salt length. JOSE's PS256/384/512 use the same hash for
// both and a salt as long as the hash (RFC 7518 §3.5). OpenSSL does not
// report restrictions equal to RFC 4055's defaults (SHA-1) as parameters, so
// ask it directly which digests it would verify with under this key.
void apply_pss_restrictions(const EVP_PKEY* key, TypeRules& rules) {
  int min_salt = 0;
  EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN, &min_salt);
  ERR_clear_error();
  struct Fit {
    const char* digest;
    const char* alg;
    int hash_len;
  };
  Names fits;
  for (const Fit& f : {Fit{"SHA256", "PS256", 32}, Fit{"SHA384", "PS384", 48},
                       Fit{"SHA512", "PS512", 64}}) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit_ex(ctx, nullptr, f.digest, nullptr, nullptr,
                                             const_cast<EVP_PKEY*>(key), nullptr) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (ok && min_salt <= f.hash_len) {
      fits.push_back(f.alg);
    }
  }
  if (fits.empty()) {
    throw ConfigError(
        "the RSA-PSS key's parameter restrictions fit none of PS256, PS384, PS512 "
        "(RFC 7518 §3.5: same hash for signature and MGF1, salt as long as the hash)");
  }
  rules.sig_algs = fits;
  rules.default_sig_alg = fits.front();
}

}  // namespace

Jwk make_jwk(const PublicKeyMaterial& material, const KeyOptions& options) {
  const EVP_PKEY* key = material.key.get();
  KeyType type = key                              ? classify_key(key)
                 : material.ec_curve == "P-256" ? KeyType::P256
                 : material.ec_curve == "P-384" ? KeyType::P384
                 : material.ec_curve == "P-521" ? KeyType::P521
                                                : throw ConfigError("no public key");
  TypeRules rules = rules_for(type);
  if (type == KeyType::RsaPss) {
    apply_pss_restrictions(key, rules);
  }
  Jwk jwk;

  switch (type) {
    case KeyType::Rsa:
    case KeyType::RsaPss: {
      int bits = EVP_PKEY_get_bits(key);
      if (bits < kMinWeakRsaBits || (bits < kMinRsaBits && !options.allow_weak)) {
        throw ConfigError("RSA key has " + std::to_string(bits) + " bits; at least " +
                          std::to_string(kMinRsaBits) + " are required (RFC 7518 §3.3)" +
                          (bits >= kMinWeakRsaBits ? "; add allow_weak to accept it anyway"
                                                   : ""));
      }
      jwk.kty = "RSA";
      jwk.n = base64url(bn_minimal(get_bn(key, OSSL_PKEY_PARAM_RSA_N).get()));
      jwk.e = base64url(bn_minimal(get_bn(key, OSSL_PKEY_PARAM_RSA_E).get()));
      break;
    }
    case KeyType::P256:
    case KeyType::P384:
    case KeyType::P521: {
      size_t width = type == KeyType::P256 ? 32 : type == KeyType::P384 ? 48 : 66;
      jwk.kty = "EC";
      jwk.crv = type == KeyType::P256 ? "P-256" : type == KeyType::P384 ? "P-384" : "P-521";
      // RFC 7518 §6.2.1.2/3: x and y at the full coordinate width. The
      // uncompressed point (SEC 1 §2.3.3: 0x04 || X || Y) holds them at that
      // width already, for one provider call instead of two bignum exports.
      unsigned char point[1 + 2 * 66];
      size_t len = 0;
      if (!key) {
        len = std::min(material.ec_point.size(), sizeof point);
        std::memcpy(point, material.ec_point.data(), len);
      } else if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                                 sizeof point, &len) != 1) {
        len = 0;
      }
      if (len == 1 + 2 * width && point[0] == 0x04) {
        jwk.x = base64url(std::string_view(reinterpret_cast<char*>(point + 1), width));
        jwk.y = base64url(std::string_view(reinterpret_cast<char*>(point + 1 + width), width));
      } else if (!key) {
        throw ConfigError("malformed EC public point");
      } else {
        ERR_clear_error();
        jwk.x = base64url(bn_padded(get_bn(key, OSSL_PKEY_PARAM_EC_PUB_X).get(), width));
        jwk.y = base64url(bn_padded(get_bn(key, OSSL_PKEY_PARAM_EC_PUB_Y).get(), width));
      }
      break;
    }
    case KeyType::Ed25519:
    case KeyType::Ed448:
    case KeyType::X25519:
    case KeyType::X448: {
      // RFC 8037 §2: "x" is the raw public key.
      size_t len = 0;
      if (EVP_PKEY_get_raw_public_key(key, nullptr, &len) != 1) {
        ERR_clear_error();
        throw ConfigError("cannot read the raw public key");
      }
      std::string raw(len, '\0');
      if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) !=
          1) {
        ERR_clear_error();
        throw ConfigError("cannot read the raw public key");
      }
      raw.resize(len);
      jwk.kty = "OKP";
      jwk.crv = rules.name;
      jwk.x = base64url(raw);
      break;
    }
  }

  // key_ops must suit the key type, and must not mix signing with encryption
  // (RFC 7517 §4.3: "Multiple unrelated key operations SHOULD NOT be specified").
  std::string ops_use;
  for (const auto& op : options.key_ops) {
    if (!contains(rules.key_ops, op)) {
      throw ConfigError(std::string("key_ops \"") + op + "\" does not fit an " + rules.name +
                        " key; it supports " + join(rules.key_ops));
    }
    if (!ops_use.empty() && use_of_op(op) != ops_use) {
      throw ConfigError("key_ops mixes signing and encryption operations (RFC 7517 §4.3)");
    }
    ops_use = use_of_op(op);
  }
  // RFC 7517 §4.3: use and key_ops, if both present, MUST be consistent.
  if (options.use && !ops_use.empty() && *options.use != ops_use) {
    throw ConfigError("use=" + *options.use + " conflicts with key_ops=" + join(options.key_ops) +
                      " (RFC 7517 §4.3)");
  }

  // The purpose: explicit use, else key_ops, else the alg's family, else the
  // key type's natural purpose.
  std::string purpose;
  if (options.use) {
    purpose = *options.use;
  } else if (!ops_use.empty()) {
    purpose = ops_use;
  } else if (options.alg) {
    purpose = contains(rules.enc_algs, *options.alg) ? "enc" : "sig";
  } else {
    purpose = rules.sig_algs.empty() ? "enc" : "sig";
  }
  const auto& allowed = purpose == "sig" ? rules.sig_algs : rules.enc_algs;
  if (allowed.empty()) {
    throw ConfigError(std::string("an ") + rules.name + " key cannot be used for " +
                      (purpose == "sig" ? "signatures (use=sig)" : "encryption (use=enc)"));
  }
  if (options.alg) {
    if (!contains(allowed, *options.alg)) {
      std::vector<std::string> all = rules.sig_algs;
      all.insert(all.end(), rules.enc_algs.begin(), rules.enc_algs.end());
      throw ConfigError("alg=" + *options.alg + " does not fit an " + rules.name + " key" +
                        (contains(all, *options.alg) ? " with use=" + purpose : "") +
                        "; use one of " + join(allowed) + " (RFC 7518 §3.1, §4.1)");
    }
    jwk.alg = *options.alg;
  } else if (purpose == "sig") {
    jwk.alg = rules.default_sig_alg;
  }
  // key-agreement and encryption keys get no inferred alg: the choice between
  // ECDH-ES and its key-wrap variants, or among RSA-OAEP variants, is the
  // operator's.

  // RFC 7517 §4.3: use and key_ops SHOULD NOT be used together; publish
  // key_ops instead of a default use when the operator asked for key_ops.
  if (options.use || options.key_ops.empty()) {
    jwk.use = purpose;
  }
  jwk.key_ops = options.key_ops;

  if (!material.certificate_chain_der.empty()) {
    for (const auto& der : material.certificate_chain_der) {
      jwk.x5c.push_back(base64(der));  // RFC 7517 §4.7: base64, not base64url
    }
    const std::string& leaf = material.certificate_chain_der.front();
    jwk.x5t_s256 = base64url(sha256(leaf));  // RFC 7517 §4.9
    if (options.x5t) {
      jwk.x5t = base64url(sha1(leaf));  // RFC 7517 §4.8
    }
  } else if (options.x5t) {
    throw ConfigError("x5t needs a certificate; the key file holds none");
  }

  jwk.kid = options.kid ? *options.kid : jwk.thumbprint();  // RFC 7638 §1
  return jwk;
}

}  // namespace wellknown
