#!/usr/bin/perl
# Precompressed gzip variants: stored at config load when smaller, served to
# clients whose Accept-Encoding allows gzip (RFC 9110 §12.5.3), with
# Content-Encoding, Vary and an ETag of their own; conditional requests per
# variant; HEAD; no double compression under nginx's own `gzip on`; and the
# bytes saved for a realistic JWKS and the seed 003 discovery document.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use WellKnown::Test qw(decode_json);

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

# Seed 003's document, as conf-examples/seed-001-003-auth0-oidc.conf has it.
my $seed003 = "$FindBin::Bin/../conf-examples/seed-001-003-auth0-oidc.conf";
open my $fh, '<', $seed003 or die "$seed003: $!";
my ($issuer_block) = do { local $/; <$fh> } =~ /(\n\s*wellknown_issuer .*?\n\s*\}\n)/s or die 'no issuer in seed 003';
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

sub hdr { WellKnown::Test::header(@_) }
sub all_hdr { my ($r, $n) = @_; return @{ $r->{headers}{lc $n} || [] } }
sub gunzip_ok {
    my ($bytes) = @_;
    my $plain;
    gunzip(\$bytes => \$plain) or return undef;
    return $plain;
}

my $discovery = '/.well-known/openid-configuration';
for my $case ([ 'JWKS', '/jwks' ], [ 'seed 003 document', $discovery ]) {
    my ($name, $path) = @$case;
    my $plain = $t->get($path);
    my $gz = $t->get($path, 'Accept-Encoding' => 'gzip, deflate, br');
    is($plain->{status}, 200, "$name identity: 200");
    is($gz->{status}, 200, "$name gzip: 200");
    is(hdr($plain, 'content-encoding'), undef, "$name without Accept-Encoding: no Content-Encoding");
    is(hdr($gz, 'content-encoding'), 'gzip', "$name with gzip accepted: Content-Encoding gzip");
    is(hdr($plain, 'vary'), 'Accept-Encoding', "$name identity variant: Vary: Accept-Encoding");
    is(hdr($gz, 'vary'), 'Accept-Encoding', "$name gzip variant: Vary: Accept-Encoding");
    is(hdr($gz, 'content-length'), length $gz->{body}, "$name gzip: Content-Length is the compressed length");
    is(gunzip_ok($gz->{body}), $plain->{body}, "$name gzip: decompresses to exactly the identity body");
    ok(length $gz->{body} < length $plain->{body}, "$name gzip: smaller");
    isnt(hdr($gz, 'etag'), hdr($plain, 'etag'), "$name: each variant has its own ETag");
    like(hdr($gz, 'etag'), qr/^"[A-Za-z0-9_-]{22}"$/, "$name gzip: strong ETag");
    is(hdr($gz, 'content-type'), 'application/json', "$name gzip: Content-Type application/json");
    is(hdr($gz, 'cache-control'), hdr($plain, 'cache-control'), "$name gzip: same Cache-Control");
    is(hdr($gz, 'access-control-allow-origin'), '*', "$name gzip: CORS");
    is($t->get($path, 'Accept-Encoding' => 'gzip')->{body}, $gz->{body}, "$name gzip: the same bytes every time");
    note(sprintf('%s: %d bytes, gzip %d bytes (%.0f%% saved)', $name, length $plain->{body}, length $gz->{body},
                 100 * (1 - length($gz->{body}) / length($plain->{body}))));

    # Accept-Encoding variants (q-values, case, x-gzip, *).
    for my $ae ('GZIP', 'x-gzip', '*', 'br;q=1, gzip;q=0.5', 'identity, *;q=0.1') {
        is(hdr($t->get($path, 'Accept-Encoding' => $ae), 'content-encoding'), 'gzip', "$name: Accept-Encoding '$ae' gets gzip");
    }
    for my $ae ('gzip;q=0', 'identity', 'br, deflate', '*;q=0', 'gzip;q=0, *', 'gzip;q=abc') {
        my $r = $t->get($path, 'Accept-Encoding' => $ae);
        is(hdr($r, 'content-encoding'), undef, "$name: Accept-Encoding '$ae' gets identity");
        is($r->{body}, $plain->{body}, "$name: Accept-Encoding '$ae' body is the identity body");
    }

    # Conditional requests per variant.
    my $inm_gz = $t->get($path, 'Accept-Encoding' => 'gzip', 'If-None-Match' => hdr($gz, 'etag'));
    is($inm_gz->{status}, 304, "$name: gzip ETag with gzip accepted: 304");
    is(hdr($inm_gz, 'etag'), hdr($gz, 'etag'), "$name: 304 carries the gzip ETag");
    is(hdr($inm_gz, 'vary'), 'Accept-Encoding', "$name: 304 carries Vary");
    is($t->get($path, 'Accept-Encoding' => 'gzip', 'If-None-Match' => hdr($plain, 'etag'))->{status}, 200,
       "$name: identity ETag with gzip accepted: 200 (another variant)");
    is($t->get($path, 'If-None-Match' => hdr($gz, 'etag'))->{status}, 200,
       "$name: gzip ETag without gzip accepted: 200");
    is($t->get($path, 'If-None-Match' => hdr($plain, 'etag'))->{status}, 304, "$name: identity ETag: 304");

    my $head = $t->http('HEAD', $path, [ 'Accept-Encoding' => 'gzip' ]);
    is($head->{status}, 200, "$name HEAD gzip: 200");
    is(hdr($head, 'content-length'), length $gz->{body}, "$name HEAD gzip: the compressed length");
    is(hdr($head, 'content-encoding'), 'gzip', "$name HEAD gzip: Content-Encoding");
    is($head->{body}, '', "$name HEAD gzip: no body");
}

# A body that compression does not shrink has no variant and no Vary.
{
    my $r = $t->get('/tiny', 'Accept-Encoding' => 'gzip');
    is($r->{status}, 200, 'tiny key set: 200');
    is(hdr($r, 'content-encoding'), undef, 'tiny key set: no gzip variant (not smaller)');
    is(hdr($r, 'vary'), undef, 'tiny key set: no Vary');
    ok(eval { decode_json($r->{body}) }, 'tiny key set: plain JSON');
}

# nginx's gzip filter on the same server: no double compression.
{
    my @h = (Host => 'gzip-on.test');
    my $plain = $t->get('/jwks', @h);
    my $gz = $t->get('/jwks', @h, 'Accept-Encoding' => 'gzip');
    is(join(',', all_hdr($gz, 'content-encoding')), 'gzip', 'gzip on: one Content-Encoding');
    is(gunzip_ok($gz->{body}), $plain->{body}, 'gzip on: one gunzip gives the JSON (not compressed twice)');
    is(hdr($gz, 'etag'), hdr($t->get('/jwks', 'Accept-Encoding' => 'gzip'), 'etag'),
       'gzip on: the module\'s own variant (same ETag as without nginx gzip)');
    is(hdr($plain, 'content-encoding'), undef, 'gzip on, no Accept-Encoding: identity');
    # The tiny set has no variant: nginx's filter may compress it, correctly.
    my $tiny = $t->get('/tiny', @h, 'Accept-Encoding' => 'gzip');
    # nginx's filter drops Content-Length and sends the body chunked.
    my $raw = $tiny->{body};
    if ((hdr($tiny, 'transfer-encoding') // '') eq 'chunked') {
        my $dechunked = '';
        while ($raw =~ s/^([0-9a-fA-F]+)\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            $dechunked .= substr($raw, 0, $n, '');
            $raw =~ s/^\r\n//;
        }
        $raw = $dechunked;
    }
    my $body = defined hdr($tiny, 'content-encoding') ? gunzip_ok($raw) : $raw;
    ok(defined $body && eval { decode_json($body) }, 'gzip on, no module variant: still valid JSON for the client');
}

unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts in the error log');
done_testing;
