#include "accept_encoding.hpp"

#include <algorithm>

namespace wellknown {

namespace {

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

bool accepts_gzip(std::string_view header) noexcept {
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

}  // namespace wellknown
