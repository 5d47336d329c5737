#include "discovery_block.hpp"

#include <algorithm>
#include <utility>

namespace wellknown {

namespace {

bool parse_flag(const std::string& statement, const std::string& value) {
  if (value == "on") return true;
  if (value == "off") return false;
  throw ConfigError(statement + " takes on or off, not \"" + value + "\"");
}

constexpr const char* kSettings[] = {"keys",       "jwks_path",      "documents",    "url_forms",
                                     "allow_http", "relax_required", "metadata_file"};
// A protected resource serves one document at one path (RFC 9728 §3.1).
constexpr const char* kIssuerOnly[] = {"documents", "url_forms", "relax_required"};

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
  config_.identifier = std::move(identifier);
}

const char* DiscoveryBlock::directive() const {
  return config_.role == Role::Issuer ? "wellknown_issuer" : "wellknown_resource";
}

void DiscoveryBlock::statement(const std::string& name, const std::vector<std::string>& values,
                               const FullName& full_name) {
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
  } else if (name == "metadata_file") {
    if (values.size() != 1 || values[0].empty()) {
      throw ConfigError("metadata_file takes one file name");
    }
    config_.base_file = full_name(values[0]);
    config_.base = load_metadata_file(config_.base_file);
  } else if (name == "extra") {
    if (values.size() != 2) {
      throw ConfigError("extra takes a member name and a JSON value: extra NAME JSON;");
    }
    if (config_.members.contains(values[0])) {
      throw ConfigError("member \"" + values[0] + "\" is given twice");
    }
    set_member(config_.members, values[0], parse_json(values[1], "extra " + values[0]));
  } else if (registered_type(name)) {
    if (config_.members.contains(name)) {
      throw ConfigError("member \"" + name + "\" is given twice");
    }
    set_member(config_.members, name, member_value(name, values));
  } else {
    throw ConfigError(
        "unknown statement \"" + name + "\": expected " +
        (issuer ? "keys, jwks_path, documents, url_forms, allow_http, relax_required, "
                : "keys, jwks_path, allow_http, ") +
        "metadata_file, a registered metadata member, or extra NAME JSON for a non-standard "
        "member");
  }
}

}  // namespace wellknown
