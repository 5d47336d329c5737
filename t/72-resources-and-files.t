#!/usr/bin/perl
# wellknown_resource (RFC 9728 protected resource metadata), metadata_file
# base documents (both blocks), block settings refused when repeated, a
# given jwks_uri checked against what the server serves, the declared
# id_token algs checked against the key set, and percent-encoded
# identifier paths.
#
# Instance A: resources (path, trailing "/", root on a second server, with
#   jwks_path, bare, percent-encoded, from a metadata file) next to issuers
#   (path, percent-encoded, from a metadata file) in one server; the HTTP
#   behaviour of the resource document; fall-through and JSON 404s; reloads
#   that re-read (or refuse) a metadata file.
# Instance C: `nginx -t` only, for errors and warnings.
# Instance D: nginx.conf in a subdirectory of the prefix, to show which
#   directory a relative metadata_file resolves against.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use WellKnown::Test qw(decode_json);

sub hdr { WellKnown::Test::header(@_) }
sub hcount { my ($r, $n) = @_; my $v = $r->{headers}{lc $n}; $v ? scalar @$v : 0 }

# One request on its own connection to instance $t. Options: host (default
# localhost), headers => [k, v, ...], body.
sub request {
    my ($t, $method, $path, %o) = @_;
    my $host = defined $o{host} ? $o{host} : 'localhost';
    my $req = "$method $path HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n";
    my $h = $o{headers} || [];
    for (my $i = 0; $i < @$h; $i += 2) {
        $req .= "$h->[$i]: $h->[$i + 1]\r\n";
    }
    $req .= 'Content-Length: ' . length($o{body}) . "\r\n" if defined $o{body};
    $req .= "\r\n";
    $req .= $o{body} if defined $o{body};
    my $buf = $t->raw($req);
    my $r = WellKnown::Test::parse_response(\$buf, $method);
    return { status => 0, headers => {}, body => '', trailing => '', head => '' } unless $r;
    $r->{trailing} = $buf;
    return $r;
}

# The member names of a JSON object text, in the order they appear.
sub top_keys {
    my ($json) = @_;
    my @keys;
    my ($depth, $expect_key) = (0, 0);
    my $n = length $json;
    for (my $i = 0; $i < $n; $i++) {
        my $c = substr $json, $i, 1;
        if ($c eq '"') {
            my $s = '';
            my $j = $i + 1;
            while ($j < $n) {
                my $d = substr $json, $j, 1;
                if ($d eq '\\') { $s .= substr $json, $j, 2; $j += 2; next; }
                last if $d eq '"';
                $s .= $d;
                $j++;
            }
            push @keys, $s if $depth == 1 && $expect_key;
            $expect_key = 0;
            $i = $j;
        } elsif ($c eq '{' || $c eq '[') {
            $depth++;
            $expect_key = ($c eq '{' && $depth == 1) ? 1 : 0;
        } elsif ($c eq '}' || $c eq ']') {
            $depth--;
        } elsif ($c eq ',' && $depth == 1) {
            $expect_key = 1;
        }
    }
    return \@keys;
}

# nginx -t prints "[emerg] PID#TID: message" when the error log is already open.
my $P = qr/(?:\d+#\d+: )?/;

sub json_or_undef { my $d = eval { decode_json($_[0]) }; return $d }

sub kids { my ($body) = @_; my $s = json_or_undef($body); return [map { $_->{kid} } @{ $s && $s->{keys} || [] }] }

# A JSON 404 from the module: status, JSON error, CORS, no fall-through.
sub check_json_404 {
    my ($r, $what) = @_;
    is($r->{status}, 404, "$what: 404");
    is(hdr($r, 'content-type'), 'application/json', "$what: Content-Type application/json");
    my $d = json_or_undef($r->{body});
    is($d && $d->{error}, 'not_found', "$what: {\"error\":\"not_found\",...}") or diag $r->{body};
    is(hdr($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin *");
}

# The statements every OpenID Connect issuer at $base needs besides keys.
sub required_members {
    my ($base, $indent) = @_;
    $indent = ' ' x 12 unless defined $indent;
    return "${indent}authorization_endpoint $base/authorize;\n"
         . "${indent}token_endpoint $base/token;\n"
         . "${indent}response_types_supported code;\n"
         . "${indent}subject_types_supported public;\n";
}

# ====================================================================
# Instance A
# ====================================================================

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->key('ec.pem', 'p256');
$t->key('rs.pem', 'rsa2048');

# The issuer's metadata file: issuer not first, an override
# (token_endpoint), a member the block replaces by a shorter list
# (scopes_supported), an empty array (omitted), a nested extra member.
$t->write_file('mf.json', <<'JSON');
{
  "authorization_endpoint": "https://id.example.com/mf/authorize",
  "issuer": "https://id.example.com/mf",
  "token_endpoint": "https://id.example.com/mf/token",
  "x_from_file": {"b": [1, 2], "a": null},
  "response_types_supported": ["code", "code id_token"],
  "grant_types_supported": [],
  "subject_types_supported": ["public"],
  "scopes_supported": ["openid", "email"],
  "claims_parameter_supported": false
}
JSON
# The resource's metadata file: "resource" in the middle, equal to the identifier.
$t->write_file('rs-meta.json', <<'JSON');
{"resource_name": "From the file",
 "authorization_servers": ["https://id.example.com/t1"],
 "resource": "https://api.example.com/files",
 "bearer_methods_supported": ["header", "body"],
 "scopes_supported": []}
JSON

# rs.test comes first; the harness's server (localhost) holds the rest.
my $http_a = <<'HTTP';
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
        location / { return 200 "rs"; }
    }
HTTP

my $server_a = <<'SERVER' . required_members('https://id.example.com/t1') . <<'SERVER2' . required_members('https://id.example.com/caf%C3%A9') . <<'SERVER3';
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
        wellknown_issuer https://id.example.com/t1 {
            keys rsa;
SERVER
        }
        wellknown_issuer https://id.example.com/caf%C3%A9 {
            keys rsa;
SERVER2
        }
        wellknown_resource https://api.example.com/caf%C3%A9 {
            authorization_servers https://id.example.com/caf%C3%A9;
        }
        wellknown_issuer https://id.example.com/mf {
            keys rsa;
            metadata_file mf.json;
            token_endpoint https://id.example.com/mf/token-v2;
            scopes_supported openid;
            extra x_late 1;
        }
        wellknown_resource https://api.example.com/files {
            metadata_file rs-meta.json;
            resource_name "From nginx.conf";
        }
        location /api { return 200 "api-location"; }
        location = /.well-known/jwks.json { wellknown_jwks rs; }
        location / { return 200 "app"; }
SERVER3

$t->write_config($http_a, $server_a);
{
    my ($ok, $out) = $t->test_config;
    ok($ok, 'A: nginx -t accepts resources, issuers and metadata files together') or diag $out;
    unlike($out, qr/\[(warn|emerg)\]/, 'A: no warnings') or diag $out;
}
$t->start;

# ---------------------------------------------------------------- path resource

my $api_body = '{"resource":"https://api.example.com/api",'
    . '"authorization_servers":["https://id.example.com/t1","https://id2.example.com"],'
    . '"scopes_supported":["read","write"],"bearer_methods_supported":["header"],'
    . '"resource_name":"Example API","x_tier":"gold",'
    . '"resource_documentation":"https://api.example.com/docs",'
    . '"jwks_uri":"https://api.example.com/api/jwks.json"}';
my $api_path = '/.well-known/oauth-protected-resource/api';
my $api = request($t, 'GET', $api_path);
{
    is($api->{status}, 200, "resource $api_path: 200");
    is(hdr($api, 'content-type'), 'application/json', 'resource: application/json');
    is($api->{body}, $api_body, 'resource: exact bytes');
    my $d = json_or_undef($api->{body}) || {};
    is(top_keys($api->{body})->[0], 'resource', 'resource: "resource" is the first member');
    is($d->{resource}, 'https://api.example.com/api', 'resource: identical to the configured URL');
    is_deeply(top_keys($api->{body}),
              [qw(resource authorization_servers scopes_supported bearer_methods_supported resource_name
                  x_tier resource_documentation jwks_uri)],
              'resource: declared members in order, then the derived jwks_uri');
    ok(!exists $d->{resource_signing_alg_values_supported}, 'resource: zero-element array omitted');
    ok(!exists $d->{id_token_signing_alg_values_supported}, 'resource: no id_token algs');
    is($d->{jwks_uri}, 'https://api.example.com/api/jwks.json', 'resource: jwks_uri = {path}/jwks.json');

    my $k = request($t, 'GET', '/api/jwks.json');
    is($k->{status}, 200, 'resource key set at /api/jwks.json: 200');
    is_deeply(kids($k->{body}), ['rs-1'], 'resource key set: the kids of key set rs');
    is(hdr($k, 'cache-control'), 'public, max-age=55', 'resource key set: server-level Cache-Control');
}

# The same HTTP behaviour as the other documents.
{
    my $get = $api;
    is(hdr($get, 'content-length'), length $get->{body}, 'resource GET: Content-Length');
    is($get->{trailing}, '', 'resource GET: nothing after the body');
    like(hdr($get, 'etag') // '', qr/^"[\x21\x23-\x7e]+"$/, 'resource GET: strong ETag');
    ok(defined hdr($get, 'last-modified'), 'resource GET: Last-Modified');
    is(hdr($get, 'cache-control'), 'public, max-age=55', 'resource GET: server-level Cache-Control');
    is(hcount($get, 'cache-control'), 1, 'resource GET: one Cache-Control');
    is(hdr($get, 'access-control-allow-origin'), '*', 'resource GET: Access-Control-Allow-Origin *');

    my $nm = request($t, 'GET', $api_path, headers => ['If-None-Match' => hdr($get, 'etag')]);
    is($nm->{status}, 304, 'resource If-None-Match: 304');
    is($nm->{body} . $nm->{trailing}, '', 'resource 304: no body');
    is(hdr($nm, 'etag'), hdr($get, 'etag'), 'resource 304: same ETag');
    my $weak = request($t, 'GET', $api_path, headers => ['If-None-Match' => 'W/' . hdr($get, 'etag')]);
    is($weak->{status}, 304, 'resource If-None-Match (weak form): 304');
    my $ims = request($t, 'GET', $api_path, headers => ['If-Modified-Since' => hdr($get, 'last-modified')]);
    is($ims->{status}, 304, 'resource If-Modified-Since: 304');
    my $other = request($t, 'GET', $api_path, headers => ['If-None-Match' => '"other"']);
    is($other->{status}, 200, 'resource If-None-Match with another tag: 200');

    my $head = request($t, 'HEAD', $api_path);
    is($head->{status}, 200, 'resource HEAD: 200');
    is($head->{trailing}, '', 'resource HEAD: no body');
    is(hdr($head, 'content-length'), length $get->{body}, 'resource HEAD: Content-Length of the GET body');
    is(hdr($head, 'etag'), hdr($get, 'etag'), 'resource HEAD: same ETag');

    for my $m ('POST', 'PUT', 'DELETE') {
        my $r = request($t, $m, $api_path, $m eq 'DELETE' ? () : (body => 'x=1'));
        is($r->{status}, 405, "resource $m: 405");
        is(hdr($r, 'allow'), 'GET, HEAD, OPTIONS', "resource $m: Allow");
        is(hdr($r, 'content-type'), 'application/json', "resource $m: JSON");
        is((json_or_undef($r->{body}) || {})->{error}, 'method_not_allowed', "resource $m: method_not_allowed");
        is(hdr($r, 'access-control-allow-origin'), '*', "resource $m: CORS");
    }

    my $opt = request($t, 'OPTIONS', $api_path, headers => ['Origin' => 'https://app.example',
                                                            'Access-Control-Request-Method' => 'GET',
                                                            'Access-Control-Request-Headers' => 'authorization']);
    is($opt->{status}, 204, 'resource OPTIONS: 204');
    is(hdr($opt, 'access-control-allow-origin'), '*', 'resource OPTIONS: Access-Control-Allow-Origin');
    is(hdr($opt, 'access-control-allow-methods'), 'GET, HEAD, OPTIONS', 'resource OPTIONS: Allow-Methods');
    is(hdr($opt, 'access-control-allow-headers'), 'authorization', 'resource OPTIONS: requested headers allowed');
    is(hdr($opt, 'access-control-max-age'), '86400', 'resource OPTIONS: Max-Age');
    is($opt->{trailing}, '', 'resource OPTIONS: no body');

    my $q = request($t, 'GET', "$api_path?resource=https://evil.example");
    is($q->{body}, $get->{body}, 'resource: query string ignored');
    my $enc = request($t, 'GET', '/.well-known/oauth-protected-resource/%61pi');
    is($enc->{body}, $get->{body}, 'resource: percent-encoded request path decoded by nginx');
    my $evil = request($t, 'GET', $api_path, headers => ['X-Forwarded-Host' => 'evil.example']);
    is($evil->{body}, $get->{body}, 'resource: X-Forwarded-Host ignored');
}

# ---------------------------------------------------------------- other resources

{
    # Trailing "/": served without it (RFC 9728 §3.1), identifier as written.
    my $r = request($t, 'GET', '/.well-known/oauth-protected-resource/v2');
    is($r->{status}, 200, 'resource .../v2/: served at /.well-known/oauth-protected-resource/v2');
    is($r->{body}, '{"resource":"https://api.example.com/v2/","authorization_servers":["https://id.example.com/t1"],'
                 . '"jwks_uri":"https://api.example.com/keys/v2.json"}',
       'resource .../v2/: resource exactly as configured; jwks_uri from jwks_path');
    check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/v2/'), 'resource .../v2/: the path with "/"');
    my $k = request($t, 'GET', '/keys/v2.json');
    is($k->{status}, 200, 'resource jwks_path /keys/v2.json: 200');
    is_deeply(kids($k->{body}), ['rs-1'], 'resource jwks_path: key set rs');
    is(request($t, 'GET', '/v2/jwks.json')->{body}, 'app', 'resource with jwks_path: no {path}/jwks.json');

    my $bare = request($t, 'GET', '/.well-known/oauth-protected-resource/bare');
    is($bare->{status}, 200, 'resource with an empty block: 200');
    is($bare->{body}, '{"resource":"https://api.example.com/bare"}', 'resource with an empty block: resource only');
    is(request($t, 'GET', '/bare/jwks.json')->{body}, 'app', 'resource without keys: no key set served');
}

# ---------------------------------------------------------------- root resource (rs.test)

{
    my $r = request($t, 'GET', '/.well-known/oauth-protected-resource', host => 'rs.test');
    is($r->{status}, 200, 'root resource: /.well-known/oauth-protected-resource 200');
    is($r->{body}, '{"resource":"https://rs.test","authorization_servers":["https://id.example.com/t1"],'
                 . '"bearer_methods_supported":["header"],"jwks_uri":"https://rs.test/.well-known/jwks.json"}',
       'root resource: exact bytes, jwks_uri /.well-known/jwks.json');
    is(hdr($r, 'cache-control'), 'public, max-age=600', 'root resource: default Cache-Control');
    my $k = request($t, 'GET', '/.well-known/jwks.json', host => 'rs.test');
    is($k->{status}, 200, 'root resource: /.well-known/jwks.json 200');
    is_deeply(kids($k->{body}), ['ec-1'], 'root resource: key set ec');
    check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/other', host => 'rs.test'),
                   'rs.test: /.well-known/oauth-protected-resource/other');
    check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/api', host => 'rs.test'),
                   'rs.test: the other server\'s resource is unknown here');
    check_json_404(request($t, 'GET', '/.well-known/openid-configuration', host => 'rs.test'),
                   'rs.test: no issuer here');
    is(request($t, 'GET', '/api', host => 'rs.test')->{body}, 'rs', 'rs.test: its location');
}

# ---------------------------------------------------------------- fall-through and JSON 404

check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/other'), '/.well-known/oauth-protected-resource/other');
check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource'), 'no root resource on localhost');
check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/api/x'), 'resource with a longer path');
check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/ap'), 'resource with a shorter path');
check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource/t1'), 'an issuer path is no resource');
check_json_404(request($t, 'GET', '/api/.well-known/oauth-protected-resource'), 'resource append form is not served');
for my $case (['/api', 'api-location'], ['/api/anything', 'api-location'], ['/api/users/7', 'api-location'],
              ['/apix', 'api-location'], ['/api/jwks.jsonx', 'api-location'],
              ['/.well-known/oauth-protected-resourceX', 'app'], ['/files', 'app'], ['/t1', 'app']) {
    my ($path, $want) = @$case;
    my $r = request($t, 'GET', $path);
    is($r->{status}, 200, "$path: 200 from the location");
    is($r->{body}, $want, "$path: the location's body (not captured by the resource)");
}

# ---------------------------------------------------------------- issuer next to the resources

{
    my $r = request($t, 'GET', '/t1/.well-known/openid-configuration');
    is($r->{status}, 200, 'issuer t1 next to the resources: 200');
    my $d = json_or_undef($r->{body}) || {};
    is($d->{issuer}, 'https://id.example.com/t1', 'issuer t1: issuer');
    is($d->{jwks_uri}, 'https://id.example.com/t1/jwks.json', 'issuer t1: jwks_uri');
    is_deeply(kids(request($t, 'GET', '/t1/jwks.json')->{body}), ['rsa-1'], 'issuer t1: its own key set, not the resource\'s');
    is(request($t, 'GET', '/.well-known/oauth-authorization-server/t1')->{status}, 200, 'issuer t1: AS insert form');
}

# ---------------------------------------------------------------- percent-encoded paths

{
    my $iss = 'https://id.example.com/caf%C3%A9';
    my %b;
    for my $p ('/caf%C3%A9/.well-known/openid-configuration', '/.well-known/openid-configuration/caf%C3%A9',
               '/caf%c3%a9/.well-known/openid-configuration', "/caf\xC3\xA9/.well-known/openid-configuration") {
        my $r = request($t, 'GET', $p);
        is($r->{status}, 200, "issuer .../caf%C3%A9: GET $p 200");
        $b{$p} = $r->{body};
    }
    my $body = $b{'/caf%C3%A9/.well-known/openid-configuration'};
    is(scalar(grep { $_ eq $body } values %b), 4, 'issuer .../caf%C3%A9: every spelling gets the same bytes');
    my $d = json_or_undef($body) || {};
    is($d->{issuer}, $iss, 'issuer .../caf%C3%A9: issuer exactly as configured (percent-encoded)');
    is($d->{jwks_uri}, "$iss/jwks.json", 'issuer .../caf%C3%A9: jwks_uri percent-encoded');
    like($body, qr{"issuer":"https://id\.example\.com/caf%C3%A9"}, 'issuer .../caf%C3%A9: no decoded bytes in the body');
    my $as = request($t, 'GET', '/.well-known/oauth-authorization-server/caf%C3%A9');
    is((json_or_undef($as->{body}) || {})->{issuer}, $iss, 'issuer .../caf%C3%A9: AS insert form');
    my $k = request($t, 'GET', '/caf%C3%A9/jwks.json');
    is($k->{status}, 200, 'issuer .../caf%C3%A9: jwks_uri path 200');
    is_deeply(kids($k->{body}), ['rsa-1'], 'issuer .../caf%C3%A9: key set rsa');
    check_json_404(request($t, 'GET', '/cafe/.well-known/openid-configuration'), 'issuer .../cafe (not café)');
    check_json_404(request($t, 'GET', '/caf%C3%A9%20/.well-known/openid-configuration'), 'issuer .../caf%C3%A9%20');

    my $rr = request($t, 'GET', '/.well-known/oauth-protected-resource/caf%C3%A9');
    is($rr->{status}, 200, 'resource .../caf%C3%A9: 200');
    is($rr->{body}, '{"resource":"https://api.example.com/caf%C3%A9","authorization_servers":["https://id.example.com/caf%C3%A9"]}',
       'resource .../caf%C3%A9: resource exactly as configured');
    is(request($t, 'GET', "/.well-known/oauth-protected-resource/caf\xC3\xA9")->{body}, $rr->{body},
       'resource .../caf%C3%A9: raw UTF-8 request path too');
}

# ---------------------------------------------------------------- metadata files

{
    my $mf = 'https://id.example.com/mf';
    my $want_as = qq({"issuer":"$mf","authorization_endpoint":"$mf/authorize","token_endpoint":"$mf/token-v2",)
        . q("x_from_file":{"b":[1,2],"a":null},"response_types_supported":["code","code id_token"],)
        . q("subject_types_supported":["public"],"scopes_supported":["openid"],"claims_parameter_supported":false,)
        . qq("x_late":1,"jwks_uri":"$mf/jwks.json");
    my $want_oidc = $want_as . ',"id_token_signing_alg_values_supported":["RS256"]}';
    $want_as .= '}';
    my $oidc = request($t, 'GET', '/mf/.well-known/openid-configuration');
    is($oidc->{status}, 200, 'issuer with metadata_file: 200');
    is($oidc->{body}, $want_oidc,
       'issuer with metadata_file: issuer, the file\'s members in file order (overrides in place, '
       . 'empty array omitted), then the declared ones, then the derived ones');
    is_deeply(top_keys($oidc->{body}),
              [qw(issuer authorization_endpoint token_endpoint x_from_file response_types_supported
                  subject_types_supported scopes_supported claims_parameter_supported x_late jwks_uri
                  id_token_signing_alg_values_supported)], 'issuer with metadata_file: member order');
    my $as = request($t, 'GET', '/.well-known/oauth-authorization-server/mf');
    is($as->{body}, $want_as, 'issuer with metadata_file: AS document from the same base');

    my $r = request($t, 'GET', '/.well-known/oauth-protected-resource/files');
    is($r->{status}, 200, 'resource with metadata_file: 200');
    is($r->{body}, '{"resource":"https://api.example.com/files","resource_name":"From nginx.conf",'
                 . '"authorization_servers":["https://id.example.com/t1"],"bearer_methods_supported":["header","body"]}',
       'resource with metadata_file: resource first, file order, override in place, empty array omitted');
}

# A `wellknown_jwks` location at /.well-known/jwks.json (the README's own
# example) next to resources keeps its requests: an exact-match location at a
# discovery path the module does not serve is not answered by the JSON 404.
{
    my $r = request($t, 'GET', '/.well-known/jwks.json');
    is($r->{status}, 200, 'location = /.well-known/jwks.json { wellknown_jwks rs; } next to resources: 200');
    is_deeply(kids($r->{body}), ['rs-1'], 'location = /.well-known/jwks.json next to resources: key set rs');
}

# ---------------------------------------------------------------- metadata files and reloads

{
    my $path = '/mf/.well-known/openid-configuration';
    my $before = request($t, 'GET', $path);
    (my $mf = $t->read_file('mf.json')) =~ s{/mf/authorize"}{/mf/authorize-v2"} or die 'mf.json edit';
    $t->write_file('mf.json', $mf);
    is($t->reload, 1, 'reload after editing a metadata file: taken into service');
    my $after = request($t, 'GET', $path);
    is((json_or_undef($after->{body}) || {})->{authorization_endpoint}, 'https://id.example.com/mf/authorize-v2',
       'reload: the file is read again');
    is(top_keys($after->{body})->[1], 'authorization_endpoint', 'reload: member order unchanged');
    isnt(hdr($after, 'etag'), hdr($before, 'etag'), 'reload: new ETag');

    $t->write_file('mf.json', '{"issuer": "https://id.example.com/mf",');
    my $log_before = length $t->error_log;
    is($t->reload, 0, 'reload with a broken metadata file: refused');
    like(substr($t->error_log, $log_before),
         qr/\[emerg\][^\n]*wellknown_issuer: metadata file "\Q${\ $t->path('mf.json')}\E": invalid JSON[^\n]* in \Q${\ $t->path('nginx.conf')}\E:\d+/,
         'reload with a broken metadata file: [emerg] names the file') or diag $t->error_log;
    my $still = request($t, 'GET', $path);
    is($still->{body}, $after->{body}, 'reload with a broken metadata file: the last good document is still served');
}

unlike($t->error_log, qr/\[(alert|crit)\]/, 'A: no alert or crit in the error log')
    or diag $t->error_log;
$t->stop;

# ====================================================================
# Instance C: configuration errors and warnings (nginx -t only)
# ====================================================================

my $c = WellKnown::Test->new;
$c->key('rsa.pem', 'rsa2048');
$c->key('rsa2.pem', 'rsa2048');
$c->key('ec.pem', 'p256');
my $conf_path = $c->path('nginx.conf');
my $keys_http = "    wellknown_keys k { key rsa.pem; }\n"
              . "    wellknown_keys k2 { key rsa2.pem; }\n"
              . "    wellknown_keys ec { key ec.pem; }\n"
              . "    wellknown_keys both { key rsa.pem; key ec.pem; }\n";


# An issuer block: URL, keys k (unless no_keys), `before` statements, the
# required members (unless no_required), then the statements.
sub issuer {
    my ($url, $stmts, %o) = @_;
    my ($base) = $url =~ m{^"?(https?://[^/?#"]+)};
    my $s = "        wellknown_issuer $url {\n";
    $s .= "            keys k;\n" unless $o{no_keys};
    $s .= "            $_\n" for @{ $o{before} || [] };
    $s .= required_members($base) unless $o{no_required};
    $s .= "            $_\n" for @{ $stmts || [] };
    $s .= "        }\n";
    return $s;
}

# A resource block: URL, then the statements.
sub resource {
    my ($url, $stmts) = @_;
    my $s = "        wellknown_resource $url {\n";
    $s .= "            $_\n" for @{ $stmts || [] };
    $s .= "        }\n";
    return $s;
}

my $valid = issuer('https://id.example.com/valid');

# fails/passes/warns(name, http, server[, marker, message regex]): write
# the configuration, then WellKnown::Test's expect_emerg/expect_clean/
# expect_warn. fails(..., names => TEXT) also wants TEXT in the message.
sub fails {
    my ($name, $http, $server, $marker, $msg, %o) = @_;
    $c->write_config($http, $server);
    my ($emerg, $out) = $c->expect_emerg($name, $marker, $msg);
    like($emerg, qr/\Q$o{names}\E/, "$name: message names $o{names}") if $o{names} && defined $emerg;
    return $out;
}
sub passes { my ($name, $http, $server) = @_; $c->write_config($http, $server); $c->expect_clean($name) }
sub warns { my ($name, $http, $server, $marker, $msg) = @_; $c->write_config($http, $server); $c->expect_warn($name, $marker, $msg) }

# Statement errors: "[emerg] wellknown_resource: MESSAGE in FILE:LINE" at the
# statement's line; build errors: "[emerg] wellknown_resource "URL": MESSAGE in
# FILE:LINE" at the directive's line.
my $SR = qr/\[emerg\] ${P}wellknown_resource: /;
my $SI = qr/\[emerg\] ${P}wellknown_issuer: /;
sub BR { my ($url, $rest) = @_; return qr/\[emerg\] ${P}wellknown_resource "\Q$url\E": $rest/ }
sub BI { my ($url, $rest) = @_; return qr/\[emerg\] ${P}wellknown_issuer "\Q$url\E": $rest/ }

passes('baseline: helper issuer and a resource', $keys_http,
       $valid . resource('https://api.example.com/r', ['keys k2;', 'authorization_servers https://id.example.com/valid;']));

# ---------------------------------------------------------------- resource errors

fails('resource with a query', $keys_http, $valid . resource('https://api.example.com/r?v=1'),
      'wellknown_resource https://api.example.com/r?v=1',
      BR('https://api.example.com/r?v=1', qr/resource: "https:\/\/api\.example\.com\/r\?v=1" has a query; RFC 9728 §3.1 allows one, but this module serves metadata by path alone/));
fails('resource with a fragment', $keys_http, $valid . resource('"https://api.example.com/r#frag"'),
      'wellknown_resource "https://api.example.com/r#frag"',
      BR('https://api.example.com/r#frag', qr/resource: .*may not contain a fragment/));
fails('http resource without allow_http', $keys_http, $valid . resource('http://api.example.com/r'),
      'wellknown_resource http://api.example.com/r',
      BR('http://api.example.com/r', qr/resource: "http:\/\/api\.example\.com\/r" must use https/));
passes('http resource with allow_http on', $keys_http,
       resource('http://127.0.0.1:8080/r', ['allow_http on;', 'authorization_servers http://127.0.0.1:8080;']));
fails('resource member differing from the identifier', $keys_http,
      resource('https://api.example.com/r', ['resource https://api.example.com/other;']),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/resource member "https:\/\/api\.example\.com\/other" differs from the resource identifier "https:\/\/api\.example\.com\/r"/));
fails('resource member with a trailing "/" the identifier lacks', $keys_http,
      resource('https://api.example.com/r', ['resource https://api.example.com/r/;']),
      'wellknown_resource https://api.example.com/r', BR('https://api.example.com/r', qr/resource member .* differs/));
passes('resource member equal to the identifier', $keys_http,
       resource('https://api.example.com/r', ['resource https://api.example.com/r;']));
for my $only (['documents', 'documents openid-configuration;'], ['url_forms', 'url_forms oidc_append;'],
              ['relax_required', 'relax_required on;']) {
    my ($what, $stmt) = @$only;
    fails("$what inside wellknown_resource", $keys_http, resource('https://api.example.com/r', [$stmt]),
          $stmt, qr/${SR}$what applies to issuers only/);
}
fails('the same resource twice in a server', $keys_http,
      resource('https://api.example.com/dup') . $valid . (resource('https://api.example.com/dup') =~ s/wellknown_resource /wellknown_resource  /r),
      'wellknown_resource  https://api.example.com/dup',
      qr/${SR}resource "https:\/\/api\.example\.com\/dup" is already defined in this server/);
passes('the same resource in two servers',
       $keys_http . "    server {\n        listen 127.0.0.1:%%PORT%%;\n        server_name two.test;\n"
       . resource('https://api.example.com/both') . "    }\n",
       resource('https://api.example.com/both'));
passes('an issuer and a resource with the same identifier, sharing a key set', $keys_http,
       issuer('https://id.example.com/same') . resource('https://id.example.com/same', ['keys k;']));
fails('a resource and an issuer whose key sets claim the same path', $keys_http,
      issuer('https://id.example.com/api') . resource('https://api.example.com/api', ['keys k2;']),
      'wellknown_resource https://api.example.com/api',
      BR('https://api.example.com/api', qr/path "\/api\/jwks\.json" is already served for issuer "https:\/\/id\.example\.com\/api" \(key set\)/));
fails('resources with and without a trailing "/"', $keys_http,
      resource('https://api.example.com/s') . resource('https://api.example.com/s/'),
      'wellknown_resource https://api.example.com/s/',
      BR('https://api.example.com/s/', qr/path "\/\.well-known\/oauth-protected-resource\/s" is already served for resource "https:\/\/api\.example\.com\/s"/));
fails('authorization_servers with a non-URL', $keys_http,
      resource('https://api.example.com/r', ['authorization_servers https://id.example.com not-a-url;']),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/oauth-protected-resource: authorization_servers: "not-a-url" is not an absolute https URL/));
fails('authorization_servers with an http URL', $keys_http,
      resource('https://api.example.com/r', ['authorization_servers http://id.example.com;']),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/oauth-protected-resource: authorization_servers: "http:\/\/id\.example\.com" must use https/));
fails('authorization_servers as a JSON string', $keys_http,
      resource('https://api.example.com/r', [q{extra authorization_servers '"https://id.example.com"';}]),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/oauth-protected-resource: authorization_servers must be an array of https URLs/));
fails('unknown statement in wellknown_resource', $keys_http, resource('https://api.example.com/r', ['frobnicate on;']),
      'frobnicate', qr/${SR}unknown statement "frobnicate": expected keys, jwks_path, allow_http, metadata_file/);
fails('resource with an unknown key set', $keys_http, resource('https://api.example.com/r', ['keys nope;']),
      'wellknown_resource https://api.example.com/r', BR('https://api.example.com/r', qr/no key set named "nope"/));
fails('resource path with an encoded slash', $keys_http, resource('https://api.example.com/a%2Fb'),
      'wellknown_resource https://api.example.com/a%2Fb',
      BR('https://api.example.com/a%2Fb', qr/resource: path "\/a%2Fb" encodes "\/" as %2F/));
fails('issuer path with an encoded slash', $keys_http, issuer('https://id.example.com/a%2Fb'),
      'wellknown_issuer https://id.example.com/a%2Fb',
      BI('https://id.example.com/a%2Fb', qr/issuer: path "\/a%2Fb" encodes "\/" as %2F/));
fails('wellknown_resource in http context', $keys_http . resource('https://api.example.com/inhttp'), $valid,
      'wellknown_resource https://api.example.com/inhttp', qr/\[emerg\] ${P}"wellknown_resource" directive is not allowed here/);
fails('wellknown_resource in a location', $keys_http,
      "        location /x {\n" . resource('https://api.example.com/inloc') . "        }\n",
      'wellknown_resource https://api.example.com/inloc', qr/\[emerg\] ${P}"wellknown_resource" directive is not allowed here/);

# ---------------------------------------------------------------- settings given twice

$c->write_file('empty-object.json', '{}');
for my $case (
    ['keys', ['keys k;', 'keys  k2;'], 'keys  k2'],
    ['jwks_path', ['jwks_path /a.json;', 'jwks_path /b.json;'], '/b.json'],
    ['documents', ['documents openid-configuration;', 'documents  oauth-authorization-server;'], 'documents  oauth'],
    ['url_forms', ['url_forms oidc_append;', 'url_forms  oauth_insert;'], 'url_forms  oauth'],
    ['allow_http', ['allow_http off;', 'allow_http  off;'], 'allow_http  off'],
    ['relax_required', ['relax_required off;', 'relax_required  off;'], 'relax_required  off'],
    ['metadata_file', ['metadata_file empty-object.json;', 'metadata_file  empty-object.json;'], 'metadata_file  empty'],
) {
    my ($what, $stmts, $marker) = @$case;
    my %names = $what eq 'metadata_file' ? (names => 'empty-object.json') : ();
    fails("issuer: $what given twice", $keys_http,
          issuer('https://id.example.com/tw', $stmts, no_keys => $what eq 'keys'),
          $marker, qr/${SI}$what is given twice/, %names);
}
for my $case (
    ['keys', ['keys k;', 'keys  k2;'], 'keys  k2'],
    ['jwks_path', ['keys k;', 'jwks_path /a.json;', 'jwks_path /b.json;'], '/b.json'],
    ['allow_http', ['allow_http on;', 'allow_http  on;'], 'allow_http  on'],
    ['metadata_file', ['metadata_file empty-object.json;', 'metadata_file  empty-object.json;'], 'metadata_file  empty'],
) {
    my ($what, $stmts, $marker) = @$case;
    fails("resource: $what given twice", $keys_http, resource('https://api.example.com/tw', $stmts),
          $marker, qr/${SR}$what is given twice/);
}
passes('each setting once, and metadata_file with an empty object', $keys_http,
       issuer('https://id.example.com/once', ['jwks_path /once.json;', 'documents openid-configuration;',
                                              'url_forms oidc_append;', 'allow_http off;', 'relax_required off;',
                                              'metadata_file empty-object.json;']));
fails('url_forms with no values', $keys_http, issuer('https://id.example.com/f', ['url_forms;']),
      'url_forms;', qr/${SI}url_forms needs at least one of oidc_append, oidc_insert, oauth_insert, oauth_append/);
fails('documents with no values', $keys_http, issuer('https://id.example.com/d', ['documents;']),
      'documents;', qr/${SI}documents needs at least one of openid-configuration, oauth-authorization-server/);
fails('documents listing one twice', $keys_http,
      issuer('https://id.example.com/d', ['documents openid-configuration openid-configuration;']),
      'documents openid', qr/${SI}documents: "openid-configuration" is listed twice/);
fails('url_forms listing one twice', $keys_http,
      issuer('https://id.example.com/f', ['url_forms oidc_append oauth_insert oidc_append;']),
      'url_forms oidc', qr/${SI}url_forms: "oidc_append" is listed twice/);
fails('documents oauth-protected-resource in an issuer', $keys_http,
      issuer('https://id.example.com/d', ['documents oauth-protected-resource;']),
      'documents oauth', qr/${SI}documents: unknown document "oauth-protected-resource".*use wellknown_resource/);

# ---------------------------------------------------------------- metadata_file errors

{
    my $d = $c->dir;
    mkdir "$d/meta-dir";
    $c->write_file('empty.json', '');
    $c->write_file('invalid.json', '{"token_endpoint": }');
    $c->write_file('trailing.json', '{"x_a": 1} {"x_b": 2}');
    $c->write_file('dup.json', qq({"x_a": 1,\n "token_endpoint": "https://id.example.com/m/t",\n "token_endpoint": "https://id.example.com/m/t2"}));
    $c->write_file('dup-nested.json', '{"x_o": {"k": 1, "k": 2}}');
    # 33 levels of objects, each holding the next: one level too deep.
    $c->write_file('deep33.json', ('{"x_d":' x 32) . '{"x_d":1' . ('}' x 33));
    $c->write_file('deep32.json', ('{"x_d":' x 31) . '{"x_d":1' . ('}' x 32));
    $c->write_file('deep-array.json', '{"x_d":' . ('[' x 32) . '1' . (']' x 32) . '}');
    $c->write_file('deep-empty.json', '{"x_d":' . ('[' x 32) . (']' x 32) . '}');
    $c->write_file('array.json', '[{"issuer": "https://id.example.com/m"}]');
    $c->write_file('string.json', '"https://id.example.com/m"');
    $c->write_file('latin1.json', qq({"x_name": "caf\xE9"}));
    $c->write_file('wrong-type.json', '{"token_endpoint": 5}');
    $c->write_file('wrong-type-array.json', '{"scopes_supported": "openid"}');
    $c->write_file('other-issuer.json', '{"issuer": "https://id.example.com/other"}');
    $c->write_file('other-resource.json', '{"resource": "https://api.example.com/other"}');
    $c->write_file('http-url.json', '{"userinfo_endpoint": "http://id.example.com/m/userinfo"}');
    $c->write_file('big.json', '{"x_pad": "' . ('a' x (1024 * 1024)) . '"}');
    $c->write_file('one-mib.json', '{"x_pad": "' . ('a' x (1024 * 1024 - 13)) . '"}');
    die 'one-mib.json is not 1 MiB' unless -s "$d/one-mib.json" == 1024 * 1024;

    my $mfail = sub {
        my ($name, $file, $msg, %o) = @_;
        fails("metadata_file: $name", $keys_http, $valid . issuer('https://id.example.com/m', ["metadata_file $file;"]),
              "metadata_file $file", $msg, names => "$d/$file", %o);
    };
    $mfail->('missing file', 'missing.json',
             qr/${SI}cannot open metadata file "\Q$d\E\/missing\.json": No such file or directory/);
    $mfail->('directory', 'meta-dir', qr/${SI}metadata file "\Q$d\E\/meta-dir" is a directory/);
    $mfail->('empty file', 'empty.json', qr/${SI}metadata file "\Q$d\E\/empty\.json" is empty/);
    $mfail->('invalid JSON', 'invalid.json', qr/${SI}metadata file "\Q$d\E\/invalid\.json": invalid JSON: /);
    $mfail->('two JSON texts', 'trailing.json', qr/${SI}metadata file "\Q$d\E\/trailing\.json": invalid JSON/);
    $mfail->('duplicate keys', 'dup.json',
             qr/${SI}metadata file "\Q$d\E\/dup\.json": duplicate member "token_endpoint"/);
    $mfail->('duplicate keys in a nested object', 'dup-nested.json',
             qr/${SI}metadata file "\Q$d\E\/dup-nested\.json": duplicate member "k"/);
    $mfail->('nesting deeper than 32', 'deep33.json',
             qr/${SI}metadata file "\Q$d\E\/deep33\.json": nesting deeper than 32 levels/);
    $mfail->('a JSON array instead of an object', 'array.json',
             qr/${SI}metadata file "\Q$d\E\/array\.json" must hold a JSON object, not array/);
    $mfail->('a JSON string instead of an object', 'string.json',
             qr/${SI}metadata file "\Q$d\E\/string\.json" must hold a JSON object, not string/);
    $mfail->('invalid UTF-8', 'latin1.json',
             qr/${SI}metadata file "\Q$d\E\/latin1\.json": invalid JSON: .*UTF-8/);
    $mfail->('file over 1 MiB', 'big.json', qr/${SI}metadata file "\Q$d\E\/big\.json" is larger than 1 MiB/);
    fails('metadata_file with no file name', $keys_http, issuer('https://id.example.com/m', ['metadata_file;']),
          'metadata_file;', qr/${SI}metadata_file takes one file name/);
    fails('metadata_file with two file names', $keys_http,
          issuer('https://id.example.com/m', ['metadata_file empty-object.json empty-object.json;']),
          'metadata_file empty', qr/${SI}metadata_file takes one file name/);
    fails('metadata_file in a resource: invalid JSON', $keys_http,
          resource('https://api.example.com/m', ['metadata_file invalid.json;']),
          'metadata_file invalid', qr/${SR}metadata file "\Q$d\E\/invalid\.json": invalid JSON/, names => "$d/invalid.json");

    # Errors found when the documents are built, at the directive's line.
    # The file's own members are checked first, and the error names the file.
    fails('metadata_file: a registered member of the wrong type ("token_endpoint": 5)', $keys_http,
          $valid . issuer('https://id.example.com/m', ['metadata_file wrong-type.json;'], no_required => 1,
                          before => ['authorization_endpoint https://id.example.com/m/a;',
                                     'response_types_supported code;', 'subject_types_supported public;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/wrong-type\.json": token_endpoint must be an https URL/),
          names => "$d/wrong-type.json");
    fails('metadata_file: an array member given as a string', $keys_http,
          issuer('https://id.example.com/m', ['metadata_file wrong-type-array.json;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/wrong-type-array\.json": scopes_supported must be an array of strings/),
          names => "$d/wrong-type-array.json");
    fails('metadata_file: an http URL', $keys_http,
          issuer('https://id.example.com/m', ['metadata_file http-url.json;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/http-url\.json": userinfo_endpoint: "http:\/\/id\.example\.com\/m\/userinfo" must use https/),
          names => "$d/http-url.json");
    fails('metadata_file: the file\'s issuer differs from the identifier', $keys_http,
          issuer('https://id.example.com/m', ['metadata_file other-issuer.json;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/other-issuer\.json": issuer member "https:\/\/id\.example\.com\/other" differs from the issuer identifier "https:\/\/id\.example\.com\/m"/),
          names => "$d/other-issuer.json");
    fails('metadata_file: the file\'s resource differs from the identifier', $keys_http,
          resource('https://api.example.com/m', ['metadata_file other-resource.json;']),
          'wellknown_resource https://api.example.com/m',
          BR('https://api.example.com/m', qr/metadata file "\Q$d\E\/other-resource\.json": resource member "https:\/\/api\.example\.com\/other" differs from the resource identifier/),
          names => "$d/other-resource.json");

    passes('metadata_file: 32 levels of nesting', $keys_http,
           issuer('https://id.example.com/m', ['metadata_file deep32.json;']));
    $mfail->('33 levels: an object and 32 arrays', 'deep-array.json',
             qr/${SI}metadata file "\Q$d\E\/deep-array\.json": nesting deeper than 32 levels/);
    {
        # A container's own level counts, even when it is empty.
        $c->write_config($keys_http, issuer('https://id.example.com/m', ['metadata_file deep-empty.json;']));
        my ($ok, $out) = $c->test_config;
        ok(!$ok, 'metadata_file: 33 levels whose innermost array is empty: refused');
        like($out, qr/nesting deeper than 32 levels/, 'metadata_file: 33 levels, innermost empty: the message');
    }
    passes('metadata_file: exactly 1 MiB', $keys_http, issuer('https://id.example.com/m', ['metadata_file one-mib.json;']));
    passes('metadata_file: a wrong-typed member that the block overrides', $keys_http,
           issuer('https://id.example.com/m', ['metadata_file wrong-type.json;'], no_required => 1,
                  before => ['authorization_endpoint https://id.example.com/m/a;', 'token_endpoint https://id.example.com/m/t;',
                             'response_types_supported code;', 'subject_types_supported public;']));
    passes('metadata_file: absolute path', $keys_http,
           issuer('https://id.example.com/m', ["metadata_file $d/empty-object.json;"]));
}

# ---------------------------------------------------------------- given jwks_uri

{
    my $A = 'https://id.example.com/a';
    my $jwks_err = sub { my ($url, $path, $owner) = @_;
        return qr/\[emerg\] ${P}wellknown_(?:issuer|resource) "\Q$url\E": jwks_uri names "\Q$path\E", which this server serves for \Q$owner\E/ };
    my $b = issuer('https://id.example.com/b', ['keys k2;'], no_keys => 1);
    fails('given jwks_uri naming another issuer\'s key set (defined later)', $keys_http,
          issuer($A, ['jwks_uri https://id.example.com/b/jwks.json;']) . $b,
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    fails('given jwks_uri naming another issuer\'s key set (defined earlier)', $keys_http,
          $b . issuer($A, ['jwks_uri https://id.example.com/b/jwks.json;']),
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    fails('given jwks_uri naming another issuer\'s jwks_path', $keys_http,
          issuer('https://id.example.com/b', ['keys k2;', 'jwks_path /keys/b.json;'], no_keys => 1)
          . issuer($A, ['jwks_uri https://id.example.com/keys/b.json;']),
          "wellknown_issuer $A", $jwks_err->($A, '/keys/b.json', 'issuer "https://id.example.com/b"'));
    fails('given jwks_uri (no key set of its own) naming another issuer\'s key set', $keys_http,
          $b . issuer($A, ['jwks_uri https://id.example.com/b/jwks.json;', 'id_token_signing_alg_values_supported RS256;'],
                      no_keys => 1),
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    fails('given jwks_uri naming another issuer\'s metadata document', $keys_http,
          $b . issuer($A, ['jwks_uri https://id.example.com/.well-known/openid-configuration/b;']),
          "wellknown_issuer $A", $jwks_err->($A, '/.well-known/openid-configuration/b', 'issuer "https://id.example.com/b"'));
    fails('given jwks_uri naming its own metadata document', $keys_http,
          issuer($A, ['jwks_uri https://id.example.com/a/.well-known/openid-configuration;']),
          "wellknown_issuer $A", $jwks_err->($A, '/a/.well-known/openid-configuration', "issuer \"$A\""));
    fails('given jwks_uri naming a resource\'s document', $keys_http,
          resource('https://api.example.com/api') . issuer($A, ['jwks_uri https://id.example.com/.well-known/oauth-protected-resource/api;']),
          "wellknown_issuer $A", $jwks_err->($A, '/.well-known/oauth-protected-resource/api', 'resource "https://api.example.com/api"'));
    fails('given jwks_uri naming a percent-encoded issuer\'s key set', $keys_http,
          issuer('https://id.example.com/caf%C3%A9', ['keys k2;'], no_keys => 1)
          . issuer($A, ['jwks_uri https://id.example.com/caf%C3%A9/jwks.json;']),
          "wellknown_issuer $A", $jwks_err->($A, "/caf\xC3\xA9/jwks.json", 'issuer "https://id.example.com/caf%C3%A9"'));
    fails('resource\'s given jwks_uri naming an issuer\'s key set', $keys_http,
          $b . resource('https://id.example.com/r', ['keys k;', 'jwks_uri https://id.example.com/b/jwks.json;']),
          'wellknown_resource https://id.example.com/r',
          $jwks_err->('https://id.example.com/r', '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    $c->write_file('jwks-b.json', '{"jwks_uri": "https://id.example.com/b/jwks.json"}');
    fails('jwks_uri from a metadata file naming another issuer\'s key set', $keys_http,
          $b . issuer($A, ['metadata_file jwks-b.json;']),
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));

    passes('given jwks_uri naming its own key set', $keys_http,
           $b . issuer($A, ['jwks_uri https://id.example.com/a/jwks.json;']));
    passes('given jwks_uri naming its own jwks_path', $keys_http,
           $b . issuer($A, ['jwks_path /keys/a.json;', 'jwks_uri https://id.example.com/keys/a.json;']));
    passes('given jwks_uri naming the key set it shares with another issuer', $keys_http,
           issuer('https://id.example.com/b') . issuer($A, ['jwks_uri https://id.example.com/b/jwks.json;']));
    passes('given jwks_uri on another host', $keys_http,
           $b . issuer($A, ['jwks_uri https://keys.example.com/b/jwks.json;']));
    passes('given jwks_uri on another port of the same host', $keys_http,
           $b . issuer($A, ['jwks_uri https://id.example.com:8443/b/jwks.json;']));
    passes('given jwks_uri: an unserved path on the same host', $keys_http,
           $b . issuer($A, ['jwks_uri https://id.example.com/keys/unserved.json;']));
    passes('given jwks_uri: a wellknown_jwks location is not checked', $keys_http,
           $b . issuer($A, ['jwks_uri https://id.example.com/certs;'])
           . "        location = /certs { wellknown_jwks k; }\n");

    # An exact-match location at a path the module serves never runs: a
    # warning names the location and who the module serves the path for.
    $c->write_config($keys_http, $b . "        location = /b/jwks.json { wellknown_jwks k; }\n");
    my ($ok, $out) = $c->test_config;
    ok($ok, 'location = PATH shadowed by an issuer\'s key set: nginx -t passes') or diag $out;
    like($out, qr/\[warn\] ${P}location = \/b\/jwks\.json never runs: the module serves that path for issuer "https:\/\/id\.example\.com\/b" \(key set\) before locations are matched/,
         'location = PATH shadowed by an issuer\'s key set: [warn] names both') or diag $out;
    $c->write_config($keys_http, $b . "        location = /.well-known/openid-configuration/b { return 204; }\n");
    ($ok, $out) = $c->test_config;
    like($out, qr/\[warn\] ${P}location = \/\.well-known\/openid-configuration\/b never runs: .*issuer "https:\/\/id\.example\.com\/b"/,
         'location = PATH shadowed by a document: [warn]') or diag $out;

    # Another spelling of the same origin (RFC 3986 §6.2.2.1 case-insensitive
    # host, §6.2.3 the default port) is the same origin.
    {
        for my $case (['upper-case host', 'https://ID.EXAMPLE.COM/b/jwks.json'],
                      ['explicit default port', 'https://id.example.com:443/b/jwks.json']) {
            my ($what, $uri) = @$case;
            $c->write_config($keys_http, $b . issuer($A, ["jwks_uri $uri;"]));
            my ($ok, $out) = $c->test_config;
            ok(!$ok, "given jwks_uri naming another issuer's key set through the $what ($uri): refused")
                or diag $out;
            like($out, qr/jwks_uri names "\/b\/jwks\.json"/, "given jwks_uri via the $what: names the path");
        }
    }
}

# ---------------------------------------------------------------- id_token algs against the key set

{
    my $U = 'https://id.example.com/alg';
    my $algwarn = sub { my ($alg) = @_;
        return qr/\[warn\] ${P}wellknown_issuer "\Q$U\E": openid-configuration: id_token_signing_alg_values_supported lists $alg, but no key in the issuer's key set signs with it/ };
    warns('id_token algs: ES256 with an RSA-only key set', $keys_http,
          issuer($U, ['id_token_signing_alg_values_supported RS256 ES256;']),
          "wellknown_issuer $U", $algwarn->('ES256'));
    my $out = passes('id_token algs: HS256 and none need no published key', $keys_http,
                     issuer($U, ['id_token_signing_alg_values_supported RS256 HS256 HS512 none;']));
    unlike($out, qr/lists (HS256|HS512|none)/, 'id_token algs: no warning for HS256, HS512, none');
    $out = warns('id_token algs: HS256 next to ES256 and PS256', $keys_http,
                 issuer($U, ['id_token_signing_alg_values_supported RS256 HS256 ES256 PS256;']),
                 "wellknown_issuer $U", $algwarn->('ES256'));
    like($out, $algwarn->('PS256'), 'id_token algs: PS256 on an RS256 key warned as well');
    unlike($out, qr/lists HS256/, 'id_token algs: HS256 not warned');
    my @w = $out =~ /(\[warn\])/g;
    is(scalar @w, 2, 'id_token algs: exactly two warnings (ES256, PS256)') or diag $out;
    passes('id_token algs: RS256 and ES256 with an RSA and an EC key', $keys_http,
           issuer($U, ['id_token_signing_alg_values_supported RS256 ES256;'], no_keys => 1, before => ['keys both;']));
    passes('id_token algs: only the AS document (no id_token check)', $keys_http,
           issuer($U, ['documents oauth-authorization-server;', 'id_token_signing_alg_values_supported RS256 ES256;']));
    $c->write_file('algs.json', '{"id_token_signing_alg_values_supported": ["RS256", "ES384"]}');
    warns('id_token algs from a metadata file', $keys_http, issuer($U, ['metadata_file algs.json;']),
          "wellknown_issuer $U", $algwarn->('ES384'));
    passes('id_token algs: no key set, jwks_uri elsewhere, nothing to check', $keys_http,
           issuer($U, ['jwks_uri https://keys.example.com/jwks.json;', 'id_token_signing_alg_values_supported RS256 ES256;'],
                  no_keys => 1));
}

# ====================================================================
# Instance D: nginx.conf in conf/ under the prefix
# ====================================================================

# nginx -p PREFIX -c PREFIX/conf/nginx.conf: the configuration prefix is
# PREFIX/conf/, the prefix PREFIX/. metadata_file, like key, resolves a
# relative name with ngx_conf_full_name(cycle, name, 1): against the
# configuration prefix.
{
    package ConfDir;
    our @ISA = ('WellKnown::Test');
    sub nginx_cmd {
        my ($self, @args) = @_;
        my $conf = "$self->{dir}/nginx.conf";
        return map { $_ eq $conf ? "$self->{dir}/conf/nginx.conf" : $_ } $self->SUPER::nginx_cmd(@args);
    }
    sub write_file {
        my ($self, $name, @rest) = @_;
        $name = 'conf/nginx.conf' if $name eq 'nginx.conf';
        return $self->SUPER::write_file($name, @rest);
    }
}
{
    my $dd = ConfDir->new;
    my $d = $dd->dir;
    mkdir "$d/conf";
    mkdir "$d/conf/sub";
    $dd->key('conf/rsa.pem', 'rsa2048');   # `key rsa.pem` resolves there too
    $dd->write_file('conf/meta.json', '{"x_where": "conf"}');
    $dd->write_file('meta.json', '{"x_where": "prefix"}');
    $dd->write_file('conf/sub/meta.json', '{"x_where": "conf/sub"}');
    $dd->write_file('only-in-prefix.json', '{"x_where": "prefix"}');
    my $server = issuer('https://id.example.com/rel', ['metadata_file meta.json;'])
               . issuer('https://id.example.com/sub', ['metadata_file sub/meta.json;'])
               . issuer('https://id.example.com/abs', ["metadata_file $d/meta.json;"])
               . resource('https://api.example.com/rel', ['metadata_file meta.json;']);
    $dd->write_config("    wellknown_keys k { key rsa.pem; }\n", $server);
    my ($ok, $out) = $dd->test_config;
    ok($ok, 'D: nginx -t with nginx.conf in conf/') or diag $out;
    $dd->start;
    my $get = sub { json_or_undef(request($dd, 'GET', $_[0])->{body}) || {} };
    is($get->('/rel/.well-known/openid-configuration')->{x_where}, 'conf',
       'D: relative metadata_file resolves against the configuration prefix (conf/), not the prefix');
    is($get->('/sub/.well-known/openid-configuration')->{x_where}, 'conf/sub', 'D: relative path with a directory');
    is($get->('/abs/.well-known/openid-configuration')->{x_where}, 'prefix', 'D: absolute path as given');
    is($get->('/.well-known/oauth-protected-resource/rel')->{x_where}, 'conf', 'D: resource: the same resolution');
    $dd->stop;

    $dd->write_config("    wellknown_keys k { key rsa.pem; }\n",
                      issuer('https://id.example.com/p', ['metadata_file only-in-prefix.json;']));
    ($ok, $out) = $dd->test_config;
    ok(!$ok, 'D: a file only in the prefix (not in conf/) is not found');
    like($out, qr/cannot open metadata file "\Q$d\E\/conf\/only-in-prefix\.json": No such file or directory/,
         'D: the error names the resolved path under conf/') or diag $out;
}

done_testing;
