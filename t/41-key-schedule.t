#!/usr/bin/perl
# Scheduled key rotation, with nginx's clock under the test's control
# (libfaketime; WellKnown::Test set_clock). A quarterly schedule of three
# keys, each published two weeks before its quarter and kept two days
# after it:
#   2026-q4  published since before, retired 2027-01-03
#   2027-q1  published 2026-12-18, retired 2027-04-03
#   2027-q2  published 2027-03-18
# nginx -t says the schedule; the JWK Set changes at the exact second;
# max-age shrinks before each change; Last-Modified is when a version took
# effect; jose and PyJWT accept a token signed with the new key once it is
# published and refuse it before; a reload changes nothing a client sees;
# two instances started a minute apart answer with identical validators.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::Local qw(timegm);
use WellKnown::Test;

interop_ready(npm => [qw(jose)], python => [qw(jwt jwcrypto)]);

sub at { my ($y, $mo, $d, $h, $mi, $s) = @_; timegm($s // 0, $mi // 0, $h // 0, $d, $mo - 1, $y) }
my %MON = (Jan => 1, Feb => 2, Mar => 3, Apr => 4, May => 5, Jun => 6, Jul => 7, Aug => 8,
           Sep => 9, Oct => 10, Nov => 11, Dec => 12);
my @DAY = qw(Sun Mon Tue Wed Thu Fri Sat);
my %NUM = reverse %MON;
sub imf {
    my @g = gmtime $_[0];
    return sprintf '%s, %02d %s %04d %02d:%02d:%02d GMT', $DAY[$g[6]], $g[3], $NUM{$g[4] + 1}, $g[5] + 1900,
                   $g[2], $g[1], $g[0];
}
sub http_date {
    my ($d) = @_;
    return undef unless defined $d && $d =~ /^\w{3}, (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
    return at($3, $MON{$2}, $1, $4, $5, $6);
}

my @CHANGES = (at(2026, 12, 18), at(2027, 1, 3), at(2027, 3, 18), at(2027, 4, 3));
# What the set holds at each instant.
sub kids_at {
    my ($t) = @_;
    return ['2026-q4'] if $t < $CHANGES[0];
    return ['2026-q4', '2027-q1'] if $t < $CHANGES[1];
    return ['2027-q1'] if $t < $CHANGES[2];
    return ['2027-q1', '2027-q2'] if $t < $CHANGES[3];
    return ['2027-q2'];
}
sub last_change { my ($t) = @_; my ($c) = grep { $_ <= $t } reverse @CHANGES; $c }
sub next_change { my ($t) = @_; my ($c) = grep { $_ > $t } @CHANGES; $c }

my $a = WellKnown::Test->new(clock => 1);
$a->make_keys(q4 => 'rsa2048', q1 => 'rsa2048', q2 => 'rsa2048');
my $keys = <<'KEYS';
    wellknown_keys rotating {
        key q4.pem kid=2026-q4 alg=RS256 retire=2027-01-03T00:00:00Z;
        key q1.pem kid=2027-q1 alg=RS256 publish=2026-12-18T00:00:00Z retire=2027-04-03T00:00:00Z;
        key q2.pem kid=2027-q2 alg=RS256 publish=2027-03-18T00:00:00Z;
    }
KEYS
my $issuer = 'https://id.example.com';
$a->write_config($keys, issuer_block($issuer, [], keys => 'rotating'));

# ---------------------------------------------------------------- nginx -t

$a->set_clock(at(2026, 12, 17, 23));
my ($ok, $out) = $a->run_nginx('-t');
ok($ok, 'nginx -t accepts the schedule') or diag $out;
unlike($out, qr/\[(warn|emerg)\]/, 'nginx -t: no warning for a schedule with two weeks of overlap');
my $conf = $a->path('nginx.conf');
for my $line ('from - until 2026-12-18T00:00:00Z: kid "2026-q4"',
              'from 2026-12-18T00:00:00Z until 2027-01-03T00:00:00Z: kids "2026-q4", "2027-q1"',
              'from 2027-01-03T00:00:00Z until 2027-03-18T00:00:00Z: kid "2027-q1"',
              'from 2027-03-18T00:00:00Z until 2027-04-03T00:00:00Z: kids "2027-q1", "2027-q2"',
              'from 2027-04-03T00:00:00Z until forever: kid "2027-q2"') {
    like($out, qr/\[notice\] .*wellknown_keys "rotating" schedule: \Q$line\E in \Q$conf\E:\d+/,
         "nginx -t notice: $line");
}

# ---------------------------------------------------------------- one instance over time

$a->start;
my $jwks = '/.well-known/jwks.json';

# Checks a response of the JWK Set against the schedule at its own Date.
sub check_version {
    my ($r, $what) = @_;
    my $date = http_date(header($r, 'date'));
    is($r->{status}, 200, "$what: 200");
    my $set = eval { decode_json($r->{body}) } || {};
    is_deeply([map { $_->{kid} } @{ $set->{keys} || [] }], kids_at($date), "$what: the keys of that second")
        or diag header($r, 'date');
    my $change = last_change($date);
    is(header($r, 'last-modified'), defined $change ? imf($change) : undef,
       "$what: Last-Modified is when the version took effect");
    my ($age) = (header($r, 'cache-control') // '') =~ /max-age=(\d+)/;
    my $left = next_change($date);
    ok(defined $age && $age <= 600 && (!defined $left || $age <= $left - $date),
       "$what: max-age within the version's end") or diag header($r, 'cache-control');
    return ($date, $age);
}

my $T = $CHANGES[0];
$a->set_clock($T - 1000);
my ($d, $age) = check_version($a->get($jwks), 'long before the change');
is($age, 600, 'long before the change: the configured max-age');
$a->set_clock($T - 500);
($d, $age) = check_version($a->get($jwks), 'shortly before the change');
ok($age < 500 && $age >= 420, 'shortly before the change: max-age cut to whole minutes left') or diag $age;
my $old = $a->get($jwks);
$a->set_clock($T - 1);
($d, $age) = check_version($a->get($jwks), 'the second before');
is($age, $T - $d, 'the second before: max-age is the seconds left');
my $seen_before = $d == $T - 1;
$a->set_clock($T);
my $new = $a->get($jwks);
($d, $age) = check_version($new, 'the second of the change');
ok($seen_before && $d == $T, 'the set changed at the exact second (seen at T-1 and T)')
    or diag "second before seen: $seen_before, change seen at " . ($d - $T);
is($age, 600, 'after the change: max-age back to the configured value');

# 304s stay per version.
is($a->get($jwks, 'If-None-Match' => header($old, 'etag'))->{status}, 200,
   "the previous version's ETag: 200 with the new set");
is($a->get($jwks, 'If-None-Match' => header($new, 'etag'))->{status}, 304, "the new version's ETag: 304");
is($a->get($jwks, 'If-Modified-Since' => header($new, 'last-modified'))->{status}, 304,
   'If-Modified-Since the moment it took effect: 304');
is($a->get($jwks, 'If-Modified-Since' => imf($T - 1))->{status}, 200,
   'If-Modified-Since the second before it took effect: 200');

# Every later change: max-age shrinks to the seconds left before it.
for my $change (@CHANGES[1 .. 3]) {
    $a->set_clock($change - 30);
    my ($d2, $age2) = check_version($a->get($jwks), 'before ' . imf($change));
    is($age2, $change - $d2, '... max-age is the seconds left');
    $a->set_clock($change);
    check_version($a->get($jwks), 'at ' . imf($change));
}

# ---------------------------------------------------------------- tokens with the new key

my $url = 'http://127.0.0.1:' . $a->port . $jwks;
my %q1 = (name => 'q1', pem => $a->path('q1.pem'), alg => 'RS256', kid => '2027-q1');
$a->set_clock($T - 3600);
jwt_interop($a, 'before publication', $url, {
    keys => [ { name => 'q4', pem => $a->path('q4.pem'), alg => 'RS256', kid => '2026-q4' } ],
    forged => [ { %q1, name => 'q1-before-publication', expect => 'no-key' } ],
});
$a->set_clock($T + 60);
jwt_interop($a, 'after publication', $url, { keys => [ \%q1 ] });

# ---------------------------------------------------------------- reload, second instance

my @paths = ($jwks, '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server');
sub seen {
    my ($t) = @_;
    my %seen;
    for my $path (@paths) {
        my $r = $t->get($path);
        $seen{$path} = join "\n", $r->{status},
            (map { header($r, $_) // '-' } qw(etag last-modified cache-control)), $r->{body};
    }
    return \%seen;
}
$a->set_clock($T + 120);
my $before = seen($a);
is($a->reload, 1, 'reload in the middle of the overlap');
is_deeply(seen($a), $before, 'after the reload: every document, ETag, Last-Modified and Cache-Control as before');

# Instance B loads the same configuration a minute of its clock later.
my $b = WellKnown::Test->new(clock => 1);
$b->write_file($_, $a->read_file($_)) for qw(q4.pem q1.pem q2.pem);
$b->write_config($keys, issuer_block($issuer, [], keys => 'rotating'));
$b->set_clock(at(2026, 12, 17, 23, 1));
$b->start;
my $x = at(2027, 1, 3, 0, 0, 5);
$_->set_clock($x) for $a, $b;
my ($seen_a, $seen_b) = (seen($a), seen($b));
is_deeply($seen_b, $seen_a, 'two instances started a minute apart: identical documents and validators');
like($seen_a->{$jwks}, qr/\nSun, 03 Jan 2027 00:00:00 GMT\n/, '... the JWK Set carries the Last-Modified of Jan 3');
$b->stop;

log_is_clean($a, 'no alerts in the error log');
$a->stop;

# ---------------------------------------------------------------- warnings and errors

my $w = WellKnown::Test->new(clock => 1);
$w->write_file($_, $a->read_file($_)) for qw(q4.pem q1.pem);
$w->set_clock(at(2026, 12, 1));
$w->write_config(<<'KEYS', issuer_block('https://id.example.com', [], keys => 'rotating'));
    wellknown_cache_control "public, max-age=2592000";
    wellknown_keys rotating {    # WARN
        key q4.pem kid=2026-q4 alg=RS256 retire=2027-01-03T00:00:00Z;
        key q1.pem kid=2027-q1 alg=RS256 publish=2026-12-18T00:00:00Z;
    }
KEYS
$w->expect_warn('signing keys overlapping less than max-age', 'WARN',
                qr/wellknown_keys "rotating": kid "2027-q1" is published 16d before kid "2026-q4" is retired, less than the Cache-Control max-age \(30d\)/);
$w->write_config(<<'KEYS', issuer_block('https://id.example.com', [], keys => 'rotating'));
    wellknown_keys rotating {
        key q4.pem kid=2026-q4 retire=2027-02-30T00:00:00Z;    # EMERG
    }
KEYS
$w->expect_emerg('a retire time that is no date', 'EMERG',
                 qr/"2027-02-30T00:00:00Z" is not a valid date \(no such day in that month\)/);

done_testing;
