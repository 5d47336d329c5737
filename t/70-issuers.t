#!/usr/bin/perl
# wellknown_issuer: discovery documents (OpenID Connect Discovery 1.0 and
# RFC 8414) per server, in every URL form, with their key sets; the JSON 404
# for unknown discovery paths; the HTTP behaviour they share with
# wellknown_jwks; seed 004's two-member document; reloads; and every
# configuration error and warning with its file and line.
#
# Instance A: a path issuer, a root issuer and issuers with restricted
#   url_forms / documents in one server, a second server (Host other.test)
#   with its own issuer, a third (Host plain.test) without any.
# Instance B: seed 004 and reloads.
# Instance C: `nginx -t` only, for errors and warnings.
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

# A JSON 404 from the module: status, JSON error, CORS, no fall-through.
sub check_json_404 {
    my ($r, $what) = @_;
    is($r->{status}, 404, "$what: 404");
    is(hdr($r, 'content-type'), 'application/json', "$what: Content-Type application/json");
    my $d = json_or_undef($r->{body});
    is($d && $d->{error}, 'not_found', "$what: {\"error\":\"not_found\",...}") or diag $r->{body};
    is(hdr($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin *");
}

# ====================================================================
# Instance A
# ====================================================================

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->key('ec.pem', 'p256');
$t->key('root.pem', 'rsa2048');
$t->key('late.pem', 'rsa2048');
my $port = $t->port;
my $origin = "http://127.0.0.1:$port";

# Members every issuer of instance A needs besides its own (%%B%% = its URL).
my $required = <<'M';
            authorization_endpoint %%B%%/authorize;
            token_endpoint %%B%%/token;
            response_types_supported code;
            subject_types_supported public;
M
sub required_for { my ($base) = @_; (my $m = $required) =~ s/%%B%%/$base/g; return $m }

# Servers other.test and plain.test come first in the http block; the
# harness's server (server_name localhost) is the one the issuers of the
# first part live in. Key set "late" is defined after the server using it.
my $http_a = <<'HTTP';
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name other.test;
        wellknown_cache_control off;
        wellknown_issuer https://other.test/t1 {
            keys late;
            authorization_endpoint https://other.test/t1/authorize;
            token_endpoint https://other.test/t1/token;
            response_types_supported code;
            subject_types_supported public;
        }
        location / { return 200 "other"; }
    }
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name plain.test;
        location / { return 200 "plain"; }
    }
    wellknown_keys k {
        key rsa.pem kid=rsa-1;
        key ec.pem kid=ec-1;
    }
    wellknown_keys root { key root.pem kid=root-1; }
    wellknown_keys late { key late.pem kid=late-1; }
HTTP

my $more_issuers = join '', map {
    my ($path, $stmt) = @$_;
    "        wellknown_issuer http://127.0.0.1:%%PORT%%$path {\n            allow_http on;\n            keys k;\n"
    . ($stmt ? "            $stmt\n" : '') . required_for("http://127.0.0.1:%%PORT%%$path") . "        }\n"
} ['/t2', 'url_forms oidc_append;'], ['/t3', 'documents openid-configuration;'], ['/sp%20ace', ''];

my $server_a = <<'SERVER' . $more_issuers . <<'LOC';
        wellknown_cache_control "public, max-age=77";
        wellknown_issuer http://127.0.0.1:%%PORT%%/t1 {
            allow_http on;
            keys k;
            token_endpoint http://127.0.0.1:%%PORT%%/t1/token;
            authorization_endpoint http://127.0.0.1:%%PORT%%/t1/authorize;
            extra x_object '{"z":1,"a":[true,null,"s"]}';
            response_types_supported code id_token;
            scopes_supported;
            subject_types_supported public pairwise;
            claims_parameter_supported true;
            request_uri_parameter_supported false;
            extra x_array '[1,"two",{"three":3}]';
            extra x_number 42;
            extra x_empty '[]';
            code_challenge_methods_supported S256;
        }
        wellknown_issuer http://127.0.0.1:%%PORT%% {
            allow_http on;
            keys root;
            authorization_endpoint http://127.0.0.1:%%PORT%%/authorize;
            token_endpoint http://127.0.0.1:%%PORT%%/token;
            response_types_supported code;
            subject_types_supported public;
        }
SERVER
        # Its own wellknown_cache_control must not reach issuer documents:
        # they are answered before location matching, with the server's.
        location / {
            wellknown_cache_control "max-age=1";
            return 200 "app";
        }
LOC

$t->write_config($http_a, $server_a);
{
    my ($ok, $out) = $t->test_config;
    ok($ok, 'A: nginx -t accepts the configuration') or diag $out;
    unlike($out, qr/\[(warn|emerg)\]/, 'A: no warnings for complete issuers with RS256') or diag $out;
}
$t->start;

my $iss1 = "$origin/t1";
my $oidc_body1 = qq({"issuer":"$iss1","token_endpoint":"$iss1/token","authorization_endpoint":"$iss1/authorize",)
    . qq("x_object":{"z":1,"a":[true,null,"s"]},"response_types_supported":["code","id_token"],)
    . qq("subject_types_supported":["public","pairwise"],"claims_parameter_supported":true,)
    . qq("request_uri_parameter_supported":false,"x_array":[1,"two",{"three":3}],"x_number":42,)
    . qq("code_challenge_methods_supported":["S256"],"jwks_uri":"$iss1/jwks.json");
my $as_body1 = "$oidc_body1}";
$oidc_body1 .= qq(,"id_token_signing_alg_values_supported":["RS256","ES256"]});

# ---------------------------------------------------------------- path issuer: URL forms

my %forms = (
    'openid-configuration' => ["/t1/.well-known/openid-configuration", "/.well-known/openid-configuration/t1"],
    'oauth-authorization-server' => ["/.well-known/oauth-authorization-server/t1", "/t1/.well-known/oauth-authorization-server"],
);
my %body;
my %etag;
for my $doc (sort keys %forms) {
    for my $path (@{ $forms{$doc} }) {
        my $r = request($t, 'GET', $path);
        is($r->{status}, 200, "t1 $path: 200");
        is(hdr($r, 'content-type'), 'application/json', "t1 $path: application/json");
        my $d = json_or_undef($r->{body});
        is($d && $d->{issuer}, $iss1, "t1 $path: issuer is the configured identifier") or diag $r->{body};
        if (defined $body{$doc}) {
            is($r->{body}, $body{$doc}, "t1 $path: byte-identical to the other $doc form");
            is(hdr($r, 'etag'), $etag{$doc}, "t1 $path: same ETag as the other $doc form");
        } else {
            $body{$doc} = $r->{body};
            $etag{$doc} = hdr($r, 'etag');
        }
    }
}
my $oidc = $body{'openid-configuration'};
my $as = $body{'oauth-authorization-server'};
isnt($oidc, $as, 't1: the two document kinds differ');

is($oidc, $oidc_body1, 't1 openid-configuration: exact bytes');
is($as, $as_body1, 't1 oauth-authorization-server: exact bytes');

my @declared = qw(issuer token_endpoint authorization_endpoint x_object response_types_supported
                  subject_types_supported claims_parameter_supported request_uri_parameter_supported
                  x_array x_number code_challenge_methods_supported jwks_uri);
is_deeply(top_keys($oidc), [@declared, 'id_token_signing_alg_values_supported'],
          't1 OIDC: member order: issuer, declared order, jwks_uri, id_token_signing_alg_values_supported');
is_deeply(top_keys($as), \@declared, 't1 AS: member order: issuer, declared order, jwks_uri');

my $od = json_or_undef($oidc) || {};
my $ad = json_or_undef($as) || {};
is_deeply($od->{id_token_signing_alg_values_supported}, ['RS256', 'ES256'],
          't1 OIDC: id_token_signing_alg_values_supported = [RS256, ES256] (RSA, EC keys)');
ok(!exists $ad->{id_token_signing_alg_values_supported}, 't1 AS: no id_token_signing_alg_values_supported');
ok(!exists $od->{scopes_supported}, 't1: scopes_supported with zero values is omitted');
ok(!exists $od->{x_empty}, 't1: extra member with an empty array is omitted');
is_deeply($od->{x_object}, { z => 1, a => [JSON::PP::true, undef, 's'] }, 't1: extra object member');
like($oidc, qr/"x_object":\{"z":1,"a":\[true,null,"s"\]\}/, 't1: extra object keeps its member order');
is_deeply($od->{x_array}, [1, 'two', { three => 3 }], 't1: extra array member');
ok(defined $od->{x_number} && !ref $od->{x_number} && $od->{x_number} == 42
   && $oidc =~ /"x_number":42[,}]/, 't1: extra number member is a JSON number');
ok(JSON::PP::is_bool($od->{claims_parameter_supported}) && $od->{claims_parameter_supported},
   't1: claims_parameter_supported is JSON true');
ok(JSON::PP::is_bool($od->{request_uri_parameter_supported}) && !$od->{request_uri_parameter_supported},
   't1: request_uri_parameter_supported is JSON false');
is_deeply($od->{response_types_supported}, ['code', 'id_token'], 't1: array member, one element per value');

# ---------------------------------------------------------------- jwks_uri

is($od->{jwks_uri}, "$iss1/jwks.json", 't1: jwks_uri = issuer origin + {issuer path}/jwks.json');
is($ad->{jwks_uri}, $od->{jwks_uri}, 't1: AS document has the same jwks_uri');
{
    (my $p = $od->{jwks_uri} // '') =~ s{^https?://[^/]+}{};
    my $r = request($t, 'GET', $p);
    is($r->{status}, 200, "t1 jwks_uri path $p: 200");
    is(hdr($r, 'content-type'), 'application/json', 't1 jwks: application/json');
    my $set = json_or_undef($r->{body});
    is_deeply([map { $_->{kid} } @{ $set && $set->{keys} || [] }], ['rsa-1', 'ec-1'],
              't1 jwks: the kids of key set k') or diag $r->{body};
    is_deeply([map { $_->{alg} } @{ $set && $set->{keys} || [] }], $od->{id_token_signing_alg_values_supported},
              't1 jwks: key algs are the advertised id_token algs');
    is(hdr($r, 'cache-control'), 'public, max-age=77', 't1 jwks: server-level Cache-Control');
}

# ---------------------------------------------------------------- root issuer

{
    my %rb;
    for my $path ('/.well-known/openid-configuration', '/.well-known/oauth-authorization-server') {
        my $r = request($t, 'GET', $path);
        is($r->{status}, 200, "root $path: 200");
        my $d = json_or_undef($r->{body}) || {};
        is($d->{issuer}, $origin, "root $path: issuer is the root identifier (no trailing /)");
        is($d->{jwks_uri}, "$origin/.well-known/jwks.json", "root $path: jwks_uri /.well-known/jwks.json");
        is(top_keys($r->{body})->[0], 'issuer', "root $path: issuer first");
        $rb{$path} = $d;
    }
    is_deeply($rb{'/.well-known/openid-configuration'}{id_token_signing_alg_values_supported}, ['RS256'],
              'root OIDC: id_token algs of key set root');
    ok(!exists $rb{'/.well-known/oauth-authorization-server'}{id_token_signing_alg_values_supported},
       'root AS: no id_token algs');
    my $r = request($t, 'GET', '/.well-known/jwks.json');
    is($r->{status}, 200, 'root /.well-known/jwks.json: 200');
    my $set = json_or_undef($r->{body});
    is_deeply([map { $_->{kid} } @{ $set && $set->{keys} || [] }], ['root-1'], 'root jwks: key set root');
}

# ---------------------------------------------------------------- HTTP behaviour

{
    my $path = '/t1/.well-known/openid-configuration';
    my $get = request($t, 'GET', $path);
    is(hdr($get, 'content-length'), length $get->{body}, 'GET: Content-Length equals the body length');
    is($get->{trailing}, '', 'GET: nothing after the body');
    like(hdr($get, 'etag') // '', qr/^"[\x21\x23-\x7e]+"$/, 'GET: strong ETag');
    ok(defined hdr($get, 'last-modified'), 'GET: Last-Modified');
    is(hdr($get, 'cache-control'), 'public, max-age=77',
       'GET: Cache-Control from the server level (not the matching location\'s)');
    is(hcount($get, 'cache-control'), 1, 'GET: one Cache-Control');
    is(hdr($get, 'access-control-allow-origin'), '*', 'GET: Access-Control-Allow-Origin *');
    unlike($get->{body}, qr/^app/, 'GET: not the location\'s body');

    my $nm = request($t, 'GET', $path, headers => ['If-None-Match' => hdr($get, 'etag')]);
    is($nm->{status}, 304, 'If-None-Match: 304');
    is($nm->{body} . $nm->{trailing}, '', '304: no body');
    is(hdr($nm, 'etag'), hdr($get, 'etag'), '304: same ETag');
    my $nm2 = request($t, 'GET', '/.well-known/openid-configuration/t1',
                      headers => ['If-None-Match' => hdr($get, 'etag')]);
    is($nm2->{status}, 304, 'If-None-Match with the append form\'s ETag on the insert form: 304');
    my $nm3 = request($t, 'GET', $path, headers => ['If-None-Match' => '"other"']);
    is($nm3->{status}, 200, 'If-None-Match with another tag: 200');

    my $post = request($t, 'POST', $path, body => 'a=b',
                       headers => ['Content-Type' => 'application/x-www-form-urlencoded']);
    is($post->{status}, 405, 'POST: 405');
    is(hdr($post, 'allow'), 'GET, HEAD, OPTIONS', 'POST: Allow');
    is(hdr($post, 'content-type'), 'application/json', 'POST: JSON');
    is((json_or_undef($post->{body}) || {})->{error}, 'method_not_allowed', 'POST: method_not_allowed');
    is(hdr($post, 'access-control-allow-origin'), '*', 'POST: Access-Control-Allow-Origin');
    my $del = request($t, 'DELETE', '/.well-known/oauth-authorization-server/t1');
    is($del->{status}, 405, 'DELETE on the AS insert form: 405');

    my $opt = request($t, 'OPTIONS', $path, headers => ['Origin' => 'https://app.example',
                                                        'Access-Control-Request-Method' => 'GET',
                                                        'Access-Control-Request-Headers' => 'x-trace']);
    is($opt->{status}, 204, 'OPTIONS: 204');
    is(hdr($opt, 'access-control-allow-origin'), '*', 'OPTIONS: Access-Control-Allow-Origin');
    is(hdr($opt, 'access-control-allow-methods'), 'GET, HEAD, OPTIONS', 'OPTIONS: Allow-Methods');
    is(hdr($opt, 'access-control-allow-headers'), 'x-trace', 'OPTIONS: requested headers allowed');
    is($opt->{trailing}, '', 'OPTIONS: no body');

    my $head = request($t, 'HEAD', $path);
    is($head->{status}, 200, 'HEAD: 200');
    is($head->{trailing}, '', 'HEAD: no body');
    is(hdr($head, 'content-length'), length $get->{body}, 'HEAD: Content-Length of the GET body');
    is(hdr($head, 'etag'), hdr($get, 'etag'), 'HEAD: same ETag');

    my $q = request($t, 'GET', "$path?x=1&issuer=https://evil.example");
    is($q->{status}, 200, 'query string: 200');
    is($q->{body}, $get->{body}, 'query string: ignored, same body');

    my $enc = request($t, 'GET', '/t1/%2Ewell-known/openid-configuration');
    is($enc->{status}, 200, 'percent-encoded /t1/%2Ewell-known/openid-configuration: 200');
    is($enc->{body}, $get->{body}, 'percent-encoded path: same document');
    my $dbl = request($t, 'GET', '//t1/.well-known//openid-configuration');
    is($dbl->{body}, $get->{body}, 'merged slashes: same document');

    # The issuer's Host header plays no part.
    my $evil = request($t, 'GET', $path, headers => ['X-Forwarded-Host' => 'evil.example']);
    is($evil->{body}, $get->{body}, 'X-Forwarded-Host: ignored');
}

# Keep-alive: the documents are answered before location matching, yet a
# 405 (after discarding a body), a JSON 404 and a 200 follow one another on
# one connection.
{
    my $body = 'x' x 70000;
    my @reqs = (
        [ POST => "POST /t1/.well-known/openid-configuration HTTP/1.1\r\nHost: localhost\r\n"
                  . 'Content-Length: ' . length($body) . "\r\n\r\n$body" ],
        [ GET  => "GET /nope/.well-known/openid-configuration HTTP/1.1\r\nHost: localhost\r\n\r\n" ],
        [ POST => "POST /.well-known/oauth-authorization-server/t1 HTTP/1.1\r\nHost: localhost\r\n"
                  . "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" ],
        [ HEAD => "HEAD /t1/jwks.json HTTP/1.1\r\nHost: localhost\r\n\r\n" ],
        [ GET  => "GET /t1/.well-known/openid-configuration HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    );
    my $buf = $t->raw(join '', map { $_->[1] } @reqs);
    my @r = map { WellKnown::Test::parse_response(\$buf, $_->[0]) } @reqs;
    is_deeply([map { $_ ? $_->{status} : 0 } @r], [405, 404, 405, 200, 200],
              'keep-alive: 405, JSON 404, 405 (chunked), HEAD and GET answered in turn on one connection');
    is($r[4] && $r[4]{body}, $oidc_body1, 'keep-alive: the last GET gets the document');
    is($buf, '', 'keep-alive: nothing left over');
}

# ---------------------------------------------------------------- unknown paths

check_json_404(request($t, 'GET', '/.well-known/openid-configuration/nope'), '/.well-known/openid-configuration/nope');
check_json_404(request($t, 'GET', '/nope/.well-known/oauth-authorization-server'), '/nope/.well-known/oauth-authorization-server');
check_json_404(request($t, 'GET', '/nope/.well-known/openid-configuration'), '/nope/.well-known/openid-configuration');
check_json_404(request($t, 'GET', '/.well-known/oauth-protected-resource'), '/.well-known/oauth-protected-resource');
check_json_404(request($t, 'GET', '/nope/.well-known/jwks.json'), '/nope/.well-known/jwks.json');
check_json_404(request($t, 'GET', '/t1/.well-known/openid-configuration/'), 'trailing / after a document');
check_json_404(request($t, 'GET', '/.well-known/openid-configuration/t1/x'), 'insert form with a longer path');
# Only the first occurrence of a document name used to be looked at.
check_json_404(request($t, 'GET', '/a/.well-known/openid-configurationX/.well-known/openid-configuration'),
               'second occurrence of a document name ends the path');

for my $case (['/app/anything', 'app'], ['/.well-known/openid-configurationX', 'app'],
              ['/.well-known/openid-configuration.json', 'app'], ['/nope/jwks.json', 'app'],
              ['/.well-known/security.txt', 'app'], ['/t1/token', 'app']) {
    my ($path, $want) = @$case;
    my $r = request($t, 'GET', $path);
    is($r->{status}, 200, "$path: 200 from the location");
    is($r->{body}, $want, "$path: the location's body");
}

# ---------------------------------------------------------------- url_forms and documents

# t2: url_forms oidc_append only.
{
    my $ok = request($t, 'GET', '/t2/.well-known/openid-configuration');
    is($ok->{status}, 200, 't2 (oidc_append only): append form 200');
    is((json_or_undef($ok->{body}) || {})->{issuer}, "$origin/t2", 't2: issuer');
    check_json_404(request($t, 'GET', '/.well-known/openid-configuration/t2'), 't2: OIDC insert form');
    check_json_404(request($t, 'GET', '/.well-known/oauth-authorization-server/t2'), 't2: AS insert form');
    check_json_404(request($t, 'GET', '/t2/.well-known/oauth-authorization-server'), 't2: AS append form');
    is(request($t, 'GET', '/t2/jwks.json')->{status}, 200, 't2: jwks still served');
}
# t3: documents openid-configuration only.
{
    for my $p ('/t3/.well-known/openid-configuration', '/.well-known/openid-configuration/t3') {
        my $r = request($t, 'GET', $p);
        is($r->{status}, 200, "t3 (OIDC only): $p 200");
        is((json_or_undef($r->{body}) || {})->{issuer}, "$origin/t3", "t3: $p issuer");
    }
    check_json_404(request($t, 'GET', '/.well-known/oauth-authorization-server/t3'), 't3: AS insert form');
    check_json_404(request($t, 'GET', '/t3/.well-known/oauth-authorization-server'), 't3: AS append form');
}
# An issuer whose path carries a percent-encoded octet: clients append the
# well-known suffix to the identifier as written and nginx decodes the
# request path before the lookup.
{
    my $r = request($t, 'GET', '/sp%20ace/.well-known/openid-configuration');
    is($r->{status}, 200, 'issuer .../sp%20ace: served at {issuer}/.well-known/openid-configuration');
    is((json_or_undef($r->{body}) || {})->{issuer}, "$origin/sp%20ace", 'issuer .../sp%20ace: issuer as configured');
}

# ---------------------------------------------------------------- other servers

{
    my $r = request($t, 'GET', '/t1/.well-known/openid-configuration', host => 'other.test');
    is($r->{status}, 200, 'other.test: its own /t1 issuer');
    my $d = json_or_undef($r->{body}) || {};
    is($d->{issuer}, 'https://other.test/t1', 'other.test: issuer is its own, not the first server\'s');
    is($d->{jwks_uri}, 'https://other.test/t1/jwks.json', 'other.test: its own jwks_uri');
    ok(!defined hdr($r, 'cache-control'), 'other.test: its server-level wellknown_cache_control off');
    my $k = json_or_undef(request($t, 'GET', '/t1/jwks.json', host => 'other.test')->{body});
    is_deeply([map { $_->{kid} } @{ $k && $k->{keys} || [] }], ['late-1'], 'other.test: /t1/jwks.json is its key set');
    check_json_404(request($t, 'GET', '/.well-known/openid-configuration', host => 'other.test'),
                   'other.test: the first server\'s root issuer is unknown here');
    check_json_404(request($t, 'GET', '/t2/.well-known/openid-configuration', host => 'other.test'),
                   'other.test: the first server\'s t2 is unknown here');
    is(request($t, 'GET', '/.well-known/jwks.json', host => 'other.test')->{status}, 404,
       'other.test: no root jwks');
    is(request($t, 'GET', '/x', host => 'other.test')->{body}, 'other', 'other.test: its location');
    # Back in the first server: its own /t1.
    is((json_or_undef(request($t, 'GET', '/t1/.well-known/openid-configuration')->{body}) || {})->{issuer},
       $iss1, 'localhost: /t1 is still the first server\'s issuer');
}
{
    # A server without wellknown_issuer is not touched at all.
    for my $p ('/.well-known/openid-configuration', '/t1/.well-known/openid-configuration',
               '/.well-known/openid-configuration/nope') {
        my $r = request($t, 'GET', $p, host => 'plain.test');
        is($r->{status}, 200, "plain.test $p: 200");
        is($r->{body}, 'plain', "plain.test $p: its location answers");
    }
}

unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'A: no alert, crit or emerg in the error log')
    or diag $t->error_log;
$t->stop;

# ====================================================================
# Instance B: seed 004, then reloads
# ====================================================================

my $b = WellKnown::Test->new;
$b->key('instance.pem', 'rsa2048');
my $b_conf_path = $b->path('nginx.conf');

sub b_line_of { $b->line_of(@_) }

my $b_http = "    wellknown_keys instance {\n"
           . "        key instance.pem kid=ins_1lyWDZiobr600AKUeQDoSlrEmoM alg=RS256 use=sig;\n    }\n";
sub b_server {
    my ($auth, $token) = @_;
    my $s = <<'S';
        wellknown_issuer https://clerk.example.com {
            keys instance;
            relax_required on;
            id_token_signing_alg_values_supported;
        }
        wellknown_issuer https://clerk.example.com/r {
            keys instance;
S
    $s .= "            authorization_endpoint $auth;\n";
    $s .= "            token_endpoint https://clerk.example.com/r/token;\n" if $token;
    $s .= "            response_types_supported code;\n            subject_types_supported public;\n        }\n";
    return $s;
}

$b->write_config($b_http, b_server('https://clerk.example.com/r/authorize-v1', 1));
{
    my ($ok, $out) = $b->test_config;
    ok($ok, 'seed 004: nginx -t passes') or diag $out;
    my $line = b_line_of('wellknown_issuer https://clerk.example.com {');
    like($out, qr/\[warn\] ${P}wellknown_issuer "https:\/\/clerk\.example\.com": (?:openid-configuration: )?openid-configuration is served without [^\n]*authorization_endpoint[^\n]*OpenID Connect Discovery 1\.0 §3[^\n]* in \Q$b_conf_path\E:$line$/m,
         'seed 004: [warn] for the relaxed OIDC document at the issuer\'s line') or diag $out;
    like($out, qr/\[warn\] ${P}wellknown_issuer "https:\/\/clerk\.example\.com": (?:oauth-authorization-server: )?oauth-authorization-server is served without[^\n]*RFC 8414 §2[^\n]* in \Q$b_conf_path\E:$line$/m,
         'seed 004: [warn] for the relaxed AS document') or diag $out;
    # Errors name the document once (build_issuer skips the prefix when the
    # message already starts with it); warnings should read the same way.
    unlike($out, qr/(openid-configuration|oauth-authorization-server): \1 is served without/,
           'seed 004: the warning names the document once') or diag $out;
    unlike($out, qr/\[emerg\]/, 'seed 004: no [emerg]');
}
$b->start;
my $seed_body = '{"issuer":"https://clerk.example.com","jwks_uri":"https://clerk.example.com/.well-known/jwks.json"}';
for my $p ('/.well-known/openid-configuration', '/.well-known/oauth-authorization-server') {
    my $r = request($b, 'GET', $p, host => 'clerk.example.com');
    is($r->{status}, 200, "seed 004 $p: 200");
    is($r->{body}, $seed_body, "seed 004 $p: exactly issuer and jwks_uri (empty alg list omitted)");
}
{
    my $k = json_or_undef(request($b, 'GET', '/.well-known/jwks.json')->{body});
    is($k && $k->{keys}[0]{kid}, 'ins_1lyWDZiobr600AKUeQDoSlrEmoM', 'seed 004: jwks at /.well-known/jwks.json, opaque kid');
}

my $r_path = '/r/.well-known/openid-configuration';
my $v1 = request($b, 'GET', $r_path);
is($v1->{status}, 200, 'reload: v1 served');
like($v1->{body}, qr/authorize-v1/, 'reload: v1 body');

$b->write_config($b_http, b_server('https://clerk.example.com/r/authorize-v2', 1));
is($b->reload, 1, 'reload with a changed member: taken into service');
my $v2 = request($b, 'GET', $r_path);
is($v2->{status}, 200, 'reload: v2 served');
is((json_or_undef($v2->{body}) || {})->{authorization_endpoint}, 'https://clerk.example.com/r/authorize-v2',
   'reload: the new member value');
unlike($v2->{body}, qr/authorize-v1/, 'reload: the old value is gone');
isnt(hdr($v2, 'etag'), hdr($v1, 'etag'), 'reload: ETag changed');
is(request($b, 'GET', '/.well-known/openid-configuration')->{body}, $seed_body, 'reload: seed 004 document unchanged');
my $master = $b->pid;

my @bad = (
    [ 'missing required member', b_server('https://clerk.example.com/r/authorize-v3', 0),
      'wellknown_issuer https://clerk.example.com/r {',
      qr/wellknown_issuer "https:\/\/clerk\.example\.com\/r": openid-configuration lacks required member\(s\) token_endpoint \(OpenID Connect Discovery 1\.0 §3\)/ ],
    [ 'unknown statement', b_server('https://clerk.example.com/r/authorize-v3', 1) =~ s/(keys instance;\n)(?=[^\n]*authorize)/$1            frobnicate 1;\n/r,
      'frobnicate', qr/wellknown_issuer: unknown statement "frobnicate"/ ],
);
for my $case (@bad) {
    my ($name, $server, $marker, $msg) = @$case;
    $b->write_config($b_http, $server);
    my $line = b_line_of($marker);
    my $log_before = length $b->error_log;
    is($b->reload, 0, "bad reload ($name): refused");
    my $log = substr($b->error_log, $log_before);
    like($log, qr/\[emerg\][^\n]*$msg[^\n]* in \Q$b_conf_path\E:$line\n/, "bad reload ($name): [emerg] at line $line")
        or diag $log;
    my $now = request($b, 'GET', $r_path);
    is($now->{status}, 200, "bad reload ($name): still 200");
    is($now->{body}, $v2->{body}, "bad reload ($name): still the v2 body");
    is(hdr($now, 'etag'), hdr($v2, 'etag'), "bad reload ($name): still the v2 ETag");
    is(request($b, 'GET', '/.well-known/openid-configuration')->{body}, $seed_body,
       "bad reload ($name): seed 004 document still served");
    is($b->pid, $master, "bad reload ($name): same master");
}
unlike($b->error_log, qr/\[(alert|crit)\]/, 'B: no alert or crit in the error log') or diag $b->error_log;
$b->stop;

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
              . "    wellknown_keys ec { key ec.pem; }\n";

# An issuer block: URL, then statements (one per element) after the
# required members of both documents (unless no_required).
sub issuer {
    my ($url, $stmts, %o) = @_;
    my ($base) = $url =~ m{^"?(https?://[^/?#"]+)};
    my $s = "        wellknown_issuer $url {\n";
    $s .= "            keys k;\n" unless $o{no_keys};
    $s .= "            $_\n" for @{ $o{before} || [] };
    unless ($o{no_required}) {
        $s .= "            authorization_endpoint $base/authorize;\n"
            . "            token_endpoint $base/token;\n"
            . "            response_types_supported code;\n"
            . "            subject_types_supported public;\n";
    }
    $s .= "            $_\n" for @{ $stmts || [] };
    $s .= "        }\n";
    return $s;
}

my $valid = issuer('https://id.example.com/valid');

# fails/passes/warns(name, http, server[, marker, message regex]): write
# the configuration, then WellKnown::Test's expect_emerg/expect_clean/expect_warn.
sub fails { my ($name, $http, $server, $marker, $msg) = @_; $c->write_config($http, $server); $c->expect_emerg($name, $marker, $msg) }
sub passes { my ($name, $http, $server) = @_; $c->write_config($http, $server); $c->expect_clean($name) }
sub warns { my ($name, $http, $server, $marker, $msg) = @_; $c->write_config($http, $server); $c->expect_warn($name, $marker, $msg) }

passes('baseline: the helper issuer is valid', $keys_http, $valid);
passes('two issuers sharing a key set and a jwks_path', $keys_http,
       issuer('https://id.example.com/s1', ['jwks_path /shared.json;'])
       . issuer('https://id.example.com/s2', ['jwks_path /shared.json;']));

# ---------------------------------------------------------------- statement errors (statement's line)

my $S = qr/\[emerg\] ${P}wellknown_issuer: /;    # statement error prefix
fails('unknown statement', $keys_http, $valid . issuer('https://id.example.com/u', ['frobnicate on;']),
      'frobnicate', qr/${S}unknown statement "frobnicate"/);
fails('member given twice', $keys_http,
      issuer('https://id.example.com/tw', ['token_endpoint https://id.example.com/token2;']),
      'token2', qr/${S}member "token_endpoint" is given twice/);
fails('extra repeating a registered member', $keys_http,
      issuer('https://id.example.com/tw', [q{extra authorization_endpoint '"https://id.example.com/a2"';}]),
      'extra authorization_endpoint', qr/${S}member "authorization_endpoint" is given twice/);
fails('extra given twice', $keys_http,
      issuer('https://id.example.com/tw', ['extra x_a 1;', 'extra  x_a 2;']),
      'extra  x_a', qr/${S}member "x_a" is given twice/);
fails('boolean member with yes', $keys_http,
      issuer('https://id.example.com/b', ['claims_parameter_supported yes;']),
      'claims_parameter_supported', qr/${S}claims_parameter_supported is a boolean: give true or false, not "yes"/);
fails('URL member with two values', $keys_http,
      issuer('https://id.example.com/two', ['userinfo_endpoint https://id.example.com/u1 https://id.example.com/u2;']),
      'userinfo_endpoint', qr/${S}userinfo_endpoint takes exactly one value .*not 2/);
fails('extra with invalid JSON', $keys_http,
      issuer('https://id.example.com/j', [q{extra x_bad '{"a":}';}]),
      'x_bad', qr/${S}extra x_bad: invalid JSON/);
fails('extra with duplicate JSON keys', $keys_http,
      issuer('https://id.example.com/j', [q{extra x_dup '{"a":1,"a":2}';}]),
      'x_dup', qr/${S}extra x_dup: duplicate member "a"/);
fails('extra with duplicate keys in a nested object', $keys_http,
      issuer('https://id.example.com/j', [q{extra x_nested '{"o":{"k":1,"k":2}}';}]),
      'x_nested', qr/${S}extra x_nested: duplicate member "k"/);
fails('extra with one argument', $keys_http,
      issuer('https://id.example.com/j', ['extra x_lonely;']),
      'x_lonely', qr/${S}extra takes a member name and a JSON value/);
fails('documents bogus', $keys_http, issuer('https://id.example.com/d', ['documents openid-configuration bogus;']),
      'documents', qr/${S}documents: unknown document "bogus"/);
fails('url_forms bogus', $keys_http, issuer('https://id.example.com/f', ['url_forms oidc_append bogus;']),
      'url_forms', qr/${S}url_forms: unknown form "bogus"/);
fails('allow_http maybe', $keys_http, issuer('https://id.example.com/h', ['allow_http maybe;']),
      'allow_http', qr/${S}allow_http takes on or off, not "maybe"/);
fails('relax_required yes', $keys_http, issuer('https://id.example.com/h', ['relax_required yes;']),
      'relax_required', qr/${S}relax_required takes on or off, not "yes"/);
fails('keys with two names', $keys_http,
      issuer('https://id.example.com/k', ['keys k k2;'], no_keys => 1),
      'keys k k2', qr/${S}keys takes exactly one value/);
fails('block inside the issuer block', $keys_http,
      issuer('https://id.example.com/blk', ['scopes_supported { openid }']),
      'scopes_supported {', qr/\[emerg\] ${P}unexpected "\{"/);

# ---------------------------------------------------------------- build errors (directive's line)

# A build error: [emerg] wellknown_issuer "URL": MESSAGE at the directive's line.
sub B { my ($url, $rest) = @_; return qr/\[emerg\] ${P}wellknown_issuer "\Q$url\E": $rest/ }

fails('http issuer without allow_http', $keys_http,
      $valid . issuer('http://id.example.com/plain'),
      'wellknown_issuer http://id.example.com/plain', B('http://id.example.com/plain', qr/issuer: "http:\/\/id\.example\.com\/plain" must use https/));
fails('issuer with a query', $keys_http, $valid . issuer('https://id.example.com/q?tenant=1'),
      'wellknown_issuer https://id.example.com/q?', B('https://id.example.com/q?tenant=1', qr/issuer: .*may not contain a query/));
fails('issuer with a fragment', $keys_http, $valid . issuer('"https://id.example.com/f#frag"'),
      'wellknown_issuer "https://id.example.com/f#frag"', B('https://id.example.com/f#frag', qr/issuer: .*may not contain a fragment/));
fails('issuer path with an encoded slash', $keys_http, $valid . issuer('https://id.example.com/a%2Fb'),
      'wellknown_issuer https://id.example.com/a%2Fb', B('https://id.example.com/a%2Fb', qr/issuer: path "\/a%2Fb" encodes "\/" as %2F/));
fails('issuer path with a dot segment', $keys_http, $valid . issuer('https://id.example.com/a/../b'),
      'wellknown_issuer https://id.example.com/a/../b', B('https://id.example.com/a/../b', qr/issuer: path .* segment, which a request path never keeps/));
fails('issuer path with an empty segment', $keys_http, $valid . issuer('https://id.example.com/a//b'),
      'wellknown_issuer https://id.example.com/a//b', B('https://id.example.com/a//b', qr/issuer: path .* segment/));
fails('issuer path with a bad escape', $keys_http, $valid . issuer('https://id.example.com/a%zz'),
      'wellknown_issuer https://id.example.com/a%zz', B('https://id.example.com/a%zz', qr/issuer: path .*not followed by two hex digits/));
fails('URL member over http without allow_http', $keys_http,
      issuer('https://id.example.com/m', ['userinfo_endpoint http://id.example.com/userinfo;']),
      'wellknown_issuer https://id.example.com/m', B('https://id.example.com/m', qr/.*userinfo_endpoint: .*must use https/));
fails('extra of a registered boolean member with a string', $keys_http,
      issuer('https://id.example.com/m', [q{extra claims_parameter_supported '"yes"';}]),
      'wellknown_issuer https://id.example.com/m', B('https://id.example.com/m', qr/.*claims_parameter_supported must be a boolean/));
fails('missing required member (OIDC)', $keys_http,
      $valid . issuer('https://id.example.com/m', ['authorization_endpoint https://id.example.com/authorize;',
                                                   'response_types_supported code;',
                                                   'subject_types_supported public;'], no_required => 1),
      'wellknown_issuer https://id.example.com/m',
      B('https://id.example.com/m', qr/openid-configuration lacks required member\(s\) token_endpoint \(OpenID Connect Discovery 1\.0 §3\)/));
fails('OIDC without keys lacks jwks_uri and id_token algs', $keys_http,
      issuer('https://id.example.com/nokeys', [], no_keys => 1),
      'wellknown_issuer https://id.example.com/nokeys',
      B('https://id.example.com/nokeys', qr/openid-configuration lacks required member\(s\) jwks_uri, id_token_signing_alg_values_supported \(OpenID Connect Discovery 1\.0 §3\)/));
fails('AS missing authorization_endpoint', $keys_http,
      issuer('https://id.example.com/as', ['documents oauth-authorization-server;',
                                           'token_endpoint https://id.example.com/token;',
                                           'response_types_supported code;'], no_required => 1),
      'wellknown_issuer https://id.example.com/as',
      B('https://id.example.com/as', qr/oauth-authorization-server lacks required member\(s\) authorization_endpoint \(RFC 8414 §2\)/));
fails('unknown key set', $keys_http,
      $valid . issuer('https://id.example.com/nk', ['keys nope;'], no_keys => 1),
      'wellknown_issuer https://id.example.com/nk', B('https://id.example.com/nk', qr/no key set named "nope"/));
fails('duplicate issuer in one server', $keys_http,
      issuer('https://id.example.com/dup') . $valid . issuer('https://id.example.com/dup') =~ s/wellknown_issuer /wellknown_issuer  /r,
      'wellknown_issuer  https://id.example.com/dup',
      qr/\[emerg\] ${P}wellknown_issuer(?: "[^"]*")?: issuer "https:\/\/id\.example\.com\/dup" is already defined/);
fails('jwks_path collision between key sets', $keys_http,
      issuer('https://id.example.com/p1', ['jwks_path /keys.json;'])
      . issuer('https://id.example.com/p2', ['keys k2;', 'jwks_path /keys.json;'], no_keys => 1),
      'wellknown_issuer https://id.example.com/p2',
      B('https://id.example.com/p2', qr/path "\/keys\.json" is already served for issuer "https:\/\/id\.example\.com\/p1"/));
fails('document path collision between hosts', $keys_http,
      issuer('https://a.example.com/c') . issuer('https://b.example.com/c'),
      'wellknown_issuer https://b.example.com/c',
      B('https://b.example.com/c', qr/path "\/c\/\.well-known\/openid-configuration" is already served for issuer "https:\/\/a\.example\.com\/c"/));
fails('jwks_path not starting with /', $keys_http,
      issuer('https://id.example.com/jp', ['jwks_path keys.json;']),
      'wellknown_issuer https://id.example.com/jp',
      B('https://id.example.com/jp', qr/jwks_path "keys\.json" must be an absolute path/));
fails('declared issuer member differing from the identifier', $keys_http,
      issuer('https://id.example.com/i', ['issuer https://id.example.com/other;']),
      'wellknown_issuer https://id.example.com/i',
      B('https://id.example.com/i', qr/issuer member "https:\/\/id\.example\.com\/other" differs from the issuer identifier/));
passes('the same identifier in two servers',
       $keys_http . "    server {\n        listen 127.0.0.1:%%PORT%%;\n        server_name two.test;\n"
       . issuer('https://id.example.com/both') . "    }\n",
       issuer('https://id.example.com/both'));
passes('declared issuer member equal to the identifier', $keys_http,
       issuer('https://id.example.com/same', ['issuer https://id.example.com/same;']));

# ---------------------------------------------------------------- context

fails('wellknown_issuer in http context', $keys_http . issuer('https://id.example.com/inhttp'), $valid,
      'wellknown_issuer https://id.example.com/inhttp', qr/\[emerg\] ${P}"wellknown_issuer" directive is not allowed here/);
fails('wellknown_issuer in a location', $keys_http,
      "        location /x {\n" . issuer('https://id.example.com/inloc') . "        }\n",
      'wellknown_issuer https://id.example.com/inloc', qr/\[emerg\] ${P}"wellknown_issuer" directive is not allowed here/);

# ---------------------------------------------------------------- warnings

warns('issuer ending in /', $keys_http, issuer('https://id.example.com/slash/'),
      'wellknown_issuer https://id.example.com/slash/',
      qr/\[warn\] ${P}wellknown_issuer "https:\/\/id\.example\.com\/slash\/": .*ends with "\/"/);
warns('EC-only keys: no RS256', $keys_http, issuer('https://id.example.com/ec', [], no_keys => 1, before => ['keys ec;']),
      'wellknown_issuer https://id.example.com/ec',
      qr/\[warn\] ${P}wellknown_issuer "https:\/\/id\.example\.com\/ec": openid-configuration: id_token_signing_alg_values_supported lacks RS256/);
warns('relax_required', $keys_http,
      issuer('https://id.example.com/rx', ['relax_required on;', 'response_types_supported code;'], no_required => 1),
      'wellknown_issuer https://id.example.com/rx',
      qr/\[warn\] ${P}wellknown_issuer "https:\/\/id\.example\.com\/rx": (?:openid-configuration: )?openid-configuration is served without authorization_endpoint, token_endpoint, subject_types_supported/);

done_testing;
