#!/usr/bin/perl
# What a wellknown_jwks location answers to GET and HEAD: Content-Type and
# Content-Length, a strong ETag derived from the body, no Last-Modified for
# a set without a schedule (t/41 has the scheduled ones), conditional requests (If-None-Match, If-Modified-Since,
# If-Match, If-Unmodified-Since), Range ignored, and Cache-Control from
# wellknown_cache_control at location, server and http level. One nginx
# instance, several locations and three servers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(sha256);
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->make_keys(a => 'p256', b => 'ed25519');

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
SERVER

my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts the configuration') or diag $out;
$t->start;

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

my $get = $t->request('GET', '/jwks');
is($get->{status}, 200, 'GET: 200');
is(header($get, 'content-type'), 'application/json', 'GET: Content-Type application/json');
is(header_count($get, 'content-type'), 1, 'GET: one Content-Type');
ok(length $get->{body} > 0, 'GET: non-empty body');
is(header($get, 'content-length'), length $get->{body}, 'GET: Content-Length equals the body length');
is($get->{trailing}, '', 'GET: nothing after the declared Content-Length');
my $jwks = json_of($get->{body});
ok($jwks && ref $jwks->{keys} eq 'ARRAY' && @{ $jwks->{keys} } == 1, 'GET: body is a JWK Set with one key')
    or diag $get->{body};
is($jwks->{keys}[0]{crv}, 'P-256', 'GET: the key of set a');

my $etag = header($get, 'etag');
ok(defined $etag, 'GET: ETag present');
is(header_count($get, 'etag'), 1, 'GET: one ETag');
like($etag, qr/^"[\x21\x23-\x7e]+"$/, 'GET: ETag is a quoted strong entity tag (no W/)');
is($etag, '"' . b64url(substr(sha256($get->{body}), 0, 16)) . '"',
   'GET: ETag is the first 128 bits of SHA-256(body), base64url (README)');

# No instant can be named the same on every instance of a fleet for a set
# without a schedule (RFC 9110 §8.8.2): the ETag is its validator.
ok(!defined header($get, 'last-modified'), 'GET: no Last-Modified without a schedule');

is(header($get, 'cache-control'), 'public, max-age=600', 'GET: default Cache-Control');
is(header_count($get, 'cache-control'), 1, 'GET: one Cache-Control');
is(header($get, 'access-control-allow-origin'), '*', 'GET: Access-Control-Allow-Origin *');
is(header_count($get, 'access-control-allow-origin'), 1, 'GET: one Access-Control-Allow-Origin');

# ---------------------------------------------------------------- HEAD

my $head = $t->request('HEAD', '/jwks');
is($head->{status}, 200, 'HEAD: 200');
is($head->{trailing}, '', 'HEAD: no body');
is_deeply(header_lines($head), header_lines($get), 'HEAD: headers identical to GET (except Date)');
is(header($head, 'content-length'), length $get->{body}, 'HEAD: Content-Length of the GET body');
is(header($head, 'etag'), $etag, 'HEAD: same ETag as GET');

# ---------------------------------------------------------------- ETags per set

my $get_b = $t->request('GET', '/jwks-b');
is($get_b->{status}, 200, 'GET set b: 200');
isnt($get_b->{body}, $get->{body}, 'set b: different body');
my $etag_b = header($get_b, 'etag');
like($etag_b, qr/^"[\x21\x23-\x7e]+"$/, 'set b: strong ETag');
isnt($etag_b, $etag, 'ETag differs when the key set differs');
is(header($get_b, 'content-length'), length $get_b->{body}, 'set b: Content-Length equals the body length');
is(decode_json($get_b->{body})->{keys}[0]{crv}, 'Ed25519', 'set b: its own key');
is(header($t->request('HEAD', '/jwks-b'), 'etag'), $etag_b, 'set b: HEAD ETag equals GET ETag');

my $get_c = $t->request('GET', '/jwks-custom');
is($get_c->{body}, $get->{body}, 'same set in another location: same body');
is(header($get_c, 'etag'), $etag, 'same set in another location: same ETag');

# ---------------------------------------------------------------- conditional

sub check_304 {
    my ($r, $what, $cc) = @_;
    is($r->{status}, 304, "$what: 304");
    is($r->{body} . $r->{trailing}, '', "$what: no body");
    is(header($r, 'etag'), $etag, "$what: ETag kept");
    is(header($r, 'cache-control'), $cc, "$what: Cache-Control kept");
    is(header($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin kept");
    ok(!defined header($r, 'content-type'), "$what: no Content-Type");
    my $cl = header($r, 'content-length');
    ok(!defined $cl || $cl eq '0', "$what: no Content-Length announcing a body")
        or diag "Content-Length: $cl";
}

# A GET of $path with the headers @h.
sub conditional { my ($path, @h) = @_; return $t->request('GET', $path, headers => [@h]) }
check_304(conditional('/jwks', 'If-None-Match' => $etag), 'If-None-Match exact', 'public, max-age=600');
check_304(conditional('/jwks', 'If-None-Match' => qq{"nope", $etag, "other"}),
          'If-None-Match list containing the ETag', 'public, max-age=600');
check_304(conditional('/jwks', 'If-None-Match' => '*'), 'If-None-Match *', 'public, max-age=600');
check_304(conditional('/jwks', 'If-None-Match' => "W/$etag"),
          'If-None-Match W/ form (weak comparison)', 'public, max-age=600');
my $ims = conditional('/jwks', 'If-Modified-Since' => header($get, 'date'));
is($ims->{status}, 200, 'If-Modified-Since without Last-Modified: 200 (the ETag validates)');
check_304($t->request('HEAD', '/jwks', headers => ['If-None-Match' => $etag]), 'HEAD with If-None-Match',
          'public, max-age=600');
check_304(conditional('/jwks-custom', 'If-None-Match' => $etag),
          'If-None-Match on a custom Cache-Control location', 'no-cache, max-age=0');

my $nm = conditional('/jwks', 'If-None-Match' => '"does-not-match"');
is($nm->{status}, 200, 'If-None-Match non-matching: 200');
is($nm->{body}, $get->{body}, 'If-None-Match non-matching: full body');
is(header($nm, 'etag'), $etag, 'If-None-Match non-matching: ETag');

my $other = conditional('/jwks', 'If-None-Match' => $etag_b);
is($other->{status}, 200, "If-None-Match with another set's ETag: 200");

my $old = conditional('/jwks', 'If-Modified-Since' => 'Mon, 01 Jan 1990 00:00:00 GMT');
is($old->{status}, 200, 'If-Modified-Since long ago: 200');
is($old->{body}, $get->{body}, 'If-Modified-Since long ago: full body');

my $off304 = conditional('/jwks-off', 'If-None-Match' => $etag);
is($off304->{status}, 304, 'If-None-Match with Cache-Control off: 304');
ok(!defined header($off304, 'cache-control'), 'Cache-Control off: none on the 304 either');

# If-Match and If-Unmodified-Since (nginx's not_modified filter, README).
my $im = conditional('/jwks', 'If-Match' => $etag);
is($im->{status}, 200, 'If-Match with the ETag: 200');
is($im->{body}, $get->{body}, 'If-Match with the ETag: full body');
is(conditional('/jwks', 'If-Match' => '"other"')->{status}, 412, 'If-Match with another tag: 412');
is(conditional('/jwks', 'If-Match' => "W/$etag")->{status}, 412,
   'If-Match with the weak form: 412 (If-Match uses strong comparison)');
# RFC 9110 §13.1.4: ignored when the representation has no modification date.
is(conditional('/jwks', 'If-Unmodified-Since' => 'Mon, 01 Jan 1990 00:00:00 GMT')->{status}, 200,
   'If-Unmodified-Since without Last-Modified: ignored, 200');

# Range is not supported: the full representation, never a wrong 206.
my $range = conditional('/jwks', 'Range' => 'bytes=0-9');
is($range->{status}, 200, 'Range: 200 (ignored)');
is($range->{body}, $get->{body}, 'Range: full body');

# ---------------------------------------------------------------- Cache-Control

my $custom = $t->request('GET', '/jwks-custom');
is(header($custom, 'cache-control'), 'no-cache, max-age=0', 'custom Cache-Control');
is(header_count($custom, 'cache-control'), 1, 'custom Cache-Control: one header');

my $off = $t->request('GET', '/jwks-off');
is($off->{status}, 200, 'Cache-Control off: 200');
ok(!defined header($off, 'cache-control'), 'Cache-Control off: header absent');
is(header($off, 'access-control-allow-origin'), '*', 'Cache-Control off: ACAO still sent');

my $inh = $t->request('GET', '/jwks', host => 'inherit.test');
is($inh->{status}, 200, 'second server: 200');
is($inh->{body}, $get->{body}, 'second server: same set, same body');
is(header($inh, 'cache-control'), 'private, max-age=42', 'Cache-Control inherited from server level');
my $own = $t->request('GET', '/jwks-own', host => 'inherit.test');
is(header($own, 'cache-control'), 'max-age=7', 'location value overrides the server level');
my $late = $t->request('GET', '/jwks-late', host => 'off.test');
is($late->{status}, 200, 'set defined after the location that serves it: 200');
is($late->{body}, $get_b->{body}, 'set defined later: its keys');
my $soff = $t->request('GET', '/jwks', host => 'off.test');
is($soff->{status}, 200, 'server with Cache-Control off: 200');
ok(!defined header($soff, 'cache-control'), 'Cache-Control off inherited from server level');

log_is_clean($t, 'no alert, crit or emerg in the error log');

done_testing;
