#!/usr/bin/perl
# wellknown_keys: every bad key option and block fails `nginx -t` with an
# [emerg] that says what is wrong and points at the file and line of the
# offending statement; a few findings are warnings only. What is wrong
# with a key file's content is t/31-config-key-files.t. No server is
# started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;

$t->make_keys(rsa => 'rsa2048', p256 => 'p256', p256b => 'p256', p384 => 'p384', ed25519 => 'ed25519',
              x25519 => 'x25519', rsa1024 => 'rsa1024');
$t->openssl("openssl req -x509 -new -key $d/p384.pem -subj /CN=CA -days 30 -out $d/ca.crt");
$t->openssl("openssl req -new -key $d/p256.pem -subj /CN=leaf -out $d/leaf.csr");
$t->openssl("openssl x509 -req -in $d/leaf.csr -CA $d/ca.crt -CAkey $d/p384.pem -set_serial 7 -days 30 -out $d/leaf.crt");

my $jwks_loc = 'location = /jwks { wellknown_jwks k; }';
sub keys_block { my ($lines) = @_; return "    wellknown_keys k {\n        key p256b.pem;\n$lines    }\n" }
# fails(name, key lines, marker, message regex, %options of expect_emerg)
sub fails { my ($name, $lines, @rest) = @_; $t->fails($name, keys_block($lines), $jwks_loc, @rest) }

# ---------------------------------------------------------------- key options

fails('alg=ES256 on P-384', "        key p384.pem alg=ES256;\n", 'p384.pem',
      qr/alg=ES256 does not fit an EC P-384 key.*ES384/);
fails('alg=RS256 on Ed25519', "        key ed25519.pem alg=RS256;\n", 'ed25519.pem',
      qr/alg=RS256 does not fit an Ed25519 key/);
fails('alg unknown', "        key rsa.pem alg=HS256;\n", 'rsa.pem', qr/alg=HS256 does not fit/);
fails('use=sig on X25519', "        key x25519.pem use=sig;\n", 'x25519.pem',
      qr/X25519 key cannot be used for signatures/);
fails('use=bogus', "        key rsa.pem use=bogus;\n", 'rsa.pem', qr/use="bogus" is not "sig" or "enc"/);
fails('duplicate kid', "        key rsa.pem kid=same;\n        key ed25519.pem kid=same;\n",
      'ed25519.pem kid=same', qr/duplicate kid "same"/);
fails('same file twice (thumbprint kids collide)', "        key rsa.pem;\n        key rsa.pem ;\n",
      'key rsa.pem ;', qr/duplicate kid "[A-Za-z0-9_-]{43}"/);
fails('unknown option', "        key rsa.pem foo=bar;\n", 'foo=bar', qr/unknown option "foo=bar"/);
fails('empty kid', "        key rsa.pem kid=;\n", 'kid=;', qr/option "kid" needs a value/);
fails('kid with a control character', "        key rsa.pem \"kid=a\\tb\";\n", 'kid=a',
      qr/kid contains a control character/);
fails('kid not valid UTF-8', "        key rsa.pem kid=bad\xff\xfeutf8;\n", 'kid=bad', qr/kid is not valid UTF-8/);
fails('option given twice', "        key rsa.pem alg=RS256 alg=PS256;\n", 'alg=PS256',
      qr/option "alg" is given twice/);
fails('flag option given twice', "        key rsa1024.pem allow_weak allow_weak;\n", 'allow_weak allow_weak',
      qr/option "allow_weak" is given twice/);
fails('flag option with a value', "        key leaf.crt x5t=yes;\n", 'x5t=yes', qr/option "x5t" takes no value/);
fails('key_ops=bogus', "        key rsa.pem key_ops=bogus;\n", 'key_ops=bogus', qr/key_ops value "bogus" is not one of/);
fails('key_ops=sign,encrypt', "        key rsa.pem key_ops=sign,encrypt;\n", 'sign,encrypt',
      qr/key_ops mixes signing and encryption/);
fails('key_ops=verify,verify', "        key rsa.pem key_ops=verify,verify;\n", 'verify,verify',
      qr/key_ops value "verify" is listed twice/);
fails('key_ops=encrypt on Ed25519', "        key ed25519.pem key_ops=encrypt;\n", 'key_ops=encrypt',
      qr/key_ops "encrypt" does not fit an Ed25519 key/);
fails('use=enc with key_ops=verify', "        key rsa.pem use=enc key_ops=verify;\n", 'use=enc',
      qr/use=enc conflicts with key_ops=verify/);
fails('x5t without a certificate', "        key rsa.pem x5t;\n", 'rsa.pem x5t', qr/x5t needs a certificate/);

# ---------------------------------------------------------------- block syntax

fails('wrong directive in the block', "        keyy rsa.pem;\n", 'keyy', qr/unknown directive "keyy" in the key set/);
fails('key without a file', "        key;\n", 'key;', qr/"key" needs a file name/);
$t->fails('empty key set', "    wellknown_keys k { }\n", $jwks_loc, 'wellknown_keys k', qr/key set "k" has no keys/);
$t->fails('duplicate key set name', "    wellknown_keys k { key rsa.pem; }\n    wellknown_keys  k { key p256.pem; }\n",
          $jwks_loc, 'wellknown_keys  k', qr/key set "k" is already defined/);
$t->fails('wellknown_keys inside server', '', "        wellknown_keys k { key rsa.pem; }\n        $jwks_loc\n",
          'wellknown_keys k', qr/"wellknown_keys" directive is not allowed here/);
$t->fails('wellknown_keys inside location', "    wellknown_keys k { key rsa.pem; }\n",
          "        location = /x {\n            wellknown_keys j { key p256.pem; }\n        }\n", 'wellknown_keys j',
          qr/"wellknown_keys" directive is not allowed here/);
$t->fails('empty key set name', "    wellknown_keys \"\" { key rsa.pem; }\n", '', 'wellknown_keys ""',
          qr/wellknown_keys: the key set name is empty/);

# Errors in included files name that file and its line.
{
    $t->write_file('extra.conf', "# keys\nwellknown_keys k {\n    key p256.pem;\n    key missing.pem;\n}\n");
    $t->write_config("    include extra.conf;\n", $jwks_loc);
    my ($ok, $out) = $t->test_config;
    my $name = 'key error in an included file';
    ok(!$ok, "$name: nginx -t fails");
    my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
    ok(defined $emerg, "$name: [emerg] reported") or diag $out;
    like($emerg // '', qr/cannot open key file/, "$name: message");
    like($emerg // '', qr/ in \Q$d\E\/extra\.conf:4$/, "$name: names extra.conf:4");
}

# ---------------------------------------------------------------- warnings

$t->warns('same key twice with different kids', keys_block("        key rsa.pem kid=one;\n        key rsa.pem kid=two;\n"),
          $jwks_loc, 'kid=two', qr/the same key is already in this set as kid "one"/);

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
        $t->openssl("openssl req -new -key $d/p256.pem -subj /CN=expired -out $d/ca/exp.csr");
        $t->openssl("openssl ca -batch -config $d/ca/ca.cnf -selfsign -keyfile $d/p256.pem -in $d/ca/exp.csr"
                  . " -startdate 20200101000000Z -enddate 20200102000000Z -notext -out $d/expired.crt");
        1;
    };
    skip "cannot make an expired certificate with this openssl: $@", 5 unless $made;
    like($t->openssl("openssl x509 -in $d/expired.crt -noout -enddate"), qr/2020 GMT/,
         'test data: certificate expired in 2020');
    $t->warns('expired certificate', "    wellknown_keys k { key expired.crt; }\n", $jwks_loc, 'expired.crt',
              qr/the leaf certificate has expired/);
}

done_testing;
