#!/usr/bin/perl
# wellknown_resource documents (RFC 9728 protected resource metadata):
# "resource" first and exactly as configured, declared members in order,
# the derived jwks_uri and its key set (or jwks_path); the HTTP behaviour
# the other documents have; a trailing "/" served without it; a bare
# resource; a root resource in another server; paths no resource serves
# (JSON 404) and paths the locations keep; an issuer and a wellknown_jwks
# location next to the resources.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

sub kids { my ($body) = @_; my $s = json_of($body); return [map { $_->{kid} } @{ $s && $s->{keys} || [] }] }

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->key('ec.pem', 'p256');
$t->key('rs.pem', 'rsa2048');

# rs.test comes first; the harness's server (localhost) holds the rest.
my $http = <<'HTTP';
    wellknown_keys rsa { key rsa.pem kid=rsa-1; }
    wellknown_keys ec { key ec.pem kid=ec-1; }
    wellknown_keys rs { key rs.pem kid=rs-1; }
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name rs.test;
        wellknown_resource https://rs.test {
            keys ec;
            authorization_servers https://id.example.com/t1;
            bearer_methods_supported header;
        }
        location / { try_files /.app @app; }
        location @app { return 200 "rs"; }
    }
HTTP
my $server = <<'SERVER' . issuer_block('https://id.example.com/t1', [], keys => 'rsa') . <<'LOC';
        wellknown_cache_control "public, max-age=55";
        wellknown_resource https://api.example.com/api {
            keys rs;
            authorization_servers https://id.example.com/t1 https://id2.example.com;
            scopes_supported read write;
            resource_signing_alg_values_supported;
            bearer_methods_supported header;
            resource_name "Example API";
            extra x_tier '"gold"';
            resource_documentation https://api.example.com/docs;
        }
        wellknown_resource https://api.example.com/v2/ {
            keys rs;
            jwks_path /keys/v2.json;
            authorization_servers https://id.example.com/t1;
        }
        wellknown_resource https://api.example.com/bare {
        }
SERVER
        location /api { try_files /.app @api; }
        location @api { return 200 "api-location"; }
        location = /.well-known/jwks.json { wellknown_jwks rs; }
        location / { try_files /.app @app; }
        location @app { return 200 "app"; }
LOC
$t->write_config($http, $server);
my $out = $t->start_checked('nginx -t accepts resources next to an issuer');
is(join("\n", $out =~ /^.*\[(?:warn|emerg)\] (?:\d+#\d+: )?(.*?) in \S+$/mg),
   'wellknown_resource "https://api.example.com/bare": oauth-protected-resource: no authorization_servers: '
   . 'MCP clients need at least one to find where to get tokens; add authorization_servers URL;',
   'the one warning: the bare resource names no authorization server');

# ---------------------------------------------------------------- path resource

my $api_body = '{"resource":"https://api.example.com/api",'
    . '"authorization_servers":["https://id.example.com/t1","https://id2.example.com"],'
    . '"scopes_supported":["read","write"],"bearer_methods_supported":["header"],'
    . '"resource_name":"Example API","x_tier":"gold",'
    . '"resource_documentation":"https://api.example.com/docs",'
    . '"jwks_uri":"https://api.example.com/api/jwks.json"}';
my $api_path = '/.well-known/oauth-protected-resource/api';
my $api = $t->request('GET', $api_path);
{
    is($api->{status}, 200, "resource $api_path: 200");
    is(header($api, 'content-type'), 'application/json', 'resource: application/json');
    is($api->{body}, $api_body, 'resource: exact bytes');
    my $d = json_of($api->{body}) || {};
    is([ member_names($api->{body}) ]->[0], 'resource', 'resource: "resource" is the first member');
    is($d->{resource}, 'https://api.example.com/api', 'resource: identical to the configured URL');
    is_deeply([ member_names($api->{body}) ],
              [qw(resource authorization_servers scopes_supported bearer_methods_supported resource_name
                  x_tier resource_documentation jwks_uri)],
              'resource: declared members in order, then the derived jwks_uri');
    ok(!exists $d->{resource_signing_alg_values_supported}, 'resource: zero-element array omitted');
    ok(!exists $d->{id_token_signing_alg_values_supported}, 'resource: no id_token algs');
    is($d->{jwks_uri}, 'https://api.example.com/api/jwks.json', 'resource: jwks_uri = {path}/jwks.json');

    my $k = $t->request('GET', '/api/jwks.json');
    is($k->{status}, 200, 'resource key set at /api/jwks.json: 200');
    is_deeply(kids($k->{body}), ['rs-1'], 'resource key set: the kids of key set rs');
    is(header($k, 'cache-control'), 'public, max-age=55', 'resource key set: server-level Cache-Control');
}

# The same HTTP behaviour as the other documents.
{
    my $get = $api;
    is(header($get, 'content-length'), length $get->{body}, 'resource GET: Content-Length');
    is($get->{trailing}, '', 'resource GET: nothing after the body');
    like(header($get, 'etag') // '', qr/^"[\x21\x23-\x7e]+"$/, 'resource GET: strong ETag');
    ok(!defined header($get, 'last-modified'), 'resource GET: no Last-Modified (no schedule)');
    is(header($get, 'cache-control'), 'public, max-age=55', 'resource GET: server-level Cache-Control');
    is(header_count($get, 'cache-control'), 1, 'resource GET: one Cache-Control');
    is(header($get, 'access-control-allow-origin'), '*', 'resource GET: Access-Control-Allow-Origin *');

    my $nm = $t->request('GET', $api_path, headers => ['If-None-Match' => header($get, 'etag')]);
    is($nm->{status}, 304, 'resource If-None-Match: 304');
    is($nm->{body} . $nm->{trailing}, '', 'resource 304: no body');
    is(header($nm, 'etag'), header($get, 'etag'), 'resource 304: same ETag');
    my $weak = $t->request('GET', $api_path, headers => ['If-None-Match' => 'W/' . header($get, 'etag')]);
    is($weak->{status}, 304, 'resource If-None-Match (weak form): 304');
    my $ims = $t->request('GET', $api_path, headers => ['If-Modified-Since' => header($get, 'date')]);
    is($ims->{status}, 200, 'resource If-Modified-Since without Last-Modified: 200 (RFC 9110 §13.1.3)');
    my $other = $t->request('GET', $api_path, headers => ['If-None-Match' => '"other"']);
    is($other->{status}, 200, 'resource If-None-Match with another tag: 200');

    my $head = $t->request('HEAD', $api_path);
    is($head->{status}, 200, 'resource HEAD: 200');
    is($head->{trailing}, '', 'resource HEAD: no body');
    is(header($head, 'content-length'), length $get->{body}, 'resource HEAD: Content-Length of the GET body');
    is(header($head, 'etag'), header($get, 'etag'), 'resource HEAD: same ETag');

    for my $m ('POST', 'PUT', 'DELETE') {
        is_json_405($t->request($m, $api_path, $m eq 'DELETE' ? () : (body => 'x=1')), "resource $m");
    }

    is_preflight($t->request('OPTIONS', $api_path, headers => ['Origin' => 'https://app.example',
                                                               'Access-Control-Request-Method' => 'GET',
                                                               'Access-Control-Request-Headers' => 'authorization']),
                 'resource OPTIONS', 'authorization');

    my $q = $t->request('GET', "$api_path?resource=https://evil.example");
    is($q->{body}, $get->{body}, 'resource: query string ignored');
    my $enc = $t->request('GET', '/.well-known/oauth-protected-resource/%61pi');
    is($enc->{body}, $get->{body}, 'resource: percent-encoded request path decoded by nginx');
    my $evil = $t->request('GET', $api_path, headers => ['X-Forwarded-Host' => 'evil.example']);
    is($evil->{body}, $get->{body}, 'resource: X-Forwarded-Host ignored');
}

# ---------------------------------------------------------------- other resources

{
    # Trailing "/": served without it (RFC 9728 §3.1), identifier as written.
    my $r = $t->request('GET', '/.well-known/oauth-protected-resource/v2');
    is($r->{status}, 200, 'resource .../v2/: served at /.well-known/oauth-protected-resource/v2');
    is($r->{body}, '{"resource":"https://api.example.com/v2/","authorization_servers":["https://id.example.com/t1"],'
                 . '"jwks_uri":"https://api.example.com/keys/v2.json"}',
       'resource .../v2/: resource exactly as configured; jwks_uri from jwks_path');
    is_json_404($t->request('GET', '/.well-known/oauth-protected-resource/v2/'), 'resource .../v2/: the path with "/"');
    my $k = $t->request('GET', '/keys/v2.json');
    is($k->{status}, 200, 'resource jwks_path /keys/v2.json: 200');
    is_deeply(kids($k->{body}), ['rs-1'], 'resource jwks_path: key set rs');
    is($t->request('GET', '/v2/jwks.json')->{body}, 'app', 'resource with jwks_path: no {path}/jwks.json');

    my $bare = $t->request('GET', '/.well-known/oauth-protected-resource/bare');
    is($bare->{status}, 200, 'resource with an empty block: 200');
    is($bare->{body}, '{"resource":"https://api.example.com/bare"}', 'resource with an empty block: resource only');
    is($t->request('GET', '/bare/jwks.json')->{body}, 'app', 'resource without keys: no key set served');
}

# ---------------------------------------------------------------- root resource (rs.test)

{
    my $r = $t->request('GET', '/.well-known/oauth-protected-resource', host => 'rs.test');
    is($r->{status}, 200, 'root resource: /.well-known/oauth-protected-resource 200');
    is($r->{body}, '{"resource":"https://rs.test","authorization_servers":["https://id.example.com/t1"],'
                 . '"bearer_methods_supported":["header"],"jwks_uri":"https://rs.test/.well-known/jwks.json"}',
       'root resource: exact bytes, jwks_uri /.well-known/jwks.json');
    is(header($r, 'cache-control'), 'public, max-age=600', 'root resource: default Cache-Control');
    my $k = $t->request('GET', '/.well-known/jwks.json', host => 'rs.test');
    is($k->{status}, 200, 'root resource: /.well-known/jwks.json 200');
    is_deeply(kids($k->{body}), ['ec-1'], 'root resource: key set ec');
    is_json_404($t->request('GET', '/.well-known/oauth-protected-resource/other', host => 'rs.test'),
                   'rs.test: /.well-known/oauth-protected-resource/other');
    is_json_404($t->request('GET', '/.well-known/oauth-protected-resource/api', host => 'rs.test'),
                   'rs.test: the other server\'s resource is unknown here');
    is_json_404($t->request('GET', '/.well-known/openid-configuration', host => 'rs.test'),
                   'rs.test: no issuer here');
    is($t->request('GET', '/api', host => 'rs.test')->{body}, 'rs', 'rs.test: its location');
}

# ---------------------------------------------------------------- fall-through and JSON 404

for my $case (['/other', '/.well-known/oauth-protected-resource/other'], ['', 'no root resource on localhost'],
              ['/api/x', 'resource with a longer path'], ['/ap', 'resource with a shorter path'],
              ['/t1', 'an issuer path is no resource']) {
    is_json_404($t->request('GET', "/.well-known/oauth-protected-resource$case->[0]"), $case->[1]);
}
is_json_404($t->request('GET', '/api/.well-known/oauth-protected-resource'), 'resource append form is not served');
for my $case (['/api', 'api-location'], ['/api/anything', 'api-location'], ['/api/users/7', 'api-location'],
              ['/apix', 'api-location'], ['/api/jwks.jsonx', 'api-location'],
              ['/.well-known/oauth-protected-resourceX', 'app'], ['/files', 'app'], ['/t1', 'app']) {
    my ($path, $want) = @$case;
    my $r = $t->request('GET', $path);
    is($r->{status}, 200, "$path: 200 from the location");
    is($r->{body}, $want, "$path: the location's body (not captured by the resource)");
}

# ---------------------------------------------------------------- issuer next to the resources

{
    my $r = $t->request('GET', '/t1/.well-known/openid-configuration');
    is($r->{status}, 200, 'issuer t1 next to the resources: 200');
    my $d = json_of($r->{body}) || {};
    is($d->{issuer}, 'https://id.example.com/t1', 'issuer t1: issuer');
    is($d->{jwks_uri}, 'https://id.example.com/t1/jwks.json', 'issuer t1: jwks_uri');
    is_deeply(kids($t->request('GET', '/t1/jwks.json')->{body}), ['rsa-1'], 'issuer t1: its own key set, not the resource\'s');
    is($t->request('GET', '/.well-known/oauth-authorization-server/t1')->{status}, 200, 'issuer t1: AS insert form');
}

# A `wellknown_jwks` location at /.well-known/jwks.json (the README's own
# example) next to resources keeps its requests: an exact-match location at a
# discovery path the module does not serve is not answered by the JSON 404.
{
    my $r = $t->request('GET', '/.well-known/jwks.json');
    is($r->{status}, 200, 'location = /.well-known/jwks.json { wellknown_jwks rs; } next to resources: 200');
    is_deeply(kids($r->{body}), ['rs-1'], 'location = /.well-known/jwks.json next to resources: key set rs');
}

log_is_clean($t, 'no alert or crit in the error log', levels => [qw(alert crit)]);

done_testing;
