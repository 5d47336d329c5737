// The request path: picks a precomputed response and hands nginx pointers
// into it. Nothing here allocates beyond nginx's own header and buffer
// structures, copies a body, or serialises anything.
#include "ngx_http_wellknown_module.hpp"

#include "core/accept_encoding.hpp"

namespace ngx_http_wellknown {

namespace {

ngx_str_t kApplicationJson = ngx_string("application/json");

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

ngx_int_t send_json(ngx_http_request_t* r, ngx_uint_t status, const wellknown::Response& resp) {
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) {
    return rc;
  }
  r->headers_out.status = status;
  r->headers_out.content_type = kApplicationJson;
  r->headers_out.content_type_len = kApplicationJson.len;
  r->headers_out.content_length_n = static_cast<off_t>(resp.body.size());
  // RFC 9110 §15.5.6: a 405 response MUST carry Allow.
  if ((status == NGX_HTTP_NOT_ALLOWED &&
       push_header(r, ngx_string("Allow"), ngx_string("GET, HEAD, OPTIONS")) != NGX_OK) ||
      add_cors(r) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  return send_body(r, to_ngx(resp.body));
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
// 204 for a CORS preflight, 405 for anything else. The version is the one
// in effect now (nginx's cached time, as in the Date header).
// `cache_control`: the issuer's or resource's own value, or null for the
// location's wellknown_cache_control.
ngx_int_t respond(ngx_http_request_t* r, const wellknown::Timeline& timeline,
                  const wellknown::CacheControl* cache_control) {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_http_get_module_main_conf(r, ngx_http_wellknown_module));
  if (r->method == NGX_HTTP_OPTIONS) {
    return send_preflight(r);
  }
  if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
    return send_json(r, NGX_HTTP_NOT_ALLOWED, mcf->configuration->method_not_allowed());
  }
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) {
    return rc;
  }
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_http_get_module_loc_conf(r, ngx_http_wellknown_module));
  const time_t now = ngx_time();
  const wellknown::Version& version = timeline.at(now);
  const wellknown::Response& resp = *version.response;

  // The precompressed variant when the client takes gzip; both variants
  // say that the choice depends on Accept-Encoding (RFC 9110 §12.5.5).
  const std::string* body = &resp.body;
  const std::string* etag = &resp.etag;
  const bool has_gzip = !resp.gzip_body.empty();
  bool gzip = false;
  if (has_gzip) {
    ngx_table_elt_t* ae = accept_encoding(r);
    if (ae != nullptr && wellknown::accepts_gzip(to_view(ae->value))) {
      body = &resp.gzip_body;
      etag = &resp.gzip_etag;
      gzip = true;
    }
  }

  // The issuer's or resource's own value, else the location's; cut short
  // when the version ends sooner than a cache would keep it ("": none).
  const wellknown::CacheControl& policy = cache_control ? *cache_control : *lcf->cache_control;
  const std::string& cc = policy.for_end(version.until, now);
  r->headers_out.status = NGX_HTTP_OK;
  r->headers_out.content_type = resp.jwk_set ? lcf->jwks_type : kApplicationJson;
  r->headers_out.content_type_len = r->headers_out.content_type.len;
  r->headers_out.content_length_n = static_cast<off_t>(body->size());
  // nginx's not_modified filter answers If-None-Match (lists, "*", weak
  // comparison, RFC 9110 §13.1.2) and If-Modified-Since against these.
  // Last-Modified is when the version took effect, if the schedule says;
  // its time drives nginx's If-Modified-Since check, the preformatted
  // text is what the header filter sends.
  if (!version.last_modified.empty()) {
    r->headers_out.last_modified_time = static_cast<time_t>(version.from);
    if (push_header(r, ngx_string("Last-Modified"), to_ngx(version.last_modified),
                    &r->headers_out.last_modified) != NGX_OK) {
      return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
  }
  // The date preconditions are ignored when the representation has no
  // modification date, and when the matching entity-tag precondition is
  // present (RFC 9110 §13.1.3, §13.1.4). nginx's not_modified filter
  // evaluates both kinds and reads a missing date as "modified": it would
  // answer 200 to a matching If-None-Match, or 412 to any
  // If-Unmodified-Since. Only nginx's pointers are cleared; the fields stay
  // in the header list ($http_if_modified_since).
  if (version.last_modified.empty() || r->headers_in.if_none_match != nullptr) {
    r->headers_in.if_modified_since = nullptr;
  }
  if (version.last_modified.empty() || r->headers_in.if_match != nullptr) {
    r->headers_in.if_unmodified_since = nullptr;
  }
  if (push_header(r, ngx_string("ETag"), to_ngx(*etag), &r->headers_out.etag) != NGX_OK ||
      add_cors(r) != NGX_OK ||
      (!cc.empty() && push_header(r, ngx_string("Cache-Control"), to_ngx(cc)) != NGX_OK)) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  if (has_gzip &&
      push_header(r, ngx_string("Vary"), ngx_string("Accept-Encoding")) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  // A set Content-Encoding also keeps nginx's own gzip filter (gzip on)
  // from compressing the body again.
  if (gzip && push_header(r, ngx_string("Content-Encoding"), ngx_string("gzip"),
                          &r->headers_out.content_encoding) != NGX_OK) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  return send_body(r, to_ngx(*body));
}

}  // namespace

ngx_int_t jwks_handler(ngx_http_request_t* r) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_http_get_module_loc_conf(r, ngx_http_wellknown_module));
  if (lcf->timeline == nullptr) {
    // Not reachable from a valid configuration (merge fills every location
    // that can run this handler); never dereference null on a request.
    return NGX_DECLINED;
  }
  return respond(r, *lcf->timeline, nullptr);
}

// Runs where nginx would run the location's content handler, so the
// server's and the location's rewrites and returns, and the access and
// pre-access checks, have had their say. One hash lookup of the normalised
// URI (the one location matching used); with wellknown_not_found on, a
// discovery path that matches nothing gets a JSON 404; anything else goes
// on to the location's content handler untouched.
ngx_int_t server_handler(ngx_http_request_t* r) noexcept {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(
      ngx_http_get_module_srv_conf(r, ngx_http_wellknown_module));
  if (scf->server == nullptr) {
    return NGX_DECLINED;
  }
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_http_get_module_loc_conf(r, ngx_http_wellknown_module));
  if (!lcf->serve) {
    return NGX_DECLINED;
  }
  wellknown::Route route = scf->server->route(to_view(r->uri));
  ngx_int_t rc;
  switch (route.action) {
    case wellknown::Route::Action::Serve:
      rc = respond(r, *route.timeline, route.cache_control);
      break;
    case wellknown::Route::Action::NotFound: {
      auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
          ngx_http_get_module_main_conf(r, ngx_http_wellknown_module));
      rc = send_json(r, NGX_HTTP_NOT_FOUND, mcf->configuration->not_found());
      break;
    }
    case wellknown::Route::Action::Decline:
    default:
      return NGX_DECLINED;
  }
  // A pre-content handler that answers finishes the request as the content
  // phase would (ngx_http_core_content_phase); NGX_DONE stops the phase
  // engine. Returning NGX_OK would run the location's content handler too.
  ngx_http_finalize_request(r, rc);
  return NGX_DONE;
}

ngx_int_t resource_metadata_variable(ngx_http_request_t* r, ngx_http_variable_value_t* v,
                                     uintptr_t) noexcept {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(
      ngx_http_get_module_srv_conf(r, ngx_http_wellknown_module));
  const std::string* url = scf->server ? scf->server->resource_metadata(to_view(r->uri)) : nullptr;
  if (url == nullptr) {
    v->not_found = 1;
    return NGX_OK;
  }
  v->data = reinterpret_cast<u_char*>(const_cast<char*>(url->data()));
  v->len = static_cast<unsigned>(url->size());
  v->valid = 1;
  v->no_cacheable = 1;  // the URI can change with a rewrite
  v->not_found = 0;
  return NGX_OK;
}

}  // namespace ngx_http_wellknown
