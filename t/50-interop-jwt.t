#!/usr/bin/perl
# Client interop: JWT libraries fetch the served JWKS over HTTP, pick the key
# by kid and verify tokens signed with the matching private keys.
#
#   PyJWT 2.6 (PyJWKClient) and jwcrypto 1.1   t/interop/verify_py.py
#   jose 5 (createRemoteJWKSet + jwtVerify)    t/interop/verify_jose.mjs
#
# Each key/library combination is its own test; tokens signed by a key that
# is not published must be rejected by every library. A combination is
# skipped only when the library cannot handle the key type at all (the
# scripts check with a local round trip), never because the served set was
# refused.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

interop_ready(npm => ['jose'], python => [qw(jwt jwcrypto)]);

my $t = WellKnown::Test->new;

# name, openssl type, key directive options, JWS alg, kid (undef: RFC 7638 thumbprint)
my $opaque = 'ins_1lyWDZiobr600AKUeQDoSlrEmoM';
my @keys = (
    [ 'rsa',        'rsa2048', '',              'RS256', undef   ],
    [ 'rsa-opaque', 'rsa2048', "kid=$opaque",   'RS256', $opaque ],
    [ 'rsa-pss',    'rsa2048', 'alg=PS256',     'PS256', undef   ],
    [ 'p256',       'p256',    '',              'ES256', undef   ],
    [ 'p384',       'p384',    '',              'ES384', undef   ],
    [ 'p521',       'p521',    '',              'ES512', undef   ],
    [ 'ed25519',    'ed25519', '',              'EdDSA', undef   ],
    [ 'ed448',      'ed448',   '',              'EdDSA', undef   ],
);
$t->key("$_->[0].pem", $_->[1]) for @keys;

# Keys that are never published: tokens they sign are forgeries.
$t->key('unpublished-rsa.pem', 'rsa2048');
$t->key('unpublished-p256.pem', 'p256');
my @forged = (
    { name => 'forged-rsa-thumbprint-kid', pem => $t->path('unpublished-rsa.pem'),  alg => 'RS256',
      kid_of => 'rsa',        expect => 'bad-signature' },
    { name => 'forged-rsa-opaque-kid',     pem => $t->path('unpublished-rsa.pem'),  alg => 'RS256',
      kid_of => 'rsa-opaque', expect => 'bad-signature' },
    { name => 'forged-p256-kid',           pem => $t->path('unpublished-p256.pem'), alg => 'ES256',
      kid_of => 'p256',       expect => 'bad-signature' },
    # Signed with its own thumbprint as kid, which the server does not publish.
    { name => 'forged-unknown-kid',        pem => $t->path('unpublished-rsa.pem'),  alg => 'RS256',
      kid => undef,           expect => 'no-key' },
);

my $set = join ' ', map { 'key ' . join(' ', grep { length } "$_->[0].pem", $_->[2]) . ';' } @keys;
$t->write_config("wellknown_keys interop { $set }",
                 'location = /.well-known/jwks.json { wellknown_jwks interop; }');
$t->start_checked('nginx -t accepts the interop key set');

my $r = $t->get('/.well-known/jwks.json');
is($r->{status}, 200, 'JWKS served');
my $jwks = decode_json($r->{body});
is(scalar @{ $jwks->{keys} }, scalar @keys, 'every configured key is published');
ok((grep { ($_->{kid} // '') eq $opaque } @{ $jwks->{keys} }), 'explicit opaque kid published as given');

jwt_interop($t, 'interop', 'http://127.0.0.1:' . $t->port . '/.well-known/jwks.json', {
    keys => [ map { { name => $_->[0], pem => $t->path("$_->[0].pem"), alg => $_->[3], kid => $_->[4] } } @keys ],
    forged => \@forged,
}, may_skip => 1);

log_is_clean($t, 'no alerts in the error log');

done_testing;
