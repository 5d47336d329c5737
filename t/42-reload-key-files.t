#!/usr/bin/perl
# Reloads take over key files that did not change since an earlier load
# (their identity: inode, size, modification and change times) and read
# again every file that did: replaced by an atomic rename, swapped in by a
# symlink (a Kubernetes Secret volume's "..data"), or rewritten in place.
# A changed key is always served after the reload.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $dir = $t->dir;

# a.pem: replaced by rename; secret/k.pem -> secret/..data/k.pem, with
# ..data -> ..v1, later ..v2; c.pem: rewritten in place (same size: a P-256
# PKCS#8 key is always 241 bytes).
$t->key('a.pem', 'p256');
for my $d ("$dir/secret", "$dir/secret/..v1", "$dir/secret/..v2") { mkdir $d or die "mkdir $d: $!" }
$t->key('secret/..v1/k.pem', 'p256');
$t->key('secret/..v2/k.pem', 'p256');
symlink '..v1', "$dir/secret/..data" or die "symlink: $!";
symlink '..data/k.pem', "$dir/secret/k.pem" or die "symlink: $!";
$t->key('c.pem', 'p256');
$t->key('c-next.pem', 'p256');
$t->key('a-next.pem', 'p256');

$t->write_config("    wellknown_keys main {\n        key a.pem;\n        key secret/k.pem;\n        key c.pem;\n    }\n",
                 "        location = /jwks { wellknown_jwks main; }\n");

sub kids {
    my $r = $t->get('/jwks');
    is($r->{status}, 200, 'JWKS 200') or return [];
    return [map { $_->{kid} } @{ decode_json($r->{body})->{keys} }];
}

# Files written less than 2 s before a load are read again at the next
# load (their times could still be those of a second write): let them settle.
sleep 3;
$t->start;
my $first = kids();
is(scalar @$first, 3, 'three keys served');

my $log = -s $t->path('logs/error.log');
is($t->reload, 1, 'reload, nothing changed');
is_deeply(kids(), $first, 'the same keys');
like($t->log_since($log), qr/\[notice\] .*wellknown: 3 key files unchanged since an earlier load taken over, 0 read/,
     'all three key files taken over');

# Every file changes, each its own way, just before the reload.
rename $t->path('a-next.pem'), $t->path('a.pem') or die "rename: $!";
symlink '..v2', "$dir/secret/..data.tmp" or die "symlink: $!";
rename "$dir/secret/..data.tmp", "$dir/secret/..data" or die "rename: $!";
{
    my $next = $t->read_file('c-next.pem');
    open my $fh, '+<', $t->path('c.pem') or die "open: $!";
    print {$fh} $next;
    close $fh;
}
$log = -s $t->path('logs/error.log');
is($t->reload, 1, 'reload, three files changed');
my $second = kids();
is(scalar @$second, 3, 'three keys served');
for my $i (0 .. 2) {
    isnt($second->[$i], $first->[$i], ('renamed', 'symlink swapped', 'rewritten in place')[$i] . ': the new key is served');
}
unlike($t->log_since($log), qr/taken over/, 'nothing taken over');

# Right after they changed, files are read at every load until they
# settle; the swapped-in secret/..v2/k.pem was written long ago, and is
# taken over.
$log = -s $t->path('logs/error.log');
is($t->reload, 1, 'reload again at once');
is_deeply(kids(), $second, 'the same new keys');
like($t->log_since($log), qr/wellknown: 1 key files unchanged since an earlier load taken over, 2 read/,
     'the two files changed in place or renamed just now are read again');
$t->log_is_clean('no alert, crit or emerg');

done_testing;
