// ngx_http_wellknown_module: module tables, directives and configuration
// structures. Each directive handler translates nginx's arguments and
// file:line into a call to the core and the core's results and errors into
// nginx's; the core (src/core) holds every rule.

#include "ngx_http_wellknown_module.hpp"

#include "core/cache_control.hpp"
#include "version.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <exception>
#include <new>
#include <string>
#include <vector>

namespace ngx_http_wellknown {

namespace {

// "public, max-age=600": see README, "Caching and key rotation".
const char* const kDefaultCacheControl = "public, max-age=600";
// A JWK Set's Content-Type: JSON, which every client takes, or the media
// type RFC 7517 §8.5 registers for JWK Sets (README: which clients take it).
ngx_str_t kApplicationJson = ngx_string("application/json");
ngx_str_t kJwkSetJson = ngx_string("application/jwk-set+json");

// What one configuration load takes over from the earlier ones in this
// process: unchanged key files' public material and the responses of
// unchanged bodies (src/core/reload_cache.hpp). Configuration is loaded in
// the master (and by nginx -t and nginx -s in their own processes); workers
// inherit a copy they never use. The one piece of state the module keeps
// beyond a configuration generation; it holds no private key material.
wellknown::ReloadCaches& reload_caches() {
  static wellknown::ReloadCaches caches;
  return caches;
}

// An [emerg] at the line nginx is reading.
char* conf_error(ngx_conf_t* cf, const char* directive, const char* message) {
  ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s: %s", directive, message);
  return static_cast<char*>(NGX_CONF_ERROR);
}

// Runs `f`, a step of reading directive `directive`, turning whatever it
// throws into an [emerg] at the current line.
template <typename F>
char* at_directive(ngx_conf_t* cf, const char* directive, F&& f) noexcept {
  try {
    return f();
  } catch (const std::exception& e) {
    return conf_error(cf, directive, e.what());
  } catch (...) {
    return conf_error(cf, directive, "unexpected error");
  }
}

// A finding about a directive read earlier, at that directive's file:line.
void log_located(ngx_conf_t* cf, ngx_uint_t level, const std::string& message,
                 const wellknown::Origin& origin) {
  ngx_log_error(level, cf->log, 0, "%s in %s:%ui", message.c_str(), origin.file.c_str(),
                static_cast<ngx_uint_t>(origin.line));
}

// Runs `f`, a step taken once directives have been read (nginx's init and
// merge callbacks): a LocatedError becomes an [emerg] at its directive's
// file:line, anything else an [emerg] of its own.
template <typename F>
char* after_directives(ngx_conf_t* cf, F&& f) noexcept {
  try {
    f();
    return NGX_CONF_OK;
  } catch (const wellknown::LocatedError& e) {
    log_located(cf, NGX_LOG_EMERG, e.what(), e.origin());
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
  } catch (...) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: unexpected error");
  }
  return static_cast<char*>(NGX_CONF_ERROR);
}

wellknown::Origin origin_of(ngx_conf_t* cf) {
  return {to_string(cf->conf_file->file.name), static_cast<unsigned long>(cf->conf_file->line)};
}

std::vector<std::string> statement_values(ngx_conf_t* cf) {
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  std::vector<std::string> values;
  for (ngx_uint_t i = 1; i < cf->args->nelts; i++) {
    values.push_back(to_string(args[i]));
  }
  return values;
}

// nginx's rule for file names in directives: relative to the configuration
// prefix (ngx_conf_full_name, as for ssl_certificate).
wellknown::FullName full_name(ngx_conf_t* cf) {
  return [cf](const std::string& name) {
    ngx_str_t s{name.size(), reinterpret_cast<u_char*>(const_cast<char*>(name.data()))};
    if (ngx_conf_full_name(cf->cycle, &s, 1) != NGX_OK) {
      throw std::bad_alloc();
    }
    // A name with a NUL byte is the name up to the NUL, as for nginx's own
    // directives (include): ngx_conf_full_name copies a relative name only
    // that far, leaving the rest of its length unwritten.
    const auto* data = reinterpret_cast<const char*>(s.data);
    return std::string(data, strnlen(data, s.len));
  };
}

ngx_http_wellknown_main_conf_t* main_conf(ngx_conf_t* cf) {
  return static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_http_conf_get_module_main_conf(cf, ngx_http_wellknown_module));
}

// Runs the statements of a block directive through `handler`, with
// `handler_conf` as its conf, as nginx's own block directives do.
char* parse_block(ngx_conf_t* cf, ngx_conf_handler_pt handler, void* handler_conf) {
  ngx_conf_t saved = *cf;
  cf->handler = handler;
  cf->handler_conf = static_cast<char*>(handler_conf);
  char* rv = ngx_conf_parse(cf, nullptr);
  *cf = saved;
  return rv;
}

// `include FILE|GLOB;` inside a block: nginx's own include, whose
// statements come back to the block's handler (relative names against the
// configuration prefix, globs in order), so file:line in messages is the
// included file's.
bool is_include(ngx_conf_t* cf) {
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  return args[0].len == sizeof("include") - 1 && ngx_strncmp(args[0].data, "include", 7) == 0;
}

char* include(ngx_conf_t* cf, void* conf) {
  if (cf->args->nelts != 2) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "include takes one file name or pattern");
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  return ngx_conf_include(cf, nullptr, conf);
}

// ---------------------------------------------------------------- wellknown_keys

struct KeysBlock {
  wellknown::KeySet* set;
};

// One statement inside `wellknown_keys NAME { ... }`: key FILE [OPTION ...];
char* keys_block_line(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  if (is_include(cf)) return include(cf, conf);
  return at_directive(cf, "wellknown_keys", [&]() -> char* {
    auto* block = static_cast<KeysBlock*>(conf);
    auto* args = static_cast<ngx_str_t*>(cf->args->elts);
    // The file is read meanwhile; the key is done (and its warnings and
    // errors reported at this line) in init_main_conf.
    wellknown::declare_key(*block->set, to_string(args[0]), statement_values(cf), full_name(cf),
                           origin_of(cf), main_conf(cf)->configuration->key_files());
    return NGX_CONF_OK;
  });
}

// wellknown_keys NAME { key FILE [OPTION ...]; ... }  (http)
char* wellknown_keys(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(conf);
  std::string name;
  KeysBlock block{nullptr};
  char* rv = at_directive(cf, "wellknown_keys", [&]() -> char* {
    name = to_string(static_cast<ngx_str_t*>(cf->args->elts)[1]);
    block.set = &mcf->configuration->key_sets().define(name, origin_of(cf));
    return NGX_CONF_OK;
  });
  if (rv != NGX_CONF_OK) return rv;
  rv = parse_block(cf, keys_block_line, &block);
  if (rv != NGX_CONF_OK) return rv;
  return at_directive(cf, "wellknown_keys", [&]() -> char* {
    wellknown::check_has_keys(name, *block.set);
    return NGX_CONF_OK;
  });
}

// ---------------------------------------------------------------- issuers and resources

// One statement inside `wellknown_issuer URL { ... }` or
// `wellknown_resource URL { ... }`.
char* discovery_block_line(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* block = static_cast<wellknown::DiscoveryBlock*>(conf);
  if (is_include(cf)) return include(cf, conf);
  return at_directive(cf, block->directive(), [&]() -> char* {
    auto* args = static_cast<ngx_str_t*>(cf->args->elts);
    block->statement(to_string(args[0]), statement_values(cf), full_name(cf));
    return NGX_CONF_OK;
  });
}

char* discovery_block(ngx_conf_t* cf, ngx_command_t* cmd, void* conf,
                      wellknown::Role role) noexcept {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(conf);
  const char* directive = reinterpret_cast<const char*>(cmd->name.data);
  wellknown::DiscoveryBlock* block = nullptr;
  char* rv = at_directive(cf, directive, [&]() -> char* {
    if (scf->server == nullptr) {
      scf->server = &main_conf(cf)->configuration->add_server();
    }
    block = &scf->server->open(role, to_string(static_cast<ngx_str_t*>(cf->args->elts)[1]),
                               origin_of(cf));
    wellknown::KeyFileCache* key_files = main_conf(cf)->configuration->key_files();
    block->use_reader(key_files ? key_files->child_reader() : nullptr);
    return NGX_CONF_OK;
  });
  if (rv != NGX_CONF_OK) return rv;
  return parse_block(cf, discovery_block_line, block);
}

// wellknown_issuer URL { ... }  (server)
char* wellknown_issuer(ngx_conf_t* cf, ngx_command_t* cmd, void* conf) noexcept {
  return discovery_block(cf, cmd, conf, wellknown::Role::Issuer);
}

// wellknown_resource URL { ... }  (server)
char* wellknown_resource(ngx_conf_t* cf, ngx_command_t* cmd, void* conf) noexcept {
  return discovery_block(cf, cmd, conf, wellknown::Role::ProtectedResource);
}

// ---------------------------------------------------------------- location directives

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
  clcf->handler = jwks_handler;
  return NGX_CONF_OK;
}

// wellknown_cache_control VALUE | off;  (http, server, location)
char* wellknown_cache_control(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(conf);
  if (lcf->cache_control != nullptr) {
    return const_cast<char*>("is duplicate");
  }
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  ngx_str_t value = args[1];
  if (value.len == 0) {
    return conf_error(cf, "wellknown_cache_control",
                      "the value is empty; give a Cache-Control value or \"off\"");
  }
  return at_directive(cf, "wellknown_cache_control", [&]() -> char* {
    std::string v = to_string(value);
    if (v == "off") {
      v.clear();  // no header
    } else {
      wellknown::check_cache_control(v);
    }
    lcf->cache_control = &main_conf(cf)->configuration->cache_controls().get(v);
    return NGX_CONF_OK;
  });
}

// wellknown_jwks_type application/json | application/jwk-set+json;  (http, server, location)
char* wellknown_jwks_type(ngx_conf_t* cf, ngx_command_t*, void* conf) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(conf);
  if (lcf->jwks_type.data != nullptr) {
    return const_cast<char*>("is duplicate");
  }
  const ngx_str_t& value = static_cast<ngx_str_t*>(cf->args->elts)[1];
  for (const ngx_str_t* type : {&kApplicationJson, &kJwkSetJson}) {
    if (value.len == type->len && ngx_strncmp(value.data, type->data, type->len) == 0) {
      lcf->jwks_type = *type;
      return NGX_CONF_OK;
    }
  }
  ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                     "wellknown_jwks_type: \"%V\" is not a JWK Set media type; use "
                     "application/json (the default) or application/jwk-set+json (RFC 7517 §8.5)",
                     &value);
  return static_cast<char*>(NGX_CONF_ERROR);
}

// ---------------------------------------------------------------- configuration structures

void delete_configuration(void* data) noexcept {
  delete static_cast<wellknown::Configuration*>(data);
}

// The key file reader (a child process) ends with the load: at the end of
// postconfiguration, or here, when nginx frees the load's temporary pool
// (a load that failed included).
void stop_key_file_reader(void*) noexcept { reload_caches().key_files.stop_reader(); }

void* create_main_conf(ngx_conf_t* cf) noexcept {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(
      ngx_pcalloc(cf->pool, sizeof(ngx_http_wellknown_main_conf_t)));
  if (mcf == nullptr) {
    return nullptr;
  }
  ngx_pool_cleanup_t* cln = ngx_pool_cleanup_add(cf->pool, 0);
  ngx_pool_cleanup_t* reader_cln = ngx_pool_cleanup_add(cf->temp_pool, 0);
  if (cln == nullptr || reader_cln == nullptr) {
    return nullptr;
  }
  reader_cln->handler = stop_key_file_reader;
  reader_cln->data = nullptr;
  try {
    mcf->configuration = new wellknown::Configuration(&reload_caches());
  } catch (const std::exception& e) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "wellknown: %s", e.what());
    return nullptr;
  }
  cln->handler = delete_configuration;
  cln->data = mcf->configuration;
  mcf->loaded_at = ngx_time();
  reload_caches().key_files.begin_load(mcf->loaded_at);
  reload_caches().key_sets.begin_load();
  reload_caches().blocks.begin_load();
  return mcf;
}

void* create_srv_conf(ngx_conf_t* cf) noexcept {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(
      ngx_pcalloc(cf->pool, sizeof(ngx_http_wellknown_srv_conf_t)));
  if (scf == nullptr) {
    return nullptr;
  }
  scf->not_found = NGX_CONF_UNSET;
  return scf;
}

// The wellknown_cache_control a location of the server being merged
// inherits unless it sets its own: the server's, else the http block's,
// else the default. (Its locations are merged after the server.)
const wellknown::CacheControl& server_cache_control(ngx_conf_t* cf) {
  auto* cscf = static_cast<ngx_http_core_srv_conf_t*>(
      ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module));
  auto* http = reinterpret_cast<ngx_http_conf_ctx_t*>(cf->cycle->conf_ctx[ngx_http_module.index]);
  for (void** loc_conf : {cscf->ctx->loc_conf, http->loc_conf}) {
    auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
        loc_conf[ngx_http_wellknown_module.ctx_index]);
    if (lcf->cache_control != nullptr) return *lcf->cache_control;
  }
  return main_conf(cf)->configuration->cache_controls().get(kDefaultCacheControl);
}

// The http block is read: every key set is complete once its files, read
// meanwhile, are (KeySets::resolve), before any server or location uses one.
char* init_main_conf(ngx_conf_t* cf, void* conf) noexcept {
  auto* mcf = static_cast<ngx_http_wellknown_main_conf_t*>(conf);
  return after_directives(cf, [&] {
    for (const auto& w : mcf->configuration->key_sets().resolve(
             mcf->loaded_at, mcf->configuration->key_files())) {
      log_located(cf, NGX_LOG_WARN, w.message, w.origin);
    }
  });
}

// Builds the documents of every issuer and protected resource of a server,
// now that all key sets are known. Findings name the directive's file:line.
char* merge_srv_conf(ngx_conf_t* cf, void* parent, void* child) noexcept {
  auto* prev = static_cast<ngx_http_wellknown_srv_conf_t*>(parent);
  auto* conf = static_cast<ngx_http_wellknown_srv_conf_t*>(child);
  ngx_conf_merge_value(conf->not_found, prev->not_found, 0);
  if (conf->server == nullptr) {
    return NGX_CONF_OK;
  }
  return after_directives(cf, [&] {
    wellknown::Configuration& configuration = *main_conf(cf)->configuration;
    // Reported in postconfiguration, alike findings of every server as one.
    configuration.findings().merge(conf->server->build(configuration.key_sets(),
                                                       configuration.cache_controls(),
                                                       server_cache_control(cf),
                                                       conf->not_found != 0));
  });
}

void* create_loc_conf(ngx_conf_t* cf) noexcept {
  auto* lcf = static_cast<ngx_http_wellknown_loc_conf_t*>(
      ngx_pcalloc(cf->pool, sizeof(ngx_http_wellknown_loc_conf_t)));
  if (lcf == nullptr) {
    return nullptr;
  }
  // Unset until a directive or the merge sets it.
  lcf->cache_control = nullptr;
  lcf->serve = NGX_CONF_UNSET;
  lcf->block_file = cf->conf_file->file.name.data;
  lcf->block_line = cf->conf_file->line;
  return lcf;
}

// An exact-match location (`location = /path`) in a server with issuers or
// resources: at a path the module serves, its content handler never runs
// (the module answers in the pre-content phase), which nginx -t reports as
// a warning unless the location turns the module off; at another discovery
// path it keeps its requests even with wellknown_not_found on. Runs after
// the server's merge_srv_conf, which built the routes.
void note_exact_location(ngx_conf_t* cf, const ngx_http_wellknown_loc_conf_t* lcf) {
  auto* scf = static_cast<ngx_http_wellknown_srv_conf_t*>(
      ngx_http_conf_get_module_srv_conf(cf, ngx_http_wellknown_module));
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(
      ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  if (scf == nullptr || scf->server == nullptr || clcf == nullptr || !clcf->exact_match) {
    return;
  }
  if (!lcf->serve) {
    return;
  }
  if (auto owner = scf->server->exact_location(to_string(clcf->name))) {
    ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                  "location = %V: the module answers that path for %s, so the location's own "
                  "content never runs; add \"wellknown_serve off;\" to the location, remove it, "
                  "or move the module's path (jwks_path, url_forms) in %s:%ui",
                  &clcf->name, owner->c_str(), lcf->block_file, lcf->block_line);
  }
}

char* merge_loc_conf(ngx_conf_t* cf, void* parent, void* child) noexcept {
  auto* prev = static_cast<ngx_http_wellknown_loc_conf_t*>(parent);
  auto* conf = static_cast<ngx_http_wellknown_loc_conf_t*>(child);
  if (conf->cache_control == nullptr) {
    conf->cache_control = prev->cache_control;
  }
  if (conf->cache_control == nullptr) {
    try {
      conf->cache_control =
          &main_conf(cf)->configuration->cache_controls().get(kDefaultCacheControl);
    } catch (const std::exception& e) {
      ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
      return static_cast<char*>(NGX_CONF_ERROR);
    }
  }
  ngx_conf_merge_value(conf->serve, prev->serve, 1);
  ngx_conf_merge_str_value(conf->jwks_type, prev->jwks_type, "application/json");
  // An `if` block inside a wellknown_jwks location runs this handler with
  // the if block's own location conf: inherit what the parent serves.
  if (conf->jwks_name.len == 0) {
    conf->jwks_name = prev->jwks_name;
    conf->jwks_file = prev->jwks_file;
    conf->jwks_line = prev->jwks_line;
    conf->timeline = prev->timeline;
  }
  try {
    note_exact_location(cf, conf);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  try {
    if (conf->jwks_name.len && conf->timeline == nullptr) {
      const wellknown::KeySet& set =
          main_conf(cf)->configuration->key_sets().get(to_string(conf->jwks_name));
      set.served_with(*conf->cache_control);
      conf->timeline = &set.timeline;
    }
  } catch (const wellknown::ConfigError& e) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown_jwks: %s in %s:%ui", e.what(),
                  conf->jwks_file, conf->jwks_line);
    return static_cast<char*>(NGX_CONF_ERROR);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  return NGX_CONF_OK;
}

ngx_str_t kResourceMetadataVariable = ngx_string("wellknown_resource_metadata");

ngx_int_t preconfiguration(ngx_conf_t* cf) noexcept {
  ngx_http_variable_t* v =
      ngx_http_add_variable(cf, &kResourceMetadataVariable, NGX_HTTP_VAR_NOCACHEABLE);
  if (v == nullptr) {
    return NGX_ERROR;
  }
  v->get_handler = resource_metadata_variable;
  return NGX_OK;
}

// Every server and location is merged by now: report the servers' findings
// (alike ones grouped), key sets nothing used and the key schedules,
// and put the answer where nginx runs content handlers' precursors (after
// rewrite, access and pre-access, with try_files and mirror).
ngx_int_t postconfiguration(ngx_conf_t* cf) noexcept {
  try {
    wellknown::Findings& findings = main_conf(cf)->configuration->findings();
    for (const auto& line : findings.lines()) {
      ngx_log_error(NGX_LOG_WARN, cf->log, 0, "%s", line.c_str());
    }
    findings.clear();
    wellknown::KeySets& key_sets = main_conf(cf)->configuration->key_sets();
    for (const auto& w : key_sets.unused()) {
      log_located(cf, NGX_LOG_WARN, w.message, w.origin);
    }
    // Key schedules, said out loud at every load and nginx -t.
    wellknown::ScheduleReport report = key_sets.schedules(main_conf(cf)->loaded_at);
    for (const auto& n : report.notices) log_located(cf, NGX_LOG_NOTICE, n.message, n.origin);
    for (const auto& w : report.warnings) log_located(cf, NGX_LOG_WARN, w.message, w.origin);
    key_sets.release_build_state();
    wellknown::KeyFileCache& key_files = reload_caches().key_files;
    if (key_files.reused() > 0) {
      ngx_log_error(NGX_LOG_NOTICE, cf->log, 0,
                    "wellknown: %uz key files unchanged since an earlier load taken over, %uz read",
                    key_files.reused(), key_files.read());
    }
    key_files.end_load();
    wellknown::KeySetCache& sets = reload_caches().key_sets;
    if (sets.reused() > 0) {
      ngx_log_error(NGX_LOG_NOTICE, cf->log, 0,
                    "wellknown: %uz key sets unchanged since an earlier load taken over, %uz built",
                    sets.reused(), sets.built());
    }
    wellknown::BlockCache& blocks = reload_caches().blocks;
    if (blocks.reused() > 0) {
      ngx_log_error(NGX_LOG_NOTICE, cf->log, 0,
                    "wellknown: %uz issuer and resource blocks unchanged since an earlier load "
                    "taken over, %uz built",
                    blocks.reused(), blocks.built());
    }
    reload_caches().responses.prune();
    sets.prune();
    blocks.prune();
#ifdef __GLIBC__
    // Hand the pages building freed back to the kernel before nginx forks
    // its workers (glibc keeps freed memory inside its heap otherwise).
    malloc_trim(0);
#endif
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "wellknown: %s", e.what());
    return NGX_ERROR;
  }
  auto* cmcf = static_cast<ngx_http_core_main_conf_t*>(
      ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module));
  auto* h = static_cast<ngx_http_handler_pt*>(
      ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers));
  if (h == nullptr) {
    return NGX_ERROR;
  }
  *h = server_handler;
  return NGX_OK;
}

// Once per configuration load (nginx -t included), so that the error log
// says which build serves.
ngx_int_t init_module(ngx_cycle_t* cycle) noexcept {
  ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0, "ngx_http_wellknown_module/%s",
                NGX_HTTP_WELLKNOWN_VERSION);
  return NGX_OK;
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
    {ngx_string("wellknown_jwks_type"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     wellknown_jwks_type, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("wellknown_not_found"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_CONF_FLAG,
     ngx_conf_set_flag_slot, NGX_HTTP_SRV_CONF_OFFSET,
     offsetof(ngx_http_wellknown_srv_conf_t, not_found), nullptr},
    {ngx_string("wellknown_serve"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_FLAG,
     ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
     offsetof(ngx_http_wellknown_loc_conf_t, serve), nullptr},
    ngx_null_command};

ngx_http_module_t module_ctx = {
    preconfiguration,   // preconfiguration
    postconfiguration,  // postconfiguration
    create_main_conf,   // create main configuration
    init_main_conf,     // init main configuration
    create_srv_conf,    // create server configuration
    merge_srv_conf,     // merge server configuration
    create_loc_conf,    // create location configuration
    merge_loc_conf      // merge location configuration
};

}  // namespace

}  // namespace ngx_http_wellknown

ngx_module_t ngx_http_wellknown_module = {
    NGX_MODULE_V1,
    &ngx_http_wellknown::module_ctx,  // module context
    ngx_http_wellknown::commands,     // module directives
    NGX_HTTP_MODULE,                  // module type
    nullptr,                          // init master
    ngx_http_wellknown::init_module,  // init module
    nullptr,                          // init process
    nullptr,                          // init thread
    nullptr,                          // exit thread
    nullptr,                          // exit process
    nullptr,                          // exit master
    NGX_MODULE_V1_PADDING};
