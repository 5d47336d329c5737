// ngx_http_wellknown_module: the nginx adapter. Directive handlers hand
// operator input to the nginx-free core (src/core) at config load; the
// content handler only picks a precomputed response and hands nginx pointers.
//
// Every callback is noexcept and catches everything the core throws: no C++
// exception ever crosses into nginx.

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
}

#include <deque>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/entity.hpp"
#include "core/jwk_set.hpp"
#include "core/representation.hpp"
#include "core/routes.hpp"

extern "C" {
extern ngx_module_t ngx_http_wellknown_module;
}

namespace {

// The view of a precomputed response that the request path reads: pointers
// into strings owned by config-lifetime C++ objects.
struct ngx_http_wellknown_response_t {
  ngx_str_t body;
  ngx_str_t etag;
  ngx_str_t gzip_body;  // len 0: no gzip variant
  ngx_str_t gzip_etag;
};

// A precomputed body with its nginx view.
struct Response {
  wellknown::Representation representation;
  ngx_http_wellknown_response_t view{};
  explicit Response(std::string body)
      : representation(wellknown::make_representation(std::move(body))),
        view{str(representation.body), str(representation.etag), str(representation.gzip_body),
             str(representation.gzip_etag)} {}
  static ngx_str_t str(std::string& s) { return ngx_str_t{s.size(), reinterpret_cast<u_char*>(s.data())}; }
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;
};

// A named key set: its keys and the serialised JWKS, computed once at the
// closing brace of `wellknown_keys NAME { ... }`. Sets that serialise to the
// same bytes share one response (State::jwks_responses).
struct KeySet {
  wellknown::JwkSet jwks;
  const Response* response = nullptr;
};

// An issuer (wellknown_issuer) or protected resource (wellknown_resource),
// built once the http block is complete (its key set may be defined later in
// the file).
struct PendingEntity {
  const char* directive = "";  // "wellknown_issuer" or "wellknown_resource"
  wellknown::EntityConfig config;
  std::string key_set;  // empty: none
  std::vector<std::string> given;  // block statements seen, to refuse repeats
  std::string file;
  ngx_uint_t line = 0;
};

// The discovery documents of one server{}: request path -> response.
struct Site {
  std::vector<PendingEntity> entities;
  std::unordered_set<std::string> identifiers;  // "issuer URL" / "resource URL", to refuse repeats
  std::deque<Response> responses;  // stable addresses for the route table
  // A null response: a discovery path that an exact-match location of this
  // server claims and no issuer serves; its requests go to that location,
  // not to the module's JSON 404.
  wellknown::RouteTable<const ngx_http_wellknown_response_t*> routes;
};

// Everything the module builds at config load for one configuration
// generation. Owned by the cycle's pool: a pool cleanup deletes it when the
// configuration is retired after a reload.
struct State {
  std::map<std::string, std::unique_ptr<KeySet>> key_sets;
  std::deque<Response> jwks_responses;  // stable addresses
  std::unordered_map<std::string_view, const Response*> jwks_by_body;
  std::vector<std::unique_ptr<Site>> sites;
  std::unique_ptr<Response> method_not_allowed;
  std::unique_ptr<Response> not_found;
};

}  // namespace

struct ngx_http_wellknown_main_conf_t {
  State* state;
  time_t loaded_at;  // Last-Modified: when this configuration was loaded
  // ... as an HTTP-date (RFC 9110 §5.6.7), formatted once: nginx's header
  // filter would otherwise format it on every response.
  u_char last_modified_text[sizeof("Mon, 28 Sep 1970 06:00:00 GMT")];
  ngx_str_t last_modified;
};

struct ngx_http_wellknown_srv_conf_t {
  Site* site;  // null: no wellknown_issuer in this server
};

struct ngx_http_wellknown_loc_conf_t {
  const ngx_http_wellknown_response_t* response;  // set by wellknown_jwks
  ngx_str_t cache_control;                        // empty: no header
  // wellknown_jwks may name a set defined later in the file; it is resolved
  // when the http block is complete, and reported at the directive's line.
  ngx_str_t jwks_name;
  u_char* jwks_file;
  ngx_uint_t jwks_line;
};

namespace {

// "public, max-age=600": see README, "Caching and key rotation".
ngx_str_t kDefaultCacheControl = ngx_string("public, max-age=600");
ngx_str_t kApplicationJson = ngx_string("application/json");

char* conf_error(ngx_conf_t* cf, const char* directive, const std::string& message) {
  ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s: %s", directive, message.c_str());
  return static_cast<char*>(NGX_CONF_ERROR);
}

void conf_warnings(ngx_conf_t* cf, const std::string& where, const wellknown::Warnings& warnings) {
  for (const auto& w : warnings) {
    ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "%s: %s", where.c_str(), w.c_str());
  }
}

std::string to_string(const ngx_str_t& s) {
  return std::string(reinterpret_cast<const char*>(s.data), s.len);
}

// ---------------------------------------------------------------- request path

ngx_int_t push_header(ngx_http_request_t* r, ngx_str_t key, ngx_str_t value,
                      ngx_table_elt_t** out = nullptr) {
  auto* h = static_cast<ngx_table_elt_t*>(ngx_list_push(&r->headers_out.headers));
  if (h == nullptr) {
    return NGX_ERROR;
  }
  h->hash = 1;
  h->key = key;
  h->value = value;
  h->lowcase_key = nullptr;
#if (nginx_version >= 1023000)
  h->next = nullptr;
#endif
  if (out) {
    *out = h;
  }
  return NGX_OK;
}

ngx_int_t send_body(ngx_http_request_t* r, const ngx_str_t& body) {
  ngx_int_t rc = ngx_http_send_header(r);
  if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
    return rc;
  }
  auto* b = static_cast<ngx_buf_t*>(ngx_calloc_buf(r->pool));
  if (b == nullptr) {
    return NGX_ERROR;
  }
  // The body lives in config memory: nginx reads it in place.
  b->pos = body.data;
  b->last = body.data + body.len;
  b->memory = 1;
  b->last_buf = (r == r->main) ? 1 : 0;
  b->last_in_chain = 1;
  ngx_chain_t out{b, nullptr};
  return ngx_http_output_filter(r, &out);
}

// CORS (Fetch standard §3.2): the documents are public, so any origin may
// read them, without credentials.
ngx_int_t add_cors(ngx_http_request_t* r) {
  return push_header(r, ngx_string("Access-Control-Allow-Origin"), ngx_string("*"));
}

ngx_int_t send_preflight(ngx_http_request_t* r) {
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) {
    return rc;
  }
  r->headers_out.status = NGX_HTTP_NO_CONTENT;
  r->headers_out.content_length_n = 0;
  if (add_cors(r) != NGX_OK ||
      push_header(r, ngx_string("Access-Control-Allow-Methods"), ngx_string("GET, HEAD, OPTIONS")) !=
          NGX_OK ||
      push_header(r, ngx_string("Access-Control-Max-Age"), ngx_string("86400")) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  // Allow whatever request headers the browser asks for: the documents are
  // public and credentials are never allowed with "*".
  ngx_list_part_t* part = &r->headers_in.headers.part;
  auto* h = static_cast<ngx_table_elt_t*>(part->elts);
  for (ngx_uint_t i = 0;; i++) {
    if (i >= part->nelts) {
      if (part->next == nullptr) {
        break;
      }
      part = part->next;
      h = static_cast<ngx_table_elt_t*>(part->elts);
      i = 0;
      if (part->nelts == 0) {
        continue;
      }
    }
    if (h[i].key.len == sizeof("Access-Control-Request-Headers") - 1 &&
        ngx_strncasecmp(h[i].key.data, reinterpret_cast<u_char*>(const_cast<char*>(
                                           "Access-Control-Request-Headers")),
                        h[i].key.len) == 0) {
      if (push_header(r, ngx_string("Access-Control-Allow-Headers"), h[i].value) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
      }
      break;
    }
  }
  return ngx_http_send_header(r);
}

ngx_int_t send_json(ngx_http_request_t* r, ngx_uint_t status,
                    const ngx_http_wellknown_response_t& resp) {
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) {
    return rc;
  }
  r->headers_out.status = status;
  r->headers_out.content_type = kApplicationJson;
  r->headers_out.content_type_len = kApplicationJson.len;
  r->headers_out.content_length_n = static_cast<off_t>(resp.body.len);
  // RFC 9110 §15.5.6: a 405 response MUST carry Allow.
  if ((status == NGX_HTTP_NOT_ALLOWED &&
       push_header(r, ngx_string("Allow"), ngx_string("GET, HEAD, OPTIONS")) != NGX_OK) ||
      add_cors(r) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  return send_body(r, resp.body);
}

// The request's Accept-Encoding field. nginx keeps a pointer to it when built
// with gzip support (Debian's and nginx.org's builds, and --with-compat);
// otherwise the header list is searched.
ngx_table_elt_t* accept_encoding(ngx_http_request_t* r) {
#if (NGX_HTTP_GZIP)
  return r->headers_in.accept_encoding;
#else
  ngx_list_part_t* part = &r->headers_in.headers.part;
  auto* h = static_cast<ngx_table_elt_t*>(part->elts);
  for (ngx_uint_t i = 0;; i++) {
    if (i >= part->nelts) {
      if (part->next == nullptr) return nullptr;
      part = part->next;
      h = static_cast<ngx_table_elt_t*>(part->elts);
      i = 0;
      if (part->nelts == 0) continue;
    }
    if (h[i].key.len == sizeof("Accept-Encoding") - 1 &&
        ngx_strncasecmp(h[i].key.data, reinterpret_cast<u_char*>(const_cast<char*>("Accept-Encoding")),
                        h[i].key.len) == 0) {
      return &h[i];
    }
  }
#endif
}

// Answers a request for a precomputed document: 200/304 for GET and HEAD,
// 204 for a CORS preflight, 405 for anything else.
ngx_int_t respond(ngx_http_request_t* r, const ngx_http_wellknown_response_t& resp) {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_http_get_module_main_conf(r, ngx_http_wellknown_module));
  if (r->method == NGX_HTTP_OPTIONS) {
    return send_preflight(r);
  }
  if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
    return send_json(r, NGX_HTTP_NOT_ALLOWED, mcf->state->method_not_allowed->view);
  }
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) {
    return rc;
  }
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_http_get_module_loc_conf(r, ngx_http_wellknown_module));

  // The precompressed variant when the client takes gzip; both variants
  // say that the choice depends on Accept-Encoding (RFC 9110 §12.5.5).
  const ngx_str_t* body = &resp.body;
  const ngx_str_t* etag = &resp.etag;
  bool gzip = false;
  if (resp.gzip_body.len) {
    ngx_table_elt_t* ae = accept_encoding(r);
    if (ae != nullptr &&
        wellknown::accepts_gzip(std::string_view(reinterpret_cast<const char*>(ae->value.data),
                                                 ae->value.len))) {
      body = &resp.gzip_body;
      etag = &resp.gzip_etag;
      gzip = true;
    }
  }

  r->headers_out.status = NGX_HTTP_OK;
  r->headers_out.content_type = kApplicationJson;
  r->headers_out.content_type_len = kApplicationJson.len;
  r->headers_out.content_length_n = static_cast<off_t>(body->len);
  r->headers_out.last_modified_time = mcf->loaded_at;
  // nginx's not_modified filter answers If-None-Match (lists, "*", weak
  // comparison, RFC 9110 §13.1.2) and If-Modified-Since against these.
  // The time drives nginx's If-Modified-Since check; the preformatted text
  // is what the header filter sends.
  if (push_header(r, ngx_string("Last-Modified"), mcf->last_modified,
                  &r->headers_out.last_modified) != NGX_OK ||
      push_header(r, ngx_string("ETag"), *etag, &r->headers_out.etag) != NGX_OK ||
      add_cors(r) != NGX_OK ||
      (lcf->cache_control.len &&
       push_header(r, ngx_string("Cache-Control"), lcf->cache_control) != NGX_OK)) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  if (resp.gzip_body.len &&
      push_header(r, ngx_string("Vary"), ngx_string("Accept-Encoding")) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  // A set Content-Encoding also keeps nginx's own gzip filter (gzip on)
  // from compressing the body again.
  if (gzip && push_header(r, ngx_string("Content-Encoding"), ngx_string("gzip"),
                          &r->headers_out.content_encoding) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  return send_body(r, *body);
}

// Content handler of a `wellknown_jwks` location.
ngx_int_t ngx_http_wellknown_handler(ngx_http_request_t* r) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_http_get_module_loc_conf(r, ngx_http_wellknown_module));
  if (lcf->response == nullptr) {
    // Not reachable from a valid configuration (merge fills every location
    // that can run this handler); never dereference null on a request.
    return NGX_DECLINED;
  }
  return respond(r, *lcf->response);
}

// Server-rewrite-phase handler of a server with issuers: one hash lookup of
// the normalised URI (the one location matching uses); a discovery path
// that matches nothing gets a JSON 404; anything else goes on to the
// server's locations untouched.
ngx_int_t ngx_http_wellknown_site_handler(ngx_http_request_t* r) noexcept {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(
      ngx_http_get_module_srv_conf(r, ngx_http_wellknown_module));
  if (scf->site == nullptr) {
    return NGX_DECLINED;
  }
  std::string_view uri(reinterpret_cast<const char*>(r->uri.data), r->uri.len);
  const ngx_http_wellknown_response_t* const* hit = scf->site->routes.find(uri);
  if (hit != nullptr) {
    return *hit ? respond(r, **hit) : NGX_DECLINED;
  }
  if (wellknown::is_discovery_path(uri)) {
    auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
        ngx_http_get_module_main_conf(r, ngx_http_wellknown_module));
    return send_json(r, NGX_HTTP_NOT_FOUND, mcf->state->not_found->view);
  }
  return NGX_DECLINED;
}

// ---------------------------------------------------------------- config

void delete_state(void* data) noexcept { delete static_cast<State*>(data); }

void* create_main_conf(ngx_conf_t* cf) noexcept {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_pcalloc(cf->pool, sizeof(ngx_http_wellknown_main_conf_t)));
  if (mcf == nullptr) {
    return nullptr;
  }
  ngx_pool_cleanup_t* cln = ngx_pool_cleanup_add(cf->pool, 0);
  if (cln == nullptr) {
    return nullptr;
  }
  try {
    auto state = std::make_unique<State>();
    state->method_not_allowed = std::make_unique<Response>(wellknown::json_error_body(
        "method_not_allowed", "this resource supports GET, HEAD and OPTIONS only"));
    state->not_found = std::make_unique<Response>(wellknown::json_error_body(
        "not_found", "no discovery document is served at this path"));
    mcf->state = state.release();
  } catch (...) {
    return nullptr;
  }
  cln->handler = delete_state;
  cln->data = mcf->state;
  mcf->loaded_at = ngx_time();
  u_char* end = ngx_http_time(mcf->last_modified_text, mcf->loaded_at);
  mcf->last_modified = ngx_str_t{static_cast<size_t>(end - mcf->last_modified_text),
                                 mcf->last_modified_text};
  return mcf;
}

void* create_loc_conf(ngx_conf_t* cf) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_pcalloc(cf->pool, sizeof(ngx_http_wellknown_loc_conf_t)));
  if (lcf == nullptr) {
    return nullptr;
  }
  // Unset until a directive or the merge sets it.
  lcf->cache_control.data = nullptr;
  lcf->cache_control.len = NGX_CONF_UNSET_SIZE;
  return lcf;
}

// An exact-match location (`location = /path`) in a server with issuers or
// resources: one at a path the module serves never runs (the module answers
// in the server rewrite phase, before location matching), which nginx -t
// reports as a warning; one at another discovery path keeps its requests.
// Runs after the server's merge_srv_conf, which built the routes.
char* note_exact_location(ngx_conf_t* cf) {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(
      ngx_http_conf_get_module_srv_conf(cf, ngx_http_wellknown_module));
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(
      ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  if (scf == nullptr || scf->site == nullptr || clcf == nullptr || !clcf->exact_match) {
    return NGX_CONF_OK;
  }
  std::string path = to_string(clcf->name);
  if (const std::string* owner = scf->site->routes.owner(path)) {
    ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                  "location = %V never runs: the module serves that path for %s before "
                  "locations are matched; remove the location, or move the module's path "
                  "(jwks_path, url_forms)",
                  &clcf->name, owner->c_str());
  } else if (wellknown::is_discovery_path(path)) {
    scf->site->routes.add(path, nullptr, "location = " + path);
  }
  return NGX_CONF_OK;
}

char* merge_loc_conf(ngx_conf_t* cf, void* parent, void* child) noexcept {
  auto* prev = static_cast<ngx_http_wellknown_loc_conf_t*>(parent);
  auto* conf = static_cast<ngx_http_wellknown_loc_conf_t*>(child);
  try {
    note_exact_location(cf);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  if (conf->cache_control.len == NGX_CONF_UNSET_SIZE) {
    conf->cache_control = prev->cache_control.len == NGX_CONF_UNSET_SIZE ? kDefaultCacheControl
                                                                          : prev->cache_control;
  }
  // An `if` block inside a wellknown_jwks location runs this handler with
  // the if block's own location conf: inherit what the parent serves.
  if (conf->jwks_name.len == 0) {
    conf->jwks_name = prev->jwks_name;
    conf->jwks_file = prev->jwks_file;
    conf->jwks_line = prev->jwks_line;
    conf->response = prev->response;
  }
  if (conf->jwks_name.len && conf->response == nullptr) {
    auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
        ngx_http_conf_get_module_main_conf(cf, ngx_http_wellknown_module));
    try {
      auto it = mcf->state->key_sets.find(to_string(conf->jwks_name));
      if (it == mcf->state->key_sets.end()) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "wellknown_jwks: no key set named \"%V\"; define it with "
                      "wellknown_keys %V { key FILE; } in the http block in %s:%ui",
                      &conf->jwks_name, &conf->jwks_name, conf->jwks_file, conf->jwks_line);
        return static_cast<char*>(NGX_CONF_ERROR);
      }
      conf->response = &it->second->response->view;
    } catch (...) {
      return static_cast<char*>(NGX_CONF_ERROR);
    }
  }
  return NGX_CONF_OK;
}

// One line inside `wellknown_keys NAME { ... }`: key FILE [OPTION ...];
char* keys_block_line(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* set = static_cast<KeySet*>(conf);
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  try {
    if (to_string(args[0]) != "key") {
      return conf_error(cf, "wellknown_keys",
                        "unknown directive \"" + to_string(args[0]) +
                            "\" in the key set; expected: key FILE [kid=...] [alg=...] [use=...] "
                            "[key_ops=...] [x5t] [allow_weak];");
    }
    if (cf->args->nelts < 2) {
      return conf_error(cf, "wellknown_keys", "\"key\" needs a file name: key FILE [OPTION ...];");
    }
    ngx_str_t file = args[1];
    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
      return static_cast<char*>(NGX_CONF_ERROR);
    }
    std::vector<std::string> tokens;
    for (ngx_uint_t i = 2; i < cf->args->nelts; i++) {
      tokens.push_back(to_string(args[i]));
    }
    std::string path = to_string(file);
    std::string where = "key \"" + path + "\"";
    try {
      wellknown::KeyOptions options = wellknown::parse_key_options(tokens);
      wellknown::PublicKeyMaterial material = wellknown::load_key_file(path);
      wellknown::Jwk jwk = wellknown::make_jwk(material, options);
      conf_warnings(cf, where, material.warnings);
      std::string dup = set->jwks.add(std::move(jwk));
      if (!dup.empty()) {
        conf_warnings(cf, where, {dup});
      }
    } catch (const wellknown::ConfigError& e) {
      // Name the file in every message, whichever check failed.
      std::string what = e.what();
      return conf_error(cf, "wellknown_keys",
                        what.find(path) == std::string::npos ? where + ": " + what : what);
    }
  } catch (const std::exception& e) {
    return conf_error(cf, "wellknown_keys", e.what());
  } catch (...) {
    return conf_error(cf, "wellknown_keys", "unexpected error");
  }
  return NGX_CONF_OK;
}

// wellknown_keys NAME { key FILE [OPTION ...]; ... }
char* wellknown_keys(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(conf);
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  std::string name = to_string(args[1]);
  KeySet* set = nullptr;
  try {
    if (name.empty()) {
      return conf_error(cf, "wellknown_keys", "the key set name is empty");
    }
    if (mcf->state->key_sets.count(name)) {
      return conf_error(cf, "wellknown_keys", "key set \"" + name + "\" is already defined");
    }
    auto owned = std::make_unique<KeySet>();
    set = owned.get();
    mcf->state->key_sets.emplace(name, std::move(owned));
  } catch (...) {
    return conf_error(cf, "wellknown_keys", "out of memory");
  }

  ngx_conf_t saved = *cf;
  cf->handler = keys_block_line;
  cf->handler_conf = reinterpret_cast<char*>(set);
  char* rv = ngx_conf_parse(cf, nullptr);
  *cf = saved;
  if (rv != NGX_CONF_OK) {
    return rv;
  }

  try {
    if (set->jwks.empty()) {
      return conf_error(cf, "wellknown_keys",
                        "key set \"" + name + "\" has no keys; add: key FILE;");
    }
    std::string body = set->jwks.serialize();
    auto same = mcf->state->jwks_by_body.find(body);
    if (same != mcf->state->jwks_by_body.end()) {
      set->response = same->second;
    } else {
      const Response& r = mcf->state->jwks_responses.emplace_back(std::move(body));
      mcf->state->jwks_by_body.emplace(
          std::string_view(r.representation.body.data(), r.representation.body.size()), &r);
      set->response = &r;
    }
  } catch (const std::exception& e) {
    return conf_error(cf, "wellknown_keys", e.what());
  } catch (...) {
    return conf_error(cf, "wellknown_keys", "unexpected error");
  }
  return NGX_CONF_OK;
}

void* create_srv_conf(ngx_conf_t* cf) noexcept {
  return ngx_pcalloc(cf->pool, sizeof(ngx_http_wellknown_srv_conf_t));
}

// Builds the documents of every issuer and protected resource of a server,
// now that all key sets are known. Errors name the directive's file:line.
char* merge_srv_conf(ngx_conf_t* cf, void*, void* child) noexcept {
  auto* conf = static_cast<ngx_http_wellknown_srv_conf_t*>(child);
  Site* site = conf->site;
  if (site == nullptr) {
    return NGX_CONF_OK;
  }
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_http_conf_get_module_main_conf(cf, ngx_http_wellknown_module));
  struct GivenJwks {
    const PendingEntity* entity;
    std::string route;
    const ngx_http_wellknown_response_t* own;  // null: the entity has no key set
  };
  const PendingEntity* current = nullptr;
  try {
    std::vector<GivenJwks> given_jwks;
    for (const PendingEntity& entity : site->entities) {
      current = &entity;
      const KeySet* keys = nullptr;
      if (!entity.key_set.empty()) {
        auto it = mcf->state->key_sets.find(entity.key_set);
        if (it == mcf->state->key_sets.end()) {
          throw wellknown::ConfigError("no key set named \"" + entity.key_set +
                                       "\"; define it with wellknown_keys " + entity.key_set +
                                       " { key FILE; } in the http block");
        }
        keys = it->second.get();
      }
      wellknown::EntityDocuments docs =
          wellknown::build_entity(entity.config, keys ? &keys->jwks : nullptr);
      std::string owner =
          (entity.config.role == wellknown::Role::Issuer ? "issuer \"" : "resource \"") +
          entity.config.identifier + "\"";
      for (const auto& w : docs.warnings) {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0, "%s \"%s\": %s in %s:%ui", entity.directive,
                      entity.config.identifier.c_str(), w.c_str(), entity.file.c_str(),
                      entity.line);
      }
      for (const auto& p : docs.jwks_paths) {
        site->routes.add(p, &keys->response->view, owner + " (key set)");
      }
      for (auto& d : docs.documents) {
        const Response& r = site->responses.emplace_back(std::move(d.body));
        for (const auto& p : d.paths) {
          site->routes.add(p, &r.view, owner);
        }
      }
      if (docs.given_jwks_route) {
        given_jwks.push_back(
            {&entity, *docs.given_jwks_route, keys ? &keys->response->view : nullptr});
      }
    }
    // A jwks_uri given on this server's own origin must not name what the
    // server serves for someone else: clients would verify tokens with
    // another issuer's keys, or read a metadata document as a JWK Set.
    for (const auto& g : given_jwks) {
      current = g.entity;
      const ngx_http_wellknown_response_t* const* hit = site->routes.find(g.route);
      if (hit != nullptr && *hit != g.own) {
        throw wellknown::ConfigError("jwks_uri names \"" + g.route +
                                     "\", which this server serves for " +
                                     *site->routes.owner(g.route));
      }
    }
  } catch (const std::exception& e) {
    if (current == nullptr) {
      ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
    } else {
      ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "%s \"%s\": %s in %s:%ui", current->directive,
                    current->config.identifier.c_str(), e.what(), current->file.c_str(),
                    current->line);
    }
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  site->entities.clear();
  site->identifiers.clear();
  return NGX_CONF_OK;
}

bool parse_flag(const std::string& statement, const std::string& value) {
  if (value == "on") return true;
  if (value == "off") return false;
  throw wellknown::ConfigError(statement + " takes on or off, not \"" + value + "\"");
}

// One statement inside `wellknown_issuer URL { ... }` or
// `wellknown_resource URL { ... }`.
char* entity_block_line(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* entity = static_cast<PendingEntity*>(conf);
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  try {
    std::string name = to_string(args[0]);
    std::vector<std::string> values;
    for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {
      values.push_back(to_string(args[i]));
    }
    auto one = [&]() -> const std::string& {
      if (values.size() != 1) {
        throw wellknown::ConfigError(name + " takes exactly one value");
      }
      return values[0];
    };
    const bool issuer = entity->config.role == wellknown::Role::Issuer;
    // Settings of the block itself (not members) may be given once.
    static const char* const kSettings[] = {"keys",       "jwks_path",      "documents",
                                            "url_forms",  "allow_http",     "relax_required",
                                            "metadata_file"};
    static const char* const kIssuerOnly[] = {"documents", "url_forms", "relax_required"};
    for (const char* setting : kSettings) {
      if (name != setting) continue;
      if (!issuer) {
        for (const char* only : kIssuerOnly) {
          if (name == only) {
            throw wellknown::ConfigError(
                name + " applies to issuers only; a protected resource serves one document, "
                       "oauth-protected-resource, at one path (RFC 9728 §3.1)");
          }
        }
      }
      for (const auto& g : entity->given) {
        if (g == name) {
          throw wellknown::ConfigError(
              name + " is given twice" +
              (name == "metadata_file" ? " (the first: \"" + entity->config.base_file + "\")"
                                       : std::string()));
        }
      }
      entity->given.push_back(name);
    }
    wellknown::EntityConfig& c = entity->config;
    if (name == "keys") {
      entity->key_set = one();
      if (entity->key_set.empty()) {
        throw wellknown::ConfigError("keys: the key set name is empty");
      }
    } else if (name == "jwks_path") {
      c.jwks_path = one();
    } else if (name == "documents") {
      if (values.empty()) {
        throw wellknown::ConfigError(
            "documents needs at least one of openid-configuration, oauth-authorization-server");
      }
      c.documents.clear();
      for (const auto& v : values) {
        wellknown::Resource r;
        if (v == "openid-configuration") {
          r = wellknown::Resource::OpenIdConfiguration;
        } else if (v == "oauth-authorization-server") {
          r = wellknown::Resource::AuthorizationServer;
        } else {
          throw wellknown::ConfigError("documents: unknown document \"" + v +
                                       "\"; expected openid-configuration and/or "
                                       "oauth-authorization-server (for oauth-protected-resource, "
                                       "use wellknown_resource)");
        }
        for (auto d : c.documents) {
          if (d == r) {
            throw wellknown::ConfigError("documents: \"" + v + "\" is listed twice");
          }
        }
        c.documents.push_back(r);
      }
    } else if (name == "url_forms") {
      if (values.empty()) {
        throw wellknown::ConfigError(
            "url_forms needs at least one of oidc_append, oidc_insert, oauth_insert, "
            "oauth_append");
      }
      c.forms = {false, false, false, false};
      for (const auto& v : values) {
        bool* form = v == "oidc_append"    ? &c.forms.oidc_append
                     : v == "oidc_insert"  ? &c.forms.oidc_insert
                     : v == "oauth_insert" ? &c.forms.oauth_insert
                     : v == "oauth_append" ? &c.forms.oauth_append
                                           : nullptr;
        if (form == nullptr) {
          throw wellknown::ConfigError("url_forms: unknown form \"" + v +
                                       "\"; expected oidc_append, oidc_insert, oauth_insert, "
                                       "oauth_append");
        }
        if (*form) {
          throw wellknown::ConfigError("url_forms: \"" + v + "\" is listed twice");
        }
        *form = true;
      }
    } else if (name == "allow_http") {
      c.validation.allow_http = parse_flag(name, one());
    } else if (name == "relax_required") {
      c.validation.relax_required = parse_flag(name, one());
    } else if (name == "metadata_file") {
      ngx_str_t file = args[1];
      if (values.size() != 1 || file.len == 0) {
        throw wellknown::ConfigError("metadata_file takes one file name");
      }
      if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return static_cast<char*>(NGX_CONF_ERROR);
      }
      c.base_file = to_string(file);
      c.base = wellknown::load_metadata_file(c.base_file);
    } else if (name == "extra") {
      if (values.size() != 2) {
        throw wellknown::ConfigError("extra takes a member name and a JSON value: extra NAME JSON;");
      }
      if (c.members.contains(values[0])) {
        throw wellknown::ConfigError("member \"" + values[0] + "\" is given twice");
      }
      wellknown::set_member(c.members, values[0],
                            wellknown::parse_json(values[1], "extra " + values[0]));
    } else if (wellknown::registered_type(name)) {
      if (c.members.contains(name)) {
        throw wellknown::ConfigError("member \"" + name + "\" is given twice");
      }
      wellknown::set_member(c.members, name, wellknown::member_value(name, values));
    } else {
      throw wellknown::ConfigError(
          "unknown statement \"" + name + "\": expected " +
          (issuer ? "keys, jwks_path, documents, url_forms, allow_http, relax_required, "
                  : "keys, jwks_path, allow_http, ") +
          "metadata_file, a registered metadata member, or extra NAME JSON for a non-standard "
          "member");
    }
  } catch (const std::exception& e) {
    return conf_error(cf, entity->directive, e.what());
  }
  return NGX_CONF_OK;
}

// wellknown_issuer URL { ... } and wellknown_resource URL { ... }  (server)
char* entity_block(ngx_conf_t* cf, ngx_command_t* cmd, void* conf, wellknown::Role role) noexcept {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(conf);
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_http_conf_get_module_main_conf(cf, ngx_http_wellknown_module));
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  const char* directive = reinterpret_cast<const char*>(cmd->name.data);
  PendingEntity* entity = nullptr;
  try {
    if (scf->site == nullptr) {
      mcf->state->sites.push_back(std::make_unique<Site>());
      scf->site = mcf->state->sites.back().get();
    }
    std::string id = to_string(args[1]);
    std::string kind = role == wellknown::Role::Issuer ? "issuer" : "resource";
    if (!scf->site->identifiers.insert(kind + " " + id).second) {
      return conf_error(cf, directive, kind + " \"" + id + "\" is already defined in this server");
    }
    PendingEntity& p = scf->site->entities.emplace_back();
    p.directive = directive;
    p.config = role == wellknown::Role::Issuer ? wellknown::EntityConfig{}
                                               : wellknown::protected_resource_config(id);
    p.config.identifier = id;
    p.file = reinterpret_cast<const char*>(cf->conf_file->file.name.data);
    p.line = cf->conf_file->line;
    entity = &p;
  } catch (...) {
    return conf_error(cf, directive, "out of memory");
  }
  ngx_conf_t saved = *cf;
  cf->handler = entity_block_line;
  cf->handler_conf = reinterpret_cast<char*>(entity);
  char* rv = ngx_conf_parse(cf, nullptr);
  *cf = saved;
  return rv;
}

char* wellknown_issuer(ngx_conf_t* cf, ngx_command_t* cmd, void* conf) noexcept {
  return entity_block(cf, cmd, conf, wellknown::Role::Issuer);
}

char* wellknown_resource(ngx_conf_t* cf, ngx_command_t* cmd, void* conf) noexcept {
  return entity_block(cf, cmd, conf, wellknown::Role::ProtectedResource);
}

ngx_int_t postconfiguration(ngx_conf_t* cf) noexcept {
  auto* cmcf = static_cast<ngx_http_core_main_conf_t*>(
      ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module));
  auto* h = static_cast<ngx_http_handler_pt*>(
      ngx_array_push(&cmcf->phases[NGX_HTTP_SERVER_REWRITE_PHASE].handlers));
  if (h == nullptr) {
    return NGX_ERROR;
  }
  *h = ngx_http_wellknown_site_handler;
  return NGX_OK;
}

// wellknown_jwks NAME;  (location) serve the JWK Set of key set NAME here.
char* wellknown_jwks(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(conf);
  if (lcf->jwks_name.len) {
    return const_cast<char*>("is duplicate");
  }
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  if (args[1].len == 0) {
    return conf_error(cf, "wellknown_jwks", "the key set name is empty");
  }
  lcf->jwks_name = args[1];
  lcf->jwks_file = cf->conf_file->file.name.data;
  lcf->jwks_line = cf->conf_file->line;
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(
      ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  clcf->handler = ngx_http_wellknown_handler;
  return NGX_CONF_OK;
}

// wellknown_cache_control VALUE | off;
char* wellknown_cache_control(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(conf);
  if (lcf->cache_control.len != NGX_CONF_UNSET_SIZE) {
    return const_cast<char*>("is duplicate");
  }
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  ngx_str_t value = args[1];
  if (value.len == 3 && ngx_strncmp(value.data, "off", 3) == 0) {
    lcf->cache_control.len = 0;
    lcf->cache_control.data = nullptr;
    return NGX_CONF_OK;
  }
  if (value.len == 0) {
    return conf_error(cf, "wellknown_cache_control",
                      "the value is empty; give a Cache-Control value or \"off\"");
  }
  // A header value must not carry control characters (RFC 9110 §5.5).
  for (size_t i = 0; i < value.len; i++) {
    if (value.data[i] < 0x20 || value.data[i] == 0x7f) {
      return conf_error(cf, "wellknown_cache_control",
                        "the value contains a control character");
    }
  }
  lcf->cache_control = value;
  return NGX_CONF_OK;
}

ngx_command_t commands[] = {
    {ngx_string("wellknown_keys"), NGX_HTTP_MAIN_CONF | NGX_CONF_BLOCK | NGX_CONF_TAKE1,
     wellknown_keys, NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("wellknown_issuer"), NGX_HTTP_SRV_CONF | NGX_CONF_BLOCK | NGX_CONF_TAKE1,
     wellknown_issuer, NGX_HTTP_SRV_CONF_OFFSET, 0, nullptr},
    {ngx_string("wellknown_resource"), NGX_HTTP_SRV_CONF | NGX_CONF_BLOCK | NGX_CONF_TAKE1,
     wellknown_resource, NGX_HTTP_SRV_CONF_OFFSET, 0, nullptr},
    {ngx_string("wellknown_jwks"), NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1, wellknown_jwks,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("wellknown_cache_control"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     wellknown_cache_control, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    ngx_null_command};

ngx_http_module_t module_ctx = {
    nullptr,            // preconfiguration
    postconfiguration,  // postconfiguration
    create_main_conf,   // create main configuration
    nullptr,            // init main configuration
    create_srv_conf,    // create server configuration
    merge_srv_conf,     // merge server configuration
    create_loc_conf,    // create location configuration
    merge_loc_conf      // merge location configuration
};

}  // namespace

ngx_module_t ngx_http_wellknown_module = {
    NGX_MODULE_V1,
    &module_ctx,      // module context
    commands,         // module directives
    NGX_HTTP_MODULE,  // module type
    nullptr,          // init master
    nullptr,          // init module
    nullptr,          // init process
    nullptr,          // init thread
    nullptr,          // exit thread
    nullptr,          // exit process
    nullptr,          // exit master
    NGX_MODULE_V1_PADDING};
