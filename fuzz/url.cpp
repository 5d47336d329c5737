// URLs in metadata and identifiers: parse_url and check_url (OpenSSL's
// OSSL_HTTP_parse_url plus our own authority/path/query split) under each
// combination of rules.
#include "fuzz.hpp"

#include "core/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  wellknown::Url u;
  if (fuzz::expect_config_error([&] { u = wellknown::parse_url(text); })) {
    // What the parser returns is a split of the input.
    if (!u.path.empty() && u.path[0] != '/') std::abort();
    // The host (from OpenSSL; IPv6 unbracketed) is written in the text:
    // origin_of() rebuilds jwks_uri from it.
    if (text.find(u.host) == std::string::npos) std::abort();
  }
  for (int r = 0; r < 4; ++r) {
    wellknown::UrlRules rules;
    rules.allow_http = r & 1;
    rules.allow_query = r & 2;
    fuzz::expect_config_error([&] { (void)wellknown::check_url("issuer", text, rules); });
  }
  return 0;
}
