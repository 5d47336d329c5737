// The path of an identifier or jwks_path as nginx will match it:
// identifier_path, route_path (percent-decoding, refusing %2F, control
// characters, empty/./.. segments) and well_known_paths for every document
// and URL form. Properties: route_path is idempotent on what it accepts (a
// decoded path decodes to itself unless it holds a "%"), never grows the
// path, and every path it builds starts with "/".
#include "fuzz.hpp"

#include "core/well_known_uri.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  // build_discovery passes the path of a parsed URL: empty or starting with "/".
  if (!raw.empty() && raw[0] != '/') raw.insert(0, 1, '/');
  std::string path = wellknown::identifier_path(raw);
  std::string route;
  if (!fuzz::expect_config_error([&] { route = wellknown::route_path(path); })) return 0;
  if (route.size() > path.size()) std::abort();
  if (route.find('%') == std::string::npos) {
    std::string again;
    fuzz::expect_config_error([&] { again = wellknown::route_path(route); });
    if (again != route) std::abort();
  }
  wellknown::UrlForms all;
  for (auto r : {wellknown::Document::OpenIdConfiguration, wellknown::Document::AuthorizationServer,
                 wellknown::Document::ProtectedResource, wellknown::Document::JwkSet}) {
    for (const auto& p : wellknown::well_known_paths(r, route, all)) {
      if (p.empty() || p[0] != '/') std::abort();
      (void)wellknown::is_discovery_path(p);
    }
  }
  return 0;
}
