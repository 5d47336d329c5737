#!/usr/bin/perl
# Methods and connections of a wellknown_jwks location: the JSON 405 for any
# method but GET, HEAD and OPTIONS, CORS preflight (OPTIONS), keep-alive and
# pipelining after a 405, a body or a preflight, HTTP/1.0, query strings,
# locations the module does not handle, and an `if` block inside the
# location.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

# Sets a (P-256) and b (Ed25519) at /jwks and /jwks-b; set a again in a
# location with an `if` block.
my $t = WellKnown::Test->new->make_keys(a => 'p256', b => 'ed25519');
$t->write_config(join('', map { "    wellknown_keys $_ { key $_.pem; }\n" } qw(a b)), <<'SERVER');
        location = /jwks { wellknown_jwks a; }
        location = /jwks-b { wellknown_jwks b; }
        location = /jwks-if {
            wellknown_jwks a;
            if ($arg_tag) { add_header X-Tagged $arg_tag; }
        }
SERVER
$t->start_checked('nginx -t accepts the configuration');

my $get = $t->request('GET', '/jwks');
is($get->{status}, 200, 'GET: 200');
my $etag = header($get, 'etag');
my $get_b = $t->request('GET', '/jwks-b');
isnt($get_b->{body}, $get->{body}, 'set b: its own body');

# ---------------------------------------------------------------- 405

is_json_405($t->request('POST', '/jwks', body => 'grant_type=x&a=b',
                        headers => ['Content-Type' => 'application/x-www-form-urlencoded']), 'POST with body');
is_json_405($t->request('PUT', '/jwks', body => '{"keys":[]}'), 'PUT');
is_json_405($t->request('DELETE', '/jwks'), 'DELETE');
is_json_405($t->request('PATCH', '/jwks', body => '{}'), 'PATCH');
is_json_405($t->request('FOO', '/jwks'), 'extension method FOO');

# A 405 does not answer HEAD-style: it has its body.
is($t->request('DELETE', '/jwks')->{trailing}, '', 'DELETE: nothing after the declared body');

# Keep-alive: a POST with a body, then a GET, pipelined on one connection.
{
    my $body = 'x=' . ('y' x 1000);
    my ($r, $rest) = $t->pipeline([
        [ POST => "POST /jwks HTTP/1.1\r\nHost: localhost\r\nContent-Length: " . length($body)
                  . "\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n$body" ],
        [ GET  => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    ]);
    my ($r1, $r2) = @$r;
    is($r1 && $r1->{status}, 405, 'pipelined: POST answered 405');
    my $j = $r1 && json_of($r1->{body});
    is($j && $j->{error}, 'method_not_allowed', 'pipelined: 405 JSON body intact');
    isnt(lc(header($r1, 'connection') // ''), 'close', 'pipelined: 405 keeps the connection open') if $r1;
    is($r2 && $r2->{status}, 200, 'pipelined: GET after the POST answered 200');
    is($r2 && $r2->{body}, $get->{body}, 'pipelined: GET body is the JWK Set');
    is($rest, '', 'pipelined: nothing else on the connection');
}

# Keep-alive: a large chunked POST body, then a GET.
{
    my $chunk = 'z' x 16384;
    my $chunks = join '', map { sprintf("%x\r\n%s\r\n", length $chunk, $chunk) } 1 .. 4;
    my ($r) = $t->pipeline([
        [ POST => "POST /jwks HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n" ],
        [ GET  => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    ]);
    my ($r1, $r2) = @$r;
    is($r1 && $r1->{status}, 405, 'pipelined chunked POST (64 KiB): 405');
    is($r2 && $r2->{status}, 200, 'pipelined chunked POST: following GET answered 200');
    is($r2 && $r2->{body}, $get->{body}, 'pipelined chunked POST: following GET body');
}

# Every kind of answer on one keep-alive connection: HEAD (no body), a 304,
# a 204 preflight, a 405 with its body, then the full GET.
{
    my ($r, $rest) = $t->pipeline([
        [ HEAD    => "HEAD /jwks HTTP/1.1\r\nHost: localhost\r\n\r\n" ],
        [ GET     => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: $etag\r\n\r\n" ],
        [ OPTIONS => "OPTIONS /jwks HTTP/1.1\r\nHost: localhost\r\nAccess-Control-Request-Method: GET\r\n\r\n" ],
        [ DELETE  => "DELETE /jwks HTTP/1.1\r\nHost: localhost\r\n\r\n" ],
        [ GET     => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    ]);
    is_deeply([map { $_ ? $_->{status} : 0 } @$r], [200, 304, 204, 405, 200],
              'keep-alive: HEAD, 304, 204, 405 and GET answered in turn on one connection');
    is($rest, '', 'keep-alive: nothing left over after the last body');
}

# Keep-alive after a GET that carries a body.
{
    my ($r) = $t->pipeline([
        [ GET => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello" ],
        [ GET => "GET /jwks-b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    ]);
    is($r->[0] && $r->[0]{body}, $get->{body}, 'GET with a body: answered with the set');
    is($r->[1] && $r->[1]{body}, $get_b->{body}, 'GET with a body: next request on the connection answered');
}

# ---------------------------------------------------------------- OPTIONS

is_preflight($t->request('OPTIONS', '/jwks', headers => [
    'Origin' => 'https://app.example',
    'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => 'authorization, x-custom-header',
]), 'OPTIONS', 'authorization, x-custom-header');

# Access-Control-Request-Headers after many other headers (nginx keeps
# request headers in a list of parts), and with a lower-case name.
my $pre_many = $t->request('OPTIONS', '/jwks', headers => [
    (map { ("X-Filler-$_" => "value-$_") } 1 .. 30),
    'access-control-request-headers' => 'x-late-header',
]);
is($pre_many->{status}, 204, 'OPTIONS with 32 headers: 204');
is(header($pre_many, 'access-control-allow-headers'), 'x-late-header',
   'OPTIONS: request header found after 30 others, name matched case-insensitively');

# OPTIONS with a body, then a GET on the same connection.
{
    my ($r) = $t->pipeline([
        [ OPTIONS => "OPTIONS /jwks HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nbody" ],
        [ GET     => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    ]);
    is($r->[0] && $r->[0]{status}, 204, 'pipelined OPTIONS with a body: 204');
    is($r->[1] && $r->[1]{body}, $get->{body}, 'pipelined OPTIONS with a body: following GET answered');
}

is_preflight($t->request('OPTIONS', '/jwks', headers => ['Origin' => 'https://app.example',
                                                        'Access-Control-Request-Method' => 'GET']),
             'OPTIONS without Access-Control-Request-Headers', undef);

# ---------------------------------------------------------------- HTTP/1.0, query

my $h10 = $t->request('GET', '/jwks', proto => 'HTTP/1.0');
is($h10->{status}, 200, 'HTTP/1.0: 200');
is($h10->{body}, $get->{body}, 'HTTP/1.0: same document');
is(header($h10, 'content-length'), length $get->{body}, 'HTTP/1.0: Content-Length');
is(header($h10, 'etag'), $etag, 'HTTP/1.0: ETag');
is(header($h10, 'cache-control'), 'public, max-age=600', 'HTTP/1.0: Cache-Control');
is(header($h10, 'access-control-allow-origin'), '*', 'HTTP/1.0: Access-Control-Allow-Origin');
is($h10->{trailing}, '', 'HTTP/1.0: nothing after the body');

my $q = $t->request('GET', '/jwks?foo=bar&kid=x');
is($q->{status}, 200, 'query string: 200');
is($q->{body}, $get->{body}, 'query string: same document');
is(header($q, 'etag'), $etag, 'query string: same ETag');

# ---------------------------------------------------------------- other locations

my $nf = $t->request('GET', '/not-configured');
is($nf->{status}, 404, 'unconfigured location: 404');
like(header($nf, 'content-type') // '', qr{^text/html}, "unconfigured location: nginx's HTML error page");
like($nf->{body}, qr{<center>nginx(/[\d.]+)?</center>}, "unconfigured location: nginx's own 404 body");
ok(!defined header($nf, 'access-control-allow-origin'), 'unconfigured location: no ACAO from the module');
ok(!defined header($nf, 'etag'), 'unconfigured location: no ETag from the module');

my $sub = $t->request('GET', '/jwks/extra');
is($sub->{status}, 404, 'path below an exact-match location: 404');
ok(!defined header($sub, 'access-control-allow-origin'), 'path below an exact-match location: not the module');

my $nf_opt = $t->request('OPTIONS', '/not-configured');
ok(!defined header($nf_opt, 'access-control-allow-methods'),
   'OPTIONS on an unconfigured location: no preflight answer from the module');

log_is_clean($t, 'no alert, crit or emerg in the error log');

# Last, as it may take a worker down: an `if` block inside the location. When
# the condition holds, nginx switches the request to the if block's location
# configuration but keeps the location's content handler.
{
    my $plain = $t->request('GET', '/jwks-if');
    is($plain->{status}, 200, 'location with an if block, condition false: 200');
    is($plain->{body}, $get->{body}, 'location with an if block, condition false: the set');
    my $log_before = length $t->error_log;
    my $tagged = $t->request('GET', '/jwks-if?tag=t1');
    is($tagged->{status}, 200, 'location with an if block, condition true: 200');
    is($tagged->{body}, $get->{body}, 'location with an if block, condition true: the set');
    is(header($tagged, 'x-tagged'), 't1', 'location with an if block, condition true: the if block applied');
    unlike($t->log_since($log_before), qr/exited on signal/, 'location with an if block: no worker crash')
        or diag $t->log_since($log_before);
}

done_testing;
