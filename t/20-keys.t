#!/usr/bin/perl
# Every key type and file format the module accepts, checked against values
# computed independently from the openssl command line: kty/crv, inferred alg
# and use, RFC 7638 thumbprint kids, n/e/x/y encodings, x5c/x5t/x5t#S256 for
# certificates, the key options, configured order, and that no private
# parameter is ever published. One nginx instance, one key set per input.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Digest::SHA qw(sha1 sha256);
use MIME::Base64 qw(encode_base64 decode_base64);
use WellKnown::Test qw(decode_json b64url);

my $t = WellKnown::Test->new;
my $d = $t->dir;

sub ossl { $t->openssl(@_) }

sub b64url_decode {
    my $s = shift;
    return undef unless defined $s && $s =~ /^[A-Za-z0-9_-]*$/;
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

# ---------------------------------------------------------------- key material

# RSA: one 2048-bit key in four formats, a 1024-bit key (allow_weak), RSA-PSS.
$t->key('rsa.pem', 'rsa2048');                                       # PKCS#8
ossl("openssl rsa -in $d/rsa.pem -traditional -out $d/rsa-pkcs1.pem");
ossl("openssl pkey -in $d/rsa.pem -pubout -out $d/rsa-spki.pem");
ossl("openssl rsa -in $d/rsa.pem -RSAPublicKey_out -out $d/rsa-pkcs1pub.pem");
$t->key('rsa1024.pem', 'rsa1024');
$t->key('rsapss.pem', 'rsa-pss');
# RSA-PSS restricted to SHA-512 (RFC 4055 parameters): only PS512 fits it.
ossl("openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha512"
   . " -pkeyopt rsa_pss_keygen_mgf1_md:sha512 -pkeyopt rsa_pss_keygen_saltlen:64 -out $d/rsapss512.pem");

my %curve_name = (p256 => 'prime256v1', p384 => 'secp384r1', p521 => 'secp521r1');
for my $c (qw(p256 p384 p521)) {
    $t->key("$c.pem", $c);                                           # PKCS#8
    ossl("openssl ec -in $d/$c.pem -out $d/$c-sec1.pem");            # SEC1
    ossl("openssl pkey -in $d/$c.pem -pubout -out $d/$c-spki.pem");
    ossl("openssl ecparam -genkey -name $curve_name{$c} -out $d/$c-ecparam.pem");
}
for my $k (qw(ed25519 ed448 x25519 x448)) {
    $t->key("$k.pem", $k);
    ossl("openssl pkey -in $d/$k.pem -pubout -out $d/$k-spki.pem");
}

# Certificates: self-signed RSA; root -> intermediate -> leaf (EC), with the
# chain file holding leaf then intermediate; an Ed25519 key with its cert.
$t->key('root-key.pem', 'p384');
$t->key('int-key.pem', 'p256');
$t->key('leaf-key.pem', 'p256');
$t->write_file('ca.ext', "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
ossl("openssl req -x509 -new -key $d/rsa.pem -subj /CN=self-signed -days 30 -out $d/self.crt");
ossl("openssl req -x509 -new -key $d/root-key.pem -subj /CN=Test-Root -days 30 -out $d/root.crt");
ossl("openssl req -new -key $d/int-key.pem -subj /CN=Test-Intermediate -out $d/int.csr");
ossl("openssl x509 -req -in $d/int.csr -CA $d/root.crt -CAkey $d/root-key.pem -set_serial 2"
   . " -days 30 -extfile $d/ca.ext -out $d/int.crt");
ossl("openssl req -new -key $d/leaf-key.pem -subj /CN=leaf.example -out $d/leaf.csr");
ossl("openssl x509 -req -in $d/leaf.csr -CA $d/int.crt -CAkey $d/int-key.pem -set_serial 3"
   . " -days 30 -out $d/leaf.crt");
$t->write_file('chain.pem', $t->read_file('leaf.crt') . $t->read_file('int.crt'));
ossl("openssl req -x509 -new -key $d/ed25519.pem -subj /CN=ed -days 30 -out $d/ed.crt");
$t->write_file('ed-keycert.pem', $t->read_file('ed25519.pem') . $t->read_file('ed.crt'));

# Real-world PEM variations: CRLF line ends, no final newline, the text
# `openssl x509 -text` puts before the block, PKCS#12 "Bag Attributes".
{
    (my $crlf = $t->read_file('p256-spki.pem')) =~ s/\n/\r\n/g;
    $t->write_file('p256-crlf.pem', $crlf);
    (my $nonl = $t->read_file('p256-spki.pem')) =~ s/\n\z//;
    $t->write_file('p256-nonl.pem', $nonl);
    ossl("openssl x509 -in $d/leaf.crt -text -out $d/leaf-text.crt");
    $t->write_file('p256-bag.pem', "Bag Attributes\n    localKeyID: 01 02 03 04\nKey Attributes: <No Attributes>\n"
                                  . $t->read_file('p256.pem'));
}

mkdir "$d/sub"; mkdir "$d/sub/dir";
$t->write_file('sub/dir/ed448.pem', $t->read_file('ed448.pem'));

for my $c (qw(self leaf int ed)) {
    ossl("openssl x509 -in $d/$c.crt -outform DER -out $d/$c.der");
    ossl("openssl x509 -in $d/$c.crt -pubkey -noout -out $d/$c-cert-spki.pem");
}

# Sanity of the inputs themselves: each file really is the format named.
like($t->read_file('rsa.pem'), qr/^-----BEGIN PRIVATE KEY-----/, 'input: PKCS#8 RSA');
like($t->read_file('rsa-pkcs1.pem'), qr/^-----BEGIN RSA PRIVATE KEY-----/, 'input: PKCS#1 RSA private');
like($t->read_file('rsa-pkcs1pub.pem'), qr/^-----BEGIN RSA PUBLIC KEY-----/, 'input: PKCS#1 RSA public');
like($t->read_file('rsa-spki.pem'), qr/^-----BEGIN PUBLIC KEY-----/, 'input: SPKI RSA');
like($t->read_file('p256-sec1.pem'), qr/^-----BEGIN EC PRIVATE KEY-----/, 'input: SEC1');
like($t->read_file('p256-ecparam.pem'), qr/^-----BEGIN EC PARAMETERS-----.*-----BEGIN EC PRIVATE KEY-----/s,
     'input: ecparam -genkey output starts with EC PARAMETERS');
like($t->read_file('chain.pem'), qr/(-----BEGIN CERTIFICATE-----.*){2}/s, 'input: chain of two');

# ---------------------------------------------------------------- expectations

# Hex dump lines after "$label" in openssl -text output, as bytes.
sub text_bytes {
    my ($text, $label) = @_;
    my ($hex) = $text =~ /^\Q$label\E\s*\n((?:[ \t]+[0-9a-f:]+\s*\n)+)/m
        or die "no $label in:\n$text";
    $hex =~ s/[^0-9a-f]//g;
    return pack 'H*', $hex;
}

# The public JWK members, from openssl's text dump of a SubjectPublicKeyInfo.
sub expected_public {
    my ($spki, $type) = @_;
    my %e;
    if ($type eq 'rsa') {
        my $text = ossl("openssl rsa -pubin -in $spki -text -noout");
        my $n = text_bytes($text, 'Modulus:');
        $n =~ s/^\x00+//;
        my ($ehex) = $text =~ /Exponent: \d+ \(0x([0-9a-f]+)\)/ or die "no exponent:\n$text";
        $ehex = "0$ehex" if length($ehex) % 2;
        my $ebytes = pack 'H*', $ehex;
        $ebytes =~ s/^\x00+//;
        %e = (kty => 'RSA', n => b64url($n), e => b64url($ebytes), n_bytes => length $n);
        $e{thumb_input} = qq({"e":"$e{e}","kty":"RSA","n":"$e{n}"});
    } elsif ($type =~ /^p(256|384|521)$/) {
        my $w = { 256 => 32, 384 => 48, 521 => 66 }->{$1};
        my $text = ossl("openssl pkey -pubin -in $spki -text -noout");
        my $pub = text_bytes($text, 'pub:');
        die "point not uncompressed" unless length($pub) == 1 + 2 * $w && substr($pub, 0, 1) eq "\x04";
        %e = (kty => 'EC', crv => "P-$1", x => b64url(substr($pub, 1, $w)),
              y => b64url(substr($pub, 1 + $w, $w)), width => $w);
        $e{thumb_input} = qq({"crv":"$e{crv}","kty":"EC","x":"$e{x}","y":"$e{y}"});
    } else {
        my %crv = (ed25519 => 'Ed25519', ed448 => 'Ed448', x25519 => 'X25519', x448 => 'X448');
        my %len = (ed25519 => 32, ed448 => 57, x25519 => 32, x448 => 56);
        my $text = ossl("openssl pkey -pubin -in $spki -text -noout");
        my $raw = text_bytes($text, 'pub:');
        die "raw key length" unless length $raw == $len{$type};
        %e = (kty => 'OKP', crv => $crv{$type}, x => b64url($raw), raw_len => $len{$type});
        $e{thumb_input} = qq({"crv":"$e{crv}","kty":"OKP","x":"$e{x}"});
    }
    $e{thumbprint} = b64url(sha256($e{thumb_input}));
    return \%e;
}

my %pub = (
    rsa => expected_public("$d/rsa-spki.pem", 'rsa'),
    (map { $_ => expected_public("$d/$_-spki.pem", $_) } qw(p256 p384 p521 ed25519 ed448 x25519 x448)),
);
for my $c (qw(p256 p384 p521)) {
    ossl("openssl pkey -in $d/$c-ecparam.pem -pubout -out $d/$c-ecparam-spki.pem");
    $pub{"$c-ecparam"} = expected_public("$d/$c-ecparam-spki.pem", $c);
}
ossl("openssl pkey -in $d/rsa1024.pem -pubout -out $d/rsa1024-spki.pem");
$pub{rsa1024} = expected_public("$d/rsa1024-spki.pem", 'rsa');
ossl("openssl pkey -in $d/rsapss.pem -pubout -out $d/rsapss-spki.pem");
$pub{rsapss} = expected_public("$d/rsapss-spki.pem", 'rsa');
ossl("openssl pkey -in $d/rsapss512.pem -pubout -out $d/rsapss512-spki.pem");
$pub{rsapss512} = expected_public("$d/rsapss512-spki.pem", 'rsa');
$pub{leaf} = expected_public("$d/leaf-cert-spki.pem", 'p256');

my %der = map { $_ => $t->read_file("$_.der") } qw(self leaf int ed);

# ---------------------------------------------------------------- cases

# name => file, options, expected public key, alg, use, and so on.
my @cases = (
    # RSA
    { name => 'rsa-pkcs8',    file => 'rsa.pem',          pub => 'rsa', alg => 'RS256', use => 'sig', private => 1 },
    { name => 'rsa-pkcs1',    file => 'rsa-pkcs1.pem',    pub => 'rsa', alg => 'RS256', use => 'sig', private => 1 },
    { name => 'rsa-spki',     file => 'rsa-spki.pem',     pub => 'rsa', alg => 'RS256', use => 'sig' },
    { name => 'rsa-pkcs1pub', file => 'rsa-pkcs1pub.pem', pub => 'rsa', alg => 'RS256', use => 'sig' },
    { name => 'rsa-pss',      file => 'rsapss.pem',       pub => 'rsapss', alg => 'PS256', use => 'sig', private => 1 },
    { name => 'rsa-pss-sha512', file => 'rsapss512.pem',  pub => 'rsapss512', alg => 'PS512', use => 'sig', private => 1 },
    # EC
    (map {
        my $c = $_;
        my $alg = { p256 => 'ES256', p384 => 'ES384', p521 => 'ES512' }->{$c};
        ({ name => "$c-pkcs8",   file => "$c.pem",         pub => $c, alg => $alg, use => 'sig', private => 1 },
         { name => "$c-sec1",    file => "$c-sec1.pem",    pub => $c, alg => $alg, use => 'sig', private => 1 },
         { name => "$c-ecparam", file => "$c-ecparam.pem", pub => "$c-ecparam", alg => $alg, use => 'sig', private => 1 },
         { name => "$c-spki",    file => "$c-spki.pem",    pub => $c, alg => $alg, use => 'sig' })
    } qw(p256 p384 p521)),
    # OKP
    (map {
        my $k = $_;
        my $sig = $k =~ /^ed/;
        ({ name => "$k-pkcs8", file => "$k.pem",      pub => $k, alg => $sig ? 'EdDSA' : undef,
           use => $sig ? 'sig' : 'enc', private => 1 },
         { name => "$k-spki",  file => "$k-spki.pem", pub => $k, alg => $sig ? 'EdDSA' : undef,
           use => $sig ? 'sig' : 'enc' })
    } qw(ed25519 ed448 x25519 x448)),
    # Paths: absolute, and relative below the prefix
    { name => 'path-absolute', file => "$d/p256-spki.pem", pub => 'p256', alg => 'ES256', use => 'sig' },
    { name => 'path-subdir',   file => 'sub/dir/ed448.pem', pub => 'ed448', alg => 'EdDSA', use => 'sig', private => 1 },
    # PEM variations
    { name => 'pem-crlf',      file => 'p256-crlf.pem',  pub => 'p256', alg => 'ES256', use => 'sig' },
    { name => 'pem-no-final-newline', file => 'p256-nonl.pem', pub => 'p256', alg => 'ES256', use => 'sig' },
    { name => 'pem-text-before', file => 'leaf-text.crt', pub => 'leaf', alg => 'ES256', use => 'sig', x5c => ['leaf'] },
    { name => 'pem-bag-attributes', file => 'p256-bag.pem', pub => 'p256', alg => 'ES256', use => 'sig', private => 1 },
    # Certificates
    { name => 'self-cert',     file => 'self.crt',  pub => 'rsa', alg => 'RS256', use => 'sig', x5c => ['self'] },
    { name => 'self-cert-x5t', file => 'self.crt',  opts => 'x5t', pub => 'rsa', alg => 'RS256', use => 'sig',
      x5c => ['self'], x5t => 1 },
    { name => 'chain',         file => 'chain.pem', pub => 'leaf', alg => 'ES256', use => 'sig', x5c => [qw(leaf int)] },
    { name => 'chain-x5t',     file => 'chain.pem', opts => 'x5t', pub => 'leaf', alg => 'ES256', use => 'sig',
      x5c => [qw(leaf int)], x5t => 1 },
    { name => 'key-and-cert',  file => 'ed-keycert.pem', pub => 'ed25519', alg => 'EdDSA', use => 'sig',
      x5c => ['ed'], private => 1 },
    # Options
    { name => 'opt-kid',       file => 'rsa.pem', opts => 'kid=custom-kid.1', pub => 'rsa', alg => 'RS256',
      use => 'sig', kid => 'custom-kid.1', private => 1 },
    { name => 'opt-kid-json-escapes', file => 'p384.pem', opts => '"kid=q\\"uote b\\\\ack/slash"', pub => 'p384',
      alg => 'ES384', use => 'sig', kid => 'q"uote b\\ack/slash', private => 1 },
    { name => 'opt-kid-utf8',  file => 'p521.pem', opts => "kid=\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xf0\x9f\x94\x91", pub => 'p521',
      alg => 'ES512', use => 'sig', kid => "\x{43a}\x{43b}\x{44e}\x{447}-\x{1f511}", private => 1 },
    { name => 'opt-ps256',     file => 'rsa.pem', opts => 'alg=PS256', pub => 'rsa', alg => 'PS256', use => 'sig',
      private => 1 },
    { name => 'opt-oaep',      file => 'rsa-spki.pem', opts => 'alg=RSA-OAEP-256', pub => 'rsa',
      alg => 'RSA-OAEP-256', use => 'enc' },
    { name => 'opt-es256',     file => 'p256.pem', opts => 'alg=ES256', pub => 'p256', alg => 'ES256', use => 'sig',
      private => 1 },
    { name => 'opt-ed25519-rfc9864', file => 'ed25519.pem', opts => 'alg=Ed25519', pub => 'ed25519', alg => 'Ed25519',
      use => 'sig', private => 1 },
    { name => 'opt-x25519-ecdh', file => 'x25519.pem', opts => 'alg=ECDH-ES', pub => 'x25519', alg => 'ECDH-ES',
      use => 'enc', private => 1 },
    { name => 'opt-keyops',    file => 'rsa.pem', opts => 'key_ops=verify', pub => 'rsa', alg => 'RS256',
      use => undef, key_ops => ['verify'], private => 1 },
    { name => 'opt-use-keyops', file => 'p256.pem', opts => 'use=sig key_ops=verify', pub => 'p256',
      alg => 'ES256', use => 'sig', key_ops => ['verify'], private => 1 },
    { name => 'opt-weak',      file => 'rsa1024.pem', opts => 'allow_weak', pub => 'rsa1024', alg => 'RS256',
      use => 'sig', private => 1, n_bytes => 128 },
);

# The set whose order is checked: distinct keys of several types.
my @order = (
    [ 'p384-spki.pem', 'p384' ], [ 'rsa.pem', 'rsa' ], [ 'x25519.pem', 'x25519' ],
    [ 'ed448-spki.pem', 'ed448' ], [ 'p256.pem', 'p256' ], [ 'chain.pem', 'leaf' ],
);

my ($http, $server) = ('', '');
for my $i (0 .. $#cases) {
    my $c = $cases[$i];
    my $opts = $c->{opts} ? " $c->{opts}" : '';
    $http .= "    wellknown_keys s$i { key $c->{file}$opts; }\n";
    $server .= "        location = /$c->{name} { wellknown_jwks s$i; }\n";
}
$http .= "    wellknown_keys order {\n" . join('', map { "        key $_->[0];\n" } @order) . "    }\n";
$server .= "        location = /order { wellknown_jwks order; }\n";
$t->write_config($http, $server);

my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts every key') or diag $out;
unlike($out, qr/\[warn\]/, 'no warnings for valid, distinct keys') or diag $out;
$t->start;

# ---------------------------------------------------------------- checks

my %allowed = map { $_ => 1 } (qw(kty use key_ops alg kid crv n e x y x5c x5t), 'x5t#S256');
my $private_member = qr/"(?:d|p|q|dp|dq|qi|oth|k)"\s*:/;

for my $c (@cases) {
    my $n = $c->{name};
    my $r = $t->get("/$n");
    is($r->{status}, 200, "$n: 200") or next;
    my $set = eval { decode_json($r->{body}) };
    ok($set && ref $set->{keys} eq 'ARRAY' && @{ $set->{keys} } == 1, "$n: one key") or do { diag $r->{body}; next };
    my $k = $set->{keys}[0];
    my $e = $pub{ $c->{pub} } or die "no expectation $c->{pub}";

    is($k->{kty}, $e->{kty}, "$n: kty $e->{kty}");
    is($k->{crv}, $e->{crv}, "$n: crv " . ($e->{crv} // 'absent'));
    is($k->{alg}, $c->{alg}, "$n: alg " . ($c->{alg} // 'absent'));
    is($k->{use}, $c->{use}, "$n: use " . ($c->{use} // 'absent'));
    is_deeply($k->{key_ops}, $c->{key_ops}, "$n: key_ops " . ($c->{key_ops} ? join(',', @{ $c->{key_ops} }) : 'absent'));
    is($k->{kid}, $c->{kid} // $e->{thumbprint},
       "$n: kid " . ($c->{kid} ? 'as configured' : 'is the RFC 7638 thumbprint'));

    if ($e->{kty} eq 'RSA') {
        is($k->{n}, $e->{n}, "$n: n is the modulus printed by openssl");
        is($k->{e}, $e->{e}, "$n: e is the exponent printed by openssl");
        my $nb = b64url_decode($k->{n});
        ok(defined $nb && length $nb == ($c->{n_bytes} || 256) && substr($nb, 0, 1) ne "\0",
           "$n: n is minimal (" . ($c->{n_bytes} || 256) . " octets, no leading zero)");
        is(b64url_decode($k->{e}), "\x01\x00\x01", "$n: e is AQAB (minimal octets)");
        ok(!exists $k->{x} && !exists $k->{y}, "$n: no x/y on RSA");
    } elsif ($e->{kty} eq 'EC') {
        is($k->{x}, $e->{x}, "$n: x matches the public point printed by openssl");
        is($k->{y}, $e->{y}, "$n: y matches the public point printed by openssl");
        my ($x, $y) = map { b64url_decode($k->{$_}) } qw(x y);
        ok(defined $x && length $x == $e->{width}, "$n: x decodes to $e->{width} octets");
        ok(defined $y && length $y == $e->{width}, "$n: y decodes to $e->{width} octets");
    } else {
        is($k->{x}, $e->{x}, "$n: x is the raw public key");
        my $x = b64url_decode($k->{x});
        ok(defined $x && length $x == $e->{raw_len}, "$n: x decodes to $e->{raw_len} octets");
        ok(!exists $k->{y}, "$n: no y on OKP");
    }

    if ($c->{x5c}) {
        my @want = map { encode_base64($der{$_}, '') } @{ $c->{x5c} };
        is_deeply($k->{x5c}, \@want, "$n: x5c is each DER certificate, standard base64, leaf first");
        ok(!grep({ !m{^[A-Za-z0-9+/]+={0,2}$} || length($_) % 4 } @{ $k->{x5c} || [] }),
           "$n: x5c uses the standard alphabet with padding, not base64url");
        my $leaf = $der{ $c->{x5c}[0] };
        is($k->{'x5t#S256'}, b64url(sha256($leaf)), "$n: x5t#S256 is base64url(SHA-256(leaf DER))");
        if ($c->{x5t}) {
            is($k->{x5t}, b64url(sha1($leaf)), "$n: x5t is base64url(SHA-1(leaf DER))");
        } else {
            ok(!exists $k->{x5t}, "$n: no x5t unless asked");
        }
    } else {
        ok(!exists $k->{x5c} && !exists $k->{x5t} && !exists $k->{'x5t#S256'}, "$n: no certificate members");
    }

    my @extra = grep { !$allowed{$_} } sort keys %$k;
    is_deeply(\@extra, [], "$n: only public JWK members") or diag explain \@extra;
    unlike($r->{body}, $private_member, "$n: no private parameter anywhere in the body")
        if $c->{private};
    is_deeply([sort keys %$set], ['keys'], "$n: the set has only \"keys\"");
}

# x5c: at least one encoded certificate shows the standard alphabet's own
# characters (a base64url encoder would have turned + and / into - and _).
{
    my $all = join '', map { encode_base64($der{$_}, '') } qw(self leaf int ed);
    ok($all =~ m{[+/]}, 'test data: the certificates\' base64 contains + or /');
    my $body = join '', map { $t->get("/$_")->{body} } qw(self-cert chain key-and-cert);
    unlike($body, qr/"x5c":\["[^"]*[-_]/, 'x5c never uses base64url characters');
}

# Configured order.
{
    my $r = $t->get('/order');
    is($r->{status}, 200, 'order set: 200');
    my $set = eval { decode_json($r->{body}) } || { keys => [] };
    is_deeply([map { $_->{kid} } @{ $set->{keys} }], [map { $pub{ $_->[1] }{thumbprint} } @order],
              'keys appear in configured order');
    is_deeply([map { $_->{kty} } @{ $set->{keys} }], [qw(EC RSA OKP OKP EC EC)], 'key types in configured order');
    unlike($r->{body}, $private_member, 'order set: no private parameter');
}

done_testing;
