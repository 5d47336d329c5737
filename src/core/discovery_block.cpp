#include "discovery_block.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "cache_control.hpp"
#include "encoding.hpp"

namespace wellknown {

namespace {

bool parse_flag(const std::string& statement, const std::string& value) {
  if (value == "on") return true;
  if (value == "off") return false;
  throw ConfigError(statement + " takes on or off, not \"" + value + "\"");
}

constexpr const char* kSettings[] = {"keys",          "jwks_path",     "documents",
                                     "url_forms",     "allow_http",    "relax_required",
                                     "metadata_file", "cache_control", "serve_at_root",
                                     "signed_metadata_key"};
// A protected resource serves one document at one path (RFC 9728 §3.1).
constexpr const char* kIssuerOnly[] = {"documents", "url_forms", "relax_required"};
constexpr const char* kResourceOnly[] = {"serve_at_root"};

// The module's directives, for a statement that names one inside a block.
struct Directive {
  const char* name;
  const char* context;
};
constexpr Directive kDirectives[] = {
    {"wellknown_keys", "the http block"},
    {"wellknown_issuer", "a server block"},
    {"wellknown_resource", "a server block"},
    {"wellknown_jwks", "a location"},
    {"wellknown_cache_control",
     "http, server or location; inside an issuer or resource block, write cache_control"},
    {"wellknown_not_found", "http or server"},
    {"wellknown_serve", "http, server or location"},
};

// Refuses nginx variables: nothing in these blocks is evaluated per request.
void check_no_variables(const std::string& what, const std::string& value) {
  if (value.find('$') != std::string::npos) {
    throw ConfigError(what + " \"" + value +
                      "\": variables are not expanded here; write the value itself (each "
                      "document is built once, at load)");
  }
}

// Levenshtein distance, for suggestions.
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest of `candidates` to a misspelt `name`, if close enough.
std::string closest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::min<size_t>(3, std::max<size_t>(1, name.size() / 3)) + 1;
  for (const auto& c : candidates) {
    size_t d = distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

template <size_t N>
bool one_of(const std::string& name, const char* const (&list)[N]) {
  return std::any_of(std::begin(list), std::end(list), [&](const char* s) { return name == s; });
}

std::vector<Document> parse_documents(const std::vector<std::string>& values) {
  if (values.empty()) {
    throw ConfigError(
        "documents needs at least one of openid-configuration, oauth-authorization-server");
  }
  std::vector<Document> out;
  for (const auto& v : values) {
    Document d;
    if (v == document_name(Document::OpenIdConfiguration)) {
      d = Document::OpenIdConfiguration;
    } else if (v == document_name(Document::AuthorizationServer)) {
      d = Document::AuthorizationServer;
    } else {
      throw ConfigError("documents: unknown document \"" + v +
                        "\"; expected openid-configuration and/or oauth-authorization-server "
                        "(for oauth-protected-resource, use wellknown_resource)");
    }
    if (std::find(out.begin(), out.end(), d) != out.end()) {
      throw ConfigError("documents: \"" + v + "\" is listed twice");
    }
    out.push_back(d);
  }
  return out;
}

UrlForms parse_url_forms(const std::vector<std::string>& values) {
  if (values.empty()) {
    throw ConfigError(
        "url_forms needs at least one of oidc_append, oidc_insert, oauth_insert, oauth_append");
  }
  UrlForms forms{false, false, false, false};
  for (const auto& v : values) {
    bool* form = v == "oidc_append"    ? &forms.oidc_append
                 : v == "oidc_insert"  ? &forms.oidc_insert
                 : v == "oauth_insert" ? &forms.oauth_insert
                 : v == "oauth_append" ? &forms.oauth_append
                                       : nullptr;
    if (form == nullptr) {
      throw ConfigError("url_forms: unknown form \"" + v +
                        "\"; expected oidc_append, oidc_insert, oauth_insert, oauth_append");
    }
    if (*form) {
      throw ConfigError("url_forms: \"" + v + "\" is listed twice");
    }
    *form = true;
  }
  return forms;
}

}  // namespace

DiscoveryBlock::DiscoveryBlock(Role role, std::string identifier)
    : config_(role == Role::Issuer ? DiscoveryConfig{} : protected_resource_config({})) {
  check_no_variables(role == Role::Issuer ? "issuer" : "resource", identifier);
  input_ = role == Role::Issuer ? "issuer " : "resource ";
  append_field(input_, identifier);
  config_.identifier = std::move(identifier);
}

const char* DiscoveryBlock::directive() const {
  return config_.role == Role::Issuer ? "wellknown_issuer" : "wellknown_resource";
}

void DiscoveryBlock::statement(const std::string& name, const std::vector<std::string>& values,
                               const FullName& full_name) {
  for (const auto& v : values) check_no_variables(name, v);
  input_ += '\n';
  append_field(input_, name);
  for (const auto& v : values) append_field(input_, v);
  auto one = [&]() -> const std::string& {
    if (values.size() != 1) {
      throw ConfigError(name + " takes exactly one value");
    }
    return values[0];
  };
  const bool issuer = config_.role == Role::Issuer;
  if (one_of(name, kSettings)) {
    if (!issuer && one_of(name, kIssuerOnly)) {
      throw ConfigError(name +
                        " applies to issuers only; a protected resource serves one document, "
                        "oauth-protected-resource, at one path (RFC 9728 §3.1)");
    }
    if (issuer && one_of(name, kResourceOnly)) {
      throw ConfigError(name + " applies to wellknown_resource only");
    }
    if (std::find(given_.begin(), given_.end(), name) != given_.end()) {
      throw ConfigError(name + " is given twice" +
                        (name == "metadata_file" ? " (the first: \"" + config_.base_file + "\")"
                                                 : std::string()));
    }
    given_.push_back(name);
  }

  if (name == "keys") {
    key_set_ = one();
    if (key_set_.empty()) {
      throw ConfigError("keys: the key set name is empty");
    }
  } else if (name == "jwks_path") {
    config_.jwks_path = one();
  } else if (name == "documents") {
    config_.documents = parse_documents(values);
  } else if (name == "url_forms") {
    config_.forms = parse_url_forms(values);
  } else if (name == "allow_http") {
    config_.validation.allow_http = parse_flag(name, one());
  } else if (name == "relax_required") {
    config_.validation.relax_required = parse_flag(name, one());
  } else if (name == "serve_at_root") {
    config_.serve_at_root = parse_flag(name, one());
  } else if (name == "cache_control") {
    if (values.size() != 1 || values[0].empty()) {
      throw ConfigError("cache_control takes one value (a Cache-Control header value) or off");
    }
    if (values[0] != "off") check_cache_control(values[0]);
    config_.cache_control = values[0] == "off" ? "" : values[0];
  } else if (name == "signed_metadata_key") {
    config_.signer = std::make_shared<MetadataSigner>(values, full_name, reader_);
  } else if (name == "metadata_file") {
    if (values.size() != 1 || values[0].empty()) {
      throw ConfigError("metadata_file takes one file name");
    }
    config_.base_file = full_name(values[0]);
    config_.base = load_metadata_file(config_.base_file);
    // What the file holds now, not only its name, decides the documents.
    append_field(input_, config_.base.dump());
  } else if (name == "extra") {
    if (values.size() != 2) {
      throw ConfigError("extra takes a member name and a JSON value: extra NAME JSON;");
    }
    if (config_.members.contains(values[0])) {
      throw ConfigError("member \"" + values[0] + "\" is given twice");
    }
    nlohmann::ordered_json value;
    try {
      value = parse_json(values[1], "extra " + values[0]);
    } catch (const ConfigError& e) {
      // nginx removes one level of quotes: a JSON string needs two.
      const char first = values[1].empty() ? '\0' : values[1][0];
      const bool looks_like_json =
          first != '\0' && std::strchr("{[\"-0123456789tfn", first) != nullptr;
      throw ConfigError(std::string(e.what()) +
                        (looks_like_json ? ""
                                         : "; a JSON string keeps its quotes inside nginx's: "
                                           "extra " + values[0] + " '\"" + values[1] + "\"';"));
    }
    set_member(config_.members, values[0], std::move(value));
  } else if (registered_type(name)) {
    const Document document = issuer ? Document::AuthorizationServer : Document::ProtectedResource;
    if (!is_member_of(name, document)) {
      throw ConfigError(
          name + " is not a member of " +
          (issuer ? "an issuer's metadata (RFC 8414 §2, OpenID Connect Discovery 1.0 §3); it "
                    "belongs in wellknown_resource (RFC 9728 §2)"
                  : "a protected resource's metadata (RFC 9728 §2); it belongs in "
                    "wellknown_issuer (RFC 8414 §2)") +
          ". To publish it here anyway, write extra " + name + " JSON;");
    }
    if (config_.members.contains(name)) {
      throw ConfigError("member \"" + name + "\" is given twice");
    }
    set_member(config_.members, name, member_value(name, values));
  } else {
    for (const auto& d : kDirectives) {
      if (name == d.name) {
        throw ConfigError(name + " is not a statement of " + directive() + "; it belongs in " +
                          d.context);
      }
    }
    std::vector<std::string> candidates;
    for (const char* s : kSettings) {
      if (issuer ? !one_of(s, kResourceOnly) : !one_of(s, kIssuerOnly)) candidates.push_back(s);
    }
    candidates.push_back("extra");
    candidates.push_back("include");
    const Document document = issuer ? Document::AuthorizationServer : Document::ProtectedResource;
    for (auto& m : registered_members()) {
      if (is_member_of(m, document)) candidates.push_back(std::move(m));
    }
    const std::string guess = closest(name, candidates);
    throw ConfigError(
        "unknown statement \"" + name + "\"" + (guess.empty() ? "" : " (did you mean " + guess + "?)") +
        ": expected " +
        (issuer ? "keys, jwks_path, documents, url_forms, allow_http, relax_required, "
                : "keys, jwks_path, allow_http, serve_at_root, ") +
        "cache_control, metadata_file, signed_metadata_key, include, a registered metadata "
        "member, or extra NAME JSON for a non-standard member");
  }
  // RFC 8414 §2.1, RFC 9728 §2.2: one signed_metadata member, either given
  // as it is or signed here.
  if (config_.signer && (config_.members.contains("signed_metadata") ||
                         config_.base.contains("signed_metadata"))) {
    throw ConfigError(
        "signed_metadata is given as a member (" +
        std::string(config_.members.contains("signed_metadata") ? "in the block"
                                                                 : "in the metadata file") +
        ") and signed with signed_metadata_key; remove one of them");
  }
}

}  // namespace wellknown
