// Content negotiation on the request path: which coding a client accepts.
#pragma once

#include <string_view>

namespace wellknown {

// True if an Accept-Encoding field value (RFC 9110 §12.5.3) makes gzip
// acceptable: "gzip" or "x-gzip" (§8.4.1.3) with a non-zero qvalue, or,
// when neither is listed, "*" with a non-zero qvalue. Codings are
// case-insensitive; an element with a malformed qvalue counts as q=0.
// Allocation-free: it runs on the request path.
bool accepts_gzip(std::string_view accept_encoding) noexcept;

}  // namespace wellknown
