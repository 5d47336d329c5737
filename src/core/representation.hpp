// A response body computed once at config load, with everything the request
// path needs to send it: the bytes, their length, a strong ETag, and a
// gzip-compressed variant with its own ETag when that is smaller.
#pragma once

#include <string>
#include <string_view>

namespace wellknown {

struct Representation {
  std::string body;
  std::string etag;       // quoted strong entity tag (RFC 9110 §8.8.3)
  std::string gzip_body;  // empty: no gzip variant (compression did not make it smaller)
  std::string gzip_etag;  // the gzip variant's own strong ETag (RFC 9110 §8.8.3.3)
};

// Wraps `body`, derives its ETag from the bytes (the first 128 bits of
// SHA-256, base64url), and compresses it (zlib, level 9, gzip framing with
// no timestamp) into a variant kept only if smaller. Identical bodies get
// identical bytes and ETags across reloads and servers, so caches stay valid
// when nothing changed.
Representation make_representation(std::string body);

// gzip (RFC 1952) of `data` at zlib level 9, with a zero modification time:
// the same input always gives the same bytes.
std::string gzip_compress(std::string_view data);

// True if an Accept-Encoding field value (RFC 9110 §12.5.3) makes gzip
// acceptable: "gzip" or "x-gzip" (§8.4.1.3) with a non-zero qvalue, or,
// when neither is listed, "*" with a non-zero qvalue. Codings are
// case-insensitive; an element with a malformed qvalue counts as q=0.
// Allocation-free: it runs on the request path.
bool accepts_gzip(std::string_view accept_encoding);

// JSON error bodies in the OAuth style ({"error":..., "error_description":...},
// RFC 6749 §5.2), for the module's own 404 and 405 answers.
std::string json_error_body(const std::string& error, const std::string& description);

}  // namespace wellknown
