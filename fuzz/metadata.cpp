// Metadata statements in wellknown_issuer / wellknown_resource blocks:
// a sequence of `member value ...;` (member_value, by the member's
// registered type) and `extra name json;` (parse_json) statements, each
// set_member into the document in order, then finalize_document for a
// fuzzed kind and options, and the served serialisation.
#include "fuzz.hpp"

#include "core/metadata.hpp"

namespace {

// Registered members and a few unregistered names, so the fuzzer reaches
// every member type without having to guess the names.
const char* const kMembers[] = {
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "scopes_supported",
    "response_types_supported", "grant_types_supported", "subject_types_supported",
    "id_token_signing_alg_values_supported", "claims_parameter_supported",
    "mtls_endpoint_aliases", "signed_metadata", "resource", "authorization_servers",
    "resource_name", "bearer_methods_supported", "code_challenge_methods_supported",
    "dpop_bound_access_tokens_required", "mfa_challenge_endpoint", "x"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  auto kind = static_cast<wellknown::Document>(in.ConsumeIntegralInRange<int>(0, 2));
  wellknown::ValidationOptions options;
  options.allow_http = in.ConsumeBool();
  options.relax_required = in.ConsumeBool();
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  size_t statements = in.ConsumeIntegralInRange<size_t>(0, 12);
  for (size_t i = 0; i < statements && in.remaining_bytes() > 0; ++i) {
    bool extra = in.ConsumeBool();
    // Any name with `extra NAME JSON`; the adapter passes only registered
    // names to member_value (others are "unknown statement").
    std::string name = !extra || in.ConsumeBool()
                           ? kMembers[in.ConsumeIntegralInRange<size_t>(
                                 0, sizeof kMembers / sizeof kMembers[0] - 1)]
                           : in.ConsumeRandomLengthString(40);
    if (extra) {
      std::string json = in.ConsumeRandomLengthString(256);
      fuzz::expect_config_error(
          [&] { wellknown::set_member(doc, name, wellknown::parse_json(json, "extra " + name)); });
    } else {
      std::vector<std::string> args = fuzz::strings(in, 4, 96);
      fuzz::expect_config_error(
          [&] { wellknown::set_member(doc, name, wellknown::member_value(name, args)); });
    }
  }
  fuzz::expect_config_error([&] {
    (void)wellknown::finalize_document(kind, doc, options);
    (void)doc.dump();
  });
  return 0;
}
