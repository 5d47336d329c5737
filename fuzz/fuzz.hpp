// Shared by the libFuzzer targets in fuzz/ (make fuzz; README "Tests").
//
// The core's contract for operator input is: a result, or a ConfigError
// naming the problem. Every target therefore runs the code under test in
// expect_config_error(): a ConfigError is an expected outcome; any other
// exception escaping the core is a finding (the adapter would still catch
// it as std::exception, but nginx -t would print a library's message, e.g.
// "[json.exception.type_error.316] ...", instead of naming the problem), and
// so is every sanitizer report, crash, hang or leak.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/error.hpp"

namespace fuzz {

template <typename F>
bool expect_config_error(F&& f) {
  try {
    f();
    if (std::getenv("FUZZ_VERBOSE")) std::fprintf(stderr, "ok\n");
    return true;
  } catch (const wellknown::ConfigError& e) {
    // FUZZ_VERBOSE=1 TARGET INPUT...: see what each seed reaches.
    if (std::getenv("FUZZ_VERBOSE")) std::fprintf(stderr, "ConfigError: %s\n", e.what());
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: %s escaped the core (not a ConfigError): %s\n",
                 typeid(e).name(), e.what());
    std::abort();
  }
}

// Up to `max` strings, each of up to `max_len` bytes, split from the input.
inline std::vector<std::string> strings(FuzzedDataProvider& in, size_t max, size_t max_len = 64) {
  std::vector<std::string> out;
  size_t n = in.ConsumeIntegralInRange<size_t>(0, max);
  for (size_t i = 0; i < n && in.remaining_bytes() > 0; ++i) {
    out.push_back(in.ConsumeRandomLengthString(max_len));
  }
  return out;
}

// Known findings that are not fixed yet are kept out of the runs, so that a
// run goes on looking for new ones; each has a DISABLED_ regression test in
// test/unit/fuzz_regression_test.cpp. Remove the filter with the fix.
//
// F1: parse_key_pem leaks the object it decoded when a PEM block's DER has
// bytes after its outer structure ("trailing bytes after the ..."). True if
// some block of `pem` has a DER outer TLV that ends before the block, or
// one of indefinite length.
inline bool known_f1_trailing_der(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  bool found = false;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) break;
    const unsigned char* p = data;
    long body = 0;
    int tag = 0, cls = 0;
    int r = ASN1_get_object(&p, &body, &tag, &cls, len);
    if (!(r & 0x80) && ((r & 0x01) || (p - data) + body < len)) found = true;
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (found) break;
  }
  BIO_free(bio);
  ERR_clear_error();
  return found;
}

// F2: bytes that are not UTF-8 in an `extra` member name, a jwks_path or an
// issuer/resource identifier escape build_entity as nlohmann's type_error
// 316 from doc.dump(), not as a ConfigError. The targets skip such input.

}  // namespace fuzz
