// Whole wellknown_issuer / wellknown_resource blocks through the code the
// adapter calls: a fuzzed identifier opens a block in a Server, fuzzed
// statements (settings, registered members by name, extra NAME JSON, and
// unknown names) go through DiscoveryBlock::statement, and Server::build
// assembles the documents and the route table with or without a key set.
// Every path the server then routes is looked up again.
#include "fuzz.hpp"

#include <openssl/evp.h>

#include "core/configuration.hpp"
#include "core/jwk.hpp"

namespace {

// One configuration for the whole run: its key set "k" holds one P-256 key.
wellknown::KeySets& key_sets() {
  static wellknown::KeySets* sets = [] {
    auto* s = new wellknown::KeySets();
    wellknown::KeySet& set = s->define("k");
    wellknown::PublicKeyMaterial m;
    m.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!m.key) std::abort();
    set.configured.add(wellknown::make_jwk(m, wellknown::KeyOptions{}));
    set.windows.push_back({});
    s->seal("k", set, 0);
    return s;
  }();
  return *sets;
}

const char* const kStatements[] = {
    "keys", "jwks_path", "documents", "url_forms", "allow_http", "relax_required", "extra",
    "cache_control", "serve_at_root", "signed_metadata_key", "signed_metadata",
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
    "grant_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
    "resource", "authorization_servers", "scopes_supported", "claims_parameter_supported",
    "mtls_endpoint_aliases", "not_a_statement"};

const char* const kValues[] = {"k", "on", "off", "public, max-age=60", "no-store",
                               "openid-configuration",      "oauth-authorization-server",
                               "oidc_append", "oidc_insert", "oauth_insert", "oauth_append",
                               "unpublished", "alg=ES256", "kid=k"};

// metadata_file reads a file; the fuzzer keeps to what is in memory.
std::string no_files(const std::string&) { throw wellknown::ConfigError("no files here"); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  key_sets();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  wellknown::Server server;
  size_t blocks = in.ConsumeIntegralInRange<size_t>(1, 3);
  for (size_t b = 0; b < blocks && in.remaining_bytes() > 0; ++b) {
    auto role = in.ConsumeBool() ? wellknown::Role::ProtectedResource : wellknown::Role::Issuer;
    std::string identifier = in.ConsumeRandomLengthString(128);
    wellknown::DiscoveryBlock* block = nullptr;
    if (!fuzz::expect_config_error(
            [&] { block = &server.open(role, identifier, {"fuzz.conf", b + 1}); })) {
      continue;
    }
    size_t statements = in.ConsumeIntegralInRange<size_t>(0, 10);
    for (size_t i = 0; i < statements && in.remaining_bytes() > 0; ++i) {
      std::string name = kStatements[in.ConsumeIntegralInRange<size_t>(
          0, sizeof kStatements / sizeof kStatements[0] - 1)];
      std::vector<std::string> values;
      size_t n = in.ConsumeIntegralInRange<size_t>(0, 3);
      for (size_t v = 0; v < n && in.remaining_bytes() > 0; ++v) {
        values.push_back(in.ConsumeBool()
                             ? kValues[in.ConsumeIntegralInRange<size_t>(
                                   0, sizeof kValues / sizeof kValues[0] - 1)]
                             : in.ConsumeRandomLengthString(128));
      }
      fuzz::expect_config_error([&] { block->statement(name, values, no_files); });
    }
  }
  static wellknown::CacheControls cache_controls;
  bool built = fuzz::expect_config_error([&] {
    server.build(key_sets(), cache_controls, cache_controls.get("public, max-age=600"));
  });
  if (built) {
    std::string path = in.ConsumeRandomLengthString(128);
    fuzz::expect_config_error([&] { server.exact_location(path); });
    (void)server.route(path);
  }
  return 0;
}
