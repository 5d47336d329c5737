#include "key_file.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <ctime>

#include "file.hpp"

namespace wellknown {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// One PEM block as returned by PEM_read_bio_ex with PEM_FLAG_SECURE: every
// buffer OpenSSL uses for it, the base64 lines it reads included, comes
// from the secure allocator, which cleanses on free (without a secure heap,
// a cleanse and free). The decoded bytes may be a private key.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  PemBlock() = default;
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;
  ~PemBlock() {
    OPENSSL_secure_clear_free(name, name ? std::strlen(name) : 0);
    OPENSSL_secure_clear_free(header, header ? std::strlen(header) : 0);
    OPENSSL_secure_clear_free(data, static_cast<size_t>(len > 0 ? len : 0));
  }
};

// Wipes a buffer that may hold private key text when it goes out of scope.
struct Wipe {
  std::string& s;
  ~Wipe() { OPENSSL_cleanse(s.data(), s.size()); }
};

std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  std::string r = e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unknown" : "";
  ERR_clear_error();
  return r;
}

struct ParamsFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// Reduces any key to a key object that holds only the public half: the
// public key and its parameters (RSA-PSS restrictions, the EC group)
// exported and imported through the key's own provider. Falls back to a
// round trip through SubjectPublicKeyInfo DER, which costs an encoder and a
// decoder set-up per key.
PublicKeyPtr public_half(const EVP_PKEY* key) {
  {
    OSSL_PARAM* raw = nullptr;
    if (EVP_PKEY_todata(key, EVP_PKEY_PUBLIC_KEY, &raw) == 1) {
      std::unique_ptr<OSSL_PARAM, ParamsFree> params(raw);
      std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
          EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(key), nullptr));
      EVP_PKEY* pub = nullptr;
      if (ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
          EVP_PKEY_fromdata(ctx.get(), &pub, EVP_PKEY_PUBLIC_KEY, params.get()) == 1) {
        return PublicKeyPtr(pub);
      }
    }
    ERR_clear_error();
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) {
    ERR_clear_error();
    throw ConfigError("cannot extract the public key");
  }
  const unsigned char* p = der;
  PublicKeyPtr pub(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  if (!pub) {
    ERR_clear_error();
    throw ConfigError("cannot extract the public key");
  }
  return pub;
}

void free_decoded(EVP_PKEY* key) { EVP_PKEY_free(key); }
void free_decoded(X509* cert) { X509_free(cert); }

// An X.509 Time (UTCTime or GeneralizedTime) as POSIX seconds.
Seconds certificate_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    throw ConfigError("the certificate's validity time cannot be read");
  }
  return timegm(&tm);
}

// Decodes a DER structure with `decode` and checks it used every byte.
template <typename Decode>
auto decode_all(const PemBlock& block, const char* what, Decode decode) {
  const unsigned char* p = block.data;
  auto obj = decode(&p, block.len);
  if (!obj) {
    std::string reason = openssl_reason();
    throw ConfigError(std::string("malformed ") + what +
                      (reason.empty() ? "" : " (" + reason + ")"));
  }
  if (p != block.data + block.len) {
    ERR_clear_error();
    free_decoded(obj);  // a private key is freed (and cleared) here too
    throw ConfigError(std::string("trailing bytes after the ") + what);
  }
  return obj;
}

// A DER decoder for one input structure, set up once and reused: in
// OpenSSL 3.0 setting one up (what d2i_AutoPrivateKey and d2i_PUBKEY do per
// call) costs several times more than the decoding itself. Config loading
// is single-threaded; the contexts live as long as the process.
class CachedDecoder {
 public:
  CachedDecoder(const char* structure, int selection, const char* key_type = nullptr) {
    ctx_ = OSSL_DECODER_CTX_new_for_pkey(&out_, "DER", structure, key_type, selection, nullptr,
                                         nullptr);
  }
  ~CachedDecoder() { OSSL_DECODER_CTX_free(ctx_); }
  CachedDecoder(const CachedDecoder&) = delete;
  CachedDecoder& operator=(const CachedDecoder&) = delete;

  // The key, or null (no decoder for the structure, or the bytes are not
  // one); *p advances past what was read, as with d2i_*.
  EVP_PKEY* decode(const unsigned char** p, long len) {
    if (ctx_ == nullptr || len <= 0) return nullptr;
    out_ = nullptr;
    size_t left = static_cast<size_t>(len);
    if (OSSL_DECODER_from_data(ctx_, p, &left) != 1) {
      EVP_PKEY_free(out_);
      out_ = nullptr;
      return nullptr;
    }
    EVP_PKEY* key = out_;
    out_ = nullptr;
    return key;
  }

 private:
  EVP_PKEY* out_ = nullptr;  // where the context writes what it decodes
  OSSL_DECODER_CTX* ctx_ = nullptr;
};

// The key type a PKCS#8 PrivateKeyInfo names in its AlgorithmIdentifier
// (RFC 5958 §2), as an OpenSSL key type name, or null if unknown. A decoder
// told the type tries one key manager instead of all of them.
const char* pkcs8_key_type(const PemBlock& block) {
  const unsigned char* p = block.data;
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, block.len);
  if (info == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  const ASN1_OBJECT* algorithm = nullptr;
  PKCS8_pkey_get0(&algorithm, nullptr, nullptr, nullptr, info);
  int nid = algorithm ? OBJ_obj2nid(algorithm) : NID_undef;
  PKCS8_PRIV_KEY_INFO_free(info);  // cleanses the private key octets
  switch (nid) {
    case NID_rsaEncryption: return "RSA";
    case NID_rsassaPss: return "RSA-PSS";
    case NID_X9_62_id_ecPublicKey: return "EC";
    case NID_ED25519: return "ED25519";
    case NID_ED448: return "ED448";
    case NID_X25519: return "X25519";
    case NID_X448: return "X448";
    default: return nullptr;
  }
}

EVP_PKEY* decode_private(const PemBlock& block, int type, const char* what) {
  if (type != EVP_PKEY_NONE) {
    return decode_all(block, what, [type](const unsigned char** p, long len) {
      return d2i_PrivateKey(type, nullptr, p, len);
    });
  }
  static std::map<std::string, std::unique_ptr<CachedDecoder>> by_type;
  const char* key_type = pkcs8_key_type(block);
  std::unique_ptr<CachedDecoder>& decoder = by_type[key_type ? key_type : ""];
  if (!decoder) {
    decoder = std::make_unique<CachedDecoder>("PrivateKeyInfo", EVP_PKEY_KEYPAIR, key_type);
  }
  return decode_all(block, what, [&decoder](const unsigned char** p, long len) {
    return decoder->decode(p, len);
  });
}

}  // namespace

namespace {

// parse_key_pem, and with `keep_private` also the private key itself (left
// null when the input holds none) for the one caller that signs with it.
PublicKeyMaterial parse_pem(std::string_view pem, PrivateKeyPtr* keep_private) {
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    throw ConfigError("out of memory");
  }

  std::vector<PublicKeyPtr> keys;
  std::vector<X509Ptr> certs;
  int blocks = 0;
  bool had_private_key = false;

  for (;;) {
    PemBlock block;
    if (PEM_read_bio_ex(bio.get(), &block.name, &block.header, &block.data, &block.len,
                        PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1) {
      unsigned long e = ERR_peek_last_error();
      bool clean_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
      ERR_clear_error();
      if (clean_end) {
        break;
      }
      throw ConfigError("malformed or truncated PEM block after " + std::to_string(blocks) +
                        " good block(s)");
    }
    ++blocks;
    std::string name = block.name;

    // RFC 1421 encryption headers on a traditional PEM key.
    if (block.header && std::strstr(block.header, "ENCRYPTED")) {
      throw ConfigError("\"" + name +
                        "\" is encrypted; give the public key, a certificate, or an unencrypted "
                        "private key");
    }

    if (name == "PUBLIC KEY") {
      keys.emplace_back(decode_all(block, "SubjectPublicKeyInfo public key",
                                   [](const unsigned char** p, long len) {
                                     static CachedDecoder spki("SubjectPublicKeyInfo",
                                                               EVP_PKEY_PUBLIC_KEY);
                                     return spki.decode(p, len);
                                   }));
    } else if (name == "RSA PUBLIC KEY") {
      keys.emplace_back(decode_all(block, "PKCS#1 RSA public key",
                                   [](const unsigned char** p, long len) {
                                     return d2i_PublicKey(EVP_PKEY_RSA, nullptr, p, len);
                                   }));
    } else if (name == "PRIVATE KEY" || name == "RSA PRIVATE KEY" || name == "EC PRIVATE KEY") {
      int type = name == "RSA PRIVATE KEY"  ? EVP_PKEY_RSA
                 : name == "EC PRIVATE KEY" ? EVP_PKEY_EC
                                            : EVP_PKEY_NONE;
      const char* what = type == EVP_PKEY_RSA  ? "PKCS#1 RSA private key"
                         : type == EVP_PKEY_EC ? "SEC1 EC private key"
                                               : "PKCS#8 private key";
      had_private_key = true;
      PrivateKeyPtr priv(decode_private(block, type, what));
      // Take the public half and free the private key at once, unless the
      // caller signs with it.
      keys.push_back(public_half(priv.get()));
      if (keep_private && !*keep_private) *keep_private = std::move(priv);
    } else if (name == "CERTIFICATE" || name == "X509 CERTIFICATE") {
      certs.emplace_back(decode_all(block, "X.509 certificate", [](const unsigned char** p,
                                                                   long len) {
        return d2i_X509(nullptr, p, len);
      }));
    } else if (name == "EC PARAMETERS") {
      // `openssl ecparam -genkey` writes the curve before the key; the key
      // itself names its curve, so the parameters block adds nothing.
      continue;
    } else if (name == "ENCRYPTED PRIVATE KEY") {
      throw ConfigError(
          "the private key is encrypted (ENCRYPTED PRIVATE KEY); give the public key, a "
          "certificate, or an unencrypted private key");
    } else if (name == "DSA PRIVATE KEY" || name == "DSA PARAMETERS") {
      throw ConfigError("unsupported key type DSA: JOSE has no DSA algorithm (RFC 7518 §3.1)");
    } else if (name == "DH PARAMETERS" || name == "X9.42 DH PARAMETERS") {
      throw ConfigError("unsupported key type DH: JOSE has no finite-field DH (RFC 7518 §4.1)");
    } else if (name == "OPENSSH PRIVATE KEY") {
      throw ConfigError(
          "OpenSSH key format is not supported; convert it with `ssh-keygen -e -m PKCS8 -f FILE`");
    } else if (name == "CERTIFICATE REQUEST" || name == "NEW CERTIFICATE REQUEST") {
      throw ConfigError("a certificate signing request is not a key; give the key or certificate");
    } else {
      throw ConfigError("unsupported PEM block \"" + name +
                        "\"; expected PUBLIC KEY, RSA PUBLIC KEY, PRIVATE KEY, RSA PRIVATE KEY, "
                        "EC PRIVATE KEY or CERTIFICATE");
    }
  }

  if (blocks == 0) {
    throw ConfigError("no PEM data found (expected a \"-----BEGIN ...-----\" block)");
  }
  if (keys.size() > 1) {
    throw ConfigError("the file holds " + std::to_string(keys.size()) +
                      " keys; give one key per file");
  }
  if (keys.empty() && certs.empty()) {
    throw ConfigError("the file holds no key or certificate");
  }

  PublicKeyMaterial out;
  out.had_private_key = had_private_key;
  if (!certs.empty()) {
    // The leaf certificate's key is the key; a private key in the same file
    // must be its partner.
    PublicKeyPtr leaf_key = public_half(X509_get0_pubkey(certs[0].get()));
    if (!keys.empty() && EVP_PKEY_eq(keys[0].get(), leaf_key.get()) != 1) {
      ERR_clear_error();
      throw ConfigError("the key in the file does not match the first (leaf) certificate");
    }
    // RFC 7517 §4.7: each certificate in x5c is certified by the next one.
    for (size_t i = 1; i < certs.size(); ++i) {
      if (X509_check_issued(certs[i].get(), certs[i - 1].get()) != X509_V_OK) {
        ERR_clear_error();
        throw ConfigError("certificate #" + std::to_string(i + 1) + " did not issue certificate #" +
                          std::to_string(i) +
                          "; the chain must be in order, leaf first (RFC 7517 §4.7)");
      }
    }
    for (const auto& c : certs) {
      unsigned char* der = nullptr;
      int len = i2d_X509(c.get(), &der);
      if (len <= 0) {
        ERR_clear_error();
        throw ConfigError("cannot encode certificate");
      }
      out.certificate_chain_der.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
      OPENSSL_free(der);
    }
    out.not_before = certificate_time(X509_get0_notBefore(certs[0].get()));
    out.not_after = certificate_time(X509_get0_notAfter(certs[0].get()));
    if (X509_cmp_current_time(X509_get0_notAfter(certs[0].get())) < 0) {
      out.warnings.push_back("the leaf certificate has expired; clients that check x5c will refuse it");
    }
    out.key = std::move(leaf_key);
  } else {
    out.key = std::move(keys[0]);
  }
  ERR_clear_error();
  return out;
}

PublicKeyMaterial load(const std::string& path, PrivateKeyPtr* keep_private) {
  std::string text;
  Wipe wipe{text};
  unsigned mode = 0;
  size_t n = read_file_capped(path, "key file", kMaxKeyFileSize, text, &mode);
  PublicKeyMaterial material;
  try {
    material = parse_pem(std::string_view(text.data(), n), keep_private);
  } catch (const ConfigError& e) {
    throw ConfigError("key file \"" + path + "\": " + e.what());
  }
  if (material.had_private_key && (mode & 077) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode & 07777);
    material.warnings.push_back(
        std::string("the file holds a private key and is readable by group or others (mode ") +
        octal + "): chmod 600 it, or publish from the public key instead (openssl pkey -pubout)");
  }
  return material;
}

}  // namespace

PublicKeyMaterial parse_key_pem(std::string_view pem) { return parse_pem(pem, nullptr); }

PublicKeyMaterial load_key_file(const std::string& path) { return load(path, nullptr); }

SigningKeyMaterial load_signing_key_file(const std::string& path) {
  SigningKeyMaterial out;
  out.material = load(path, &out.private_key);
  if (!out.private_key) {
    throw ConfigError("key file \"" + path +
                      "\" holds no private key, so nothing can be signed with it; give the PEM "
                      "private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY, optionally "
                      "with its certificate); the key set may keep publishing from the public "
                      "key or the certificate");
  }
  return out;
}

PublicKeyPtr public_key_from_raw(const char* type_name, std::string_view raw) {
  PublicKeyPtr key(EVP_PKEY_new_raw_public_key_ex(
      nullptr, type_name, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  if (!key) {
    ERR_clear_error();
    throw ConfigError(std::string("invalid raw ") + type_name + " public key");
  }
  return key;
}

}  // namespace wellknown
