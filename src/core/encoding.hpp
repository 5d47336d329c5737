// Base64 and digests, all through OpenSSL 3.
#pragma once

#include <string>
#include <string_view>

namespace wellknown {

// Standard base64 with padding (RFC 4648 §4), as x5c requires (RFC 7517 §4.7).
std::string base64(std::string_view bytes);

// base64url without padding (RFC 7515 §2 "Base64url Encoding").
std::string base64url(std::string_view bytes);

std::string sha256(std::string_view bytes);

// Appends `value` to the input of a digest, its length first, so that no
// two sequences of values make the same input.
void append_field(std::string& input, std::string_view value);
std::string sha1(std::string_view bytes);

// True if `s` is well-formed UTF-8 (RFC 3629), so JSON output can hold it.
bool is_valid_utf8(std::string_view s);

}  // namespace wellknown
