#!/usr/bin/perl
# Precompressed gzip variants: stored at config load when smaller, served to
# clients whose Accept-Encoding allows gzip (RFC 9110 §12.5.3), with
# Content-Encoding, Vary and an ETag of their own; conditional requests per
# variant; HEAD; no double compression under nginx's own `gzip on`; and the
# bytes saved for a realistic JWKS and a full OpenID Provider discovery
# document (conf-examples/auth0-custom-domain-openid-provider.conf's).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;
# A realistic key set: three RSA-2048 keys published with their certificates
# (x5c), two EC keys.
for my $i (1 .. 3) {
    $t->key("rsa$i.pem", 'rsa2048');
    $t->openssl("openssl req -x509 -new -key $d/rsa$i.pem -subj /CN=signing-$i.example.com -days 365 -out $d/rsa$i.crt");
}
$t->key('ec1.pem', 'p256');
$t->key('ec2.pem', 'p384');
$t->key('tiny.pem', 'ed25519');

# The OpenID Provider's document, as the example has it.
my $example = "$FindBin::Bin/../conf-examples/auth0-custom-domain-openid-provider.conf";
open my $fh, '<', $example or die "$example: $!";
my ($issuer_block) = do { local $/; <$fh> } =~ /(\n\s*wellknown_issuer .*?\n\s*\}\n)/s or die "no issuer in $example";
$issuer_block =~ s/keys \S+;/keys realistic;/;

my $http = <<'HTTP';
    wellknown_keys realistic {
        key rsa1.crt;
        key rsa2.crt;
        key rsa3.crt;
        key ec1.pem;
        key ec2.pem;
    }
    wellknown_keys tiny { key tiny.pem; }

    # nginx's own gzip on top: it must leave the module's responses alone.
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name gzip-on.test;
        gzip on;
        gzip_types application/json;
        gzip_min_length 0;
        gzip_vary on;
        location = /jwks { wellknown_jwks realistic; }
        location = /tiny { wellknown_jwks tiny; }
    }
HTTP
$t->write_config($http, $issuer_block . <<'SERVER');
        location = /jwks { wellknown_jwks realistic; }
        location = /tiny { wellknown_jwks tiny; }
SERVER
my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t') or diag $out;
$t->start;

sub all_headers { my ($r, $n) = @_; return @{ $r->{headers}{lc $n} || [] } }

my $discovery = '/.well-known/openid-configuration';
for my $case ([ 'JWKS', '/jwks' ], [ 'OpenID Provider document', $discovery ]) {
    my ($name, $path) = @$case;
    my $plain = $t->get($path);
    my $gz = $t->get($path, 'Accept-Encoding' => 'gzip, deflate, br');
    is($plain->{status}, 200, "$name identity: 200");
    is($gz->{status}, 200, "$name gzip: 200");
    is(header($plain, 'content-encoding'), undef, "$name without Accept-Encoding: no Content-Encoding");
    is(header($gz, 'content-encoding'), 'gzip', "$name with gzip accepted: Content-Encoding gzip");
    is(header($plain, 'vary'), 'Accept-Encoding', "$name identity variant: Vary: Accept-Encoding");
    is(header($gz, 'vary'), 'Accept-Encoding', "$name gzip variant: Vary: Accept-Encoding");
    is(header($gz, 'content-length'), length $gz->{body}, "$name gzip: Content-Length is the compressed length");
    is(decoded_body($gz), $plain->{body}, "$name gzip: decompresses to exactly the identity body");
    ok(length $gz->{body} < length $plain->{body}, "$name gzip: smaller");
    isnt(header($gz, 'etag'), header($plain, 'etag'), "$name: each variant has its own ETag");
    like(header($gz, 'etag'), qr/^"[A-Za-z0-9_-]{22}"$/, "$name gzip: strong ETag");
    is(header($gz, 'content-type'), 'application/json', "$name gzip: Content-Type application/json");
    is(header($gz, 'cache-control'), header($plain, 'cache-control'), "$name gzip: same Cache-Control");
    is(header($gz, 'access-control-allow-origin'), '*', "$name gzip: CORS");
    is($t->get($path, 'Accept-Encoding' => 'gzip')->{body}, $gz->{body}, "$name gzip: the same bytes every time");
    note(sprintf('%s: %d bytes, gzip %d bytes (%.0f%% saved)', $name, length $plain->{body}, length $gz->{body},
                 100 * (1 - length($gz->{body}) / length($plain->{body}))));

    # Accept-Encoding variants (q-values, case, x-gzip, *).
    for my $ae ('GZIP', 'x-gzip', '*', 'br;q=1, gzip;q=0.5', 'identity, *;q=0.1') {
        is(header($t->get($path, 'Accept-Encoding' => $ae), 'content-encoding'), 'gzip', "$name: Accept-Encoding '$ae' gets gzip");
    }
    for my $ae ('gzip;q=0', 'identity', 'br, deflate', '*;q=0', 'gzip;q=0, *', 'gzip;q=abc') {
        my $r = $t->get($path, 'Accept-Encoding' => $ae);
        is(header($r, 'content-encoding'), undef, "$name: Accept-Encoding '$ae' gets identity");
        is($r->{body}, $plain->{body}, "$name: Accept-Encoding '$ae' body is the identity body");
    }

    # Conditional requests per variant.
    my $inm_gz = $t->get($path, 'Accept-Encoding' => 'gzip', 'If-None-Match' => header($gz, 'etag'));
    is($inm_gz->{status}, 304, "$name: gzip ETag with gzip accepted: 304");
    is(header($inm_gz, 'etag'), header($gz, 'etag'), "$name: 304 carries the gzip ETag");
    is(header($inm_gz, 'vary'), 'Accept-Encoding', "$name: 304 carries Vary");
    is($t->get($path, 'Accept-Encoding' => 'gzip', 'If-None-Match' => header($plain, 'etag'))->{status}, 200,
       "$name: identity ETag with gzip accepted: 200 (another variant)");
    is($t->get($path, 'If-None-Match' => header($gz, 'etag'))->{status}, 200,
       "$name: gzip ETag without gzip accepted: 200");
    is($t->get($path, 'If-None-Match' => header($plain, 'etag'))->{status}, 304, "$name: identity ETag: 304");

    my $head = $t->request('HEAD', $path, headers => [ 'Accept-Encoding' => 'gzip' ]);
    is($head->{status}, 200, "$name HEAD gzip: 200");
    is(header($head, 'content-length'), length $gz->{body}, "$name HEAD gzip: the compressed length");
    is(header($head, 'content-encoding'), 'gzip', "$name HEAD gzip: Content-Encoding");
    is($head->{body}, '', "$name HEAD gzip: no body");
}

# A body that compression does not shrink has no variant and no Vary.
{
    my $r = $t->get('/tiny', 'Accept-Encoding' => 'gzip');
    is($r->{status}, 200, 'tiny key set: 200');
    is(header($r, 'content-encoding'), undef, 'tiny key set: no gzip variant (not smaller)');
    is(header($r, 'vary'), undef, 'tiny key set: no Vary');
    ok(eval { decode_json($r->{body}) }, 'tiny key set: plain JSON');
}

# nginx's gzip filter on the same server: no double compression.
{
    my @h = (Host => 'gzip-on.test');
    my $plain = $t->get('/jwks', @h);
    my $gz = $t->get('/jwks', @h, 'Accept-Encoding' => 'gzip');
    is(join(',', all_headers($gz, 'content-encoding')), 'gzip', 'gzip on: one Content-Encoding');
    is(decoded_body($gz), $plain->{body}, 'gzip on: one gunzip gives the JSON (not compressed twice)');
    is(header($gz, 'etag'), header($t->get('/jwks', 'Accept-Encoding' => 'gzip'), 'etag'),
       'gzip on: the module\'s own variant (same ETag as without nginx gzip)');
    is(header($plain, 'content-encoding'), undef, 'gzip on, no Accept-Encoding: identity');
    # The tiny set has no variant: nginx's filter may compress it, correctly.
    my $tiny = $t->get('/tiny', @h, 'Accept-Encoding' => 'gzip');
    # nginx's filter drops Content-Length and sends the body chunked (the
    # harness decodes the chunks).
    my $body = decoded_body($tiny);
    ok(defined $body && eval { decode_json($body) }, 'gzip on, no module variant: still valid JSON for the client');
}

log_is_clean($t, 'no alerts in the error log');
done_testing;
