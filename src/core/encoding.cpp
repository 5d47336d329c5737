#include "encoding.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

namespace wellknown {

std::string base64(std::string_view bytes) {
  // EVP_EncodeBlock writes 4 output bytes per 3 input bytes plus a NUL.
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  if (n < 0) {
    throw std::runtime_error("base64 encoding failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

std::string base64url(std::string_view bytes) {
  std::string s = base64(bytes);
  while (!s.empty() && s.back() == '=') {
    s.pop_back();
  }
  for (char& c : s) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return s;
}

static std::string digest(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out, &len, md, nullptr) != 1) {
    throw std::runtime_error("digest computation failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

// Fetched once: EVP_sha256() is looked up in the provider store on every
// use in OpenSSL 3, which costs more than hashing a small document.
std::string sha256(std::string_view bytes) {
  static const std::unique_ptr<EVP_MD, void (*)(EVP_MD*)> md(
      EVP_MD_fetch(nullptr, "SHA2-256", nullptr), EVP_MD_free);
  return digest(md ? md.get() : EVP_sha256(), bytes);
}

std::string sha1(std::string_view bytes) { return digest(EVP_sha1(), bytes); }

void append_field(std::string& input, std::string_view value) {
  input += std::to_string(value.size());
  input += ':';
  input += value;
}

bool is_valid_utf8(std::string_view s) {
  // ASCII is UTF-8 (RFC 3629 §3): most values are, and need no serialiser.
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return true;
  }
  // nlohmann::json's serialiser validates UTF-8 strictly (overlong forms,
  // surrogates, truncated sequences) and throws type_error 316 otherwise.
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace wellknown
