#include "jws.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <memory>

#include "encoding.hpp"

namespace wellknown {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

struct Scheme {
  const char* digest;  // null: EdDSA signs the message itself (RFC 8032)
  enum { Pkcs1, Pss, Ecdsa, EdDsa } kind;
};

// RFC 7518 §3.1, RFC 8037 §3.1, RFC 9864 §2.
Scheme scheme_of(const std::string& alg) {
  const std::string bits = alg.size() == 5 ? alg.substr(2) : "";
  const char* digest = bits == "256" ? "SHA256" : bits == "384" ? "SHA384" : bits == "512" ? "SHA512"
                                                                                             : nullptr;
  if (digest && alg.rfind("RS", 0) == 0) return {digest, Scheme::Pkcs1};
  if (digest && alg.rfind("PS", 0) == 0) return {digest, Scheme::Pss};
  if (digest && alg.rfind("ES", 0) == 0) return {digest, Scheme::Ecdsa};
  if (alg == "EdDSA" || alg == "Ed25519" || alg == "Ed448") return {nullptr, Scheme::EdDsa};
  throw ConfigError("alg=" + alg + " is not a JWS signature algorithm this module signs with");
}

ConfigError signing_failed(const std::string& alg) {
  unsigned long e = ERR_peek_last_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return ConfigError("cannot sign with alg=" + alg + (reason ? std::string(" (") + reason + ")" : ""));
}

// RFC 7518 §3.4: the JWS signature is R || S, each at the curve order's
// width, where OpenSSL gives DER (SEC 1 ECDSA-Sig-Value).
std::string ecdsa_raw(const std::string& der, const EVP_PKEY* key, const std::string& alg) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw signing_failed(alg);
  const size_t width = static_cast<size_t>((EVP_PKEY_get_bits(key) + 7) / 8);
  std::string raw(2 * width, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, static_cast<int>(width)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + width, static_cast<int>(width)) < 0) {
    throw signing_failed(alg);
  }
  return raw;
}

}  // namespace

std::string sign_jwt(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                     const nlohmann::ordered_json& claims) {
  const Scheme scheme = scheme_of(alg);
  nlohmann::ordered_json header;
  header["alg"] = alg;
  header["kid"] = kid;
  header["typ"] = "JWT";
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());

  ERR_clear_error();
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, scheme.digest, nullptr, nullptr, key,
                                    nullptr) != 1) {
    throw signing_failed(alg);
  }
  if (scheme.kind == Scheme::Pss) {
    // RFC 7518 §3.5: MGF1 with the same hash, a salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, scheme.digest, nullptr) != 1) {
      throw signing_failed(alg);
    }
  } else if (scheme.kind == Scheme::Pkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) throw signing_failed(alg);
  } else if (scheme.kind == Scheme::Ecdsa) {
    // Deterministic nonces (RFC 6979) where the provider offers them
    // (OpenSSL 3.2+, "nonce-type"); OpenSSL 3.0 has none and draws a
    // random nonce, so ES* signatures then differ at every load.
    const OSSL_PARAM* settable = EVP_PKEY_CTX_settable_params(pctx);
    if (settable && OSSL_PARAM_locate_const(settable, "nonce-type")) {
      unsigned int deterministic = 1;
      OSSL_PARAM params[] = {OSSL_PARAM_construct_uint("nonce-type", &deterministic),
                             OSSL_PARAM_construct_end()};
      if (EVP_PKEY_CTX_set_params(pctx, params) != 1) throw signing_failed(alg);
    }
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1) throw signing_failed(alg);
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     input.size()) != 1) {
    throw signing_failed(alg);
  }
  sig.resize(len);
  if (scheme.kind == Scheme::Ecdsa) sig = ecdsa_raw(sig, key, alg);
  return input + "." + base64url(sig);
}

}  // namespace wellknown
