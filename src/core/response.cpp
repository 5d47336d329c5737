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

namespace {

// One deflate stream per memLevel, set up once and reset for each body:
// deflateReset gives the same output as a fresh stream, without
// deflateInit2's allocation of ~100-270 KiB of window and hash tables per
// body (with glibc, mapped and unmapped each time). Config loading is
// single-threaded; the streams live as long as the process, like
// key_file.cpp's decoders.
class DeflateStream {
 public:
  explicit DeflateStream(int mem_level) {
    // windowBits 15 + 16: gzip framing; zlib writes MTIME 0 and no file name.
    ok_ = deflateInit2(&z_, 9, Z_DEFLATED, 15 + 16, mem_level, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~DeflateStream() {
    if (ok_) deflateEnd(&z_);
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  std::string compress(std::string_view data) {
    if (!ok_ || deflateReset(&z_) != Z_OK) {
      throw ConfigError("zlib: deflateInit2 failed");
    }
    std::string out(deflateBound(&z_, data.size()), '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&z_, Z_FINISH);
    size_t n = z_.total_out;
    z_.next_in = nullptr;
    z_.next_out = nullptr;
    if (rc != Z_STREAM_END) {
      throw ConfigError("zlib: deflate did not finish");
    }
    // deflateBound over-reserves: keep exactly the compressed bytes.
    out.resize(n);
    out.shrink_to_fit();
    return out;
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

std::string gzip_compress(std::string_view data) {
  // memLevel sizes the match hash, which deflate clears per stream: for the
  // small bodies served here 6 compresses to the same bytes as 9 (measured
  // on a 5-key JWKS and a discovery document) at a fraction of the set-up
  // cost, which dominated config load with thousands of issuers.
  static DeflateStream small(6);
  static DeflateStream large(8);
  return (data.size() > 16384 ? large : small).compress(data);
}

std::string entity_tag(std::string_view bytes) { return strong_etag(bytes); }

Response make_response(std::string body) {
  std::string etag = strong_etag(body);
  return make_response(std::move(body), std::move(etag));
}

Response make_response(std::string body, std::string etag) {
  Response r;
  r.etag = std::move(etag);
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
