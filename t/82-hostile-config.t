#!/usr/bin/perl
# Hostile operator input (issue 5 §4, operator side), beyond what
# t/30-config-errors.t and t/72-resources-and-files.t already cover: key
# files that are truncated at every byte, binary, padded to the size cap,
# with NUL bytes, reached through symlink loops, FIFOs and devices, or
# unreadable; metadata files with NUL bytes, invalid UTF-8, deep nesting
# and odd numbers; metadata strings (directive values, extra JSON, metadata
# files, kids) with quotes, backslashes, control characters and non-ASCII.
#
# Every case ends in one of two ways, never a crash or a hang:
#   - `nginx -t` fails with an [emerg] naming nginx.conf and the line of the
#     offending directive (and the file, for a file's content), or
#   - the configuration is accepted, and then a server started with every
#     accepted case serves a correct document: the same JWK Set as the
#     pristine key file, or JSON that decodes back to exactly the input.
#
# nginx.conf's own escapes: inside a token, \" \' \\ stand for the
# character and \t \r \n for HT, CR, LF (ngx_conf_read_token); any other
# byte, NUL included, is taken as it is.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use POSIX ();
use Time::HiRes ();
use JSON::PP ();
use WellKnown::Test qw(decode_json);

my $c = WellKnown::Test->new;
my $d = $c->dir;
my $conf_path = $c->path('nginx.conf');

sub ossl { $c->openssl(@_) }

$c->key('p256.pem', 'p256');
$c->key('rsa.pem', 'rsa2048');
ossl("openssl pkey -in $d/rsa.pem -traditional -out $d/rsa-pkcs1.pem");
like($c->read_file('rsa-pkcs1.pem'), qr/^-----BEGIN RSA PRIVATE KEY-----/, 'test data: a PKCS#1 RSA key');
ossl("openssl req -x509 -new -key $d/p256.pem -subj /CN=c -days 30 -out $d/cert.pem");
ossl("openssl pkey -in $d/p256.pem -outform DER -out $d/p256.der");
my $p256 = $c->read_file('p256.pem');


# nginx -t under `timeout`, optionally as another user ($o{as}: a command
# prefix). Returns (wait status, output).
sub nginx_t {
    my ($t, %o) = @_;
    my @cmd = ('timeout', '-k', '2', ($o{timeout} || 20) * WellKnown::Test::time_scale(), @{ $o{as} || [] },
               $t->nginx_cmd('-t'));
    my $cmd = join ' ', map { "'$_'" } @cmd;
    my $out = `$cmd 2>&1`;
    return ($?, $out);
}

# A readable name for test titles.
sub shown { my ($s) = @_; $s =~ s/([^\x20-\x7e])/sprintf('\\x%02X', ord $1)/ge; return length $s > 60 ? substr($s, 0, 60) . '...' : $s }

# Runs nginx -t on one configuration. Always asserts that nginx -t ended
# normally (exit 0 or 1, no signal, no timeout). Then, by $o{expect}:
#   error  - fails with an [emerg] at the marker's line of nginx.conf
#            (matching $o{msg}, naming $o{names} when given);
#   ok     - passes;
#   either - one of the two, the [emerg] checked as above.
# Returns 1 if the configuration was accepted.
sub outcome {
    my ($name, $http, $server, $marker, %o) = @_;
    my $t = $o{t} || $c;
    $t->write_config($http, $server);
    my $line = $t->line_of($marker);
    my ($st, $out) = nginx_t($t, %o);
    my $sig = $st & 127;
    my $code = $st >> 8;
    ok($sig == 0 && ($code == 0 || $code == 1), "$name: nginx -t ends normally (no crash, no hang)")
        or do { diag "wait status $st (signal $sig, exit $code; 124 = timed out)\n$out"; return 0 };
    my $accepted = $code == 0;
    my $expect = $o{expect} || 'error';
    if ($expect eq 'ok') {
        ok($accepted, "$name: accepted") or diag $out;
        unlike($out, qr/\[emerg\]/, "$name: no [emerg]");
        return $accepted;
    }
    if ($expect eq 'error') {
        ok(!$accepted, "$name: refused") or return 1;
    }
    return 1 if $accepted;
    my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
    ok(defined $emerg, "$name: an [emerg] says why") or do { diag $out; return 0 };
    note $emerg;
    like($emerg, qr/ in \Q$t->{dir}\E\/nginx\.conf:$line$/, "$name: names nginx.conf:$line");
    like($emerg, $o{msg}, "$name: message") if $o{msg};
    like($emerg, qr/\Q$o{names}\E/, "$name: names $o{names}") if $o{names};
    return 0;
}

# A key set with one key file, served at /$set.
sub key_http { my ($set, $file, $opts) = @_; return "    wellknown_keys $set { key $file" . ($opts ? " $opts" : '') . "; }\n" }
sub key_loc  { my ($set) = @_; return "        location = /$set { wellknown_jwks $set; }\n" }

# Accepted cases to serve and check together at the end:
# [ name, http, server, path, check(sub: body, response) ].
my @accepted;

# A key file case: refused with an [emerg], or accepted and then serving
# exactly the JWK Set of $ref (the pristine key file).
my $nkeys = 0;
sub key_case {
    my ($name, $file, %o) = @_;
    my $set = 'k' . ++$nkeys;
    my $ok = outcome($name, key_http($set, $file, $o{opts}), key_loc($set), $o{marker} || $file,
                     names => $o{names}, %o);
    if ($ok && $o{ref}) {
        push @accepted, [ $name, key_http($set, $file, $o{opts}), key_loc($set), "/$set",
                          { same_as => "/ref-$o{ref}" } ];
    }
    return $ok;
}

# ---------------------------------------------------------------- truncated key files, every cut

# Every prefix of a PEM file (cut after 1 .. n-1 bytes): refused with an
# [emerg] naming the file and line, or (only when the cut leaves the whole
# block, e.g. just the final newline gone) accepted with the same key.
for my $src ([ 'p256.pem', 1 ], [ 'rsa-pkcs1.pem', 7 ], [ 'cert.pem', 5 ]) {
    my ($file, $step) = @$src;
    my $text = $c->read_file($file);
    my (@bad, @ok_cuts);
    my $cuts = 0;
    my @points;
    for (my $n = 1; $n < length $text; $n += $step) { push @points, $n }
    push @points, length($text) - 1 unless $points[-1] == length($text) - 1;
    for my $n (@points) {
        $cuts++;
        $c->write_file('cut.pem', substr($text, 0, $n));
        $c->write_config(key_http('k', 'cut.pem'), key_loc('k'));
        my ($st, $out) = nginx_t($c);
        if (($st & 127) || ($st >> 8) > 1) { push @bad, "cut $n: wait status $st"; next }
        if (($st >> 8) == 0) { push @ok_cuts, $n; next }
        my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
        push @bad, "cut $n: $out" unless defined $emerg
            && $emerg =~ /key file "\Q$d\E\/cut\.pem": / && $emerg =~ / in \Q$conf_path\E:14$/;
    }
    is_deeply(\@bad, [], "$file cut at $cuts points: every cut refused with an [emerg] naming the file and nginx.conf:14, or accepted")
        or diag join "\n", @bad[0 .. ($#bad < 5 ? $#bad : 5)];
    my $end = rindex($text, '-----') + 5;
    is_deeply([grep { $_ < $end } @ok_cuts], [], "$file: no cut before the end of the END line is accepted")
        or diag "accepted cuts: @ok_cuts (END line ends at $end)";
    note "$file: accepted cuts: @ok_cuts (of " . length($text) . ' bytes)';
    for my $n (@ok_cuts) {
        my $name = "cut$n-$file";
        $c->write_file($name, substr($text, 0, $n));
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
    $c->write_file('begin-only.pem', "$begin\n");
    $c->write_file('no-end.pem', join("\n", $begin, @body) . "\n");
    $c->write_file('short-body.pem', join("\n", $begin, @body[0 .. $#body - 1], $end) . "\n");
    $c->write_file('middle-line-gone.pem', join("\n", $begin, @body[1 .. $#body], $end) . "\n");
    (my $mismatch = $p256) =~ s/END PRIVATE KEY/END PUBLIC KEY/;
    $c->write_file('end-mismatch.pem', $mismatch);
    (my $badchar = $p256) =~ s/(\n[A-Za-z0-9+\/]{20})[A-Za-z0-9+\/]/$1!/;
    $c->write_file('bad-base64.pem', $badchar);
    (my $flipped = $p256) =~ s/(\n[A-Za-z0-9+\/]{30})([A-Za-z0-9+\/])/$1 . ($2 eq 'A' ? 'B' : 'A')/e;
    $c->write_file('flipped.pem', $flipped);

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
    $c->write_file('binary-1mib.bin', $rnd->(1024 * 1024));
    $c->write_file('garbage-around.pem', $rnd->(4000) . "\n" . $p256 . $rnd->(4000));
    my $fake_b64 = join "\n", map { join '', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '+', '/')[int rand 64] } 1 .. 64 } 1 .. 4;
    $c->write_file('random-base64.pem', "-----BEGIN PRIVATE KEY-----\n$fake_b64\n-----END PRIVATE KEY-----\n");
    $c->write_file('utf16.pem', "\xFF\xFE" . join('', map { "$_\0" } split //, $p256));
    $c->write_file('bom.pem', "\xEF\xBB\xBF$p256");
    (my $crlf = $p256) =~ s/\n/\r\n/g;
    $c->write_file('crlf.pem', $crlf);
    $c->write_file('one-line.pem', "-----BEGIN PRIVATE KEY-----\n" . ('QUFB' x 200000) . "\n-----END PRIVATE KEY-----\n");

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
    $c->write_file('nul-body.pem', $in_body);
    (my $in_begin = $p256) =~ s/BEGIN /BEGIN\0/;
    $c->write_file('nul-begin.pem', $in_begin);
    (my $in_end = $p256) =~ s/END PRIVATE/END\0PRIVATE/;
    $c->write_file('nul-end.pem', $in_end);
    $c->write_file('nul-before.pem', "\0$p256");
    $c->write_file('nul-after.pem', "$p256\0\0trailing");
    $c->write_file('nul-only.pem', "\0" x 4096);
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
    $c->write_file('exactly-1mib.pem', $pad->(1024 * 1024));
    $c->write_file('1mib-plus-1.pem', $pad->(1024 * 1024 + 1));
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

# The tests run as root, which reads any file whatever its mode. So nginx
# -t runs as nobody here (setpriv), in its own prefix with a world-writable
# log directory; a readable copy of the key shows the setup itself works.
SKIP: {
    my $setpriv = -x '/usr/bin/setpriv' ? '/usr/bin/setpriv' : undef;
    my $nobody = getpwnam('nobody');
    skip 'unreadable key files: needs root, /usr/bin/setpriv and the user nobody', 12
        unless $> == 0 && $setpriv && defined $nobody;
    my $u = WellKnown::Test->new;
    chmod 0777, $u->dir . '/logs';
    chmod 01777, $u->dir;    # nginx -t opens the pid file's directory too
    my $ud = $u->dir;
    $u->write_file('readable.pem', $p256, 0644);
    $u->write_file('unreadable.pem', $p256, 0000);
    mkdir "$ud/private", 0700;
    chmod 0700, "$ud/private";
    $u->write_file('private/key.pem', $p256, 0644);
    my $as = [ $setpriv, '--reuid=nobody', '--regid=' . (getgrnam('nogroup') // 65534), '--clear-groups' ];
    outcome('as nobody: a readable key file (control)', key_http('k', 'readable.pem'), key_loc('k'), 'readable.pem',
            t => $u, as => $as, expect => 'ok');
    outcome('as nobody: key file with mode 000', key_http('k', 'unreadable.pem'), key_loc('k'), 'unreadable.pem',
            t => $u, as => $as, msg => qr/cannot open key file "\Q$ud\E\/unreadable\.pem": Permission denied/);
    outcome('as nobody: key file in a mode 700 directory of root', key_http('k', 'private/key.pem'), key_loc('k'),
            'private/key.pem', t => $u, as => $as,
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

# ---------------------------------------------------------------- metadata files

my $keys_http = "    wellknown_keys mk { key p256.pem; }\n";
my $nres = 0;
# A resource whose metadata comes from $file (and more statements).
sub resource_case {
    my ($name, $stmts, %o) = @_;
    my $id = 'r' . ++$nres;
    my $server = "        wellknown_resource https://api.example.com/$id {\n"
               . join('', map { "            $_\n" } @$stmts) . "        }\n";
    my $ok = outcome($name, $keys_http, $server, $o{marker}, %o);
    push @accepted, [ $name, $keys_http, $server, "/.well-known/oauth-protected-resource/$id", $o{check} ]
        if $ok && $o{check};
    return $ok;
}
sub mf_case {
    my ($name, $file, %o) = @_;
    return resource_case($name, ["metadata_file $file;"], marker => "metadata_file $file", names => "$d/$file", %o);
}

# NUL bytes.
$c->write_file('mf-nul-in-string.json', qq({"x_a": "v\0w"}));
$c->write_file('mf-nul-between.json', qq({"x_a":\0 "v"}));
$c->write_file('mf-nul-in-name.json', qq({"x_\0a": "v"}));
$c->write_file('mf-nul-then-object.json', qq({"x_a": "v"}\0{"x_b": 2}));
$c->write_file('mf-nul-then-garbage.json', qq({"x_a": "v"}\0garbage that is not JSON));
$c->write_file('mf-nul-trailing.json', qq({"x_a": "v"}\0));
mf_case('metadata file: NUL inside a string', 'mf-nul-in-string.json', msg => qr/invalid JSON: a NUL byte at offset \d+/);
mf_case('metadata file: NUL between tokens', 'mf-nul-between.json', msg => qr/invalid JSON/);
mf_case('metadata file: NUL inside a member name', 'mf-nul-in-name.json', msg => qr/invalid JSON: a NUL byte at offset \d+/);
{
    # nlohmann::json's lexer reads a NUL byte as the end of input; the
    # module refuses any NUL before parsing, so nothing after one is lost.
    for my $case ([ 'an object, NUL, a second object', 'mf-nul-then-object.json' ],
                  [ 'an object, NUL, garbage', 'mf-nul-then-garbage.json' ],
                  [ 'an object and a trailing NUL', 'mf-nul-trailing.json' ]) {
        my ($what, $file) = @$case;
        my $ok = mf_case("metadata file: $what", $file, expect => 'either', msg => qr/invalid JSON: a NUL byte/);
        ok(!$ok, "metadata file: $what: refused");
    }
}

# Invalid UTF-8 (RFC 8259 §8.1) in values and names, and escapes that
# denote no character (lone surrogates, RFC 8259 §8.2).
for my $case ([ 'overlong "/" (C0 AF)', "\xC0\xAF" ], [ 'UTF-16 surrogate as UTF-8 (ED A0 80)', "\xED\xA0\x80" ],
              [ 'a truncated 3-byte sequence', "\xE2\x82" ], [ 'a lone continuation byte', "\x80" ],
              [ 'byte FF', "\xFF" ], [ 'a 5-byte form (F8 88 80 80 80)', "\xF8\x88\x80\x80\x80" ],
              [ 'above U+10FFFF (F4 90 80 80)', "\xF4\x90\x80\x80" ]) {
    my ($what, $bytes) = @$case;
    (my $f = "mf-utf8-$what") =~ s/\W+/-/g;
    $c->write_file("$f-v.json", qq({"x_a": "a${bytes}b"}));
    $c->write_file("$f-n.json", qq({"x_${bytes}": 1}));
    mf_case("metadata file: $what in a value", "$f-v.json", msg => qr/invalid JSON: .*UTF-8/);
    mf_case("metadata file: $what in a member name", "$f-n.json", msg => qr/invalid JSON: .*UTF-8/);
}
$c->write_file('mf-lone-high.json', '{"x_a": "\ud800"}');
$c->write_file('mf-lone-low.json', '{"x_a": "\udc00x"}');
$c->write_file('mf-reversed-pair.json', '{"x_a": "\ude00\ud83d"}');
mf_case('metadata file: a lone high surrogate escape', 'mf-lone-high.json', msg => qr/invalid JSON: .*surrogate/);
mf_case('metadata file: a lone low surrogate escape', 'mf-lone-low.json', msg => qr/invalid JSON: .*surrogate/);
mf_case('metadata file: a reversed surrogate pair', 'mf-reversed-pair.json', msg => qr/invalid JSON: .*surrogate/);

# Deep nesting, far past the limit of 32, up to the 1 MiB cap: refused,
# and parsing it neither overflows the stack nor takes long.
{
    $c->write_file('mf-deep-arrays.json', '{"x":' . ('[' x 500000) . (']' x 500000) . '}');
    $c->write_file('mf-deep-objects.json', ('{"a":' x 170000) . '1' . ('}' x 170000));
    $c->write_file('mf-deep-open.json', '[' x (1024 * 1024));
    $c->write_file('mf-deep-mixed.json', '{"x":' . ('[{"a":' x 80000) . '0' . ('}]' x 80000) . '}');
    for my $case ([ '500,000 nested arrays', 'mf-deep-arrays.json', qr/nesting deeper than 32 levels/ ],
                  [ '170,000 nested objects', 'mf-deep-objects.json', qr/nesting deeper than 32 levels/ ],
                  [ '1 MiB of "[" never closed', 'mf-deep-open.json', qr/nesting deeper than 32 levels|invalid JSON/ ],
                  [ '160,000 levels of arrays and objects', 'mf-deep-mixed.json', qr/nesting deeper than 32 levels/ ]) {
        my ($what, $file, $msg) = @$case;
        my $t0 = Time::HiRes::time();
        mf_case("metadata file: $what", $file, msg => $msg);
        my $took = Time::HiRes::time() - $t0;
        my $bound = 10 * WellKnown::Test::time_scale();   # 100 s under valgrind
        ok($took < $bound, "metadata file: $what: nginx -t took " . sprintf('%.2f', $took) . " s (< $bound)");
    }
    # (an nginx.conf token holds at most 4 KB)
    my $deep = ('[' x 1500) . (']' x 1500);
    resource_case('extra: 1,500 nested arrays', ["extra x_deep '$deep';"], marker => 'extra x_deep',
                  msg => qr/extra x_deep: nesting deeper than 32 levels/);
}

# Numbers: RFC 8259 §6 lets a parser limit range and precision. An
# overflow is refused; other values are served as the same number (at
# double precision).
$c->write_file('mf-overflow.json', '{"x_n": 1e999}');
mf_case('metadata file: 1e999', 'mf-overflow.json', msg => qr/invalid JSON: number overflow/);
$c->write_file('mf-numbers.json', '{"x_big": 123456789012345678901234567890, "x_neg0": -0, "x_f": 0.1, '
                                . '"x_u64": 18446744073709551615, "x_i64": -9223372036854775808, "x_exp": 6.02214076e23}');
mf_case('metadata file: big and odd numbers', 'mf-numbers.json', expect => 'either', check => sub {
    my ($doc) = @_;
    my $want = { x_big => 1.2345678901234568e29, x_neg0 => 0, x_f => 0.1, x_u64 => 18446744073709551615,
                 x_i64 => -9223372036854775808, x_exp => 6.02214076e23 };
    my @bad = grep { !defined $doc->{$_} || abs($doc->{$_} - $want->{$_}) > abs($want->{$_}) * 1e-15 } sort keys %$want;
    return (!@bad, 'every number the same at double precision' . (@bad ? ": @bad differ" : ''));
});

# ---------------------------------------------------------------- metadata strings

# Strings as a metadata file gives them (JSON escapes and raw UTF-8): the
# served document decodes to exactly the same values.
my @tricky = (
    'plain', 'a "quoted" word', 'back\\slash \\\\ two', "single ' quote", 'slash / and <\/script>',
    "tab\there", "new\nline", "cr\rlf\r\n", "nul \x{0} byte", "bell \x{7} esc \x{1b} us \x{1f}", "del \x{7f}",
    "caf\x{e9}", "\x{65e5}\x{672c}\x{8a9e}", "emoji \x{1F600}", "line sep \x{2028} para sep \x{2029}",
    "bom \x{feff}", "nonchar \x{fffe}", '{"not": "json"}', '', ' leading and trailing ',
    "\x{10FFFF}", 'percent %00 %2F', '\\u0000 (literally)',
);
{
    my $j = JSON::PP->new->canonical;    # characters in, characters out
    my %members = map { ("x_s$_" => $tricky[$_]) } 0 .. $#tricky;
    $members{"x_name \"q\" \\ \x{e9} \x{1F600} \t"} = 'odd member name';
    $members{x_array} = [@tricky];
    $members{x_object} = { map { ($tricky[$_] => $_) } grep { $tricky[$_] ne '' } 0 .. $#tricky };
    # JSON::PP escapes " \ and controls; \u escapes for a few more, raw
    # UTF-8 for the rest.
    my $text = $j->encode(\%members);
    $text =~ s/\x{2028}/\\u2028/g;
    $text =~ s/\x{1F600}/\\ud83d\\ude00/;    # one surrogate-pair escape
    utf8::encode($text);
    $c->write_file('mf-strings.json', $text);
    my $want = JSON::PP->new->utf8->decode($text);
    mf_case('metadata file: strings with quotes, backslashes, controls, non-ASCII', 'mf-strings.json',
            expect => 'ok', check => sub {
        my ($doc) = @_;
        delete $doc->{resource};
        return (JSON::PP->new->canonical->encode($doc) eq JSON::PP->new->canonical->encode($want),
                'decodes to exactly the members of the file');
    });
}

# The same strings as directive values. nginx.conf gets each as a
# double-quoted token: " and \ escaped for nginx; a tab, CR and LF given
# as \t \r \n; every other byte raw, NUL included.
sub nginx_quote {
    my ($bytes) = @_;
    my $s = $bytes;
    $s =~ s/\\/\\\\/g;
    $s =~ s/"/\\"/g;
    $s =~ s/\t/\\t/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return "\"$s\"";
}
{
    my $i = 0;
    for my $v (@tricky) {
        my $bytes = $v;
        utf8::encode($bytes);
        my $n = $i++;
        my $has_ctl = $v =~ /[\x00-\x1f\x7f]/;
        resource_case("resource_name " . shown($bytes), ['resource_name ' . nginx_quote($bytes) . ';'],
                      marker => "resource_name", expect => $has_ctl ? 'either' : 'ok', check => sub {
            my ($doc, $r) = @_;
            return (defined $doc->{resource_name} && $doc->{resource_name} eq $v
                    && $r->{body} !~ /[\x00-\x1f]/, 'resource_name decodes to exactly the value, controls escaped');
        });
    }
    # Several at once, as array elements.
    my @bytes = map { my $b = $_; utf8::encode($b); $b } grep { $_ ne '' } @tricky;
    resource_case('scopes_supported with every tricky string', ['scopes_supported ' . join(' ', map { nginx_quote($_) } @bytes) . ';'],
                  marker => 'scopes_supported', expect => 'either', check => sub {
        my ($doc) = @_;
        my @want = grep { $_ ne '' } @tricky;
        return (JSON::PP->new->encode($doc->{scopes_supported} || []) eq JSON::PP->new->encode(\@want),
                'scopes_supported decodes to exactly the values, in order');
    });
    # Invalid UTF-8 in a directive value: refused at its line.
    resource_case('resource_name with byte FF', ['resource_name "a' . "\xFF" . 'b";'], marker => 'resource_name',
                  msg => qr/resource_name: the value is not valid UTF-8/);
    resource_case('resource_name with an overlong "/"', ['resource_name "a' . "\xC0\xAF" . 'b";'], marker => 'resource_name',
                  msg => qr/not valid UTF-8/);
}

# extra NAME JSON: JSON text in nginx.conf (nginx unescapes \\ and \"
# first, so a JSON escape \n is written \\n).
{
    my @json = (
        [ 'escapes',            '"q\\"b\\\\s\\/ \\b\\f\\n\\r\\t \\u0000 \\u001f \\u00e9 \\ud83d\\ude00 \\u2028"' ],
        [ 'raw UTF-8',          "\"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\"" ],
        [ 'object with odd names', '{"":1,"a\\"b":2,"\\u0000":3,"caf' . "\xC3\xA9" . '":4,"</script>":5}' ],
        [ 'nested mix',         '[null,true,false,0,-1.5e3,"x",[{"y":[]}],{}]' ],
    );
    for my $case (@json) {
        my ($what, $text) = @$case;
        (my $conf = $text) =~ s/\\/\\\\/g;
        $conf =~ s/'/\\'/g;
        my $want = JSON::PP->new->utf8->allow_nonref->decode($text);
        resource_case("extra with JSON $what", ["extra x_v '$conf';"], marker => 'extra x_v', expect => 'ok', check => sub {
            my ($doc) = @_;
            my $cj = JSON::PP->new->canonical->allow_nonref;
            return ($cj->encode($doc->{x_v}) eq $cj->encode($want), 'x_v decodes to exactly the JSON given');
        });
    }
    # JSON with a raw control character in a string is not JSON.
    resource_case('extra with a raw tab inside a JSON string', ["extra x_t '\"a\\tb\"';"], marker => 'extra x_t',
                  msg => qr/extra x_t: invalid JSON: .*U\+0009/);
    resource_case('extra with a raw NUL inside a JSON string', ["extra x_t '\"a\0b\"';"], marker => 'extra x_t',
                  msg => qr/extra x_t: invalid JSON/);
    {
        my $ok = resource_case('extra with JSON, a NUL, then garbage', ["extra x_t '\"a\"\0junk';"], marker => 'extra x_t',
                               expect => 'either', msg => qr/extra x_t: invalid JSON/);
        ok(!$ok, 'extra with JSON, a NUL, then garbage: refused');
    }
}

# kid values: the JWK Set carries them exactly, escaped as JSON needs.
{
    for my $kid ("a\"b", "back\\slash", "caf\x{e9} \x{1F600}", '</script>', "sp ace", "{\"k\":1}", "%00", "\x{2028}") {
        my $bytes = $kid;
        utf8::encode($bytes);
        my $set = 'k' . ++$nkeys;
        my $opt = nginx_quote("kid=$bytes");
        my $ok = outcome('kid ' . shown($bytes), key_http($set, 'p256.pem', $opt), key_loc($set), 'p256.pem', expect => 'ok');
        push @accepted, [ 'kid ' . shown($bytes), key_http($set, 'p256.pem', $opt), key_loc($set), "/$set", sub {
            my ($doc) = @_;
            return (($doc->{keys}[0]{kid} // '') eq $kid, 'kid decodes to exactly the value');
        } ] if $ok;
    }
}

# Control characters and non-ASCII in URLs (identifiers and URL members):
# RFC 3986 allows neither unencoded. The module refuses a space, quote or
# backslash ("characters a URL may not hold unencoded").
{
    my $iss = sub {
        my ($id, $url) = @_;
        return "        wellknown_issuer https://id.example.com/$id {\n            keys mk;\n"
             . "            authorization_endpoint $url;\n            token_endpoint https://id.example.com/t;\n"
             . "            response_types_supported code;\n            subject_types_supported public;\n        }\n";
    };
    outcome('URL member with a space', $keys_http, $iss->('u1', '"https://id.example.com/a b"'), 'wellknown_issuer',
            msg => qr/authorization_endpoint: .*contains characters a URL may not hold unencoded/);
    outcome('URL member with a quote', $keys_http, $iss->('u2', '"https://id.example.com/a\"b"'), 'wellknown_issuer',
            msg => qr/contains characters a URL may not hold unencoded/);
    outcome('issuer identifier with a backslash', $keys_http,
            "        wellknown_issuer \"https://id.example.com/a\\\\b\" { relax_required on; }\n", 'wellknown_issuer',
            msg => qr/contains characters a URL may not hold unencoded/);
    for my $case ([ 'U+0001', "\x01" ], [ 'DEL', "\x7f" ], [ 'ESC', "\x1b" ]) {
        my ($what, $byte) = @$case;
        my $url = "\"https://id.example.com/a${byte}b\"";
        my $ok = outcome("URL member with $what", $keys_http, $iss->('c' . ord $byte, $url), 'wellknown_issuer',
                         expect => 'either', msg => qr/authorization_endpoint: /);
        ok(!$ok, "URL member with $what: refused like a space is");
        push @accepted, [ "URL member with $what", $keys_http, $iss->('c' . ord $byte, $url),
                          '/c' . ord($byte) . '/.well-known/openid-configuration', sub {
            my ($doc, $r) = @_;
            return (($doc->{authorization_endpoint} // '') eq "https://id.example.com/a${byte}b" && $r->{body} !~ /[\x00-\x1f]/,
                    'authorization_endpoint decodes to the value, controls escaped');
        } ] if $ok;
    }
    # RFC 3986 §2.1: a URL holds non-ASCII only percent-encoded; clients
    # compare the issuer byte for byte, so the operator writes it encoded.
    my $ok = outcome('issuer identifier with raw UTF-8 (an IRI)', $keys_http,
                     $iss->("caf\xC3\xA9", 'https://id.example.com/a'), 'wellknown_issuer', expect => 'either',
                     msg => qr/contains characters a URL may not hold unencoded/);
    ok(!$ok, 'issuer identifier with raw UTF-8: refused (percent-encode it)');
}

# ---------------------------------------------------------------- serve everything accepted

{
    my $s = WellKnown::Test->new;
    my $sd = $s->dir;
    # The accepted cases refer to files in $c's prefix: absolute paths.
    my $abs = sub {
        my ($text) = @_;
        $text =~ s{(key |metadata_file )(?!/)("?)}{$1$2$d/}g;
        return $text;
    };
    my $http = "    wellknown_keys ref-p256 { key $d/p256.pem; }\n    wellknown_keys ref-rsa-pkcs1 { key $d/rsa-pkcs1.pem; }\n"
             . "    wellknown_keys ref-cert { key $d/cert.pem; }\n";
    my $server = "        location = /ref-p256 { wellknown_jwks ref-p256; }\n"
               . "        location = /ref-rsa-pkcs1 { wellknown_jwks ref-rsa-pkcs1; }\n"
               . "        location = /ref-cert { wellknown_jwks ref-cert; }\n";
    my %seen;
    for my $a (@accepted) {
        my ($name, $h, $sv) = @$a;
        $http .= $abs->($h) unless $seen{$h}++;
        $server .= $abs->($sv) unless $seen{$sv}++;
    }
    # One server holds everything; the mk set is shared.
    $http =~ s/^    wellknown_keys mk \{[^\n]*\n//mg;
    $http .= "    wellknown_keys mk { key $d/p256.pem; }\n";
    $s->write_config($http, $server);
    my ($ok, $out) = $s->test_config;
    ok($ok, 'every accepted case together: nginx -t passes') or diag $out;
    $s->start;
    my %ref = map { ("/ref-$_" => $s->get("/ref-$_")->{body}) } qw(p256 rsa-pkcs1 cert);
    like($ref{'/ref-p256'}, qr/"crv":"P-256"/, 'reference set: the pristine P-256 key');
    for my $a (@accepted) {
        my ($name, undef, undef, $path, $check) = @$a;
        my $r = $s->get($path);
        is($r->{status}, 200, "served: $name: 200");
        if (ref $check eq 'HASH') {
            is($r->{body}, $ref{ $check->{same_as} }, "served: $name: exactly the JWK Set of the pristine file");
        } else {
            my $doc = eval { decode_json($r->{body}) };
            ok($doc, "served: $name: the body is JSON") or do { diag $r->{body}; next };
            my ($pass, $what) = $check->($doc, $r);
            ok($pass, "served: $name: $what") or diag $r->{body};
        }
    }
    unlike($s->error_log, qr/\[(alert|crit)\]|exited on signal/, 'serving every accepted case: no alert, crit or crash');
    $s->stop;
}

done_testing;
