// ngx_http_wellknown_module: what the adapter's two halves share. The
// configuration half (ngx_http_wellknown_module.cpp) translates directives
// into calls to the nginx-free core (src/core) at config load; the request
// half (ngx_http_wellknown_handler.cpp) picks a precomputed response and
// hands nginx pointers into it.
//
// Every nginx callback is noexcept and catches what the core throws: no C++
// exception ever crosses into nginx.
#pragma once

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
}

#include <string>
#include <string_view>

#include "core/configuration.hpp"

extern "C" {
extern ngx_module_t ngx_http_wellknown_module;
}

struct ngx_http_wellknown_main_conf_t {
  wellknown::Configuration* configuration;  // freed by a cleanup of the cycle's pool
  time_t loaded_at;  // "now" for the whole load: key windows are judged against it
};

struct ngx_http_wellknown_srv_conf_t {
  wellknown::Server* server;  // null: no wellknown_issuer or wellknown_resource here
  ngx_flag_t not_found;       // wellknown_not_found
};

struct ngx_http_wellknown_loc_conf_t {
  const wellknown::Timeline* timeline;  // set by wellknown_jwks
  // wellknown_cache_control; null until set or merged. Its value "" (off):
  // no header.
  const wellknown::CacheControl* cache_control;
  ngx_str_t jwks_type;                  // wellknown_jwks_type: a JWK Set's Content-Type
  ngx_flag_t serve;                     // wellknown_serve: issuers' and resources' answers here
  // Where the location{} (or server{}, http{}) block starts, for warnings.
  u_char* block_file;
  ngx_uint_t block_line;
  // wellknown_jwks may name a set defined later in the file; it is resolved
  // when the http block is complete, and reported at the directive's line.
  ngx_str_t jwks_name;
  u_char* jwks_file;
  ngx_uint_t jwks_line;
};

namespace ngx_http_wellknown {

// Content handler of a `wellknown_jwks` location.
ngx_int_t jwks_handler(ngx_http_request_t* r) noexcept;

// Pre-content-phase handler: answers the paths of a server's issuers and
// resources, after rewrites, location matching and access checks.
ngx_int_t server_handler(ngx_http_request_t* r) noexcept;

// $wellknown_resource_metadata: the metadata URL of the protected resource
// the request falls under.
ngx_int_t resource_metadata_variable(ngx_http_request_t* r, ngx_http_variable_value_t* v,
                                     uintptr_t data) noexcept;

inline std::string to_string(const ngx_str_t& s) {
  return std::string(reinterpret_cast<const char*>(s.data), s.len);
}

inline std::string_view to_view(const ngx_str_t& s) {
  return std::string_view(reinterpret_cast<const char*>(s.data), s.len);
}

// nginx's view of bytes the core owns; nginx only reads them.
inline ngx_str_t to_ngx(const std::string& s) {
  return ngx_str_t{s.size(), reinterpret_cast<u_char*>(const_cast<char*>(s.data()))};
}

}  // namespace ngx_http_wellknown
