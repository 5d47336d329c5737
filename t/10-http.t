#!/usr/bin/perl
# HTTP behaviour of a wellknown_jwks location: GET/HEAD, validators and
# conditional requests, Cache-Control, CORS, preflight, 405 for other methods,
# keep-alive after a 405, HTTP/1.0, query strings, and locations the module
# does not handle. One nginx instance, several locations and two servers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(sha256);
use MIME::Base64 qw(encode_base64);
use Time::Local qw(timegm);
use WellKnown::Test qw(decode_json b64url);

my $t = WellKnown::Test->new;
$t->key('a.pem', 'p256');
$t->key('b.pem', 'ed25519');

# Two more servers on the same port (selected by Host; every request names
# one) set Cache-Control at server level; their locations inherit it.
$t->write_config(<<'HTTP', <<'SERVER');
    wellknown_keys a { key a.pem; }
    wellknown_keys b { key b.pem; }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name inherit.test;
        wellknown_cache_control "private, max-age=42";
        location = /jwks { wellknown_jwks a; }
        location = /jwks-own { wellknown_jwks a; wellknown_cache_control "max-age=7"; }
    }
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name off.test;
        wellknown_cache_control off;
        location = /jwks { wellknown_jwks a; }
        location = /jwks-late { wellknown_jwks late; }
    }

    # Defined after the location that serves it.
    wellknown_keys late { key b.pem; }
HTTP
        location = /jwks { wellknown_jwks a; }
        location = /jwks-b { wellknown_jwks b; }
        location = /jwks-custom { wellknown_jwks a; wellknown_cache_control "no-cache, max-age=0"; }
        location = /jwks-off { wellknown_jwks a; wellknown_cache_control off; }
        location = /jwks-if {
            wellknown_jwks a;
            if ($arg_tag) { add_header X-Tagged $arg_tag; }
        }
SERVER

my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts the configuration') or diag $out;
my $before = time;
$t->start;
my $after = time;

sub hdr { WellKnown::Test::header(@_) }
sub hcount { my ($r, $n) = @_; my $v = $r->{headers}{lc $n}; $v ? scalar @$v : 0 }

# One request on its own connection. Options: headers => [k, v, ...],
# body, host (undef: no Host header), proto.
sub request {
    my ($method, $path, %o) = @_;
    my $proto = $o{proto} || 'HTTP/1.1';
    my $req = "$method $path $proto\r\n";
    my $host = exists $o{host} ? $o{host} : 'localhost';
    $req .= "Host: $host\r\n" if defined $host;
    $req .= "Connection: close\r\n" if $proto eq 'HTTP/1.1';
    my $h = $o{headers} || [];
    for (my $i = 0; $i < @$h; $i += 2) {
        $req .= "$h->[$i]: $h->[$i + 1]\r\n";
    }
    $req .= 'Content-Length: ' . length($o{body}) . "\r\n" if defined $o{body};
    $req .= "\r\n";
    $req .= $o{body} if defined $o{body};
    my $buf = $t->raw($req);
    my $r = WellKnown::Test::parse_response(\$buf, $method);
    # No response at all (connection closed): a status that fails every check.
    return { status => 0, headers => {}, body => '', trailing => '', head => '' } unless $r;
    $r->{trailing} = $buf;    # anything after the parsed response
    return $r;
}

# HTTP-date (IMF-fixdate) to epoch seconds.
my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
           Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);
sub http_date {
    my ($d) = @_;
    return undef unless defined $d
        && $d =~ /^\w{3}, (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
    return timegm($6, $5, $4, $1, $mon{$2}, $3);
}

# Headers of a response as "name: value" lines, minus Date (it may tick).
sub header_lines {
    my ($r) = @_;
    my @l;
    for my $k (sort keys %{ $r->{headers} }) {
        next if $k eq 'date';
        push @l, "$k: $_" for @{ $r->{headers}{$k} };
    }
    return \@l;
}

# ---------------------------------------------------------------- GET

my $get = request('GET', '/jwks');
is($get->{status}, 200, 'GET: 200');
is(hdr($get, 'content-type'), 'application/json', 'GET: Content-Type application/json');
is(hcount($get, 'content-type'), 1, 'GET: one Content-Type');
ok(length $get->{body} > 0, 'GET: non-empty body');
is(hdr($get, 'content-length'), length $get->{body}, 'GET: Content-Length equals the body length');
is($get->{trailing}, '', 'GET: nothing after the declared Content-Length');
my $jwks = eval { decode_json($get->{body}) };
ok($jwks && ref $jwks->{keys} eq 'ARRAY' && @{ $jwks->{keys} } == 1, 'GET: body is a JWK Set with one key')
    or diag $get->{body};
is($jwks->{keys}[0]{crv}, 'P-256', 'GET: the key of set a');

my $etag = hdr($get, 'etag');
ok(defined $etag, 'GET: ETag present');
is(hcount($get, 'etag'), 1, 'GET: one ETag');
like($etag, qr/^"[\x21\x23-\x7e]+"$/, 'GET: ETag is a quoted strong entity tag (no W/)');
is($etag, '"' . b64url(substr(sha256($get->{body}), 0, 16)) . '"',
   'GET: ETag is the first 128 bits of SHA-256(body), base64url (README)');

my $lm = hdr($get, 'last-modified');
my $lm_epoch = http_date($lm);
ok(defined $lm_epoch, 'GET: Last-Modified is an HTTP-date') or diag $lm;
ok(defined $lm_epoch && $lm_epoch >= $before - 1 && $lm_epoch <= $after + 1,
   'GET: Last-Modified is the configuration load time')
    or diag "Last-Modified $lm, started between $before and $after";

is(hdr($get, 'cache-control'), 'public, max-age=600', 'GET: default Cache-Control');
is(hcount($get, 'cache-control'), 1, 'GET: one Cache-Control');
is(hdr($get, 'access-control-allow-origin'), '*', 'GET: Access-Control-Allow-Origin *');
is(hcount($get, 'access-control-allow-origin'), 1, 'GET: one Access-Control-Allow-Origin');

# ---------------------------------------------------------------- HEAD

my $head = request('HEAD', '/jwks');
is($head->{status}, 200, 'HEAD: 200');
is($head->{trailing}, '', 'HEAD: no body');
is_deeply(header_lines($head), header_lines($get), 'HEAD: headers identical to GET (except Date)');
is(hdr($head, 'content-length'), length $get->{body}, 'HEAD: Content-Length of the GET body');
is(hdr($head, 'etag'), $etag, 'HEAD: same ETag as GET');

# ---------------------------------------------------------------- ETags per set

my $get_b = request('GET', '/jwks-b');
is($get_b->{status}, 200, 'GET set b: 200');
isnt($get_b->{body}, $get->{body}, 'set b: different body');
my $etag_b = hdr($get_b, 'etag');
like($etag_b, qr/^"[\x21\x23-\x7e]+"$/, 'set b: strong ETag');
isnt($etag_b, $etag, 'ETag differs when the key set differs');
is(hdr($get_b, 'content-length'), length $get_b->{body}, 'set b: Content-Length equals the body length');
is(decode_json($get_b->{body})->{keys}[0]{crv}, 'Ed25519', 'set b: its own key');
is(hdr(request('HEAD', '/jwks-b'), 'etag'), $etag_b, 'set b: HEAD ETag equals GET ETag');

my $get_c = request('GET', '/jwks-custom');
is($get_c->{body}, $get->{body}, 'same set in another location: same body');
is(hdr($get_c, 'etag'), $etag, 'same set in another location: same ETag');

# ---------------------------------------------------------------- conditional

sub check_304 {
    my ($r, $what, $cc) = @_;
    is($r->{status}, 304, "$what: 304");
    is($r->{body} . $r->{trailing}, '', "$what: no body");
    is(hdr($r, 'etag'), $etag, "$what: ETag kept");
    is(hdr($r, 'cache-control'), $cc, "$what: Cache-Control kept");
    is(hdr($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin kept");
    ok(!defined hdr($r, 'content-type'), "$what: no Content-Type");
    my $cl = hdr($r, 'content-length');
    ok(!defined $cl || $cl eq '0', "$what: no Content-Length announcing a body")
        or diag "Content-Length: $cl";
}

check_304(request('GET', '/jwks', headers => ['If-None-Match' => $etag]),
          'If-None-Match exact', 'public, max-age=600');
check_304(request('GET', '/jwks', headers => ['If-None-Match' => qq{"nope", $etag, "other"}]),
          'If-None-Match list containing the ETag', 'public, max-age=600');
check_304(request('GET', '/jwks', headers => ['If-None-Match' => '*']),
          'If-None-Match *', 'public, max-age=600');
check_304(request('GET', '/jwks', headers => ['If-None-Match' => "W/$etag"]),
          'If-None-Match W/ form (weak comparison)', 'public, max-age=600');
check_304(request('GET', '/jwks', headers => ['If-Modified-Since' => $lm]),
          'If-Modified-Since equal to Last-Modified', 'public, max-age=600');
check_304(request('HEAD', '/jwks', headers => ['If-None-Match' => $etag]),
          'HEAD with If-None-Match', 'public, max-age=600');
check_304(request('GET', '/jwks-custom', headers => ['If-None-Match' => $etag]),
          'If-None-Match on a custom Cache-Control location', 'no-cache, max-age=0');

my $nm = request('GET', '/jwks', headers => ['If-None-Match' => '"does-not-match"']);
is($nm->{status}, 200, 'If-None-Match non-matching: 200');
is($nm->{body}, $get->{body}, 'If-None-Match non-matching: full body');
is(hdr($nm, 'etag'), $etag, 'If-None-Match non-matching: ETag');

my $other = request('GET', '/jwks', headers => ['If-None-Match' => $etag_b]);
is($other->{status}, 200, "If-None-Match with another set's ETag: 200");

my $old = request('GET', '/jwks', headers => ['If-Modified-Since' => 'Mon, 01 Jan 1990 00:00:00 GMT']);
is($old->{status}, 200, 'If-Modified-Since long ago: 200');
is($old->{body}, $get->{body}, 'If-Modified-Since long ago: full body');

my $off304 = request('GET', '/jwks-off', headers => ['If-None-Match' => $etag]);
is($off304->{status}, 304, 'If-None-Match with Cache-Control off: 304');
ok(!defined hdr($off304, 'cache-control'), 'Cache-Control off: none on the 304 either');

# If-Match and If-Unmodified-Since (nginx's not_modified filter, README).
my $im = request('GET', '/jwks', headers => ['If-Match' => $etag]);
is($im->{status}, 200, 'If-Match with the ETag: 200');
is($im->{body}, $get->{body}, 'If-Match with the ETag: full body');
is(request('GET', '/jwks', headers => ['If-Match' => '"other"'])->{status}, 412,
   'If-Match with another tag: 412');
is(request('GET', '/jwks', headers => ['If-Match' => "W/$etag"])->{status}, 412,
   'If-Match with the weak form: 412 (If-Match uses strong comparison)');
is(request('GET', '/jwks', headers => ['If-Unmodified-Since' => 'Mon, 01 Jan 1990 00:00:00 GMT'])->{status}, 412,
   'If-Unmodified-Since before Last-Modified: 412');

# Range is not supported: the full representation, never a wrong 206.
my $range = request('GET', '/jwks', headers => ['Range' => 'bytes=0-9']);
is($range->{status}, 200, 'Range: 200 (ignored)');
is($range->{body}, $get->{body}, 'Range: full body');

# ---------------------------------------------------------------- Cache-Control

my $custom = request('GET', '/jwks-custom');
is(hdr($custom, 'cache-control'), 'no-cache, max-age=0', 'custom Cache-Control');
is(hcount($custom, 'cache-control'), 1, 'custom Cache-Control: one header');

my $off = request('GET', '/jwks-off');
is($off->{status}, 200, 'Cache-Control off: 200');
ok(!defined hdr($off, 'cache-control'), 'Cache-Control off: header absent');
is(hdr($off, 'access-control-allow-origin'), '*', 'Cache-Control off: ACAO still sent');

my $inh = request('GET', '/jwks', host => 'inherit.test');
is($inh->{status}, 200, 'second server: 200');
is($inh->{body}, $get->{body}, 'second server: same set, same body');
is(hdr($inh, 'cache-control'), 'private, max-age=42', 'Cache-Control inherited from server level');
my $own = request('GET', '/jwks-own', host => 'inherit.test');
is(hdr($own, 'cache-control'), 'max-age=7', 'location value overrides the server level');
my $late = request('GET', '/jwks-late', host => 'off.test');
is($late->{status}, 200, 'set defined after the location that serves it: 200');
is($late->{body}, $get_b->{body}, 'set defined later: its keys');
my $soff = request('GET', '/jwks', host => 'off.test');
is($soff->{status}, 200, 'server with Cache-Control off: 200');
ok(!defined hdr($soff, 'cache-control'), 'Cache-Control off inherited from server level');

# ---------------------------------------------------------------- 405

sub check_405 {
    my ($r, $what) = @_;
    is($r->{status}, 405, "$what: 405");
    is(hdr($r, 'allow'), 'GET, HEAD, OPTIONS', "$what: Allow");
    is(hdr($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin");
    is(hdr($r, 'content-type'), 'application/json', "$what: Content-Type application/json");
    is(hdr($r, 'content-length'), length $r->{body}, "$what: Content-Length equals the body length");
    my $j = eval { decode_json($r->{body}) };
    ok($j && ref $j eq 'HASH', "$what: body is a JSON object") or diag $r->{body};
    is($j && $j->{error}, 'method_not_allowed', "$what: error method_not_allowed");
    ok($j && defined $j->{error_description} && !ref $j->{error_description}
          && length $j->{error_description}, "$what: error_description is a non-empty string");
    is_deeply([sort keys %{ $j || {} }], [qw(error error_description)], "$what: no other members");
}

check_405(request('POST', '/jwks', body => 'grant_type=x&a=b',
                  headers => ['Content-Type' => 'application/x-www-form-urlencoded']), 'POST with body');
check_405(request('PUT', '/jwks', body => '{"keys":[]}'), 'PUT');
check_405(request('DELETE', '/jwks'), 'DELETE');
check_405(request('PATCH', '/jwks', body => '{}'), 'PATCH');
check_405(request('FOO', '/jwks'), 'extension method FOO');

# A 405 does not answer HEAD-style: it has its body.
{
    my $r = request('DELETE', '/jwks');
    is($r->{trailing}, '', 'DELETE: nothing after the declared body');
}

# Keep-alive: a POST with a body, then a GET, pipelined on one connection.
{
    my $body = 'x=' . ('y' x 1000);
    my $req = "POST /jwks HTTP/1.1\r\nHost: localhost\r\nContent-Length: " . length($body)
            . "\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n$body"
            . "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my $buf = $t->raw($req);
    my $r1 = WellKnown::Test::parse_response(\$buf, 'POST');
    my $r2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($r1 && $r1->{status}, 405, 'pipelined: POST answered 405');
    my $j = $r1 && eval { decode_json($r1->{body}) };
    is($j && $j->{error}, 'method_not_allowed', 'pipelined: 405 JSON body intact');
    isnt(lc(hdr($r1, 'connection') // ''), 'close', 'pipelined: 405 keeps the connection open') if $r1;
    is($r2 && $r2->{status}, 200, 'pipelined: GET after the POST answered 200');
    is($r2 && $r2->{body}, $get->{body}, 'pipelined: GET body is the JWK Set');
    is($buf, '', 'pipelined: nothing else on the connection');
}

# Keep-alive: a large chunked POST body, then a GET.
{
    my $chunk = 'z' x 16384;
    my $chunks = join '', map { sprintf("%x\r\n%s\r\n", length $chunk, $chunk) } 1 .. 4;
    my $req = "POST /jwks HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n"
            . "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my $buf = $t->raw($req);
    my $r1 = WellKnown::Test::parse_response(\$buf, 'POST');
    my $r2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($r1 && $r1->{status}, 405, 'pipelined chunked POST (64 KiB): 405');
    is($r2 && $r2->{status}, 200, 'pipelined chunked POST: following GET answered 200');
    is($r2 && $r2->{body}, $get->{body}, 'pipelined chunked POST: following GET body');
}

# Every kind of answer on one keep-alive connection: HEAD (no body), a 304,
# a 204 preflight, a 405 with its body, then the full GET.
{
    my @reqs = (
        [ HEAD    => "HEAD /jwks HTTP/1.1\r\nHost: localhost\r\n\r\n" ],
        [ GET     => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: $etag\r\n\r\n" ],
        [ OPTIONS => "OPTIONS /jwks HTTP/1.1\r\nHost: localhost\r\nAccess-Control-Request-Method: GET\r\n\r\n" ],
        [ DELETE  => "DELETE /jwks HTTP/1.1\r\nHost: localhost\r\n\r\n" ],
        [ GET     => "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" ],
    );
    my $buf = $t->raw(join '', map { $_->[1] } @reqs);
    my @got = map { my $r = WellKnown::Test::parse_response(\$buf, $_->[0]); $r ? $r->{status} : 0 } @reqs;
    is_deeply(\@got, [200, 304, 204, 405, 200], 'keep-alive: HEAD, 304, 204, 405 and GET answered in turn on one connection');
    is($buf, '', 'keep-alive: nothing left over after the last body');
}

# Keep-alive after a GET that carries a body.
{
    my $req = "GET /jwks HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
            . "GET /jwks-b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my $buf = $t->raw($req);
    my $r1 = WellKnown::Test::parse_response(\$buf, 'GET');
    my $r2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($r1 && $r1->{body}, $get->{body}, 'GET with a body: answered with the set');
    is($r2 && $r2->{body}, $get_b->{body}, 'GET with a body: next request on the connection answered');
}

# ---------------------------------------------------------------- OPTIONS

my $pre = request('OPTIONS', '/jwks', headers => [
    'Origin' => 'https://app.example',
    'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => 'authorization, x-custom-header',
]);
is($pre->{status}, 204, 'OPTIONS: 204');
is(hdr($pre, 'access-control-allow-origin'), '*', 'OPTIONS: Access-Control-Allow-Origin *');
is(hdr($pre, 'access-control-allow-methods'), 'GET, HEAD, OPTIONS', 'OPTIONS: Access-Control-Allow-Methods');
is(hdr($pre, 'access-control-max-age'), '86400', 'OPTIONS: Access-Control-Max-Age 86400');
is(hdr($pre, 'access-control-allow-headers'), 'authorization, x-custom-header',
   'OPTIONS: Access-Control-Request-Headers echoed in Access-Control-Allow-Headers');
is($pre->{trailing}, '', 'OPTIONS: no body');
ok(!defined hdr($pre, 'content-type'), 'OPTIONS: no Content-Type');
ok(!defined hdr($pre, 'content-length'), 'OPTIONS: no Content-Length on a 204 (RFC 9110 §8.6)');
ok(!defined hdr($pre, 'access-control-allow-credentials'), 'OPTIONS: credentials not allowed');

# Access-Control-Request-Headers after many other headers (nginx keeps
# request headers in a list of parts), and with a lower-case name.
my $pre_many = request('OPTIONS', '/jwks', headers => [
    (map { ("X-Filler-$_" => "value-$_") } 1 .. 30),
    'access-control-request-headers' => 'x-late-header',
]);
is($pre_many->{status}, 204, 'OPTIONS with 32 headers: 204');
is(hdr($pre_many, 'access-control-allow-headers'), 'x-late-header',
   'OPTIONS: request header found after 30 others, name matched case-insensitively');

# OPTIONS with a body, then a GET on the same connection.
{
    my $req = "OPTIONS /jwks HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nbody"
            . "GET /jwks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my $buf = $t->raw($req);
    my $r1 = WellKnown::Test::parse_response(\$buf, 'OPTIONS');
    my $r2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($r1 && $r1->{status}, 204, 'pipelined OPTIONS with a body: 204');
    is($r2 && $r2->{body}, $get->{body}, 'pipelined OPTIONS with a body: following GET answered');
}

my $pre2 = request('OPTIONS', '/jwks', headers => ['Origin' => 'https://app.example',
                                                   'Access-Control-Request-Method' => 'GET']);
is($pre2->{status}, 204, 'OPTIONS without request headers: 204');
ok(!defined hdr($pre2, 'access-control-allow-headers'),
   'OPTIONS without Access-Control-Request-Headers: no Access-Control-Allow-Headers');

# ---------------------------------------------------------------- HTTP/1.0, query

my $h10 = request('GET', '/jwks', proto => 'HTTP/1.0');
is($h10->{status}, 200, 'HTTP/1.0: 200');
is($h10->{body}, $get->{body}, 'HTTP/1.0: same document');
is(hdr($h10, 'content-length'), length $get->{body}, 'HTTP/1.0: Content-Length');
is(hdr($h10, 'etag'), $etag, 'HTTP/1.0: ETag');
is(hdr($h10, 'cache-control'), 'public, max-age=600', 'HTTP/1.0: Cache-Control');
is(hdr($h10, 'access-control-allow-origin'), '*', 'HTTP/1.0: Access-Control-Allow-Origin');
is($h10->{trailing}, '', 'HTTP/1.0: nothing after the body');

my $q = request('GET', '/jwks?foo=bar&kid=x');
is($q->{status}, 200, 'query string: 200');
is($q->{body}, $get->{body}, 'query string: same document');
is(hdr($q, 'etag'), $etag, 'query string: same ETag');

# ---------------------------------------------------------------- other locations

my $nf = request('GET', '/not-configured');
is($nf->{status}, 404, 'unconfigured location: 404');
like(hdr($nf, 'content-type') // '', qr{^text/html}, "unconfigured location: nginx's HTML error page");
like($nf->{body}, qr{<center>nginx(/[\d.]+)?</center>}, "unconfigured location: nginx's own 404 body");
ok(!defined hdr($nf, 'access-control-allow-origin'), 'unconfigured location: no ACAO from the module');
ok(!defined hdr($nf, 'etag'), 'unconfigured location: no ETag from the module');

my $sub = request('GET', '/jwks/extra');
is($sub->{status}, 404, 'path below an exact-match location: 404');
ok(!defined hdr($sub, 'access-control-allow-origin'), 'path below an exact-match location: not the module');

my $nf_opt = request('OPTIONS', '/not-configured');
ok(!defined hdr($nf_opt, 'access-control-allow-methods'),
   'OPTIONS on an unconfigured location: no preflight answer from the module');

unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no alert, crit or emerg in the error log')
    or diag $t->error_log;

# Last, as it may take a worker down: an `if` block inside the location. When
# the condition holds, nginx switches the request to the if block's location
# configuration but keeps the location's content handler.
{
    my $plain = request('GET', '/jwks-if');
    is($plain->{status}, 200, 'location with an if block, condition false: 200');
    is($plain->{body}, $get->{body}, 'location with an if block, condition false: the set');
    my $log_before = length $t->error_log;
    my $tagged = request('GET', '/jwks-if?tag=t1');
    is($tagged->{status}, 200, 'location with an if block, condition true: 200');
    is($tagged->{body}, $get->{body}, 'location with an if block, condition true: the set');
    is(hdr($tagged, 'x-tagged'), 't1', 'location with an if block, condition true: the if block applied');
    unlike(substr($t->error_log, $log_before), qr/exited on signal/, 'location with an if block: no worker crash')
        or diag substr($t->error_log, $log_before);
}

done_testing;
