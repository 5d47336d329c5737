#!/usr/bin/perl
# Every bad configuration fails `nginx -t` with an [emerg] that says what is
# wrong and points at the file and line of the offending directive; a few
# findings are warnings only. No server is started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;
my $conf_path = $t->path('nginx.conf');

sub ossl { $t->openssl(@_) }

# ---------------------------------------------------------------- inputs

$t->key('rsa.pem', 'rsa2048');
$t->key('p256.pem', 'p256');
$t->key('p256b.pem', 'p256');
$t->key('p384.pem', 'p384');
$t->key('ed25519.pem', 'ed25519');
$t->key('x25519.pem', 'x25519');
$t->key('secp256k1.pem', 'secp256k1');
ossl("openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out $d/dsa.params");
ossl("openssl genpkey -paramfile $d/dsa.params -out $d/dsa.pem");
$t->key('rsa1024.pem', 'rsa1024');
ossl("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out $d/rsa512.pem");
ossl("openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out $d/dhparams.pem");
ossl("openssl genpkey -paramfile $d/dhparams.pem -out $d/dhkey.pem");
ossl("openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:x -in $d/p256.pem -out $d/enc-pkcs8.pem");
ossl("openssl rsa -aes256 -traditional -passout pass:x -in $d/rsa.pem -out $d/enc-trad.pem");
ossl("openssl req -new -key $d/p256.pem -subj /CN=csr -out $d/req.csr");

$t->write_file('empty.pem', '');
srand(20240611);
$t->write_file('random.bin', join '', map { chr(int rand 256) } 1 .. 600);
$t->write_file('notpem.txt', "this is not a key\nat all\n");
{
    my $pem = $t->read_file('rsa.pem');
    $t->write_file('truncated.pem', substr($pem, 0, int(length($pem) / 2)));
}
$t->write_file('two-keys.pem', $t->read_file('p256.pem') . $t->read_file('ed25519.pem'));
$t->write_file('big.pem', $t->read_file('p256.pem') . ('#' x (1024 * 1024 + 10)));
mkdir "$d/keydir";

# Certificates: a CA and a leaf it issued, an unrelated self-signed cert.
ossl("openssl req -x509 -new -key $d/p384.pem -subj /CN=CA -days 30 -out $d/ca.crt");
ossl("openssl req -new -key $d/p256.pem -subj /CN=leaf -out $d/leaf.csr");
ossl("openssl x509 -req -in $d/leaf.csr -CA $d/ca.crt -CAkey $d/p384.pem -set_serial 7 -days 30 -out $d/leaf.crt");
ossl("openssl req -x509 -new -key $d/ed25519.pem -subj /CN=other -days 30 -out $d/other.crt");
$t->write_file('bad-chain.pem', $t->read_file('leaf.crt') . $t->read_file('other.crt'));
$t->write_file('reversed-chain.pem', $t->read_file('ca.crt') . $t->read_file('leaf.crt'));
$t->write_file('cert-wrong-key.pem', $t->read_file('p256b.pem') . $t->read_file('leaf.crt'));

# ---------------------------------------------------------------- helpers

my $jwks_loc = 'location = /jwks { wellknown_jwks k; }';

# fails(name, http, server, marker, message regex): nginx -t must fail with
# [emerg] MESSAGE ... in nginx.conf:LINE, LINE being the marker's line.
sub fails {
    my ($name, $http, $server, $marker, $msg, %o) = @_;
    $t->write_config($http, defined $server ? $server : $jwks_loc);
    my ($emerg, $out) = $t->expect_emerg($name, $marker, $msg);
    unlike($emerg, $o{unlike}, "$name: message does not say " . $o{unlike}) if $o{unlike} && defined $emerg;
    return $out;
}

sub keys_block { my ($lines) = @_; return "    wellknown_keys k {\n        key p256b.pem;\n$lines    }\n" }

# ---------------------------------------------------------------- key files

fails('missing key file', keys_block("        key missing.pem;\n"), undef, 'key missing.pem',
      qr/cannot open key file "\Q$d\E\/missing\.pem": No such file or directory/);

fails('path through a regular file', keys_block("        key rsa.pem/inner.pem;\n"), undef, 'rsa.pem/inner.pem',
      qr/cannot open key file "\Q$d\E\/rsa\.pem\/inner\.pem": Not a directory/);

fails('directory as a key file', keys_block("        key keydir;\n"), undef, 'key keydir',
      qr/key file "\Q$d\E\/keydir" is a directory/);

SKIP: {
    skip 'unreadable key file: running as root, which reads any file (directory cases above instead)', 5
        if $> == 0;
    $t->write_file('unreadable.pem', $t->read_file('p256.pem'), 0000);
    fails('unreadable key file', keys_block("        key unreadable.pem;\n"), undef, 'unreadable.pem',
          qr/cannot open key file .*unreadable\.pem": Permission denied/);
}

fails('empty file', keys_block("        key empty.pem;\n"), undef, 'empty.pem', qr/key file "[^"]*empty\.pem" is empty/);
fails('random bytes', keys_block("        key random.bin;\n"), undef, 'random.bin', qr/random\.bin": no PEM data found/);
fails('text without PEM', keys_block("        key notpem.txt;\n"), undef, 'notpem.txt', qr/no PEM data found/);
fails('truncated PEM', keys_block("        key truncated.pem;\n"), undef, 'truncated.pem',
      qr/truncated\.pem": malformed or truncated PEM/);
fails('file over 1 MiB', keys_block("        key big.pem;\n"), undef, 'big.pem', qr/larger than 1 MiB/);
fails('encrypted PKCS#8', keys_block("        key enc-pkcs8.pem;\n"), undef, 'enc-pkcs8.pem',
      qr/enc-pkcs8\.pem": .*encrypted/);
fails('encrypted traditional PEM', keys_block("        key enc-trad.pem;\n"), undef, 'enc-trad.pem',
      qr/enc-trad\.pem": .*encrypted/);
fails('DSA key', keys_block("        key dsa.pem;\n"), undef, 'dsa.pem', qr/unsupported key type DSA/);
fails('DH parameters', keys_block("        key dhparams.pem;\n"), undef, 'dhparams.pem', qr/unsupported key type DH/);
fails('DH private key', keys_block("        key dhkey.pem;\n"), undef, 'dhkey.pem', qr/unsupported key type DH/);
fails('secp256k1 key', keys_block("        key secp256k1.pem;\n"), undef, 'secp256k1.pem',
      qr/unsupported EC curve secp256k1/);
fails('certificate request', keys_block("        key req.csr;\n"), undef, 'req.csr', qr/certificate signing request/);
fails('RSA 1024 without allow_weak', keys_block("        key rsa1024.pem;\n"), undef, 'rsa1024.pem',
      qr/RSA key has 1024 bits.*allow_weak/);
fails('RSA 512 with allow_weak', keys_block("        key rsa512.pem allow_weak;\n"), undef, 'rsa512.pem',
      qr/RSA key has 512 bits/, unlike => qr/allow_weak/);
fails('two keys in one file', keys_block("        key two-keys.pem;\n"), undef, 'two-keys.pem', qr/holds 2 keys/);
fails('chain whose second certificate did not issue the first', keys_block("        key bad-chain.pem;\n"),
      undef, 'bad-chain.pem', qr/certificate #2 did not issue certificate #1/);
fails('chain in the wrong order', keys_block("        key reversed-chain.pem;\n"),
      undef, 'reversed-chain.pem', qr/did not issue/);
fails('certificate with a private key that does not match', keys_block("        key cert-wrong-key.pem;\n"),
      undef, 'cert-wrong-key.pem', qr/does not match the first \(leaf\) certificate/);

# ---------------------------------------------------------------- key options

fails('alg=ES256 on P-384', keys_block("        key p384.pem alg=ES256;\n"), undef, 'p384.pem',
      qr/alg=ES256 does not fit an EC P-384 key.*ES384/);
fails('alg=RS256 on Ed25519', keys_block("        key ed25519.pem alg=RS256;\n"), undef, 'ed25519.pem',
      qr/alg=RS256 does not fit an Ed25519 key/);
fails('alg unknown', keys_block("        key rsa.pem alg=HS256;\n"), undef, 'rsa.pem', qr/alg=HS256 does not fit/);
fails('use=sig on X25519', keys_block("        key x25519.pem use=sig;\n"), undef, 'x25519.pem',
      qr/X25519 key cannot be used for signatures/);
fails('use=bogus', keys_block("        key rsa.pem use=bogus;\n"), undef, 'rsa.pem', qr/use="bogus" is not "sig" or "enc"/);
fails('duplicate kid', keys_block("        key rsa.pem kid=same;\n        key ed25519.pem kid=same;\n"), undef,
      'ed25519.pem kid=same', qr/duplicate kid "same"/);
fails('same file twice (thumbprint kids collide)', keys_block("        key rsa.pem;\n        key rsa.pem ;\n"),
      undef, 'key rsa.pem ;', qr/duplicate kid "[A-Za-z0-9_-]{43}"/);
fails('unknown option', keys_block("        key rsa.pem foo=bar;\n"), undef, 'foo=bar', qr/unknown option "foo=bar"/);
fails('empty kid', keys_block("        key rsa.pem kid=;\n"), undef, 'kid=;', qr/option "kid" needs a value/);
fails('kid with a control character', keys_block("        key rsa.pem \"kid=a\\tb\";\n"), undef, 'kid=a',
      qr/kid contains a control character/);
fails('kid not valid UTF-8', keys_block("        key rsa.pem kid=bad\xff\xfeutf8;\n"), undef, 'kid=bad',
      qr/kid is not valid UTF-8/);
fails('option given twice', keys_block("        key rsa.pem alg=RS256 alg=PS256;\n"), undef, 'alg=PS256',
      qr/option "alg" is given twice/);
fails('flag option given twice', keys_block("        key rsa1024.pem allow_weak allow_weak;\n"), undef, 'allow_weak allow_weak',
      qr/option "allow_weak" is given twice/);
fails('flag option with a value', keys_block("        key leaf.crt x5t=yes;\n"), undef, 'x5t=yes',
      qr/option "x5t" takes no value/);
fails('key_ops=bogus', keys_block("        key rsa.pem key_ops=bogus;\n"), undef, 'key_ops=bogus',
      qr/key_ops value "bogus" is not one of/);
fails('key_ops=sign,encrypt', keys_block("        key rsa.pem key_ops=sign,encrypt;\n"), undef, 'sign,encrypt',
      qr/key_ops mixes signing and encryption/);
fails('key_ops=verify,verify', keys_block("        key rsa.pem key_ops=verify,verify;\n"), undef, 'verify,verify',
      qr/key_ops value "verify" is listed twice/);
fails('key_ops=encrypt on Ed25519', keys_block("        key ed25519.pem key_ops=encrypt;\n"), undef, 'key_ops=encrypt',
      qr/key_ops "encrypt" does not fit an Ed25519 key/);
fails('use=enc with key_ops=verify', keys_block("        key rsa.pem use=enc key_ops=verify;\n"), undef, 'use=enc',
      qr/use=enc conflicts with key_ops=verify/);
fails('x5t without a certificate', keys_block("        key rsa.pem x5t;\n"), undef, 'rsa.pem x5t',
      qr/x5t needs a certificate/);

# ---------------------------------------------------------------- block syntax

fails('wrong directive in the block', keys_block("        keyy rsa.pem;\n"), undef, 'keyy',
      qr/unknown directive "keyy" in the key set/);
fails('key without a file', keys_block("        key;\n"), undef, 'key;', qr/"key" needs a file name/);
fails('empty key set', "    wellknown_keys k { }\n", undef, 'wellknown_keys k', qr/key set "k" has no keys/);
fails('duplicate key set name',
      "    wellknown_keys k { key rsa.pem; }\n    wellknown_keys  k { key p256.pem; }\n", undef,
      'wellknown_keys  k', qr/key set "k" is already defined/);
fails('wellknown_jwks naming an unknown set', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /a { wellknown_jwks k; }\n        location = /b {\n            wellknown_jwks nope;\n        }\n",
      'wellknown_jwks nope', qr/no key set named "nope"/);
fails('wellknown_jwks twice in a location', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /jwks {\n            wellknown_jwks k;\n            wellknown_jwks  k;\n        }\n",
      'wellknown_jwks  k', qr/"wellknown_jwks" directive is duplicate/);
fails('wellknown_keys inside server', '',
      "        wellknown_keys k { key rsa.pem; }\n        $jwks_loc\n", 'wellknown_keys k',
      qr/"wellknown_keys" directive is not allowed here/);
fails('wellknown_keys inside location', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /x {\n            wellknown_keys j { key p256.pem; }\n        }\n", 'wellknown_keys j',
      qr/"wellknown_keys" directive is not allowed here/);
fails('wellknown_jwks in server context', "    wellknown_keys k { key rsa.pem; }\n",
      "        wellknown_jwks k;\n", 'wellknown_jwks k', qr/"wellknown_jwks" directive is not allowed here/);
fails('wellknown_jwks in http context', "    wellknown_keys k { key rsa.pem; }\n    wellknown_jwks  k;\n",
      '', 'wellknown_jwks  k', qr/"wellknown_jwks" directive is not allowed here/);
fails('wellknown_cache_control empty', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /jwks {\n            wellknown_jwks k;\n            wellknown_cache_control \"\";\n        }\n",
      'wellknown_cache_control', qr/wellknown_cache_control: the value is empty/);
fails('wellknown_cache_control duplicated', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /jwks {\n            wellknown_jwks k;\n            wellknown_cache_control \"max-age=1\";\n"
      . "            wellknown_cache_control  off;\n        }\n",
      'wellknown_cache_control  off', qr/"wellknown_cache_control" directive is duplicate/);
fails('wellknown_cache_control with a control character', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /jwks {\n            wellknown_jwks k;\n            wellknown_cache_control \"max-age=1\\r\\nX-Evil: 1\";\n        }\n",
      'X-Evil', qr/the value contains a control character/);

fails('empty key set name', "    wellknown_keys \"\" { key rsa.pem; }\n", '', 'wellknown_keys ""',
      qr/wellknown_keys: the key set name is empty/);
fails('wellknown_jwks with an empty name', "    wellknown_keys k { key rsa.pem; }\n",
      "        location = /jwks { wellknown_jwks \"\"; }\n", 'wellknown_jwks ""',
      qr/wellknown_jwks: the key set name is empty/);

# Errors in included files name that file and its line.
sub fails_included {
    my ($name, $http, $server, $inc, $inc_line, $msg) = @_;
    $t->write_file('extra.conf', $inc);
    $t->write_config($http, $server);
    my ($ok, $out) = $t->test_config;
    ok(!$ok, "$name: nginx -t fails");
    my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
    ok(defined $emerg, "$name: [emerg] reported") or do { diag $out; return };
    note $emerg;
    like($emerg, $msg, "$name: message");
    like($emerg, qr/ in \Q$d\E\/extra\.conf:$inc_line$/, "$name: names extra.conf:$inc_line");
}
fails_included('key error in an included file', "    include extra.conf;\n", $jwks_loc,
               "# keys\nwellknown_keys k {\n    key p256.pem;\n    key missing.pem;\n}\n", 4,
               qr/cannot open key file/);
fails_included('unknown set in an included location', "    wellknown_keys k { key rsa.pem; }\n",
               "        include extra.conf;\n",
               "location = /a { wellknown_jwks k; }\nlocation = /b {\n    wellknown_jwks nope;\n}\n", 3,
               qr/no key set named "nope"/);

# ---------------------------------------------------------------- warnings

# A warning: nginx -t passes, and the [warn] names the file and line.
sub warns {
    my ($name, $http, $marker, $msg) = @_;
    $t->write_config($http, $jwks_loc);
    $t->expect_warn($name, $marker, $msg);
}

warns('same key twice with different kids',
      keys_block("        key rsa.pem kid=one;\n        key rsa.pem kid=two;\n"), 'kid=two',
      qr/the same key is already in this set as kid "one"/);

SKIP: {
    # `openssl x509 -not_after` arrived after OpenSSL 3.0; `openssl ca`
    # accepts explicit -startdate/-enddate in every 3.x.
    mkdir "$d/ca";
    $t->write_file('ca/index.txt', '');
    $t->write_file('ca/serial', "01\n");
    $t->write_file('ca/ca.cnf', <<"CNF");
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $d/ca
database = $d/ca/index.txt
new_certs_dir = $d/ca
serial = $d/ca/serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
CNF
    my $made = eval {
        ossl("openssl req -new -key $d/p256.pem -subj /CN=expired -out $d/ca/exp.csr");
        ossl("openssl ca -batch -config $d/ca/ca.cnf -selfsign -keyfile $d/p256.pem -in $d/ca/exp.csr"
           . " -startdate 20200101000000Z -enddate 20200102000000Z -notext -out $d/expired.crt");
        1;
    };
    skip "cannot make an expired certificate with this openssl: $@", 5 unless $made;
    like(ossl("openssl x509 -in $d/expired.crt -noout -enddate"), qr/2020 GMT/, 'test data: certificate expired in 2020');
    warns('expired certificate', "    wellknown_keys k { key expired.crt; }\n", 'expired.crt',
          qr/the leaf certificate has expired/);
}

done_testing;
