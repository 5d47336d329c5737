// Test helpers: keys generated in memory and written out in each PEM format.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/key_file.hpp"

namespace testkeys {

// A file in the test's temporary directory, removed at the end of the test;
// mode 0600 (as mkstemp makes it) unless told.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text, mode_t mode = 0600) {
    char name[] = "/tmp/wellknown-unit-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) throw std::runtime_error("mkstemp");
    close(fd);
    path = name;
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
  }
  ~TempFile() { std::remove(path.c_str()); }
};

// The ConfigError message `f` throws, or "" if it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const wellknown::ConfigError& e) {
    return e.what();
  }
  return "";
}

inline wellknown::PublicKeyPtr generate(const char* type, const char* param = nullptr) {
  EVP_PKEY* k = nullptr;
  if (std::string(type) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoi(param)));
  } else if (std::string(type) == "EC") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param);
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  if (!k) throw std::runtime_error(std::string("keygen failed: ") + type);
  return wellknown::PublicKeyPtr(k);
}

template <typename Write>
std::string to_pem(Write write) {
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (write(bio.get()) != 1) throw std::runtime_error("PEM write failed");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// PKCS#8 "PRIVATE KEY"
inline std::string pkcs8(EVP_PKEY* k) {
  return to_pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr); });
}
// Traditional: "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1)
inline std::string traditional(EVP_PKEY* k) {
  return to_pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey_traditional(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  });
}
// "PUBLIC KEY" (SubjectPublicKeyInfo)
inline std::string spki(EVP_PKEY* k) {
  return to_pem([&](BIO* b) { return PEM_write_bio_PUBKEY(b, k); });
}
// "ENCRYPTED PRIVATE KEY"
inline std::string encrypted_pkcs8(EVP_PKEY* k) {
  return to_pem([&](BIO* b) {
    return PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                         const_cast<char*>("secret"));
  });
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// A certificate for `subject_key`, issued by `issuer` (signed with
// `issuer_key`), or self-signed when issuer is null.
inline X509Ptr certificate(EVP_PKEY* subject_key, const char* cn, X509* issuer,
                           EVP_PKEY* issuer_key, long days = 30) {
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), days * 86400);
  X509_set_pubkey(x.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  if (X509_sign(x.get(), issuer_key ? issuer_key : subject_key, EVP_sha256()) <= 0) {
    throw std::runtime_error("X509_sign failed");
  }
  return x;
}

inline std::string cert_pem(X509* x) {
  return to_pem([&](BIO* b) { return PEM_write_bio_X509(b, x); });
}

inline std::string cert_der(X509* x) {
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

inline std::string base64url_decode(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4) s += '=';
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) throw std::runtime_error("bad base64url");
  size_t pad = 0;
  for (size_t i = s.size(); i > 0 && s[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace testkeys
