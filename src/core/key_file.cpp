#include "key_file.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <ctime>

#include <nlohmann/json.hpp>

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

PublicKeyPtr decode_spki(const unsigned char** p, long len) {
  static CachedDecoder spki("SubjectPublicKeyInfo", EVP_PKEY_PUBLIC_KEY);
  return PublicKeyPtr(spki.decode(p, len));
}

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

// ------------------------------------------------------------ EC private keys, public half only

struct AsnSequenceFree {
  void operator()(ASN1_SEQUENCE_ANY* s) const {
    // The privateKey OCTET STRING is wiped before it is freed.
    for (int i = 0; i < sk_ASN1_TYPE_num(s); ++i) {
      ASN1_TYPE* t = sk_ASN1_TYPE_value(s, i);
      if (t->type == V_ASN1_OCTET_STRING && t->value.octet_string != nullptr) {
        OPENSSL_cleanse(t->value.octet_string->data,
                        static_cast<size_t>(t->value.octet_string->length));
      }
    }
    sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
  }
};

const char* ec_group_name(int nid) {
  switch (nid) {
    case NID_X9_62_prime256v1: return "P-256";
    case NID_secp384r1: return "P-384";
    case NID_secp521r1: return "P-521";
    default: return nullptr;
  }
}

// The contents of an explicitly tagged element [tag] (DER), or null.
const unsigned char* explicit_contents(const ASN1_TYPE* t, int tag, long* len) {
  if (t->type != V_ASN1_OTHER || t->value.asn1_string == nullptr) return nullptr;
  const unsigned char* p = t->value.asn1_string->data;
  int got_tag = 0, got_class = 0;
  int r = ASN1_get_object(&p, len, &got_tag, &got_class, t->value.asn1_string->length);
  if ((r & 0x80) || r != V_ASN1_CONSTRUCTED || got_class != V_ASN1_CONTEXT_SPECIFIC ||
      got_tag != tag) {
    return nullptr;
  }
  return p;
}

// The public key of an EC private key in its SEC 1 form (RFC 5915 §3,
// ECPrivateKey: version, privateKey, [0] parameters, [1] publicKey), read
// with OpenSSL's generic ASN.1 parser: the curve (from [0], or `curve_nid`
// from PKCS#8's AlgorithmIdentifier, RFC 5915 §2) and the public point as
// written. The private octets are copied once by the parser and wiped.
// False when the structure is anything else (explicit curve parameters, no
// publicKey, trailing bytes): the full decoder then decides.
bool ec_public_from_sec1(const unsigned char* der, long len, int curve_nid, int* nid,
                         std::string* point) {
  const unsigned char* p = der;
  std::unique_ptr<ASN1_SEQUENCE_ANY, AsnSequenceFree> seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
  if (!seq || p != der + len || sk_ASN1_TYPE_num(seq.get()) < 3) {
    ERR_clear_error();
    return false;
  }
  const ASN1_TYPE* version = sk_ASN1_TYPE_value(seq.get(), 0);
  if (version->type != V_ASN1_INTEGER || ASN1_INTEGER_get(version->value.integer) != 1 ||
      sk_ASN1_TYPE_value(seq.get(), 1)->type != V_ASN1_OCTET_STRING) {
    return false;
  }
  *nid = curve_nid;
  bool have_point = false;
  for (int i = 2; i < sk_ASN1_TYPE_num(seq.get()); ++i) {
    const ASN1_TYPE* t = sk_ASN1_TYPE_value(seq.get(), i);
    long n = 0;
    if (const unsigned char* c = explicit_contents(t, 0, &n)) {
      const unsigned char* q = c;
      ASN1_OBJECT* oid = d2i_ASN1_OBJECT(nullptr, &q, n);
      int named = oid && q == c + n ? OBJ_obj2nid(oid) : NID_undef;
      ASN1_OBJECT_free(oid);
      if (named == NID_undef || (curve_nid != NID_undef && named != curve_nid)) {
        ERR_clear_error();
        return false;
      }
      *nid = named;
    } else if (const unsigned char* c = explicit_contents(t, 1, &n)) {
      const unsigned char* q = c;
      ASN1_BIT_STRING* bits = d2i_ASN1_BIT_STRING(nullptr, &q, n);
      if (bits == nullptr || q != c + n || (bits->flags & 0x07) != 0 || bits->length <= 0) {
        ASN1_BIT_STRING_free(bits);
        ERR_clear_error();
        return false;
      }
      point->assign(reinterpret_cast<const char*>(bits->data), static_cast<size_t>(bits->length));
      ASN1_BIT_STRING_free(bits);
      have_point = true;
    } else {
      return false;
    }
  }
  return have_point && ec_group_name(*nid) != nullptr;
}

struct EcGroupFree {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
struct EcPointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};

// The group of a JOSE curve, set up once per process: in OpenSSL 3.0
// setting one up costs more than everything else about a key (Montgomery
// contexts, the generator's inverse). Config loading is single-threaded.
const EC_GROUP* ec_group(int nid) {
  static std::map<int, std::unique_ptr<EC_GROUP, EcGroupFree>> groups;
  auto& g = groups[nid];
  if (!g) g.reset(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, nid));
  return g.get();
}

// `point` as an uncompressed point (SEC 1 §2.3.3: 0x04 || X || Y) on the
// curve, or false if it is not a point on the curve (EC_POINT_oct2point
// checks that) or is the point at infinity.
bool ec_checked_point(int nid, std::string* point) {
  const EC_GROUP* group = ec_group(nid);
  if (group == nullptr) return false;
  std::unique_ptr<EC_POINT, EcPointFree> p(EC_POINT_new(group));
  if (!p ||
      EC_POINT_oct2point(group, p.get(), reinterpret_cast<const unsigned char*>(point->data()),
                         point->size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(group, p.get())) {
    ERR_clear_error();
    return false;
  }
  size_t width = static_cast<size_t>(EC_GROUP_get_degree(group) + 7) / 8;
  if (point->size() == 1 + 2 * width && (*point)[0] == 0x04) return true;  // as written
  unsigned char out[1 + 2 * 66];
  size_t n = EC_POINT_point2oct(group, p.get(), POINT_CONVERSION_UNCOMPRESSED, out, sizeof out,
                                nullptr);
  if (n != 1 + 2 * width) {
    ERR_clear_error();
    return false;
  }
  point->assign(reinterpret_cast<char*>(out), n);
  return true;
}

// The public half of an EC private key block (PKCS#8 with id-ecPublicKey,
// or SEC 1) as its curve and uncompressed point, read without decoding the
// private key into a key object; false when this does not apply (or the
// point is not on the curve) and the full decoder must decide.
bool ec_public_half(const PemBlock& block, int type, int* nid, std::string* point) {
  int curve_nid = NID_undef;
  const unsigned char* sec1 = block.data;
  long sec1_len = block.len;
  struct InfoFree {
    void operator()(PKCS8_PRIV_KEY_INFO* i) const { PKCS8_PRIV_KEY_INFO_free(i); }
  };
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, InfoFree> info;
  if (type == EVP_PKEY_NONE) {
    const unsigned char* p = block.data;
    info.reset(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, block.len));
    if (!info || p != block.data + block.len) {
      ERR_clear_error();
      return false;
    }
    const ASN1_OBJECT* algorithm = nullptr;
    const X509_ALGOR* alg = nullptr;
    int pklen = 0;
    PKCS8_pkey_get0(&algorithm, &sec1, &pklen, &alg, info.get());
    if (OBJ_obj2nid(algorithm) != NID_X9_62_id_ecPublicKey) return false;
    int ptype = 0;
    const void* pval = nullptr;
    X509_ALGOR_get0(nullptr, &ptype, &pval, alg);
    if (ptype != V_ASN1_OBJECT) return false;  // explicit parameters
    curve_nid = OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(pval));
    if (ec_group_name(curve_nid) == nullptr) return false;
    sec1_len = pklen;
  } else if (type != EVP_PKEY_EC) {
    return false;
  }
  return ec_public_from_sec1(sec1, sec1_len, curve_nid, nid, point) &&
         ec_checked_point(*nid, point);
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

const char* const kExpiredLeafWarning =
    "the leaf certificate has expired; clients that check x5c will refuse it";

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
  const char* ec_curve = nullptr;  // an EC private key's public half, read from its encoding
  std::string ec_point;

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
                                     return decode_spki(p, len).release();
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
      std::string point;
      int nid = NID_undef;
      // The fast path reads only the public half; a key to sign with needs
      // the full decoder.
      if (!keep_private && ec_public_half(block, type, &nid, &point)) {
        keys.emplace_back();  // the key is the curve and point; an object only if needed
        ec_curve = ec_group_name(nid);
        ec_point = std::move(point);
        continue;
      }
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
    if (!keys.empty() && !keys[0]) keys[0] = ec_key_object(ec_curve, ec_point);
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
      out.warnings.push_back(kExpiredLeafWarning);
    }
    out.key = std::move(leaf_key);
  } else {
    out.key = std::move(keys[0]);
    if (!out.key) {
      out.ec_curve = ec_curve;
      out.ec_point = std::move(ec_point);
    }
  }
  ERR_clear_error();
  return out;
}

}  // namespace

PublicKeyMaterial parse_key_pem(std::string_view pem) { return parse_pem(pem, nullptr); }

namespace {

// The record's fields, in order, each a fixed-size integer in host order
// (both ends are the same program on the same machine) or a length-prefixed
// byte string.
class RecordWriter {
 public:
  void integer(long long v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void bytes(const std::string& v) {
    integer(static_cast<long long>(v.size()));
    out_.append(v);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}
  long long integer() {
    long long v = 0;
    if (in_.size() < sizeof v) throw ConfigError("the key file reader's answer is truncated");
    std::memcpy(&v, in_.data(), sizeof v);
    in_.remove_prefix(sizeof v);
    return v;
  }
  std::string bytes() {
    const long long n = integer();
    if (n < 0 || static_cast<unsigned long long>(n) > in_.size()) {
      throw ConfigError("the key file reader's answer is truncated");
    }
    std::string v(in_.substr(0, static_cast<size_t>(n)));
    in_.remove_prefix(static_cast<size_t>(n));
    return v;
  }
  // A count of items that each take at least `min_size` bytes.
  size_t count(size_t min_size) {
    const long long n = integer();
    if (n < 0 || static_cast<unsigned long long>(n) > in_.size() / min_size) {
      throw ConfigError("the key file reader's answer is malformed");
    }
    return static_cast<size_t>(n);
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_public_material(const PublicKeyMaterial& m, const FileIdentity& id) {
  std::string curve = m.ec_curve, point = m.ec_point, spki;
  if (m.key && m.certificate_chain_der.empty() && EVP_PKEY_is_a(m.key.get(), "EC")) {
    // An EC public key of a JOSE curve crosses as its curve and point.
    char group[64] = {0};
    unsigned char octets[1 + 2 * 66];
    size_t len = 0;
    int nid = EVP_PKEY_get_utf8_string_param(m.key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                             sizeof group, nullptr) == 1
                  ? OBJ_sn2nid(group)
                  : NID_undef;
    if (ec_group_name(nid) &&
        EVP_PKEY_get_octet_string_param(m.key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, octets,
                                        sizeof octets, &len) == 1) {
      // Uncompressed, whatever form the file had (ec_checked_point).
      std::string uncompressed(reinterpret_cast<char*>(octets), len);
      if (ec_checked_point(nid, &uncompressed)) {
        curve = ec_group_name(nid);
        point = std::move(uncompressed);
      }
    }
    ERR_clear_error();
  }
  if (curve.empty() && m.key) {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(m.key.get(), &der);
    if (len <= 0) {
      ERR_clear_error();
      throw ConfigError("cannot encode the public key");
    }
    spki.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  RecordWriter w;
  for (long long v : {static_cast<long long>(id.device), static_cast<long long>(id.inode), id.size,
                      id.mtime_sec, id.mtime_nsec, id.ctime_sec, id.ctime_nsec,
                      static_cast<long long>(id.mode)}) {
    w.integer(v);
  }
  w.integer(m.had_private_key ? 1 : 0);
  w.integer(m.not_before);
  w.integer(m.not_after);
  w.bytes(curve);
  w.bytes(point);
  w.bytes(spki);
  w.integer(static_cast<long long>(m.certificate_chain_der.size()));
  for (const auto& der : m.certificate_chain_der) w.bytes(der);
  w.integer(static_cast<long long>(m.warnings.size()));
  for (const auto& warning : m.warnings) w.bytes(warning);
  return w.take();
}

PublicKeyMaterial decode_public_material(std::string_view encoded, FileIdentity* identity) {
  RecordReader r(encoded);
  FileIdentity id;
  id.device = static_cast<unsigned long long>(r.integer());
  id.inode = static_cast<unsigned long long>(r.integer());
  id.size = r.integer();
  id.mtime_sec = r.integer();
  id.mtime_nsec = r.integer();
  id.ctime_sec = r.integer();
  id.ctime_nsec = r.integer();
  id.mode = static_cast<unsigned>(r.integer());
  if (identity) *identity = id;
  PublicKeyMaterial m;
  m.had_private_key = r.integer() != 0;
  m.not_before = r.integer();
  m.not_after = r.integer();
  m.ec_curve = r.bytes();
  m.ec_point = r.bytes();
  const std::string spki = r.bytes();
  for (size_t n = r.count(sizeof(long long)); n > 0; --n) m.certificate_chain_der.push_back(r.bytes());
  for (size_t n = r.count(sizeof(long long)); n > 0; --n) m.warnings.push_back(r.bytes());
  if (!r.done()) throw ConfigError("the key file reader's answer is malformed");
  if (!m.ec_curve.empty()) {
    // The reader checked the point is on the curve (ec_checked_point);
    // make_jwk refuses a curve or point of another form or width.
    if (m.ec_point.empty() || !spki.empty() || !m.certificate_chain_der.empty()) {
      throw ConfigError("the key file reader's EC public key is malformed");
    }
  } else if (!spki.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
    m.key = decode_spki(&p, static_cast<long>(spki.size()));
    if (!m.key || p != reinterpret_cast<const unsigned char*>(spki.data()) + spki.size()) {
      ERR_clear_error();
      throw ConfigError("the reader's public key does not decode");
    }
  } else {
    throw ConfigError("the key file reader sent no key");
  }
  return m;
}

PublicKeyMaterial copy_of(const PublicKeyMaterial& m) {
  PublicKeyMaterial out;
  if (m.key) {
    if (EVP_PKEY_up_ref(m.key.get()) != 1) throw ConfigError("out of memory");
    out.key.reset(m.key.get());
  }
  out.ec_curve = m.ec_curve;
  out.ec_point = m.ec_point;
  out.certificate_chain_der = m.certificate_chain_der;
  out.had_private_key = m.had_private_key;
  out.not_before = m.not_before;
  out.not_after = m.not_after;
  out.warnings = m.warnings;
  return out;
}

namespace {

PublicKeyMaterial load(const std::string& path, PrivateKeyPtr* keep_private,
                       FileIdentity* identity) {
  std::string text;
  Wipe wipe{text};
  unsigned mode = 0;
  size_t n = read_file_capped(path, "key file", kMaxKeyFileSize, text, &mode, identity);
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

PublicKeyMaterial load_key_file(const std::string& path, FileIdentity* identity) {
  return load(path, nullptr, identity);
}

SigningKeyMaterial load_signing_key_file(const std::string& path) {
  SigningKeyMaterial out;
  out.material = load(path, &out.private_key, nullptr);
  if (!out.private_key) {
    throw ConfigError("key file \"" + path +
                      "\" holds no private key, so nothing can be signed with it; give the PEM "
                      "private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY, optionally "
                      "with its certificate); the key set may keep publishing from the public "
                      "key or the certificate");
  }
  return out;
}

PublicKeyPtr ec_key_object(const std::string& curve, const std::string& point) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       const_cast<char*>(curve.c_str()), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<char*>(point.data()), point.size()),
      OSSL_PARAM_construct_end()};
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pub = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pub, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    throw ConfigError("invalid " + curve + " public key");
  }
  return PublicKeyPtr(pub);
}

PublicKeyPtr key_object(const PublicKeyMaterial& material) {
  if (material.key) {
    if (EVP_PKEY_up_ref(material.key.get()) != 1) throw ConfigError("out of memory");
    return PublicKeyPtr(material.key.get());
  }
  return ec_key_object(material.ec_curve, material.ec_point);
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
