#!/usr/bin/perl
# Every configuration in conf-examples/ loads and serves what it promises.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Copy qw(copy);
use WellKnown::Test qw(decode_json);

my $examples = "$FindBin::Bin/../conf-examples";

# demo.conf: paths relative to the prefix, as `make demo` runs it.
{
    my $t = WellKnown::Test->new;
    mkdir $t->path($_) for qw(keys modules tmp);
    chmod 0755, $t->path('tmp');
    copy($ENV{MODULE}, $t->path('modules/ngx_http_wellknown_module.so')) or die $!;
    my %types = (rsa => 'rsa2048', p256 => 'p256', p384 => 'p384', p521 => 'p521', ed25519 => 'ed25519');
    $t->key("keys/$_.pem", $types{$_}) for sort keys %types;

    open my $fh, '<', "$examples/demo.conf" or die $!;
    my $conf = do { local $/; <$fh> };
    like($conf, qr/listen 127\.0\.0\.1:8080;/, 'demo.conf listens on loopback');
    $conf =~ s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:%%PORT%%;/;
    $t->write_config(undef, undef, raw => $conf);
    my ($ok, $out) = $t->test_config;
    ok($ok, 'demo.conf passes nginx -t') or diag $out;
    $t->start;

    my $r = $t->get('/.well-known/jwks.json');
    is($r->{status}, 200, 'demo JWKS served');
    my $jwks = decode_json($r->{body});
    is_deeply([map { $_->{alg} } @{ $jwks->{keys} }], [qw(RS256 ES256 ES384 ES512 EdDSA)],
              'one key per signing type, in configured order');
    my $certs = $t->get('/protocol/openid-connect/certs');
    is($certs->{body}, $r->{body}, 'Keycloak-style path serves the same set');
    is(WellKnown::Test::header($certs, 'etag'), WellKnown::Test::header($r, 'etag'), 'same ETag');

    # Tokens signed with each demo private key verify against the demo JWKS
    # with PyJWT, jwcrypto and jose (the scripts of t/50-interop.t).
    my %alg = (rsa => 'RS256', p256 => 'ES256', p384 => 'ES384', p521 => 'ES512', ed25519 => 'EdDSA');
    my @names = sort keys %alg;
    $t->write_file('spec.json', WellKnown::Test::encode_json({
        keys => [ map { { name => $_, pem => $t->path("keys/$_.pem"), alg => $alg{$_}, kid => undef } } @names ],
        forged => [],
    }));
    my $url = 'http://127.0.0.1:' . $t->port . '/.well-known/jwks.json';
    my $interop = "$FindBin::Bin/interop";
    for my $run ([ '/usr/bin/python3', "$interop/verify_py.py", [qw(pyjwt jwcrypto)] ],
                 [ 'node', "$interop/verify_jose.mjs", [qw(jose)] ]) {
        my ($bin, $script, $libs) = @$run;
        my $out = `timeout 120 '$bin' '$script' '$url' '@{[ $t->path('spec.json') ]}' 2>&1`;
        is($? >> 8, 0, "$script exits 0 for the demo keys") or diag $out;
        for my $lib (@$libs) {
            for my $name (@names) {
                like($out, qr/^ok \Q$lib\E \Q$name\E - /m, "$lib verifies a $alg{$name} token from demo key $name");
            }
        }
    }
}

done_testing;
