#!/usr/bin/perl
# Key files (the `key` statement of wellknown_keys): every file the module
# cannot use fails `nginx -t` with an [emerg] naming the file and the line
# of its `key` statement: missing, a directory, unreadable, empty, not PEM,
# encrypted, of an unsupported type, too weak, more than one key, a chain
# that does not chain; and hostile ones: truncated at every byte, damaged,
# binary, with NUL bytes, padded to the size cap, devices, symlink loops,
# FIFOs. A case that may also be accepted (text around a PEM block, CRLF)
# is then served with a server holding every accepted case, and must give
# exactly the JWK Set of the pristine key file. Never a crash or a hang.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX ();
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;
my $conf_path = $t->path('nginx.conf');

sub ossl { $t->openssl(@_) }

# ---------------------------------------------------------------- inputs

$t->make_keys(rsa => 'rsa2048', p256 => 'p256', p256b => 'p256', p384 => 'p384', ed25519 => 'ed25519',
              secp256k1 => 'secp256k1', dsa => 'dsa', rsa1024 => 'rsa1024');
ossl("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out $d/rsa512.pem");
ossl("openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out $d/dhparams.pem");
ossl("openssl genpkey -paramfile $d/dhparams.pem -out $d/dhkey.pem");
ossl("openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:x -in $d/p256.pem -out $d/enc-pkcs8.pem");
ossl("openssl rsa -aes256 -traditional -passout pass:x -in $d/rsa.pem -out $d/enc-trad.pem");
ossl("openssl req -new -key $d/p256.pem -subj /CN=csr -out $d/req.csr");
ossl("openssl pkey -in $d/rsa.pem -traditional -out $d/rsa-pkcs1.pem");
like($t->read_file('rsa-pkcs1.pem'), qr/^-----BEGIN RSA PRIVATE KEY-----/, 'test data: a PKCS#1 RSA key');
ossl("openssl req -x509 -new -key $d/p256.pem -subj /CN=c -days 30 -out $d/cert.pem");
ossl("openssl pkey -in $d/p256.pem -outform DER -out $d/p256.der");
my $p256 = $t->read_file('p256.pem');

$t->write_file('empty.pem', '');
srand(20240611);
$t->write_file('random.bin', join '', map { chr(int rand 256) } 1 .. 600);
$t->write_file('notpem.txt', "this is not a key\nat all\n");
$t->write_file('truncated.pem', substr($t->read_file('rsa.pem'), 0, int(length($t->read_file('rsa.pem')) / 2)));
$t->write_file('two-keys.pem', $p256 . $t->read_file('ed25519.pem'));
$t->write_file('big.pem', $p256 . ('#' x (1024 * 1024 + 10)));
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
# A set k whose second key is $lines, for files that must be refused.
sub keys_block { my ($lines) = @_; return "    wellknown_keys k {\n        key p256b.pem;\n$lines    }\n" }
# A file that must be refused: [emerg] MESSAGE at the line of its key statement.
sub refused {
    my ($name, $file, $msg, %o) = @_;
    $t->fails($name, keys_block("        key $file;\n"), $jwks_loc, $o{marker} || $file, $msg, %o);
}

# A key set with one key file, served at /$set.
sub key_http { my ($set, $file, $opts) = @_; return "    wellknown_keys $set { key $file" . ($opts ? " $opts" : '') . "; }\n" }
sub key_loc  { my ($set) = @_; return "        location = /$set { wellknown_jwks $set; }\n" }

# Accepted cases to serve and check together at the end (serve_accepted).
my @accepted;

# A key file case (outcome): refused with an [emerg], or accepted and then
# serving exactly the JWK Set of $o{ref} (the pristine key file).
my $nkeys = 0;
sub key_case {
    my ($name, $file, %o) = @_;
    my $set = 'k' . ++$nkeys;
    my $ok = $t->outcome($name, key_http($set, $file, $o{opts}), key_loc($set), $o{marker} || $file,
                         names => $o{names}, %o);
    if ($ok && $o{ref}) {
        push @accepted, [ $name, key_http($set, $file, $o{opts}), key_loc($set), "/$set",
                          { same_as => "/ref-$o{ref}" } ];
    }
    return $ok;
}

# ---------------------------------------------------------------- files the module cannot use

refused('missing key file', 'missing.pem', qr/cannot open key file "\Q$d\E\/missing\.pem": No such file or directory/);
refused('path through a regular file', 'rsa.pem/inner.pem',
        qr/cannot open key file "\Q$d\E\/rsa\.pem\/inner\.pem": Not a directory/);
refused('directory as a key file', 'keydir', qr/key file "\Q$d\E\/keydir" is a directory/, marker => 'key keydir');
refused('empty file', 'empty.pem', qr/key file "[^"]*empty\.pem" is empty/);
refused('random bytes', 'random.bin', qr/random\.bin": no PEM data found/);
refused('text without PEM', 'notpem.txt', qr/no PEM data found/);
refused('truncated PEM', 'truncated.pem', qr/truncated\.pem": malformed or truncated PEM/);
refused('file over 1 MiB', 'big.pem', qr/larger than 1 MiB/);
refused('encrypted PKCS#8', 'enc-pkcs8.pem', qr/enc-pkcs8\.pem": .*encrypted/);
refused('encrypted traditional PEM', 'enc-trad.pem', qr/enc-trad\.pem": .*encrypted/);
refused('DSA key', 'dsa.pem', qr/unsupported key type DSA/);
refused('DH parameters', 'dhparams.pem', qr/unsupported key type DH/);
refused('DH private key', 'dhkey.pem', qr/unsupported key type DH/);
refused('secp256k1 key', 'secp256k1.pem', qr/unsupported EC curve secp256k1/);
refused('certificate request', 'req.csr', qr/certificate signing request/);
refused('RSA 1024 without allow_weak', 'rsa1024.pem', qr/RSA key has 1024 bits.*allow_weak/);
refused('RSA 512 with allow_weak', 'rsa512.pem allow_weak', qr/RSA key has 512 bits/, marker => 'rsa512.pem',
        unlike => qr/allow_weak/);
refused('two keys in one file', 'two-keys.pem', qr/holds 2 keys/);
refused('chain whose second certificate did not issue the first', 'bad-chain.pem',
        qr/certificate #2 did not issue certificate #1/);
refused('chain in the wrong order', 'reversed-chain.pem', qr/did not issue/);
refused('certificate with a private key that does not match', 'cert-wrong-key.pem',
        qr/does not match the first \(leaf\) certificate/);

# ---------------------------------------------------------------- truncated key files, every cut

# Every prefix of a PEM file (cut after 1 .. n-1 bytes): refused with an
# [emerg] naming the file and line, or (only when the cut leaves the whole
# block, e.g. just the final newline gone) accepted with the same key.
# Under valgrind (time_scale > 1), where each nginx -t takes about 1.5 s,
# every fourth of those cuts plus every cut of the last 80 bytes (the END
# line and the base64 before it): the release and ASan runs take them all.
my $thin = WellKnown::Test::time_scale() > 1 ? 4 : 1;
for my $src ([ 'p256.pem', 1 ], [ 'rsa-pkcs1.pem', 7 ], [ 'cert.pem', 5 ]) {
    my ($file, $step) = @$src;
    my $text = $t->read_file($file);
    my (@bad, @ok_cuts, $line);
    my $cuts = 0;
    my %points;
    for (my $n = 1; $n < length $text; $n += $step * $thin) { $points{$n} = 1 }
    for (my $n = 1; $n < length $text; $n += $step) { $points{$n} = 1 if $n >= length($text) - 80 }
    $points{ length($text) - 1 } = 1;
    my @points = sort { $a <=> $b } keys %points;
    for my $n (@points) {
        $cuts++;
        $t->write_file('cut.pem', substr($text, 0, $n));
        $t->write_config(key_http('k', 'cut.pem'), key_loc('k'));
        $line //= $t->line_of('key cut.pem');
        my (undef, $out, $st) = $t->test_config(timeout => 20);
        if (($st & 127) || ($st >> 8) > 1) { push @bad, "cut $n: wait status $st"; next }
        if (($st >> 8) == 0) { push @ok_cuts, $n; next }
        my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
        push @bad, "cut $n: $out" unless defined $emerg
            && $emerg =~ /key file "\Q$d\E\/cut\.pem": / && $emerg =~ / in \Q$conf_path\E:$line$/;
    }
    is_deeply(\@bad, [], "$file cut at $cuts points: every cut refused with an [emerg] naming the file and nginx.conf:" . ($line // '?') . ', or accepted')
        or diag join "\n", @bad[0 .. ($#bad < 5 ? $#bad : 5)];
    my $end = rindex($text, '-----') + 5;
    is_deeply([grep { $_ < $end } @ok_cuts], [], "$file: no cut before the end of the END line is accepted")
        or diag "accepted cuts: @ok_cuts (END line ends at $end)";
    note "$file: accepted cuts: @ok_cuts (of " . length($text) . ' bytes)';
    for my $n (@ok_cuts) {
        my $name = "cut$n-$file";
        $t->write_file($name, substr($text, 0, $n));
        my $set = 'k' . ++$nkeys;
        (my $ref = $file) =~ s/\.pem$//;
        push @accepted, [ "$file cut at $n bytes", key_http($set, $name), key_loc($set), "/$set", { same_as => "/ref-$ref" } ];
    }
}

# ---------------------------------------------------------------- truncated and damaged PEM, by name

{
    my @lines = split /\n/, $p256;
    my ($begin, @body) = @lines;
    my $end = pop @body;
    $t->write_file('begin-only.pem', "$begin\n");
    $t->write_file('no-end.pem', join("\n", $begin, @body) . "\n");
    $t->write_file('short-body.pem', join("\n", $begin, @body[0 .. $#body - 1], $end) . "\n");
    $t->write_file('middle-line-gone.pem', join("\n", $begin, @body[1 .. $#body], $end) . "\n");
    (my $mismatch = $p256) =~ s/END PRIVATE KEY/END PUBLIC KEY/;
    $t->write_file('end-mismatch.pem', $mismatch);
    (my $badchar = $p256) =~ s/(\n[A-Za-z0-9+\/]{20})[A-Za-z0-9+\/]/$1!/;
    $t->write_file('bad-base64.pem', $badchar);
    (my $flipped = $p256) =~ s/(\n[A-Za-z0-9+\/]{30})([A-Za-z0-9+\/])/$1 . ($2 eq 'A' ? 'B' : 'A')/e;
    $t->write_file('flipped.pem', $flipped);

    key_case('PEM with a BEGIN line only', 'begin-only.pem', msg => qr/malformed or truncated PEM/);
    key_case('PEM without its END line', 'no-end.pem', msg => qr/malformed or truncated PEM/);
    key_case('PEM with its last base64 line gone', 'short-body.pem', msg => qr/malformed PKCS#8 private key|malformed or truncated/);
    key_case('PEM with a middle base64 line gone', 'middle-line-gone.pem', msg => qr/malformed|truncated|trailing bytes/);
    key_case('PEM whose END label differs from BEGIN', 'end-mismatch.pem', msg => qr/malformed or truncated PEM/);
    key_case('PEM with a character outside base64', 'bad-base64.pem', msg => qr/malformed/);
    # One flipped base64 character may still decode to a well-formed
    # structure: refused, or accepted only as a key that is valid.
    key_case('PEM with one base64 character changed', 'flipped.pem', expect => 'either');
}

# ---------------------------------------------------------------- binary and odd encodings

{
    srand(8211);
    my $rnd = sub { join '', map { chr int rand 256 } 1 .. $_[0] };
    $t->write_file('binary-1mib.bin', $rnd->(1024 * 1024));
    $t->write_file('garbage-around.pem', $rnd->(4000) . "\n" . $p256 . $rnd->(4000));
    my $fake_b64 = join "\n", map { join '', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '+', '/')[int rand 64] } 1 .. 64 } 1 .. 4;
    $t->write_file('random-base64.pem', "-----BEGIN PRIVATE KEY-----\n$fake_b64\n-----END PRIVATE KEY-----\n");
    $t->write_file('utf16.pem', "\xFF\xFE" . join('', map { "$_\0" } split //, $p256));
    $t->write_file('bom.pem', "\xEF\xBB\xBF$p256");
    (my $crlf = $p256) =~ s/\n/\r\n/g;
    $t->write_file('crlf.pem', $crlf);
    $t->write_file('one-line.pem', "-----BEGIN PRIVATE KEY-----\n" . ('QUFB' x 200000) . "\n-----END PRIVATE KEY-----\n");

    key_case('DER (binary) key file', 'p256.der', msg => qr/p256\.der": no PEM data found/);
    key_case('1 MiB of random bytes', 'binary-1mib.bin', msg => qr/no PEM data found|malformed/);
    key_case('random base64 between PRIVATE KEY lines', 'random-base64.pem', msg => qr/malformed PKCS#8 private key/);
    key_case('UTF-16 PEM', 'utf16.pem', msg => qr/no PEM data found|malformed/);
    key_case('an 800 KB base64 line', 'one-line.pem', msg => qr/malformed/);
    # Text around a PEM block is allowed (as in openssl's own files).
    key_case('a PEM block between 4 KB of random bytes', 'garbage-around.pem', expect => 'either', ref => 'p256');
    key_case('PEM after a UTF-8 byte order mark', 'bom.pem', expect => 'either', ref => 'p256');
    key_case('PEM with CRLF line ends', 'crlf.pem', expect => 'ok', ref => 'p256');
}

# ---------------------------------------------------------------- NUL bytes in PEM

{
    (my $in_body = $p256) =~ s/(\n[A-Za-z0-9+\/]{10})/$1\0/;
    $t->write_file('nul-body.pem', $in_body);
    (my $in_begin = $p256) =~ s/BEGIN /BEGIN\0/;
    $t->write_file('nul-begin.pem', $in_begin);
    (my $in_end = $p256) =~ s/END PRIVATE/END\0PRIVATE/;
    $t->write_file('nul-end.pem', $in_end);
    $t->write_file('nul-before.pem', "\0$p256");
    $t->write_file('nul-after.pem', "$p256\0\0trailing");
    $t->write_file('nul-only.pem', "\0" x 4096);
    key_case('NUL inside the base64 body', 'nul-body.pem', msg => qr/nul-body\.pem": malformed or truncated PEM/);
    key_case('NUL inside the BEGIN line', 'nul-begin.pem', msg => qr/no PEM data found|malformed/);
    key_case('NUL inside the END line', 'nul-end.pem', msg => qr/malformed or truncated PEM/);
    key_case('NUL before the BEGIN line', 'nul-before.pem', msg => qr/no PEM data found|malformed/);
    key_case('4 KB of NUL bytes', 'nul-only.pem', msg => qr/no PEM data found/);
    # After the END line, NULs are text outside the block.
    key_case('NUL bytes after the END line', 'nul-after.pem', expect => 'either', ref => 'p256');
}

# ---------------------------------------------------------------- the 1 MiB cap

{
    my $pad = sub { my ($n) = @_; my $s = "$p256#"; $s .= '#' x ($n - length($s) - 1) . "\n"; return $s };
    $t->write_file('exactly-1mib.pem', $pad->(1024 * 1024));
    $t->write_file('1mib-plus-1.pem', $pad->(1024 * 1024 + 1));
    is(-s "$d/exactly-1mib.pem", 1048576, 'test data: a valid key padded to exactly 1 MiB');
    is(-s "$d/1mib-plus-1.pem", 1048577, 'test data: the same, 1 MiB + 1 byte');
    key_case('a key file of exactly 1 MiB', 'exactly-1mib.pem', expect => 'ok', ref => 'p256');
    key_case('a key file of 1 MiB + 1 byte', '1mib-plus-1.pem',
             msg => qr/key file "\Q$d\E\/1mib-plus-1\.pem" is larger than 1 MiB/);
    key_case('/dev/zero (a device: endless)', '/dev/zero', msg => qr/key file "\/dev\/zero" is not a regular file/);
    key_case('/dev/urandom (a device: endless binary)', '/dev/urandom', msg => qr/"\/dev\/urandom" is not a regular file/);
    key_case('/dev/null (a device: empty)', '/dev/null', msg => qr/key file "\/dev\/null" is not a regular file/);
}

# ---------------------------------------------------------------- symlinks

{
    symlink "$d/loop-b", "$d/loop-a" or die;
    symlink "$d/loop-a", "$d/loop-b" or die;
    symlink "$d/self", "$d/self" or die;
    symlink "$d/nowhere.pem", "$d/dangling.pem" or die;
    mkdir "$d/adir";
    symlink "$d/adir", "$d/dir-link.pem" or die;
    symlink "$d/p256.pem", "$d/good-link.pem" or die;
    # A chain of 30 links (the kernel follows up to 40).
    symlink "$d/p256.pem", "$d/chain0" or die;
    symlink "$d/chain" . ($_ - 1), "$d/chain$_" or die for 1 .. 30;
    key_case('symlink loop (a -> b -> a)', 'loop-a',
             msg => qr/cannot open key file "\Q$d\E\/loop-a": Too many levels of symbolic links/);
    key_case('symlink to itself', 'self', msg => qr/cannot open key file "\Q$d\E\/self": Too many levels of symbolic links/);
    key_case('dangling symlink', 'dangling.pem', msg => qr/cannot open key file "\Q$d\E\/dangling\.pem": No such file or directory/);
    key_case('symlink to a directory', 'dir-link.pem', msg => qr/key file "\Q$d\E\/dir-link\.pem" is a directory/);
    key_case('symlink to a key file', 'good-link.pem', expect => 'ok', ref => 'p256');
    key_case('a chain of 30 symlinks to a key file', 'chain30', expect => 'ok', ref => 'p256');
}

# ---------------------------------------------------------------- unreadable

# As root, which reads any file whatever its mode, nginx -t runs as nobody
# here (setpriv), in its own prefix, with copies of the module (and of the
# nginx wrapper of the sanitizer runs) that nobody can read wherever the
# checkout is; a readable copy of the key shows the setup itself works.
SKIP: {
    skip 'unreadable key file: running as root, which reads any file (as nobody below)', 5 if $> == 0;
    $t->write_file('unreadable.pem', $p256, 0000);
    $t->fails('unreadable key file', keys_block("        key unreadable.pem;\n"), $jwks_loc, 'unreadable.pem',
              qr/cannot open key file .*unreadable\.pem": Permission denied/);
}
SKIP: {
    my $u = WellKnown::Test->new;
    my ($as, $why) = $u->as_user('nobody');
    skip "unreadable key files as nobody: $why", 12 unless $as;
    my $ud = $u->dir;
    $u->write_file('readable.pem', $p256, 0644);
    $u->write_file('unreadable.pem', $p256, 0000);
    mkdir "$ud/private", 0700;
    chmod 0700, "$ud/private";
    $u->write_file('private/key.pem', $p256, 0644);
    $u->outcome('as nobody: a readable key file (control)', key_http('k', 'readable.pem'), key_loc('k'), 'readable.pem',
                as => $as, expect => 'ok');
    $u->outcome('as nobody: key file with mode 000', key_http('k', 'unreadable.pem'), key_loc('k'), 'unreadable.pem',
                as => $as, msg => qr/cannot open key file "\Q$ud\E\/unreadable\.pem": Permission denied/);
    $u->outcome('as nobody: key file in a mode 700 directory of root', key_http('k', 'private/key.pem'), key_loc('k'),
                'private/key.pem', as => $as,
                msg => qr/cannot open key file "\Q$ud\E\/private\/key\.pem": Permission denied/);
}

# ---------------------------------------------------------------- FIFOs

SKIP: {
    skip 'mkfifo unavailable', 8 unless POSIX::mkfifo("$d/fifo-nowriter.pem", 0644) && POSIX::mkfifo("$d/fifo-writer.pem", 0644);

    # With a writer: the key arrives through the pipe.
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        local $SIG{ALRM} = sub { POSIX::_exit(0) };
        alarm 30;
        open my $fh, '>', "$d/fifo-writer.pem" or POSIX::_exit(1);
        print $fh $p256;
        close $fh;
        POSIX::_exit(0);
    }
    key_case('a FIFO with a writer', 'fifo-writer.pem', expect => 'either');
    kill 'TERM', $pid;
    waitpid $pid, 0;

    # Without a writer, a blocking open(2) on a FIFO waits until one comes:
    # the module opens with O_NONBLOCK and refuses anything but a regular file.
    key_case('a FIFO with no writer', 'fifo-nowriter.pem', timeout => 5,
             msg => qr/fifo-nowriter\.pem" is not a regular file/);
}

# ---------------------------------------------------------------- NUL in a file name

# nginx.conf may hold a raw NUL byte. nginx's own directives use the name
# up to the NUL (`include "x.conf\0junk"` includes x.conf); the module does
# the same or refuses the name; either way no other file and no crash.
{
    my $ok = key_case('key file name with a NUL byte ("p256.pem\0junk")', "\"p256.pem\0junk\"",
                      marker => 'junk', expect => 'either', ref => 'p256');
    note($ok ? 'a key file name with a NUL byte: the name up to the NUL is used, as nginx\'s include does'
             : 'a key file name with a NUL byte: refused');
}
# ---------------------------------------------------------------- serve everything accepted

{
    my $s = $t->serve_accepted(\@accepted,
        http => join('', map { "    wellknown_keys ref-$_->[0] { key $d/$_->[1]; }\n" }
                             [ 'p256', 'p256.pem' ], [ 'rsa-pkcs1', 'rsa-pkcs1.pem' ], [ 'cert', 'cert.pem' ]),
        server => join('', map { "        location = /ref-$_ { wellknown_jwks ref-$_; }\n" } qw(p256 rsa-pkcs1 cert)));
    like($s->get('/ref-p256')->{body}, qr/"crv":"P-256"/, 'reference set: the pristine P-256 key');
    $s->stop;
}

done_testing;
