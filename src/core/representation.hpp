// A response body computed once at config load, with everything the request
// path needs to send it: the bytes, their length and a strong ETag.
#pragma once

#include <string>

namespace wellknown {

struct Representation {
  std::string body;
  std::string etag;  // quoted strong entity tag (RFC 9110 §8.8.3)
};

// Wraps `body` and derives its ETag from the bytes: the first 128 bits of
// SHA-256, base64url. Identical bodies get identical ETags across reloads and
// across servers, so caches stay valid when nothing changed.
Representation make_representation(std::string body);

// JSON error bodies in the OAuth style ({"error":..., "error_description":...},
// RFC 6749 §5.2), for the module's own 404 and 405 answers.
std::string json_error_body(const std::string& error, const std::string& description);

}  // namespace wellknown
