#!/usr/bin/perl
# Private keys never leak. Every private-key format
# and key type the module reads is loaded: PKCS#8 (RSA, EC P-256/384/521,
# Ed25519, Ed448, X25519, X448, RSA-PSS with and without parameter
# restrictions), PKCS#1 RSA, SEC1 EC (with and without an EC PARAMETERS
# block), and a certificate with its private key in one file.
#
# Each key's private parameters come from `openssl pkey -text` (RSA and
# RSA-PSS: d, p, q, dp, dq, qi; EC, OKP: d), checked for consistency (p*q
# = n, lengths). None of them may appear - as raw bytes, hex, openssl's
# colon hex, decimal, base64 or base64url at any byte alignment - in:
#   - any served body or header (every document, 404, 405, preflight,
#     identity and gzip), nor may a JWK carry a private member; every
#     signing key also signs an issuer's metadata (signed_metadata_key),
#     whose JWT header and claims are checked decoded too;
#   - the error log at debug level (when nginx -V shows --with-debug, as
#     Debian's does: [debug] lines are only written then), across start,
#     requests, reloads and refused reloads;
#   - any error message: nginx -t and refused reloads with configurations
#     that fail on those very key files (duplicate kid, wrong alg, wrong
#     use, key_ops, x5t, weak RSA, two keys in one file, a certificate with
#     another key, truncation);
#   - the memory of the running master and worker (every writable mapping,
#     /proc/PID/mem): the key files' text and the private values are wiped
#     after loading (src/core/key_file.cpp), also after reloads and after
#     refused reloads whose key files failed to load.
use strict;
use warnings;
no warnings 'portable';    # 64-bit addresses from /proc/PID/maps
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use MIME::Base64 qw(encode_base64);
use Math::BigInt;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;
sub ossl { $t->openssl(@_) }

# ---------------------------------------------------------------- the keys

my %keys;    # name => { file, format }
sub keyfile { my ($name, $format) = @_; $keys{$name} = { file => "$name.pem", format => $format } }

$t->key('rsa-pkcs8.pem', 'rsa2048');                          keyfile('rsa-pkcs8', 'PRIVATE KEY');
$t->key('rsa1-src.pem', 'rsa3072');
ossl("openssl pkey -in $d/rsa1-src.pem -traditional -out $d/rsa-pkcs1.pem"); keyfile('rsa-pkcs1', 'RSA PRIVATE KEY');
$t->key('p256-pkcs8.pem', 'p256');                            keyfile('p256-pkcs8', 'PRIVATE KEY');
$t->key('p384-pkcs8.pem', 'p384');                            keyfile('p384-pkcs8', 'PRIVATE KEY');
$t->key('p521-pkcs8.pem', 'p521');                            keyfile('p521-pkcs8', 'PRIVATE KEY');
$t->key('sec1-src.pem', 'p256');
ossl("openssl ec -in $d/sec1-src.pem -out $d/p256-sec1.pem"); keyfile('p256-sec1', 'EC PRIVATE KEY');
ossl("openssl ecparam -name secp384r1 -genkey -out $d/p384-sec1-params.pem"); keyfile('p384-sec1-params', 'EC PRIVATE KEY');
$t->key('ed25519.pem', 'ed25519');                            keyfile('ed25519', 'PRIVATE KEY');
$t->key('ed448.pem', 'ed448');                                keyfile('ed448', 'PRIVATE KEY');
$t->key('x25519.pem', 'x25519');                              keyfile('x25519', 'PRIVATE KEY');
$t->key('x448.pem', 'x448');                                  keyfile('x448', 'PRIVATE KEY');
$t->key('rsa-pss.pem', 'rsa-pss');                            keyfile('rsa-pss', 'PRIVATE KEY');
ossl("openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha384 "
   . "-pkeyopt rsa_pss_keygen_mgf1_md:sha384 -pkeyopt rsa_pss_keygen_saltlen:48 -out $d/rsa-pss-sha384.pem");
keyfile('rsa-pss-sha384', 'PRIVATE KEY');
$t->key('cert-key-src.pem', 'p256');
ossl("openssl req -x509 -new -key $d/cert-key-src.pem -subj /CN=secret-test -days 30 -out $d/cert-only.pem");
$t->write_file('cert-and-key.pem', $t->read_file('cert-only.pem') . $t->read_file('cert-key-src.pem'));
keyfile('cert-and-key', 'PRIVATE KEY');
$keys{'cert-and-key'}{source} = 'cert-key-src.pem';
$t->key('rsa1024-src.pem', 'rsa1024');
ossl("openssl pkey -in $d/rsa1024-src.pem -traditional -out $d/rsa1024.pem"); keyfile('rsa1024', 'RSA PRIVATE KEY');

for my $name (sort keys %keys) {
    like($t->read_file($keys{$name}{file}), qr/-----BEGIN \Q$keys{$name}{format}\E-----/,
         "test data: $name is a $keys{$name}{format} file");
}
like($t->read_file('p384-sec1-params.pem'), qr/^-----BEGIN EC PARAMETERS-----/, 'test data: p384-sec1-params starts with EC PARAMETERS');

# The private parameters of a key file, from `openssl pkey -text`.
my %private_field = (privateExponent => 'd', prime1 => 'p', prime2 => 'q', exponent1 => 'dp',
                     exponent2 => 'dq', coefficient => 'qi', priv => 'd');
sub private_params {
    my ($file) = @_;
    my $text = ossl("openssl pkey -in '$d/$file' -text -noout");
    my (%hex, $cur);
    for my $line (split /\n/, $text) {
        if ($line =~ /^(\w+):\s*$/) { $cur = $1; next }
        if (defined $cur && $line =~ /^\s+([0-9a-f:]+)\s*$/) { $hex{$cur} .= $1; next }
        $cur = undef;
    }
    my %p;
    for my $f (keys %hex) {
        (my $h = $hex{$f}) =~ s/://g;
        my $bytes = pack 'H*', $h;
        $bytes =~ s/^\0+//;
        $p{ $private_field{$f} // "public:$f" } = $bytes;
    }
    return \%p;
}

my %secrets;    # "key param" => bytes
for my $name (sort keys %keys) {
    my $p = private_params($keys{$name}{source} // $keys{$name}{file});
    my @priv = grep { !/^public:/ } sort keys %$p;
    if ($name =~ /^rsa/) {
        is_deeply(\@priv, [qw(d dp dq p q qi)], "$name: openssl shows d, p, q, dp, dq, qi");
        my $n = Math::BigInt->from_hex(unpack 'H*', $p->{'public:modulus'});
        my $pq = Math::BigInt->from_hex(unpack 'H*', $p->{p})->bmul(Math::BigInt->from_hex(unpack 'H*', $p->{q}));
        ok($n->beq($pq), "$name: p * q = n (the parameters were read right)");
    } else {
        is_deeply(\@priv, ['d'], "$name: openssl shows the private value");
        my %len = (p256 => 32, p384 => 48, p521 => 66, ed25519 => 32, ed448 => 57, x25519 => 32, x448 => 56, cert => 32);
        my ($type) = $name =~ /^(p256|p384|p521|ed25519|ed448|x25519|x448|cert)/;
        my $l = length $p->{d};
        ok($l <= $len{$type} && $l >= $len{$type} - 3, "$name: d has $l bytes (curve size $len{$type})");
    }
    $secrets{"$name $_"} = $p->{$_} for @priv;
}

# Every form a private value could take in text or bytes.
sub b64  { my $s = encode_base64($_[0], ''); return $s }
sub b64url_decode { (my $s = $_[0]) =~ tr{-_}{+/}; return MIME::Base64::decode_base64($s . '=' x ((4 - length($s) % 4) % 4)) }
sub b64u { my $s = b64($_[0]); $s =~ tr{+/}{-_}; $s =~ s/=+$//; return $s }
my @needles;    # [ what, needle ]
for my $k (sort keys %secrets) {
    my $v = $secrets{$k};
    my $hex = unpack 'H*', $v;
    push @needles, [ "$k raw bytes", $v ];
    push @needles, [ "$k raw bytes (first 16)", substr($v, 0, 16) ], [ "$k raw bytes (last 16)", substr($v, -16) ];
    push @needles, [ "$k hex", $hex ], [ "$k HEX", uc $hex ];
    push @needles, [ "$k colon hex", join(':', unpack '(H2)20', $v) ];
    push @needles, [ "$k decimal", Math::BigInt->from_hex($hex)->bstr ];
    for my $shift (0 .. 2) {
        my $tail = substr($v, $shift);
        push @needles, [ "$k base64 (+$shift)", substr(b64($tail), 4, 24) ], [ "$k base64url (+$shift)", substr(b64u($tail), 4, 24) ];
    }
}
# The text of each private key block as it is in its file (a key file's
# text, kept in memory, is as secret as the key).
my @pem_lines;
for my $name (sort keys %keys) {
    my ($block) = $t->read_file($keys{$name}{file}) =~ /-----BEGIN [A-Z ]*PRIVATE KEY-----\n(.*?)\n-----END/s or die $name;
    my @lines = split /\n/, $block;
    push @pem_lines, map { [ "$name PEM text line $_", $lines[$_] ] } grep { length $lines[$_] >= 40 } 0 .. $#lines;
}
note(scalar(keys %secrets) . ' private values from ' . scalar(keys %keys) . ' key files, '
     . scalar(@needles) . ' forms, ' . scalar(@pem_lines) . ' PEM text lines');

# The needles found in $haystack.
sub leaks {
    my ($haystack, %o) = @_;
    my @found;
    for my $n (@needles, $o{pem} ? @pem_lines : ()) {
        push @found, $n->[0] if index($haystack, $n->[1]) >= 0;
    }
    return @found;
}

# A check that the search works: each form of one value is found in a
# text built to contain it.
{
    my $v = $secrets{'rsa-pkcs1 d'};
    my @probe = (b64u($v), b64('xy' . $v), "prefix " . Math::BigInt->from_hex(unpack 'H*', $v)->bstr, "\x00\x01" . $v,
                 uc unpack('H*', $v), join(':', unpack '(H2)*', $v));
    for my $p (@probe) {
        ok(scalar(grep { /^rsa-pkcs1 d / } leaks($p)), 'self-check: a planted form of rsa-pkcs1 d is found');
    }
    my %per_key;
    $per_key{ (split ' ', $_->[0])[0] }++ for @needles;
    is(scalar(keys %per_key), scalar(keys %keys), 'self-check: every key file has needles');
}

# ---------------------------------------------------------------- served bodies

my @sign = grep { !/^x(25519|448)$/ && $_ ne 'rsa1024' } sort keys %keys;
my $all = join '', map { "        key $keys{$_}{file};\n" } sort keys %keys;
$all =~ s/(rsa1024\.pem)/$1 allow_weak/;
my $sign_set = join '', map { "        key $keys{$_}{file};\n" } @sign;
my $http = "    wellknown_keys all {\n$all    }\n    wellknown_keys signing {\n$sign_set    }\n"
         . join('', map { my $o = $_ eq 'rsa1024' ? ' allow_weak' : ''; "    wellknown_keys k-$_ { key $keys{$_}{file}$o; }\n" } sort keys %keys);
my $server = "        wellknown_issuer https://id.example.com {\n            keys signing;\n"
           . "            authorization_endpoint https://id.example.com/authorize;\n"
           . "            token_endpoint https://id.example.com/token;\n"
           . "            response_types_supported code;\n            subject_types_supported public;\n        }\n"
           . "        wellknown_resource https://id.example.com/api { keys all; }\n"
           # Every signing key also signs an issuer's metadata
           # (signed_metadata_key): the private key is kept until the
           # documents are built, then freed.
           . join('', map { "        wellknown_issuer https://id.example.com/s-$_ {\n            keys k-$_;\n"
                            . required_members('https://id.example.com/s-' . $_)
                            . "            signed_metadata_key $keys{$_}{file};\n        }\n" } @sign)
           . "        location = /all { wellknown_jwks all; }\n"
           . join('', map { "        location = /k-$_ { wellknown_jwks k-$_; }\n" } sort keys %keys);

$t->write_config($http, $server, log_level => 'debug');
{
    my ($ok, $out) = $t->test_config;
    ok($ok, 'every private-key format in one configuration: nginx -t passes') or diag $out;
    my @l = leaks($out);
    is_deeply(\@l, [], 'nginx -t output: no private value') or diag "@l";
}
$t->start;

my @paths = ('/all', (map { "/k-$_" } sort keys %keys), '/.well-known/jwks.json', '/.well-known/openid-configuration',
             '/.well-known/oauth-authorization-server', '/.well-known/oauth-protected-resource/api', '/api/jwks.json',
             '/.well-known/openid-configuration/nope', map { "/s-$_/.well-known/openid-configuration" } @sign);
my $scanned = 0;
my $public_text = '';    # everything served, to tell public PEM lines apart
my @body_leaks;
for my $path (@paths) {
    for my $req ([ GET => [] ], [ GET => ['Accept-Encoding' => 'gzip'] ], [ HEAD => [] ], [ DELETE => [] ],
                 [ OPTIONS => ['Access-Control-Request-Method' => 'GET'] ]) {
        my ($method, $h) = @$req;
        my $r = $t->request($method, $path, headers => $h);
        my $body = decoded_body($r) // die "$method $path: the body does not decompress";
        my $whole = "$r->{head}\r\n\r\n$body";
        $scanned += length $whole;
        $public_text .= $whole;
        push @body_leaks, map { "$method $path: $_" } leaks($whole);
    }
}
is_deeply(\@body_leaks, [], "served responses (" . scalar(@paths) . " paths x 5 requests, $scanned bytes): no private value in any form")
    or diag join "\n", @body_leaks;

# A PEM text line can hold nothing but public key bytes (an RSA modulus),
# and then equal a stretch of the served base64url "n" when the alignment
# and alphabet happen to agree. Lines found in what is served are public;
# the others stay needles.
{
    my $before = @pem_lines;
    @pem_lines = grep { my $l = $_->[1]; (my $u = $l) =~ tr{+/}{-_};
                        index($public_text, $l) < 0 && index($public_text, $u) < 0 } @pem_lines;
    note(($before - @pem_lines) . " of $before PEM text lines hold only public bytes that are served; "
         . scalar(@pem_lines) . ' remain needles');
}

# The signed metadata JWTs: their decoded header and claims hold no
# private value in any form either, and no private member.
{
    my (@jwt_leaks, @members, $jwts);
    for my $name (@sign) {
        my $doc = decode_json($t->get("/s-$name/.well-known/openid-configuration")->{body});
        my @parts = split /\./, $doc->{signed_metadata} // '';
        next unless @parts == 3;
        $jwts++;
        for my $part (@parts[0, 1]) {
            my $text = b64url_decode($part);
            push @jwt_leaks, map { "$name JWT: $_" } leaks($text, pem => 1);
            my $obj = decode_json($text);
            push @members, map { "$name: $_" } grep { exists $obj->{$_} } qw(d p q dp dq qi oth k);
        }
    }
    is($jwts, scalar @sign, 'every signing key format signed its issuer\'s metadata (' . scalar(@sign) . ' JWTs)');
    is_deeply(\@jwt_leaks, [], 'signed metadata: no private value in the decoded JWT header or claims') or diag join "\n", @jwt_leaks;
    is_deeply(\@members, [], 'signed metadata: no private member in the JWT header or claims');
}

{
    my $set = decode_json($t->get('/all')->{body});
    is(scalar @{ $set->{keys} }, scalar keys %keys, 'the set holds every key');
    my @private_members = map { my $jwk = $_; grep { exists $jwk->{$_} } qw(d p q dp dq qi oth k) } @{ $set->{keys} };
    is_deeply(\@private_members, [], 'no JWK has a private member (d, p, q, dp, dq, qi, oth, k)');
    my %kty = map { $_->{kty} => 1 } @{ $set->{keys} };
    is_deeply([sort keys %kty], [qw(EC OKP RSA)], 'RSA, EC and OKP keys are all there');
}

# ---------------------------------------------------------------- error messages

# Configurations that fail on the private key files themselves. Each is
# tried with nginx -t (its output) and as a reload of the running server
# (the error log, at debug level).
my @bad = (
    [ 'duplicate kid', "    wellknown_keys bad {\n        key rsa-pkcs8.pem kid=same;\n        key p256-sec1.pem kid=same;\n    }\n",
      qr/duplicate kid "same"/ ],
    [ 'the same private key twice', "    wellknown_keys bad {\n        key rsa-pkcs1.pem;\n        key rsa-pkcs1.pem ;\n    }\n",
      qr/duplicate kid/ ],
    [ 'alg=ES256 on an RSA key', "    wellknown_keys bad { key rsa-pkcs1.pem alg=ES256; }\n", qr/alg=ES256 does not fit/ ],
    [ 'alg=RS256 on Ed448', "    wellknown_keys bad { key ed448.pem alg=RS256; }\n", qr/alg=RS256 does not fit/ ],
    [ 'alg=ES256 on P-384 (SEC1 with parameters)', "    wellknown_keys bad { key p384-sec1-params.pem alg=ES256; }\n",
      qr/alg=ES256 does not fit an EC P-384 key/ ],
    [ 'alg=RS256 on a PSS-restricted key', "    wellknown_keys bad { key rsa-pss-sha384.pem alg=RS256; }\n", qr/alg=RS256/ ],
    [ 'alg=PS256 on a SHA-384 PSS key', "    wellknown_keys bad { key rsa-pss-sha384.pem alg=PS256; }\n", qr/PS256/ ],
    [ 'use=sig on X448', "    wellknown_keys bad { key x448.pem use=sig; }\n", qr/X448 key cannot be used for signatures/ ],
    [ 'key_ops=encrypt on Ed25519', "    wellknown_keys bad { key ed25519.pem key_ops=encrypt; }\n", qr/key_ops "encrypt" does not fit/ ],
    [ 'x5t on a private key', "    wellknown_keys bad { key p521-pkcs8.pem x5t; }\n", qr/x5t needs a certificate/ ],
    [ 'RSA 1024 without allow_weak', "    wellknown_keys bad { key rsa1024.pem; }\n", qr/RSA key has 1024 bits/ ],
    [ 'two private keys in one file', "    wellknown_keys bad { key two-keys.pem; }\n", qr/holds 2 keys/ ],
    [ 'a certificate with another private key', "    wellknown_keys bad { key cert-wrong-key.pem; }\n",
      qr/does not match the first \(leaf\) certificate/ ],
    [ 'a truncated private key', "    wellknown_keys bad { key truncated.pem; }\n", qr/malformed|truncated/ ],
    [ 'a private key with one byte changed', "    wellknown_keys bad { key damaged.pem; }\n", qr/key file/ ],
);
$t->write_file('two-keys.pem', $t->read_file('x25519.pem') . $t->read_file('p521-pkcs8.pem'));
$t->write_file('cert-wrong-key.pem', $t->read_file('cert-only.pem') . $t->read_file('ed448.pem'));
{
    my $pem = $t->read_file('rsa-pkcs1.pem');
    $t->write_file('truncated.pem', substr($pem, 0, int(length($pem) * 0.7)));
    # A valid PEM whose DER has one byte changed in the private exponent:
    # parsing may fail anywhere, with the value in reach of a message.
    my ($b64) = $pem =~ /-----\n(.*)\n-----END/s;
    (my $der = MIME::Base64::decode_base64($b64));
    my $at = index($der, $secrets{'rsa-pkcs1 d'}) + 100;    # inside d
    die 'd not found in the DER' if $at < 100;
    substr($der, $at, 1) = chr(ord(substr($der, $at, 1)) ^ 0x5a);
    my $bad = encode_base64($der, '');
    $bad =~ s/(.{64})/$1\n/g;
    $t->write_file('damaged.pem', "-----BEGIN RSA PRIVATE KEY-----\n$bad\n-----END RSA PRIVATE KEY-----\n");
}

my $cfg_before = $t->read_file('nginx.conf');
my @msg_leaks;
for my $case (@bad) {
    my ($name, $bad_http, $msg) = @$case;
    $t->write_config($http . $bad_http, $server, log_level => 'debug');
    my ($ok, $out) = $t->test_config;
    if ($name eq 'a private key with one byte changed' && $ok) {
        # OpenSSL does not check the private exponent against the rest.
        unlike($out, qr/\[emerg\]/, "$name: accepted by OpenSSL (d is not checked), no [emerg]");
    } else {
        ok(!$ok, "$name: nginx -t fails");
        like($out, $msg, "$name: the message") or diag $out;
    }
    push @msg_leaks, map { "nginx -t, $name: $_" } leaks($out, pem => 1);
    my $log_before = length $t->error_log;
    my $took = $t->reload;
    is($took, $ok ? 1 : 0, "$name: reload " . ($ok ? 'taken' : 'refused'));
    push @msg_leaks, map { "reload, $name: $_" } leaks(substr($t->error_log, $log_before), pem => 1);
}
is_deeply(\@msg_leaks, [], 'error messages (nginx -t output and the error log of refused reloads): no private value')
    or diag join "\n", @msg_leaks;

# Back to the good configuration; one more good reload.
$t->write_file('nginx.conf', $cfg_before);
is($t->reload, 1, 'the good configuration again: reload taken');
is(decode_json($t->get('/all')->{body})->{keys}[0]{kty} // '', 'EC', 'serving again after the refused reloads');

# ---------------------------------------------------------------- the debug log

SKIP: {
    # Without --with-debug, nginx writes no [debug] line: the log holds
    # only what it logs at info and above, scanned below all the same.
    skip 'the debug log: nginx -V shows no --with-debug, so nginx writes no [debug] lines', 2
        unless WellKnown::Test::nginx_built_with('--with-debug');
    my $log = $t->error_log;
    my $debug_lines = () = $log =~ /\[debug\]/g;
    ok($debug_lines > 100, "the error log is at debug level ($debug_lines [debug] lines): nginx -V has --with-debug");
    like($log, qr/\[debug\].*http (request line|header)/, 'the debug log covers request processing');
}
{
    my $log = $t->error_log;
    my @l = leaks($log, pem => 1);
    is_deeply(\@l, [], 'the whole error log at debug level (' . length($log) . ' bytes, start, requests, '
              . scalar(@bad) . ' failing configurations tried with nginx -t and reload, good reloads): no private value') or diag join "\n", @l;
}

# ---------------------------------------------------------------- process memory

# Every writable mapping of a process (heap, anonymous, data), read from
# /proc/PID/mem (root may). Returns (bytes read, needles found).
sub scan_memory {
    my ($pid) = @_;
    open my $maps, '<', "/proc/$pid/maps" or return (0, "cannot read /proc/$pid/maps: $!");
    open my $mem, '<:raw', "/proc/$pid/mem" or return (0, "cannot open /proc/$pid/mem: $!");
    my ($total, @found) = (0);
    while (my $line = <$maps>) {
        my ($from, $to, $perm, $what) = $line =~ /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/ or next;
        next unless $perm =~ /^rw/;
        next if $what =~ /^\[(vvar|vsyscall)\]/;
        my ($a, $b) = (hex $from, hex $to);
        next if $b - $a > 512 * 1024 * 1024;
        sysseek($mem, $a, 0) or next;
        my $buf = '';
        my $n = sysread($mem, $buf, $b - $a);
        next unless $n;
        $total += $n;
        for my $nd (@needles, @pem_lines) {
            push @found, "$nd->[0] in " . ($what || 'anonymous') if index($buf, $nd->[1]) >= 0;
        }
    }
    return ($total, @found);
}

# Key files are read, and private keys decoded, only in a short-lived child
# process the module forks for each configuration load (the key file
# reader): the master never holds a private key or its encoding, so neither
# it nor the workers forked from it can have one in memory, not even in
# freed heap memory, with any allocator. (OpenSSL 3.0's provider decoders
# free an internal copy of a private key's DER without cleansing it: found
# with OpenSSL 3.0.19 and glibc 2.36 while the master decoded keys itself.)
SKIP: {
    skip 'process memory: needs root to read /proc/PID/mem', 6 unless $> == 0;
    for my $proc ([ 'master', $t->pid ], [ 'worker', ($t->worker_pids)[0] ]) {
        my ($what, $pid) = @$proc;
        my ($bytes, @found) = scan_memory($pid);
        ok($bytes > 100_000, "$what memory: read " . int($bytes / 1024) . ' KiB of writable mappings') or diag "@found";
        my @text = grep { /PEM text line/ } @found;
        my @values = grep { !/PEM text line/ } @found;
        is_deeply(\@text, [], "$what memory after " . (scalar(@bad) + 2) . ' reloads: no key file text')
            or diag join "\n", @text;
        is_deeply(\@values, [], "$what memory after " . (scalar(@bad) + 2) . ' reloads: no private value')
            or diag join "\n", @values;
    }
}
# The reader is gone once each load ends: the master's only children are
# the workers it logged starting.
{
    my %started = map { $_ => 1 } $t->error_log =~ /start worker process (\d+)/g;
    my @kids = grep { !$started{$_} } $t->worker_pids;
    is_deeply(\@kids, [], 'no key file reader left running after the loads');
}

log_is_clean($t, 'no alert, crit or crash', levels => [qw(alert crit)]);
done_testing;
