#!/usr/bin/perl
# Reloads under load, and memory across reloads.
#
# Part 1: three keep-alive clients (forked, raw sockets, bounded by a
#   request count and a deadline) request the JWK Set and the discovery
#   document of a root issuer while nginx reloads 100 times, cycling
#   through two key sets x two metadata versions. Every response must be a
#   200 whose body is byte for byte one of the valid versions (with that
#   version's ETag) or a 304 for the ETag the client sent; never torn,
#   empty, 5xx or missing. After each reload the new version is served. In
#   the middle, a reload with a broken key file is refused, the error log
#   names the file, and the previous version keeps being served.
#
#   Keep-alive: when a reload retires a worker, nginx closes its idle
#   keep-alive connections. A client that had just sent its next request on
#   such a connection gets the connection closed with no byte of a response
#   (RFC 9112 §9.3.1, a race every HTTP/1.1 client handles by retrying an
#   idempotent request on a new connection). The clients do exactly that,
#   once, and count it; anything else (a fresh connection failing, a
#   partial response, a timeout) is a failure.
#
# Part 2: master and worker RSS (VmRSS) across 500 reloads of a 1,000-issuer
#   configuration (two shared key sets, two alternating metadata variants).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;

# Every reload dlopen()s the module file again, and this test reloads 600
# times over minutes: it runs on a private copy of the module, taken once
# at the start, so that a rebuild of build/*.so during the run cannot mix
# two builds (or catch a half-written file).
BEGIN {
    require File::Copy;
    require File::Temp;
    my $src = $ENV{MODULE} or die "MODULE (path to the built .so) is not set\n";
    my $dir = File::Temp::tempdir('wellknown-so-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    my $copy = "$dir/ngx_http_wellknown_module.so";
    for my $try (1 .. 60) {
        if (-s $src) {
            my $size = -s $src;
            File::Copy::copy($src, $copy) or die "copy $src: $!";
            last if -s $copy == $size && -s $src == $size;
        }
        sleep 1;
    }
    die "cannot copy $src\n" unless -s $copy;
    $ENV{MODULE} = $copy;
}
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes qw(time sleep);
use WellKnown::Test;

$SIG{PIPE} = 'IGNORE';
my $T0 = time;

# Reloads with SIGHUP and waits (polling every 10 ms, at most 60 s) until
# new workers serve and the old ones are gone: 1 when the new configuration
# is in service, 0 when the master refused it, -1 (and a diag) on time-out.
sub reload_and_wait { my ($t) = @_; return $t->reload(poll => 0.01, limit => 60) }

# ==================================================================== part 1

my $t = WellKnown::Test->new;
$t->key('a1.pem', 'p256');
$t->key('a2.pem', 'ed25519');
$t->key('b1.pem', 'rsa2048');
$t->key('b2.pem', 'p384');
{
    my $pem = $t->read_file('a1.pem');
    $t->write_file('broken.pem', substr($pem, 0, int(length($pem) * 0.6)));
}
$t->write_file('meta-v1.json', '{"service_documentation": "https://id.example.com/docs/v1", "scopes_supported": ["openid"]}');
$t->write_file('meta-v2.json', '{"service_documentation": "https://id.example.com/docs/v2", '
                             . '"scopes_supported": ["openid", "profile", "email"], "x_version": 2}');

my @keysets = ("        key a1.pem;\n        key a2.pem kid=a2;\n", "        key b1.pem;\n        key b2.pem kid=b2;\n");
my @metas = ('meta-v1.json', 'meta-v2.json');
my @paths = ('/.well-known/jwks.json', '/.well-known/openid-configuration');

# Version $v (0..3): key set $v % 2, metadata version int($v / 2).
sub config_for {
    my ($v, %o) = @_;
    my $keys = $o{broken} ? "        key a1.pem;\n        key broken.pem;\n" : $keysets[$v % 2];
    my $http = "    wellknown_keys main {\n$keys    }\n";
    my $server = "        wellknown_issuer https://id.example.com {\n"
               . "            keys main;\n"
               . "            metadata_file $metas[int($v / 2) % 2];\n"
               . "            authorization_endpoint https://id.example.com/authorize;\n"
               . "            token_endpoint https://id.example.com/token;\n"
               . "            response_types_supported code;\n"
               . "            subject_types_supported public;\n"
               . "        }\n"
               . "        location / { try_files /.app =404; }\n";
    $t->write_config($http, $server, log_level => 'notice');
}

# The four valid versions of each document, and their ETags.
my (%valid, %version);    # $valid{path}{body} = etag; $version{v}{path} = body
config_for(0);
$t->start;
my $master = $t->pid;
for my $v (0 .. 3) {
    if ($v) {
        config_for($v);
        is(reload_and_wait($t), 1, "setup: version $v taken into service");
    }
    for my $p (@paths) {
        my $r = $t->get($p);
        is($r->{status}, 200, "setup: version $v $p: 200");
        $version{$v}{$p} = $r->{body};
        $valid{$p}{ $r->{body} } = header($r, 'etag');
    }
}
for my $p (@paths) {
    is(scalar keys %{ $valid{$p} }, ($p =~ /jwks/ ? 2 : 4), "setup: $p has " . ($p =~ /jwks/ ? 2 : 4) . ' distinct valid versions');
}

# ---------------------------------------------------------------- the clients

my $clients = 3;
my $max_requests = 200_000;    # per client
my $deadline = time + 150;      # hard stop for the clients
my $stopfile = $t->path('stop-clients');
my $port = $t->port;

# One client: a keep-alive loop alternating the two paths; every fourth
# request is conditional on the last ETag seen for the path. Writes its
# tallies to $out as JSON.
sub client {
    my ($id, $out) = @_;
    my %n = map { $_ => 0 } qw(requests ok200 ok304 stale retried connections failures);
    my (@fail, %seen, %last);
    my ($sock, $reused);
    my $i = $id;
    my $fail = sub { $n{failures}++; push @fail, $_[0] if @fail < 10; close $sock if $sock; undef $sock };
    REQUEST:
    while ($n{requests} < $max_requests && time < $deadline && !-e $stopfile) {
        my $path = $paths[$i % 2];
        my $inm = ($i % 4 == 3) ? $last{$path} : undef;
        $i++;
        my $req = "GET $path HTTP/1.1\r\nHost: localhost\r\n" . (defined $inm ? "If-None-Match: $inm\r\n" : '') . "\r\n";
        $n{requests}++;
        for my $attempt (1, 2) {
            if (!$sock) {
                $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 5);
                if (!$sock) { $fail->("connect: $!"); next REQUEST }
                binmode $sock;
                $reused = 0;
                $n{connections}++;
            }
            if ($reused && IO::Select->new($sock)->can_read(0)) {
                # Closed by the server while idle (seen before sending): a
                # new connection, as any client does with a stale one.
                $n{stale}++;
                close $sock;
                undef $sock;
                redo;
            }
            my $res = WellKnown::Test::exchange($sock, $req);
            if ($res->{kind} eq 'closed' && $reused && $attempt == 1) {
                # The keep-alive race: retry once on a new connection.
                $n{retried}++;
                close $sock;
                undef $sock;
                next;
            }
            if ($res->{kind} ne 'ok') {
                $fail->("$path: $res->{kind}" . ($reused ? ' (reused connection)' : ' (fresh connection)')
                        . ($attempt == 2 ? ' on the retry' : '') . ": $res->{detail}");
                next REQUEST;
            }
            $reused = 1;
            my ($status, $etag, $body) = @{$res}{qw(status etag body)};
            if ($status == 200) {
                my $want = $valid{$path}{$body};
                if (!defined $want) {
                    $fail->("$path: 200 with a body that is no valid version (" . length($body) . ' bytes): '
                            . substr($body, 0, 80));
                } elsif (!defined $etag || $etag ne $want) {
                    $fail->("$path: 200 with ETag " . ($etag // 'none') . " for a body whose ETag is $want");
                } else {
                    $n{ok200}++;
                    $seen{"$path $etag"}++;
                    $last{$path} = $etag;
                }
            } elsif ($status == 304) {
                if (!defined $inm || !defined $etag || $etag ne $inm || !grep { $_ eq $etag } values %{ $valid{$path} }) {
                    $fail->("$path: 304 with ETag " . ($etag // 'none') . ' for If-None-Match ' . ($inm // 'none'));
                } else {
                    $n{ok304}++;
                }
            } else {
                $fail->("$path: status $status");
            }
            if ($sock && $res->{close}) { close $sock; undef $sock }
            last;
        }
    }
    close $sock if $sock;
    open my $fh, '>', $out or POSIX::_exit(2);
    print $fh encode_json({ %n, fail => \@fail, versions_seen => scalar(keys %seen) });
    close $fh;
}

my @kids;
for my $id (1 .. $clients) {
    my $out = $t->path("client-$id.json");
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        client($id, $out);
        POSIX::_exit(0);
    }
    push @kids, [ $pid, $out ];
}
END { kill 'TERM', map { $_->[0] } @kids if @kids }

# ---------------------------------------------------------------- 100 reloads under the load

my $reloads = 100;
my $current = 3;
my (@not_taken, @not_served);
my $t1 = time;
for my $r (1 .. $reloads) {
    if ($r == 50) {
        # A broken configuration in the middle: a truncated key file.
        config_for($current, broken => 1);
        my @workers = $t->worker_pids;
        my $log_before = -s $t->path('logs/error.log');
        is(reload_and_wait($t), 0, 'broken configuration (truncated key file) under load: reload refused');
        my $log = $t->log_since($log_before);
        like($log, qr/\[emerg\][^\n]*key file "[^"]*broken\.pem": malformed or truncated PEM[^\n]* in [^\n]*nginx\.conf:\d+/,
             'broken configuration: the error log names the key file, the problem and the line');
        for my $p (@paths) {
            my $g = $t->get($p);
            is($g->{body}, $version{$current}{$p}, "broken configuration: $p still the previous version, byte for byte");
        }
        is(join(',', $t->worker_pids), join(',', @workers), 'broken configuration: the same workers keep serving');
        is($t->pid, $master, 'broken configuration: the same master');
    }
    my $v = $r % 4;
    config_for($v);
    my $rc = reload_and_wait($t);
    push @not_taken, $r unless $rc == 1;
    last if $rc < 0;
    $current = $v;
    for my $p (@paths) {
        my $g = $t->get($p);
        push @not_served, "reload $r $p" unless $g->{status} == 200 && $g->{body} eq $version{$v}{$p};
    }
}
my $reload_time = time - $t1;
is_deeply(\@not_taken, [], "$reloads reloads under load: every one taken into service");
is_deeply(\@not_served, [], "$reloads reloads: right after each, the new version is served");
note(sprintf '%d reloads under load in %.1f s (%.0f ms each)', $reloads, $reload_time, 1000 * $reload_time / $reloads);

# Stop the clients and collect their tallies.
$t->write_file('stop-clients', '');
my %sum = map { $_ => 0 } qw(requests ok200 ok304 stale retried connections failures);
my @fails;
my $versions_min;
for my $k (@kids) {
    my ($pid, $out) = @$k;
    my $waited = 0;
    while (waitpid($pid, POSIX::WNOHANG()) == 0) {
        if ($waited++ > 3000) { kill 'KILL', $pid; waitpid $pid, 0; last }
        sleep 0.01;
    }
    my $res = eval { decode_json(do { local (@ARGV, $/) = ($out); <> }) };
    ok($res, "client $pid reported") or next;
    $sum{$_} += $res->{$_} for keys %sum;
    push @fails, @{ $res->{fail} };
    $versions_min = $res->{versions_seen} if !defined $versions_min || $res->{versions_seen} < $versions_min;
}
@kids = ();
note(sprintf 'clients: %d requests (%d x 200, %d x 304) on %d connections; idle keep-alive connections closed by '
           . 'retiring workers: %d seen before reuse, %d raced a request (retried on a new connection); %d failures',
     @sum{qw(requests ok200 ok304 connections stale retried failures)});
ok($sum{requests} >= 1000, "the clients made $sum{requests} requests (at least 1,000)");
# A retiring worker closes each client's idle connection once: more closes
# than that would be connections lost for another reason (which the retry
# would otherwise hide).
ok($sum{stale} + $sum{retried} <= $clients * ($reloads + 1),
   "connections closed by the server: $sum{stale} + $sum{retried}, at most one per client per reload");
is($sum{failures}, 0, 'no failed, torn, empty, 5xx or wrong response, no connection error')
    or diag join "\n", @fails;
is($sum{ok200} + $sum{ok304}, $sum{requests}, 'every request got a valid 200 or 304');
ok($sum{ok304} > 0, 'conditional requests were answered 304');
ok(($versions_min // 0) >= 6, "every client saw every version of both documents (at least $versions_min of 6 version ETags)");
is($t->pid, $master, 'part 1: the same master throughout');
unlike($t->error_log, qr/\[(alert|crit)\]|exited on signal/, 'part 1: no alert, crit or worker crash in the error log')
    or diag join "\n", grep { /\[(alert|crit)\]|exited on signal/ } split /\n/, $t->error_log;
$t->stop;

# ==================================================================== part 2

# 1,000 issuers in one server, two shared key sets, metadata alternating
# between two variants; 500 reloads; VmRSS of the master and of the (new)
# worker sampled every 10 reloads, the worker after it answered requests.
my $m = WellKnown::Test->new;
$m->key('a.pem', 'p256');
$m->key('b.pem', 'ed25519');
$m->key('r.pem', 'rsa2048');
my $N = 1000;
sub big_config {
    my ($variant) = @_;
    my $s = '';
    for my $i (0 .. $N - 1) {
        my $iss = sprintf 'https://id.example.com/tenant%04d', $i;
        $s .= "        wellknown_issuer $iss {\n"
            . '            keys ' . ($i % 2 ? 'ka' : 'kb') . ";\n"
            . "            authorization_endpoint $iss/authorize;\n"
            . "            token_endpoint $iss/token;\n"
            . "            response_types_supported code;\n"
            . "            subject_types_supported public;\n"
            . "            scopes_supported openid v$variant;\n"
            . "        }\n";
    }
    # Each set has an RSA key (RS256: no warning per issuer); the log
    # keeps errors and worse only.
    $m->write_config("    wellknown_keys ka { key r.pem; key a.pem; }\n    wellknown_keys kb { key r.pem; key b.pem; }\n",
                     $s, log_level => 'error');
}
my @text;
for my $variant (1, 0) {
    big_config($variant);
    $text[$variant] = $m->read_file('nginx.conf');
}
{
    my ($ok, $out) = $m->test_config;
    ok($ok, "part 2: nginx -t accepts $N issuers") or diag $out;
}
$m->start;
my $mmaster = $m->pid;
my $rss_start = WellKnown::Test::rss_kib($mmaster);
my (@samples, @bad_reloads, @bad_docs);    # [reload, master KiB, worker KiB]
my $t2 = time;
my $REL = 500;
for my $r (1 .. $REL) {
    $m->write_file('nginx.conf', $text[$r % 2]);
    my $rc = reload_and_wait($m);
    push @bad_reloads, $r unless $rc == 1;
    last if $rc < 0;
    if ($r % 10 == 0) {
        my $want = 'v' . ($r % 2);
        for my $i (7, 500, 999) {
            my $g = $m->get(sprintf '/tenant%04d/.well-known/openid-configuration', $i);
            push @bad_docs, "reload $r tenant $i" unless $g->{status} == 200 && $g->{body} =~ /"scopes_supported":\["openid","\Q$want\E"\]/;
        }
        my ($w) = $m->worker_pids;
        push @samples, [ $r, WellKnown::Test::rss_kib($m->pid), WellKnown::Test::rss_kib($w) ];
    }
}
my $mem_time = time - $t2;
is_deeply(\@bad_reloads, [], "part 2: all $REL reloads of $N issuers taken into service");
is_deeply(\@bad_docs, [], 'part 2: after every 10th reload, three tenants serve the current variant');
is($m->pid, $mmaster, 'part 2: the same master throughout');
note(sprintf '%d reloads of %d issuers in %.1f s (%.0f ms each)', $REL, $N, $mem_time, 1000 * $mem_time / $REL);

sub median { my @s = sort { $a <=> $b } @_; return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }
# Least-squares slope of y over x.
sub slope {
    my ($xs, $ys) = @_;
    my $n = @$xs;
    my ($mx, $my) = (0, 0);
    $mx += $_ / $n for @$xs;
    $my += $_ / $n for @$ys;
    my ($num, $den) = (0, 0);
    for my $i (0 .. $n - 1) { $num += ($xs->[$i] - $mx) * ($ys->[$i] - $my); $den += ($xs->[$i] - $mx) ** 2 }
    return $den ? $num / $den : 0;
}

# The bound. After the first 50 reloads the allocator has reached its
# working set; from then on a reload frees the old cycle's pools and C++
# state (ngx_pool_cleanup of the module state) before the next one is as
# big again. Single samples move by up to ~250 KiB from one reload to the
# next (glibc arena reuse), so medians of 6 samples are compared:
#   - the median of reloads 450..500 minus the median of reloads 50..100:
#     less than 1% of the latter (about 170 KiB for a ~16.5 MiB master);
#   - the least-squares slope over reloads 50..500: less than 0.5 KiB per
#     reload (about 2.5 times its noise with these samples).
# A leak of the module's per-reload state would break both by far: one
# configuration's documents and routes are megabytes; even one leaked
# 32-byte allocation per issuer would be 32 KiB per reload, 14 MiB over
# 450 reloads; one leaked allocation of 400 bytes per reload breaks the
# slope bound.
for my $which ([ 'master', 1 ], [ 'worker', 2 ]) {
    my ($name, $col) = @$which;
    my @after = grep { $_->[0] >= 50 } @samples;
    my $base = median(map { $_->[$col] } grep { $_->[0] <= 100 } @after);
    my $end = median(map { $_->[$col] } grep { $_->[0] >= 450 } @after);
    my $k = slope([ map { $_->[0] } @after ], [ map { $_->[$col] } @after ]);
    my @series = map { $_->[$col] } @samples;
    my ($min, $max) = (sort { $a <=> $b } @series)[0, -1];
    note(sprintf '%s VmRSS: %s KiB at start; reloads 50-100 median %d KiB, 450-500 median %d KiB, '
               . 'growth %+d KiB (%+.2f%%), slope %+.3f KiB/reload, range %d..%d KiB',
         $name, $name eq 'master' ? $rss_start : '-', $base, $end, $end - $base, 100 * ($end - $base) / $base, $k, $min, $max);
    note("$name VmRSS every 50 reloads: " . join(' ', map { "$_->[0]:$_->[$col]" } grep { $_->[0] % 50 == 0 } @samples));
    my $bound = $base / 100;
    ok($end - $base < $bound, sprintf("$name RSS growth from reloads 50-100 to 450-500: %+d KiB (< 1%%: %d KiB)",
                                      $end - $base, $bound));
    ok($k < 0.5, sprintf("$name RSS slope over reloads 50-500: %.3f KiB per reload (< 0.5)", $k));
}
unlike($m->error_log, qr/\[(alert|crit|emerg)\]|exited on signal/, 'part 2: no alert, crit, emerg or crash');
$m->stop;

note(sprintf 'total %.0f s', time - $T0);
done_testing;
