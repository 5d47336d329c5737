#include "response.hpp"

#include <zlib.h>


#include <nlohmann/json.hpp>

#include "encoding.hpp"
#include "error.hpp"

namespace wellknown {

namespace {

std::string strong_etag(std::string_view bytes) {
  return "\"" + base64url(sha256(bytes).substr(0, 16)) + "\"";
}

}  // namespace

std::string gzip_compress(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: gzip framing; zlib writes MTIME 0 and no file name.
  // memLevel sizes the match hash, which deflate clears per stream: for the
  // small bodies served here 6 compresses to the same bytes as 9 (measured
  // on a 5-key JWKS and a discovery document) at a fraction of the set-up
  // cost, which dominated config load with thousands of issuers.
  int mem_level = data.size() > 16384 ? 8 : 6;
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw ConfigError("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    throw ConfigError("zlib: deflate did not finish");
  }
  // deflateBound over-reserves: keep exactly the compressed bytes.
  return std::string(out.data(), n);
}

Response make_response(std::string body) {
  Response r;
  r.etag = strong_etag(body);
  std::string gz = gzip_compress(body);
  if (gz.size() < body.size()) {
    r.gzip_etag = strong_etag(gz);
    r.gzip_body = std::move(gz);
  }
  r.body = std::move(body);
  r.body.shrink_to_fit();  // a serialiser's growth slack would live as long as the config
  return r;
}

Response make_error_response(const std::string& error, const std::string& description) {
  nlohmann::ordered_json j;
  j["error"] = error;
  j["error_description"] = description;
  return make_response(j.dump());
}

}  // namespace wellknown
