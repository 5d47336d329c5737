// The DER inside PEM key files: the input's first byte picks a block name
// (each kind parse_key_pem decodes, and a two-block chain), the rest is the
// DER, base64-encoded into PEM here so the fuzzer mutates DER directly
// rather than base64 text. Then, as in key_pem, the JWK with default options
// and with allow_weak and x5t.
#include "fuzz.hpp"

#include "core/encoding.hpp"
#include "core/jwk_set.hpp"
#include "core/key_file.hpp"

namespace {

std::string pem_block(const char* name, std::string_view der) {
  std::string b64 = wellknown::base64(der);
  std::string out = std::string("-----BEGIN ") + name + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + name + "-----\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kNames[] = {"PUBLIC KEY",      "RSA PUBLIC KEY", "PRIVATE KEY",
                                       "RSA PRIVATE KEY", "EC PRIVATE KEY", "CERTIFICATE"};
  constexpr size_t kKinds = sizeof kNames / sizeof kNames[0];
  if (size < 1) return 0;
  std::string_view der(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t pick = data[0] % (kKinds + 2);
  std::string pem;
  if (pick < kKinds) {
    pem = pem_block(kNames[pick], der);
  } else {
    // A certificate chain (pick == kKinds) or a certificate with a PKCS#8
    // key: split the DER in two at the length given by its first two bytes.
    size_t cut = der.size() >= 2 ? (static_cast<uint8_t>(der[0]) << 8 | static_cast<uint8_t>(der[1])) : 0;
    der.remove_prefix(der.size() >= 2 ? 2 : der.size());
    cut = std::min(cut, der.size());
    pem = pem_block("CERTIFICATE", der.substr(0, cut)) +
          pem_block(pick == kKinds ? "CERTIFICATE" : "PRIVATE KEY", der.substr(cut));
  }
  fuzz::expect_config_error([&] {
    wellknown::PublicKeyMaterial material = wellknown::parse_key_pem(pem);
    wellknown::JwkSet set;
    wellknown::KeyOptions weak;
    weak.allow_weak = true;
    weak.x5t = !material.certificate_chain_der.empty();
    set.add(wellknown::make_jwk(material, weak));
    (void)set.serialize();
    (void)set.signing_algs();
  });
  return 0;
}
