// Accept-Encoding on the request path: accepts_gzip, which picks the
// precompressed variant. Beyond crashes, properties of the rule it
// implements (RFC 9110 §12.5.3): codings and parameter names are
// case-insensitive, so upper-casing the whole field changes nothing; an
// empty list element (", ") and a codings it does not know ("br") change
// nothing.
#include "fuzz.hpp"

#include "core/accept_encoding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string field(reinterpret_cast<const char*>(data), size);
  bool gzip = wellknown::accepts_gzip(field);
  std::string upper = field;
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  if (wellknown::accepts_gzip(upper) != gzip) std::abort();
  if (wellknown::accepts_gzip(field + ", ") != gzip) std::abort();
  if (wellknown::accepts_gzip(", br;q=0.5, " + field) != gzip) std::abort();
  return 0;
}
