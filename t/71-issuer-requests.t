#!/usr/bin/perl
# How issuer documents answer requests: in place of the matching location's
# content (with that location's Cache-Control), with validators, conditional requests, the JSON 405, CORS preflight, HEAD,
# query strings ignored, percent-encoded and merged-slash paths, keep-alive
# across a 405 with a discarded body and a JSON 404; discovery paths no
# issuer serves get the JSON 404, every other path goes to the locations.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->key('root.pem', 'rsa2048');
my $origin = 'http://127.0.0.1:' . $t->port;
$t->write_config("    wellknown_keys k { key rsa.pem; }\n    wellknown_keys root { key root.pem; }\n",
                 "        wellknown_cache_control \"public, max-age=77\";\n"
                 . issuer_block("$origin/t1", ['allow_http on;'])
                 . issuer_block($origin, ['allow_http on;'], keys => 'root') . <<'LOC');
        # The application behind: a content handler, which the documents
        # take the place of. Its wellknown_cache_control reaches the
        # documents answered in it, as any location setting does.
        location / {
            wellknown_cache_control "max-age=1";
            try_files /.app @app;
        }
        location @app { return 200 "app"; }
LOC
$t->start_checked('nginx -t accepts the configuration');

# ---------------------------------------------------------------- HTTP behaviour

{
    my $path = '/t1/.well-known/openid-configuration';
    my $get = $t->request('GET', $path);
    is(header($get, 'content-length'), length $get->{body}, 'GET: Content-Length equals the body length');
    is($get->{trailing}, '', 'GET: nothing after the body');
    like(header($get, 'etag') // '', qr/^"[\x21\x23-\x7e]+"$/, 'GET: strong ETag');
    ok(!defined header($get, 'last-modified'), 'GET: no Last-Modified (no key schedule)');
    is(header($get, 'cache-control'), 'max-age=1',
       'GET: Cache-Control of the matching location (it inherits from the server unless set)');
    is(header_count($get, 'cache-control'), 1, 'GET: one Cache-Control');
    is(header($get, 'access-control-allow-origin'), '*', 'GET: Access-Control-Allow-Origin *');
    unlike($get->{body}, qr/^app/, 'GET: not the location\'s body');

    my $nm = $t->request('GET', $path, headers => ['If-None-Match' => header($get, 'etag')]);
    is($nm->{status}, 304, 'If-None-Match: 304');
    is($nm->{body} . $nm->{trailing}, '', '304: no body');
    is(header($nm, 'etag'), header($get, 'etag'), '304: same ETag');
    my $nm2 = $t->request('GET', '/.well-known/openid-configuration/t1',
                      headers => ['If-None-Match' => header($get, 'etag')]);
    is($nm2->{status}, 304, 'If-None-Match with the append form\'s ETag on the insert form: 304');
    my $nm3 = $t->request('GET', $path, headers => ['If-None-Match' => '"other"']);
    is($nm3->{status}, 200, 'If-None-Match with another tag: 200');

    my $post = $t->request('POST', $path, body => 'a=b',
                       headers => ['Content-Type' => 'application/x-www-form-urlencoded']);
    is_json_405($post, 'POST');
    my $del = $t->request('DELETE', '/.well-known/oauth-authorization-server/t1');
    is($del->{status}, 405, 'DELETE on the AS insert form: 405');

    is_preflight($t->request('OPTIONS', $path, headers => ['Origin' => 'https://app.example',
                                                           'Access-Control-Request-Method' => 'GET',
                                                           'Access-Control-Request-Headers' => 'x-trace']),
                 'OPTIONS', 'x-trace');

    my $head = $t->request('HEAD', $path);
    is($head->{status}, 200, 'HEAD: 200');
    is($head->{trailing}, '', 'HEAD: no body');
    is(header($head, 'content-length'), length $get->{body}, 'HEAD: Content-Length of the GET body');
    is(header($head, 'etag'), header($get, 'etag'), 'HEAD: same ETag');

    my $q = $t->request('GET', "$path?x=1&issuer=https://evil.example");
    is($q->{status}, 200, 'query string: 200');
    is($q->{body}, $get->{body}, 'query string: ignored, same body');

    my $enc = $t->request('GET', '/t1/%2Ewell-known/openid-configuration');
    is($enc->{status}, 200, 'percent-encoded /t1/%2Ewell-known/openid-configuration: 200');
    is($enc->{body}, $get->{body}, 'percent-encoded path: same document');
    my $dbl = $t->request('GET', '//t1/.well-known//openid-configuration');
    is($dbl->{body}, $get->{body}, 'merged slashes: same document');

    # The issuer's Host header plays no part.
    my $evil = $t->request('GET', $path, headers => ['X-Forwarded-Host' => 'evil.example']);
    is($evil->{body}, $get->{body}, 'X-Forwarded-Host: ignored');
}

# Keep-alive: a document, a 405 (after discarding a body), a JSON 404 and
# a 200 follow one another on one connection.
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
    my ($r, $rest) = $t->pipeline(\@reqs);
    is_deeply([map { $_ ? $_->{status} : 0 } @$r], [405, 404, 405, 200, 200],
              'keep-alive: 405, JSON 404, 405 (chunked), HEAD and GET answered in turn on one connection');
    is($r->[4] && $r->[4]{body}, $t->get('/t1/.well-known/openid-configuration')->{body},
       'keep-alive: the last GET gets the document');
    is($rest, '', 'keep-alive: nothing left over');
}

# ---------------------------------------------------------------- unknown paths

is_json_404($t->request('GET', '/.well-known/openid-configuration/nope'), '/.well-known/openid-configuration/nope');
is_json_404($t->request('GET', '/nope/.well-known/oauth-authorization-server'), '/nope/.well-known/oauth-authorization-server');
is_json_404($t->request('GET', '/nope/.well-known/openid-configuration'), '/nope/.well-known/openid-configuration');
is_json_404($t->request('GET', '/.well-known/oauth-protected-resource'), '/.well-known/oauth-protected-resource');
is_json_404($t->request('GET', '/nope/.well-known/jwks.json'), '/nope/.well-known/jwks.json');
is_json_404($t->request('GET', '/t1/.well-known/openid-configuration/'), 'trailing / after a document');
is_json_404($t->request('GET', '/.well-known/openid-configuration/t1/x'), 'insert form with a longer path');
# Only the first occurrence of a document name used to be looked at.
is_json_404($t->request('GET', '/a/.well-known/openid-configurationX/.well-known/openid-configuration'),
               'second occurrence of a document name ends the path');

for my $case (['/app/anything', 'app'], ['/.well-known/openid-configurationX', 'app'],
              ['/.well-known/openid-configuration.json', 'app'], ['/nope/jwks.json', 'app'],
              ['/.well-known/security.txt', 'app'], ['/t1/token', 'app']) {
    my ($path, $want) = @$case;
    my $r = $t->request('GET', $path);
    is($r->{status}, 200, "$path: 200 from the location");
    is($r->{body}, $want, "$path: the location's body");
}


log_is_clean($t, 'no alert, crit or emerg in the error log');

done_testing;
