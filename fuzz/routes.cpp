// The request side: the adapter's per-request lookup of the (already
// decoded, normalised) URI, RouteTable::find, and is_discovery_path, which
// decides between the module's JSON 404 and the server's own locations.
// Differential: the table against a std::map holding the same entries, and
// is_discovery_path against a direct reading of its rule (some well-known
// document name occurs ending the path or followed by "/").
#include "fuzz.hpp"

#include <map>

#include "core/route_table.hpp"
#include "core/well_known_uri.hpp"

namespace {

bool reference_is_discovery(std::string_view path) {
  for (std::string_view doc : {"/.well-known/openid-configuration",
                               "/.well-known/oauth-authorization-server",
                               "/.well-known/oauth-protected-resource", "/.well-known/jwks.json"}) {
    for (size_t i = 0; i + doc.size() <= path.size(); ++i) {
      if (path.compare(i, doc.size(), doc) == 0 &&
          (i + doc.size() == path.size() || path[i + doc.size()] == '/')) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  wellknown::RouteTable<int> table;
  std::map<std::string, int> reference;
  size_t entries = in.ConsumeIntegralInRange<size_t>(0, 16);
  for (size_t i = 0; i < entries; ++i) {
    std::string path = in.ConsumeRandomLengthString(80);
    int value = in.ConsumeIntegralInRange<int>(0, 3);
    bool added = fuzz::expect_config_error([&] { table.add(path, value, "owner"); });
    auto it = reference.find(path);
    // add() accepts a new path, or the same path with the same value again.
    if (added != (it == reference.end() || it->second == value)) std::abort();
    if (added) reference.emplace(path, value);
  }
  if (table.size() != reference.size()) std::abort();
  while (in.remaining_bytes() > 0) {
    std::string uri = in.ConsumeRandomLengthString(200);
    const int* hit = table.find(uri);
    auto it = reference.find(uri);
    if ((hit == nullptr) != (it == reference.end())) std::abort();
    if (hit != nullptr && *hit != it->second) std::abort();
    if (wellknown::is_discovery_path(uri) != reference_is_discovery(uri)) std::abort();
  }
  return 0;
}
