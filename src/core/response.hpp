// A response computed once at config load, with everything the request path
// needs to send it: the bytes, a strong ETag, and a gzip-compressed variant
// with its own ETag when that is smaller.
#pragma once

#include <string>
#include <string_view>

namespace wellknown {

struct Response {
  std::string body;
  std::string etag;       // quoted strong entity tag (RFC 9110 §8.8.3)
  std::string gzip_body;  // empty: no gzip variant (compression did not make it smaller)
  std::string gzip_etag;  // the gzip variant's own strong ETag (RFC 9110 §8.8.3.3)
  bool jwk_set = false;   // a JWK Set: its Content-Type is the location's wellknown_jwks_type
};

// Wraps `body`, derives its ETag from the bytes (the first 128 bits of
// SHA-256, base64url), and compresses it (zlib, level 9, gzip framing with
// no timestamp) into a variant kept only if smaller. Identical bodies get
// identical bytes and ETags across reloads and servers, so caches stay valid
// when nothing changed.
Response make_response(std::string body);

// The same, with `etag` already computed (entity_tag(body)).
Response make_response(std::string body, std::string etag);

// The strong ETag make_response gives `bytes`: "<base64url of the first 128
// bits of SHA-256>", quoted.
std::string entity_tag(std::string_view bytes);

// The module's own error answers (404, 405): a JSON body in the OAuth style
// ({"error":..., "error_description":...}, RFC 6749 §5.2).
Response make_error_response(const std::string& error, const std::string& description);

// gzip (RFC 1952) of `data` at zlib level 9, with a zero modification time:
// the same input always gives the same bytes.
std::string gzip_compress(std::string_view data);

}  // namespace wellknown
