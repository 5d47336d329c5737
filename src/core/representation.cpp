#include "representation.hpp"

#include <zlib.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "encoding.hpp"
#include "error.hpp"

namespace wellknown {

namespace {

std::string strong_etag(std::string_view bytes) {
  return "\"" + base64url(sha256(bytes).substr(0, 16)) + "\"";
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
// Returns the value in thousandths, or -1 if malformed.
int parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int whole = v[0] - '0';
  int frac = 0;
  if (v.size() > 1) {
    if (v[1] != '.' || v.size() > 5) return -1;
    int scale = 100;
    for (size_t i = 2; i < v.size(); ++i, scale /= 10) {
      if (v[i] < '0' || v[i] > '9') return -1;
      frac += (v[i] - '0') * scale;
    }
  }
  if (whole == 1 && frac != 0) return -1;
  return whole * 1000 + frac;
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

Representation make_representation(std::string body) {
  Representation r;
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

bool accepts_gzip(std::string_view header) {
  // The common case first: "gzip" as the first coding, without parameters
  // (q=1), which no later element can lower (the highest q of a coding
  // listed twice counts).
  if (header.size() >= 4 && iequals(header.substr(0, 4), "gzip") &&
      (header.size() == 4 || header[4] == ',' || is_ows(header[4]))) {
    std::string_view after = trim(header.substr(4));
    if (after.empty() || after[0] == ',') return true;
  }
  int gzip_q = -1;  // not listed
  int star_q = -1;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);

    size_t semi = element.find(';');
    std::string_view coding = trim(element.substr(0, semi));
    if (coding.empty()) continue;
    int q = 1000;
    while (semi != std::string_view::npos) {
      std::string_view rest = element.substr(semi + 1);
      semi = rest.find(';');
      std::string_view param = trim(rest.substr(0, semi));
      size_t eq = param.find('=');
      if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "q")) {
        q = parse_qvalue(trim(param.substr(eq + 1)));
        if (q < 0) q = 0;  // malformed: not acceptable
      }
      element = rest;
    }
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_q = gzip_q < 0 ? q : std::max(gzip_q, q);
    } else if (coding == "*") {
      star_q = star_q < 0 ? q : std::max(star_q, q);
    }
  }
  return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

std::string json_error_body(const std::string& error, const std::string& description) {
  nlohmann::ordered_json j;
  j["error"] = error;
  j["error_description"] = description;
  return j.dump();
}

}  // namespace wellknown
