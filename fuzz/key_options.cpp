// Options on a `key` line (kid=, alg=, use=, key_ops=, x5t, allow_weak):
// parse_key_options, then make_jwk with them on one of a fixed set of keys
// of every supported type (generated once), which checks alg, use and
// key_ops against the key type. Input: the first byte picks the key; the
// rest is split at '\n' into the directive's option tokens.
#include "fuzz.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "core/jwk_set.hpp"
#include "core/key_file.hpp"

namespace {

wellknown::PublicKeyPtr generate(const char* type, const char* arg) {
  EVP_PKEY* k = nullptr;
  if (std::string_view(type) == "RSA-PSS") {  // EVP_PKEY_Q_keygen knows RSA, EC and the OKPs only
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    if (ctx == nullptr || EVP_PKEY_keygen_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, std::atoi(arg)) != 1 ||
        EVP_PKEY_generate(ctx, &k) != 1) {
      std::abort();
    }
    EVP_PKEY_CTX_free(ctx);
  } else if (std::string_view(type) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type, static_cast<size_t>(std::atoi(arg)));
  } else if (std::string_view(type) == "EC") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type, arg);
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  if (k == nullptr) std::abort();
  return wellknown::PublicKeyPtr(k);
}

// A self-signed certificate for `key`, as DER: material with an x5c chain.
std::string self_signed(EVP_PKEY* key) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365 * 30);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  if (X509_sign(x, key, EVP_sha256()) <= 0) std::abort();
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

std::vector<wellknown::PublicKeyMaterial>& keys() {
  static std::vector<wellknown::PublicKeyMaterial> k = [] {
    std::vector<wellknown::PublicKeyMaterial> v;
    auto add = [&](wellknown::PublicKeyPtr key, bool cert) {
      wellknown::PublicKeyMaterial m;
      if (cert) m.certificate_chain_der.push_back(self_signed(key.get()));
      m.key = std::move(key);
      v.push_back(std::move(m));
    };
    add(generate("RSA", "2048"), false);
    add(generate("RSA", "1024"), false);
    add(generate("RSA-PSS", "2048"), false);
    add(generate("EC", "P-256"), false);
    add(generate("EC", "P-384"), false);
    add(generate("EC", "P-521"), false);
    add(generate("ED25519", nullptr), false);
    add(generate("ED448", nullptr), false);
    add(generate("X25519", nullptr), false);
    add(generate("X448", nullptr), false);
    add(generate("EC", "P-256"), true);
    add(generate("RSA", "2048"), true);
    return v;
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  keys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto& material = keys()[data[0] % keys().size()];
  std::vector<std::string> tokens;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    tokens.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  fuzz::expect_config_error([&] {
    wellknown::KeyOptions options = wellknown::parse_key_options(tokens);
    wellknown::JwkSet set;
    set.add(wellknown::make_jwk(material, options));
    (void)set.serialize();
    (void)set.signing_algs();
  });
  return 0;
}
