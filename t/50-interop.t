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
use WellKnown::Test qw(decode_json encode_json);

my $interop = "$FindBin::Bin/interop";
my $python  = $ENV{INTEROP_PYTHON} || '/usr/bin/python3';   # Debian's, with python3-jwt/-jwcrypto
my $node    = $ENV{NODE} || 'node';

BAIL_OUT("t/interop/node_modules is missing: run `make interop-deps` (npm ci in t/interop; `make t` does it)")
    unless -f "$interop/node_modules/jose/package.json";
BAIL_OUT("$python cannot import jwt and jwcrypto: run `make deps` (python3-jwt, python3-jwcrypto)")
    if system("'$python' -c 'import jwt, jwcrypto' >/dev/null 2>&1") != 0;
BAIL_OUT("`$node` is not runnable: run `make deps`")
    if system("$node --version >/dev/null 2>&1") != 0;

my $t = WellKnown::Test->new;
# Stop nginx here: this END block runs before File::Temp's, which removes the
# prefix (and the pid file that $t->stop needs) before global destruction.
END { $t->stop if $t }

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
my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts the interop key set') or diag $out;
$t->start;

my $url = 'http://127.0.0.1:' . $t->port . '/.well-known/jwks.json';
my $r = $t->get('/.well-known/jwks.json');
is($r->{status}, 200, 'JWKS served');
my $jwks = decode_json($r->{body});
is(scalar @{ $jwks->{keys} }, scalar @keys, 'every configured key is published');
ok((grep { ($_->{kid} // '') eq $opaque } @{ $jwks->{keys} }), 'explicit opaque kid published as given');

$t->write_file('spec.json', encode_json({
    keys => [ map { { name => $_->[0], pem => $t->path("$_->[0].pem"), alg => $_->[3], kid => $_->[4] } } @keys ],
    forged => \@forged,
}));

my %alg = map { $_->[0] => $_->[3] } @keys;
my @positive = map { $_->[0] } @keys;
my @negative = map { $_->{name} } @forged;

run_checks('verify_py.py', [ $python, "$interop/verify_py.py", $url, $t->path('spec.json') ],
           [qw(pyjwt jwcrypto)]);
run_checks('verify_jose.mjs', [ $node, "$interop/verify_jose.mjs", $url, $t->path('spec.json') ],
           [qw(jose)]);

unlike($t->error_log, qr/\[(?:alert|crit|emerg)\]/, 'no alerts in the error log');

done_testing;

# Runs one script, then turns each reported line into its own test. A check
# the script did not report (it crashed, or stopped early) fails.
sub run_checks {
    my ($script, $cmd, $libs) = @_;
    my $errfile = $t->path("$script.stderr");
    my $shell = join(' ', 'timeout', '120', map { "'$_'" } @$cmd) . " 2>'$errfile'";
    my $stdout = `$shell`;
    my $rc = $? >> 8;
    my $stderr = $t->read_file("$script.stderr");

    my %got;
    my @stray;
    for my $l (split /\n/, $stdout) {
        if ($l =~ /^(ok|not ok|skip) (\S+) (\S+) - (.*)$/) {
            $got{$2}{$3} = [ $1, $4 ];
        } else {
            push @stray, $l;
        }
    }

    for my $lib (@$libs) {
        for my $name (@positive, @negative) {
            my $what = exists $alg{$name}
                ? "$lib verifies a $alg{$name} token from $name via the JWKS"
                : "$lib rejects $name";
            my $res = $got{$lib}{$name};
            if (!$res) {
                fail($what);
                diag("$script reported nothing for $lib/$name (exit $rc)\n$stderr");
                next;
            }
            my ($status, $detail) = @$res;
            SKIP: {
                skip("$lib/$name: $detail", 1) if $status eq 'skip';
                ok($status eq 'ok', $what) or diag("$lib/$name: $detail");
                note("$lib/$name: $detail") if $status eq 'ok';
            }
        }
    }
    my $failures = grep { $_->[0] eq 'not ok' } map { values %$_ } values %got;
    is($rc, $failures ? 1 : 0, "$script exit status agrees with its report")
        or diag("stderr:\n$stderr\nother output:\n" . join("\n", @stray));
}
