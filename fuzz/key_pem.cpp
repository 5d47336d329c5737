// PEM key files (wellknown_keys: key FILE): parse_key_pem, as load_key_file
// calls it on a file's bytes, then the JWK the adapter would build from
// whatever it accepted (default options), added to a set and serialised.
#include "fuzz.hpp"

#include "core/jwk_set.hpp"
#include "core/key_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view pem(reinterpret_cast<const char*>(data), size);
  fuzz::expect_config_error([&] {
    wellknown::PublicKeyMaterial material = wellknown::parse_key_pem(pem);
    wellknown::JwkSet set;
    set.add(wellknown::make_jwk(material, wellknown::KeyOptions{}));
    (void)set.serialize();
  });
  return 0;
}
