#include "representation.hpp"

#include <nlohmann/json.hpp>

#include "encoding.hpp"

namespace wellknown {

Representation make_representation(std::string body) {
  Representation r;
  r.etag = "\"" + base64url(sha256(body).substr(0, 16)) + "\"";
  r.body = std::move(body);
  return r;
}

std::string json_error_body(const std::string& error, const std::string& description) {
  nlohmann::ordered_json j;
  j["error"] = error;
  j["error_description"] = description;
  return j.dump();
}

}  // namespace wellknown
