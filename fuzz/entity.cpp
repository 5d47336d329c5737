// A whole wellknown_issuer / wellknown_resource block: build_entity on a
// fuzzed identifier, jwks_path, documents, URL forms, options, metadata-file
// base (parse_json) and declared members (member_value / extra), with or
// without a key set; then the served paths go into a RouteTable as the
// adapter does and are looked up again.
#include "fuzz.hpp"

#include <openssl/evp.h>

#include "core/entity.hpp"
#include "core/jwk_set.hpp"

namespace {

const wellknown::JwkSet& key_set() {
  static const wellknown::JwkSet set = [] {
    wellknown::PublicKeyMaterial m;
    m.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!m.key) std::abort();
    wellknown::JwkSet s;
    s.add(wellknown::make_jwk(m, wellknown::KeyOptions{}));
    return s;
  }();
  return set;
}

const char* const kMembers[] = {
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
    "grant_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
    "resource", "authorization_servers", "scopes_supported", "claims_parameter_supported",
    "mtls_endpoint_aliases"};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  key_set();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  bool resource = in.ConsumeBool();
  std::string identifier = in.ConsumeRandomLengthString(128);
  wellknown::EntityConfig c = resource ? wellknown::protected_resource_config(identifier)
                                       : wellknown::EntityConfig{};
  c.identifier = identifier;
  if (in.ConsumeBool()) c.jwks_path = in.ConsumeRandomLengthString(64);
  if (!resource) {
    uint8_t docs = in.ConsumeIntegralInRange<uint8_t>(1, 3);
    c.documents.clear();
    if (docs & 1) c.documents.push_back(wellknown::Resource::OpenIdConfiguration);
    if (docs & 2) c.documents.push_back(wellknown::Resource::AuthorizationServer);
    uint8_t forms = in.ConsumeIntegralInRange<uint8_t>(1, 15);
    c.forms = {(forms & 1) != 0, (forms & 2) != 0, (forms & 4) != 0, (forms & 8) != 0};
  }
  c.validation.allow_http = in.ConsumeBool();
  c.validation.relax_required = in.ConsumeBool();
  bool with_keys = in.ConsumeBool();
  if (in.ConsumeBool()) {
    std::string base = in.ConsumeRandomLengthString(512);
    if (!fuzz::expect_config_error([&] { c.base = wellknown::parse_json(base, "base"); }) ||
        !c.base.is_object()) {
      return 0;  // load_metadata_file refuses it before build_entity
    }
    c.base_file = "base.json";
  }
  size_t statements = in.ConsumeIntegralInRange<size_t>(0, 8);
  for (size_t i = 0; i < statements && in.remaining_bytes() > 0; ++i) {
    std::string name = kMembers[in.ConsumeIntegralInRange<size_t>(
        0, sizeof kMembers / sizeof kMembers[0] - 1)];
    if (in.ConsumeBool()) {
      std::string json = in.ConsumeRandomLengthString(128);
      fuzz::expect_config_error(
          [&] { wellknown::set_member(c.members, name, wellknown::parse_json(json, "extra")); });
    } else {
      std::vector<std::string> args = fuzz::strings(in, 3, 96);
      fuzz::expect_config_error(
          [&] { wellknown::set_member(c.members, name, wellknown::member_value(name, args)); });
    }
  }
  fuzz::expect_config_error([&] {
    wellknown::EntityDocuments out = wellknown::build_entity(c, with_keys ? &key_set() : nullptr);
    wellknown::RouteTable<int> routes;
    for (const auto& p : out.jwks_paths) routes.add(p, -1, "keys");
    int n = 0;
    for (const auto& d : out.documents) {
      ++n;
      for (const auto& p : d.paths) routes.add(p, n, "document");
    }
    for (const auto& d : out.documents) {
      for (const auto& p : d.paths) {
        if (routes.find(p) == nullptr) std::abort();
        (void)wellknown::is_discovery_path(p);
      }
    }
    if (out.given_jwks_route) (void)routes.find(*out.given_jwks_route);
  });
  return 0;
}
