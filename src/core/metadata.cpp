#include "metadata.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "encoding.hpp"
#include "file.hpp"
#include "url.hpp"

namespace wellknown {

namespace {

// Which registry a member is in: the authorization server's (RFC 8414 §2,
// OIDC Discovery §3, served in openid-configuration and
// oauth-authorization-server), the protected resource's (RFC 9728 §2), or
// both.
enum Registry : unsigned { kServer = 1, kResource = 2, kBoth = 3 };

struct Registered {
  const char* name;
  MemberType type;
  unsigned registry;
};

// OIDC Discovery 1.0 §3, RFC 8414 §2, RFC 9728 §2, and members registered
// since (RFC 7009, 7662, 8628, 8705, 9101, 9126, 9207, 9449, OIDC Session
// Management and Logout). Plain data: no C++ object is constructed at load.
constexpr Registered kRegistered[] = {
    {"issuer", MemberType::Url, kServer},
    {"authorization_endpoint", MemberType::Url, kServer},
    {"token_endpoint", MemberType::Url, kServer},
    {"userinfo_endpoint", MemberType::Url, kServer},
    {"jwks_uri", MemberType::Url, kBoth},
    {"registration_endpoint", MemberType::Url, kServer},
    {"scopes_supported", MemberType::StringArray, kBoth},
    {"response_types_supported", MemberType::StringArray, kServer},
    {"response_modes_supported", MemberType::StringArray, kServer},
    {"grant_types_supported", MemberType::StringArray, kServer},
    {"acr_values_supported", MemberType::StringArray, kServer},
    {"subject_types_supported", MemberType::StringArray, kServer},
    {"id_token_signing_alg_values_supported", MemberType::StringArray, kServer},
    {"id_token_encryption_alg_values_supported", MemberType::StringArray, kServer},
    {"id_token_encryption_enc_values_supported", MemberType::StringArray, kServer},
    {"userinfo_signing_alg_values_supported", MemberType::StringArray, kServer},
    {"userinfo_encryption_alg_values_supported", MemberType::StringArray, kServer},
    {"userinfo_encryption_enc_values_supported", MemberType::StringArray, kServer},
    {"request_object_signing_alg_values_supported", MemberType::StringArray, kServer},
    {"request_object_encryption_alg_values_supported", MemberType::StringArray, kServer},
    {"request_object_encryption_enc_values_supported", MemberType::StringArray, kServer},
    {"token_endpoint_auth_methods_supported", MemberType::StringArray, kServer},
    {"token_endpoint_auth_signing_alg_values_supported", MemberType::StringArray, kServer},
    {"display_values_supported", MemberType::StringArray, kServer},
    {"claim_types_supported", MemberType::StringArray, kServer},
    {"claims_supported", MemberType::StringArray, kServer},
    {"service_documentation", MemberType::Url, kServer},
    {"claims_locales_supported", MemberType::StringArray, kServer},
    {"ui_locales_supported", MemberType::StringArray, kServer},
    {"claims_parameter_supported", MemberType::Boolean, kServer},
    {"request_parameter_supported", MemberType::Boolean, kServer},
    {"request_uri_parameter_supported", MemberType::Boolean, kServer},
    {"require_request_uri_registration", MemberType::Boolean, kServer},
    {"op_policy_uri", MemberType::Url, kServer},
    {"op_tos_uri", MemberType::Url, kServer},
    {"revocation_endpoint", MemberType::Url, kServer},
    {"revocation_endpoint_auth_methods_supported", MemberType::StringArray, kServer},
    {"revocation_endpoint_auth_signing_alg_values_supported", MemberType::StringArray, kServer},
    {"introspection_endpoint", MemberType::Url, kServer},
    {"introspection_endpoint_auth_methods_supported", MemberType::StringArray, kServer},
    {"introspection_endpoint_auth_signing_alg_values_supported", MemberType::StringArray, kServer},
    {"code_challenge_methods_supported", MemberType::StringArray, kServer},
    {"signed_metadata", MemberType::String, kBoth},
    {"device_authorization_endpoint", MemberType::Url, kServer},
    {"tls_client_certificate_bound_access_tokens", MemberType::Boolean, kBoth},
    {"mtls_endpoint_aliases", MemberType::Object, kServer},
    {"end_session_endpoint", MemberType::Url, kServer},
    {"check_session_iframe", MemberType::Url, kServer},
    {"frontchannel_logout_supported", MemberType::Boolean, kServer},
    {"frontchannel_logout_session_supported", MemberType::Boolean, kServer},
    {"backchannel_logout_supported", MemberType::Boolean, kServer},
    {"backchannel_logout_session_supported", MemberType::Boolean, kServer},
    {"pushed_authorization_request_endpoint", MemberType::Url, kServer},
    {"require_pushed_authorization_requests", MemberType::Boolean, kServer},
    {"require_signed_request_object", MemberType::Boolean, kServer},
    {"authorization_response_iss_parameter_supported", MemberType::Boolean, kServer},
    {"dpop_signing_alg_values_supported", MemberType::StringArray, kBoth},
    {"authorization_details_types_supported", MemberType::StringArray, kBoth},
    // RFC 9728 §2
    {"resource", MemberType::Url, kResource},
    {"authorization_servers", MemberType::UrlArray, kResource},
    {"bearer_methods_supported", MemberType::StringArray, kResource},
    {"resource_signing_alg_values_supported", MemberType::StringArray, kResource},
    {"resource_name", MemberType::String, kResource},
    {"resource_documentation", MemberType::Url, kResource},
    {"resource_policy_uri", MemberType::Url, kResource},
    {"resource_tos_uri", MemberType::Url, kResource},
    {"dpop_bound_access_tokens_required", MemberType::Boolean, kResource},
};

const char* type_name(MemberType t) {
  switch (t) {
    case MemberType::String: return "a string";
    case MemberType::Url: return "an https URL";
    case MemberType::StringArray: return "an array of strings";
    case MemberType::UrlArray: return "an array of https URLs";
    case MemberType::Boolean: return "a boolean";
    case MemberType::Object: return "a JSON object";
  }
  return "a value";
}

bool contains(const nlohmann::ordered_json& array, const char* value) {
  return array.is_array() && std::find(array.begin(), array.end(), value) != array.end();
}

}  // namespace

namespace {

// The registered member `member`, or null: one hash lookup (every statement
// and every document member asks).
const Registered* registered(std::string_view member) {
  static const std::unordered_map<std::string_view, const Registered*> by_name = [] {
    std::unordered_map<std::string_view, const Registered*> m;
    for (const auto& r : kRegistered) m.emplace(r.name, &r);
    return m;
  }();
  auto it = by_name.find(member);
  return it == by_name.end() ? nullptr : it->second;
}

}  // namespace

bool is_member_of(const std::string& member, Document document) {
  unsigned want = document == Document::ProtectedResource ? kResource : kServer;
  const Registered* r = registered(member);
  return r != nullptr && (r->registry & want) != 0;
}

std::vector<std::string> registered_members() {
  std::vector<std::string> out;
  for (const auto& r : kRegistered) out.push_back(r.name);
  return out;
}

std::optional<MemberType> registered_type(const std::string& member) {
  const Registered* r = registered(member);
  if (r == nullptr) return std::nullopt;
  return r->type;
}

nlohmann::ordered_json member_value(const std::string& member,
                                    const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (!is_valid_utf8(a)) {
      throw ConfigError(member + ": the value is not valid UTF-8");
    }
  }
  auto type = registered_type(member);
  auto one = [&](const char* what) {
    if (args.size() != 1) {
      throw ConfigError(member + " takes exactly one value (" + what + "), not " +
                        std::to_string(args.size()));
    }
    return args[0];
  };
  if (!type) {
    return one("an unregistered member is a string; use a JSON value for anything else");
  }
  switch (*type) {
    case MemberType::String:
    case MemberType::Url:
      return one(type_name(*type));
    case MemberType::StringArray:
    case MemberType::UrlArray:
      return nlohmann::ordered_json(args);
    case MemberType::Boolean: {
      std::string v = one("true or false");
      if (v == "true") return true;
      if (v == "false") return false;
      throw ConfigError(member + " is a boolean: give true or false, not \"" + v + "\"");
    }
    case MemberType::Object:
      throw ConfigError(member + " is a JSON object: give it as JSON with extra " + member +
                        " '{...}';");
  }
  throw ConfigError(member + ": unknown type");
}

nlohmann::ordered_json parse_json(const std::string& text, const std::string& what) {
  // Track the member names of every open object to refuse duplicates, which
  // RFC 8259 §4 leaves undefined and nlohmann would silently overwrite.
  std::vector<std::set<std::string>> open_objects;
  std::string error;
  auto callback = [&](int depth, nlohmann::ordered_json::parse_event_t event,
                      nlohmann::ordered_json& parsed) {
    using E = nlohmann::ordered_json::parse_event_t;
    // A container's start and end events carry the depth of its parent.
    bool container = event == E::object_start || event == E::array_start;
    if ((container ? depth + 1 : depth) > kMaxJsonDepth && error.empty()) {
      error = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    }
    if (event == E::object_start) {
      open_objects.emplace_back();
    } else if (event == E::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == E::key && !open_objects.empty()) {
      std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second && error.empty()) {
        error = "duplicate member \"" + key + "\"";
      }
    }
    return true;
  };
  // nlohmann's lexer takes a NUL byte for the end of input: refuse it
  // rather than serve whatever came before it (RFC 8259 §7: control
  // characters are not allowed raw, and outside strings none are).
  if (auto nul = text.find('\0'); nul != std::string::npos) {
    throw ConfigError(what + ": invalid JSON: a NUL byte at offset " + std::to_string(nul));
  }
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text, callback);
  } catch (const nlohmann::json::exception& e) {
    std::string m = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    auto pos = m.find("] ");
    throw ConfigError(what + ": invalid JSON: " + (pos == std::string::npos ? m : m.substr(pos + 2)));
  }
  if (!error.empty()) {
    throw ConfigError(what + ": " + error);
  }
  return j;
}

nlohmann::ordered_json load_metadata_file(const std::string& path) {
  std::string text;
  text.resize(read_file_capped(path, "metadata file", kMaxMetadataFileSize, text));
  std::string what = "metadata file \"" + path + "\"";
  nlohmann::ordered_json doc = parse_json(text, what);
  if (!doc.is_object()) {
    throw ConfigError(what + " must hold a JSON object, not " + doc.type_name());
  }
  return doc;
}

void set_member(nlohmann::ordered_json& doc, const std::string& member,
                nlohmann::ordered_json value) {
  if (!is_valid_utf8(member)) {
    throw ConfigError("a member name is not valid UTF-8 (RFC 8259 §8.1)");
  }
  doc[member] = std::move(value);  // ordered_json keeps an existing key's position
}

namespace {

// check_url for a document member. The URLs a block's documents share (an
// issuer serving both discovery documents has the same endpoints in each)
// are parsed once: a URL that passed under the same rules passes again
// (check_url depends on nothing else). Bounded: the last few hundred.
void check_member_url(const std::string& name, const std::string& url, const UrlRules& rules) {
  static std::unordered_set<std::string> passed;
  std::string key;
  key.reserve(url.size() + 2);
  key += rules.allow_http ? 'h' : 's';
  key += rules.allow_query ? 'q' : '-';
  key += url;
  if (passed.count(key) != 0) return;
  check_url(name, url, rules);
  if (passed.size() >= 512) passed.clear();
  passed.insert(std::move(key));
}

}  // namespace

void check_member_types(const nlohmann::ordered_json& doc, const ValidationOptions& options) {
  UrlRules url_rules;
  url_rules.allow_http = options.allow_http;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& name = it.key();
    auto type = registered_type(name);
    if (!type) {
      continue;  // extra members are the operator's (RFC 8414 §2: "MAY be used")
    }
    const auto& v = it.value();
    bool ok = true;
    switch (*type) {
      case MemberType::String: ok = v.is_string(); break;
      case MemberType::Url: ok = v.is_string(); break;
      case MemberType::Boolean: ok = v.is_boolean(); break;
      case MemberType::Object: ok = v.is_object(); break;
      case MemberType::StringArray:
      case MemberType::UrlArray:
        ok = v.is_array() &&
             std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); });
        break;
    }
    if (!ok) {
      throw ConfigError(name + " must be " + type_name(*type));
    }
    // Issuer and resource identifiers: https, no fragment; an issuer has no
    // query either (RFC 8414 §2, OIDC Discovery §3, RFC 9728 §2).
    UrlRules rules = url_rules;
    rules.allow_query = name != "issuer";
    if (*type == MemberType::Url) {
      check_member_url(name, v.get_ref<const std::string&>(), rules);
    } else if (*type == MemberType::UrlArray) {
      for (const auto& e : v) check_member_url(name, e.get_ref<const std::string&>(), rules);
    }
  }
}

Warnings finalize_document(Document document, nlohmann::ordered_json& doc,
                           const ValidationOptions& options) {
  Warnings warnings;
  if (document == Document::JwkSet) {
    throw ConfigError("a JWK Set is not a metadata document");
  }
  if (!doc.is_object()) {
    throw ConfigError("the document is not a JSON object");
  }

  // RFC 8414 §3.2 and RFC 9728 §3.2: "Claims with zero elements MUST be omitted".
  for (auto it = doc.begin(); it != doc.end();) {
    if (it->is_array() && it->empty()) {
      it = doc.erase(it);
    } else {
      ++it;
    }
  }

  check_member_types(doc, options);

  if (doc.contains("issuer")) {
    std::string issuer = doc["issuer"].get<std::string>();
    if (!issuer.empty() && issuer.back() == '/') {
      warnings.push_back("issuer \"" + issuer +
                         "\" ends with \"/\"; clients compare it byte for byte with the iss of "
                         "tokens and the URL they discovered it from");
    }
  }

  std::vector<std::string> required;
  const auto& grants = doc.contains("grant_types_supported")
                           ? doc["grant_types_supported"]
                           : nlohmann::ordered_json::array({"authorization_code", "implicit"});
  const auto& responses = doc.contains("response_types_supported")
                              ? doc["response_types_supported"]
                              : nlohmann::ordered_json::array();
  switch (document) {
    case Document::OpenIdConfiguration: {
      // OIDC Discovery 1.0 §3. token_endpoint is REQUIRED "unless only the
      // Implicit Flow is used": unless no response type includes "code".
      bool code_flow = !responses.is_array() || responses.empty() ||
                       std::any_of(responses.begin(), responses.end(), [](const auto& r) {
                         return r.is_string() && r.template get<std::string>().find("code") !=
                                                     std::string::npos;
                       });
      required = {"issuer", "authorization_endpoint", "jwks_uri", "response_types_supported",
                  "subject_types_supported", "id_token_signing_alg_values_supported"};
      if (code_flow) required.insert(required.begin() + 2, "token_endpoint");
      if (options.warn_without_rs256 && doc.contains("id_token_signing_alg_values_supported") &&
          !contains(doc["id_token_signing_alg_values_supported"], "RS256")) {
        warnings.push_back(
            "id_token_signing_alg_values_supported lacks RS256, which OIDC Discovery §3 says MUST "
            "be included; clients that insist on RS256 will refuse this provider");
      }
      break;
    }
    case Document::AuthorizationServer:
      // RFC 8414 §2: authorization_endpoint unless no grant type uses it;
      // token_endpoint unless only the implicit grant is supported.
      required = {"issuer", "response_types_supported"};
      if (contains(grants, "authorization_code") || contains(grants, "implicit")) {
        required.insert(required.begin() + 1, "authorization_endpoint");
      }
      if (!(grants.size() == 1 && contains(grants, "implicit"))) {
        required.push_back("token_endpoint");
      }
      break;
    case Document::ProtectedResource:
      required = {"resource"};  // RFC 9728 §2
      break;
    case Document::JwkSet:
      break;
  }
  std::vector<std::string> missing;
  for (const auto& r : required) {
    if (!doc.contains(r)) missing.push_back(r);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    const char* spec = document == Document::OpenIdConfiguration ? "OpenID Connect Discovery 1.0 §3"
                       : document == Document::AuthorizationServer ? "RFC 8414 §2"
                                                                   : "RFC 9728 §2";
    if (!options.relax_required) {
      throw ConfigError(std::string(document_name(document)) + " lacks required member(s) " +
                        list + " (" + spec + ")");
    }
    warnings.push_back(std::string(document_name(document)) + " is served without " + list +
                       ", which " + spec + " requires; strict clients will refuse it");
  }
  return warnings;
}

}  // namespace wellknown
