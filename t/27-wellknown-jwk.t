#!/usr/bin/perl
# wellknown-jwk, the signer's tool: for every key type and file format (and
# the key options), the JWK it prints is byte for byte the one the module
# serves, --kid prints the served kid, --set the served JWK Set; its errors
# are the text of nginx -t's [emerg] with a non-zero exit status; PyJWT and
# jose sign with the kid it printed and verify against the served set. One
# nginx instance.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $tool = $ENV{WELLKNOWN_JWK} or plan skip_all => 'WELLKNOWN_JWK (build/wellknown-jwk) is not set: run through make t';
interop_ready(npm => ['jose'], python => [qw(jwt jwcrypto)]);

my $t = WellKnown::Test->new;
my $d = $t->dir;
sub ossl { $t->openssl(@_) }

# Runs the tool with @args from the prefix; returns (exit status, stdout, stderr).
sub jwk_tool {
    my @args = @_;
    my $cmd = join ' ', map { "'$_'" } $tool, @args;
    my $out = `cd '$d' && $cmd 2>'$d/tool.stderr'`;
    return ($? >> 8, $out, $t->read_file('tool.stderr'));
}

# ---------------------------------------------------------------- every type and format

$t->key('rsa.pem', 'rsa2048');
ossl("openssl rsa -in $d/rsa.pem -traditional -out $d/rsa-pkcs1.pem");
ossl("openssl pkey -in $d/rsa.pem -pubout -out $d/rsa-spki.pem");
ossl("openssl rsa -in $d/rsa.pem -RSAPublicKey_out -out $d/rsa-pkcs1pub.pem");
$t->key('rsa1024.pem', 'rsa1024');
$t->key('rsapss.pem', 'rsa-pss');
my %curve = (p256 => 'prime256v1', p384 => 'secp384r1', p521 => 'secp521r1');
for my $c (sort keys %curve) {
    $t->key("$c.pem", $c);
    ossl("openssl ec -in $d/$c.pem -out $d/$c-sec1.pem");
    ossl("openssl pkey -in $d/$c.pem -pubout -out $d/$c-spki.pem");
    ossl("openssl ecparam -genkey -name $curve{$c} -out $d/$c-ecparam.pem");
}
for my $k (qw(ed25519 ed448 x25519 x448)) {
    $t->key("$k.pem", $k);
    ossl("openssl pkey -in $d/$k.pem -pubout -out $d/$k-spki.pem");
}
ossl("openssl req -x509 -new -key $d/rsa.pem -subj /CN=self -days 30 -out $d/self.crt");
$t->key('ca.pem', 'p384');
$t->key('leaf-key.pem', 'p256');
$t->write_file('ca.ext', "basicConstraints=critical,CA:TRUE\n");
ossl("openssl req -x509 -new -key $d/ca.pem -subj /CN=ca -days 30 -extensions v3_ca -out $d/ca.crt");
ossl("openssl req -new -key $d/leaf-key.pem -subj /CN=leaf -out $d/leaf.csr");
ossl("openssl x509 -req -in $d/leaf.csr -CA $d/ca.crt -CAkey $d/ca.pem -set_serial 2 -days 30 -out $d/leaf.crt");
$t->write_file('chain.pem', $t->read_file('leaf.crt') . $t->read_file('ca.crt'));
$t->write_file('leaf-and-key.pem', $t->read_file('leaf.crt') . $t->read_file('leaf-key.pem'));

# [ file, options ]: every format of every type, and each key option.
my @cases = (
    (map { [$_] } qw(rsa.pem rsa-pkcs1.pem rsa-spki.pem rsa-pkcs1pub.pem rsapss.pem),
         (map { ("$_.pem", "$_-sec1.pem", "$_-spki.pem", "$_-ecparam.pem") } sort keys %curve),
         (map { ("$_.pem", "$_-spki.pem") } qw(ed25519 ed448 x25519 x448)),
         qw(self.crt chain.pem leaf-and-key.pem)),
    [ 'rsa.pem', 'kid=2026-q1', 'alg=PS384' ],
    [ 'rsa-spki.pem', 'use=enc', 'alg=RSA-OAEP-256' ],
    [ 'p256.pem', 'key_ops=verify' ],
    [ 'chain.pem', 'x5t' ],
    [ 'rsa1024.pem', 'allow_weak' ],
    [ 'ed25519.pem', 'alg=Ed25519' ],
);

my ($http, $server) = ('', '');
for my $i (0 .. $#cases) {
    $http .= "    wellknown_keys s$i { key @{ $cases[$i] }; }\n";
    $server .= "        location = /s$i { wellknown_jwks s$i; }\n";
}
# A set of several keys, as --set prints it.
my @set = (['rsa.pem', 'kid=a'], ['p256-sec1.pem'], ['ed448-spki.pem', 'kid=c'], ['chain.pem', 'x5t']);
$http .= "    wellknown_keys several {\n" . join('', map { "        key @$_;\n" } @set) . "    }\n";
$server .= "        location = /several { wellknown_jwks several; }\n";
$t->write_config($http, $server);
$t->start_checked('nginx -t accepts every key file and option');

for my $i (0 .. $#cases) {
    my $what = join ' ', @{ $cases[$i] };
    my $served = $t->get("/s$i")->{body};
    my ($rc, $out, $err) = jwk_tool(@{ $cases[$i] });
    is($rc, 0, "$what: exit 0") or diag $err;
    is($out, ($served =~ /^\{"keys":\[(.*)\]\}$/s)[0] . "\n", "$what: the printed JWK is the served one, byte for byte");
    ($rc, $out) = jwk_tool('--kid', @{ $cases[$i] });
    is($out, decode_json($served)->{keys}[0]{kid} . "\n", "$what: --kid prints the served kid");
}
{
    my $served = $t->get('/several')->{body};
    my ($rc, $out, $err) = jwk_tool('--set', map { @$_ } @set);
    is($rc, 0, '--set of four keys: exit 0') or diag $err;
    is($out, "$served\n", '--set of four keys, options after their file: the served JWK Set, byte for byte');
    ($rc, $out) = jwk_tool('--set', $set[0][0], $set[0][1], '--key', $set[1][0], map { @$_ } @set[2, 3]);
    is($out, "$served\n", '--set with --key: the same');
    ($rc, $out) = jwk_tool('--kid', map { @$_ } @set);
    is($out, join('', map { "$_->{kid}\n" } @{ decode_json($served)->{keys} }), '--kid of four keys: one kid a line, in order');
    ($rc, $out) = jwk_tool(map { @$_ } @set);
    is('{"keys":[' . join(',', split /\n/, $out) . ']}', $served, 'four keys: the served JWKs, one a line');
}

# ---------------------------------------------------------------- errors: nginx -t's text

# The tool's message for a key line is nginx -t's [emerg] text, before " in FILE:LINE".
my @bad = (
    [ 'alg that does not fit', "$d/p384.pem", 'alg=ES256' ],
    [ 'a file that is not there', "$d/missing.pem" ],
    [ 'weak RSA', "$d/rsa1024.pem" ],
    [ 'an unknown option', "$d/p256.pem", 'publish_at=never' ],
    [ 'encryption key for signatures', "$d/x25519.pem", 'use=sig' ],
);
for my $b (@bad) {
    my ($name, @line) = @$b;
    $t->write_config("    wellknown_keys bad { key @line; }\n", '        location = /bad { wellknown_jwks bad; }');
    my ($ok, $nginx) = $t->test_config;
    my ($emerg) = $nginx =~ /\[emerg\] ${LOG_PID}wellknown_keys: (.*) in \S+:\d+$/m;
    ok(!$ok && defined $emerg, "$name: nginx -t refuses it") or diag $nginx;
    my ($rc, $out, $err) = jwk_tool(@line);
    is($rc, 1, "$name: the tool exits 1");
    is($out, '', "$name: and prints nothing on stdout");
    is($err, "wellknown-jwk: $emerg\n", "$name: with nginx -t's message");
}
{
    my ($rc, $out, $err) = jwk_tool('--set', 'rsa.pem', 'kid=x', 'p256.pem', 'kid=x');
    is($rc, 1, 'two keys with one kid in --set: exit 1');
    like($err, qr/^wellknown-jwk: key "p256\.pem": duplicate kid "x"/, 'two keys with one kid: the key set\'s message');
    ($rc, $out, $err) = jwk_tool('rsa1024.pem', 'allow_weak', 'x5t');
    like($err, qr/x5t needs a certificate/, 'options are judged by the key statement');
    ($rc, $out, $err) = jwk_tool('--nope');
    is($rc, 2, 'an unknown command-line option: exit 2 (usage)');
    like($err, qr/unknown option '--nope'.*--help/s, 'and a pointer to --help');
    ($rc, $out, $err) = jwk_tool();
    is($rc, 2, 'no file: exit 2');
    ($rc, $out, $err) = jwk_tool('--kid', '--set', 'rsa.pem');
    is($rc, 2, '--kid and --set together: exit 2');
    my $loose = $t->write_file('loose.pem', $t->read_file('p256.pem'), 0644);
    ($rc, $out, $err) = jwk_tool('loose.pem');
    is($rc, 0, 'a private key others can read: printed (exit 0)');
    like($err, qr/^wellknown-jwk: warning: key "loose\.pem": the file holds a private key and is readable by group or others/,
         'with nginx -t\'s warning');
    ($rc, $out) = jwk_tool('--help');
    is($rc, 0, '--help: exit 0');
    like($out, qr/^Usage: wellknown-jwk .*--kid.*--set.*Exit status/s, '--help: usage, options, exit status');
    ($rc, $out) = jwk_tool('--version');
    like($out, qr/^wellknown-jwk \(nginx-wellknown\) \d+\.\d+\.\d+$/, '--version');
}
my $man = "$FindBin::Bin/../tools/wellknown-jwk.1";
ok(-f $man, 'the man page is there');
my $man_text = do { open my $fh, '<', $man or die "$man: $!"; local $/; <$fh> };
like($man_text, qr/^\.SH NAME.*^\.SH SYNOPSIS.*^\.SH DESCRIPTION.*^\.SH OPTIONS.*^\.SH EXIT STATUS.*^\.SH EXAMPLES/ms,
     'the man page: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES');

# ---------------------------------------------------------------- signing with the printed kid

# The signer asks the tool for the kid and signs with it; PyJWT and jose
# find the key in the served set by that kid.
my @signers = ([ 'rsa.pem', 'RS256' ], [ 'rsa-pkcs1.pem', 'PS384', 'kid=2026-q1', 'alg=PS384' ],
               [ 'p256-sec1.pem', 'ES256' ], [ 'p521.pem', 'ES512' ], [ 'ed25519.pem', 'EdDSA' ],
               [ 'leaf-and-key.pem', 'ES256' ]);
my @keys;
for my $s (@signers) {
    my ($file, $alg, @opts) = @$s;
    my (undef, $kid) = jwk_tool('--kid', $file, @opts);
    chomp $kid;
    (my $name = $file) =~ s/\.pem$//;
    # The signer holds the same private key as PKCS#8 (jose imports only that).
    my %pkcs8 = ('rsa-pkcs1.pem' => 'rsa.pem', 'p256-sec1.pem' => 'p256.pem', 'leaf-and-key.pem' => 'leaf-key.pem');
    push @keys, { name => "tool-kid-$name", pem => $t->path($pkcs8{$file} // $file),
                  alg => $alg, kid => $kid, line => [ $file, @opts ] };
}
$t->write_config("    wellknown_keys signers {\n" . join('', map { "        key @{ $_->{line} };\n" } @keys) . "    }\n",
                 "        location = /.well-known/jwks.json { wellknown_jwks signers; }\n");
is($t->reload, 1, 'reload with the signers\' key set');
my ($served_kids) = join ',', map { $_->{kid} } @{ decode_json($t->get('/.well-known/jwks.json')->{body})->{keys} };
is($served_kids, join(',', map { $_->{kid} } @keys), 'the served kids are the printed ones');
delete $_->{line} for @keys;
jwt_interop($t, 'tool', 'http://127.0.0.1:' . $t->port . '/.well-known/jwks.json', { keys => \@keys });

log_is_clean($t, 'no alert, crit or emerg in the error log');
done_testing;
