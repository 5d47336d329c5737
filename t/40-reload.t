#!/usr/bin/perl
# Reloads: a good configuration replaces the served set (and its validators
# and headers); a bad one is refused and the running set keeps serving,
# byte for byte, from the same master and workers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('a.pem', 'p256');
$t->key('b1.pem', 'ed25519');
$t->key('b2.pem', 'p384');

my $loc = "        location = /jwks { wellknown_jwks main; }\n"
        . "        location = /other { wellknown_jwks main; wellknown_cache_control off; }\n";
my $conf_a = "    wellknown_keys main { key a.pem; }\n";
my $conf_b = "    wellknown_cache_control \"max-age=5\";\n"
           . "    wellknown_keys main {\n        key b1.pem;\n        key b2.pem kid=b2;\n    }\n";

sub fetch {
    my $r = $t->get('/jwks');
    return { status => $r->{status}, body => $r->{body}, etag => header($r, 'etag'),
             lm => header($r, 'last-modified'), cc => header($r, 'cache-control') };
}

sub workers { join ',', $t->worker_pids }

# `nginx -s reload`: the signalling process parses the configuration itself
# and signals the master only if it is good. Returns (exit ok, output, took).
sub cli_reload {
    my @old = $t->worker_pids;
    my ($ok, $out) = $t->run_nginx('-s', 'reload');
    return ($ok, $out, 0) unless $ok;
    my %old = map { $_ => 1 } @old;
    for (1 .. 200 * WellKnown::Test::time_scale()) {
        Time::HiRes::sleep(0.05);
        my @new = grep { !$old{$_} } $t->worker_pids;
        my @still = grep { kill 0, $_ } @old;
        return ($ok, $out, 1) if @new && !@still;
    }
    return ($ok, $out, 0);
}

# ---------------------------------------------------------------- set A

$t->write_config($conf_a, $loc);
$t->start;
my $master = $t->pid;
ok($master, 'master pid known');
my $got_a = fetch();
is($got_a->{status}, 200, 'A: 200');
my $set_a = decode_json($got_a->{body});
is_deeply([map { $_->{crv} } @{ $set_a->{keys} }], ['P-256'], 'A: the P-256 key');
is($got_a->{cc}, 'public, max-age=600', 'A: default Cache-Control');

# ---------------------------------------------------------------- set B

$t->write_config($conf_b, $loc);
my $workers_a = workers();
is($t->reload, 1, 'reload to B: taken into service');
my $got_b = fetch();
is($got_b->{status}, 200, 'B: 200');
isnt($got_b->{body}, $got_a->{body}, 'B: body changed');
my $set_b = decode_json($got_b->{body});
is_deeply([map { $_->{crv} } @{ $set_b->{keys} }], ['Ed25519', 'P-384'], 'B: its two keys, in order');
is($set_b->{keys}[1]{kid}, 'b2', 'B: configured kid');
isnt($got_b->{etag}, $got_a->{etag}, 'B: ETag changed');
is($got_b->{cc}, 'max-age=5', 'B: Cache-Control from the http level of the new configuration');
ok(!defined header($t->get('/other'), 'cache-control'),
   'B: location-level off still overrides the http level');
ok(!defined $got_b->{lm}, 'B: no Last-Modified (no schedule; t/41 has those)');
is($t->pid, $master, 'B: same master process');
isnt(workers(), $workers_a, 'B: new workers');

# ---------------------------------------------------------------- bad reloads

my @bad = (
    [ 'missing key file',
      "    wellknown_keys main {\n        key b1.pem;\n        key missing.pem;\n    }\n",
      qr/cannot open key file "[^"]*missing\.pem"/ ],
    [ 'bad alg',
      "    wellknown_keys main {\n        key b1.pem;\n        key b2.pem alg=ES256;\n    }\n",
      qr/alg=ES256 does not fit/ ],
    [ 'duplicate kid',
      "    wellknown_keys main {\n        key b1.pem kid=dup;\n        key b2.pem kid=dup;\n    }\n",
      qr/duplicate kid "dup"/ ],
    [ 'unknown key set',
      "    wellknown_keys other { key b1.pem; }\n",
      qr/no key set named "main"/ ],
    [ 'syntax error',
      "    wellknown_keys main { key b1.pem\n",
      qr/unexpected "\{"/ ],
);

for my $case (@bad) {
    my ($name, $http, $msg) = @$case;
    $t->write_config($http, $loc);
    my $workers_before = workers();
    my $log_before = length $t->error_log;
    is($t->reload, 0, "$name: reload refused");
    my $log = $t->log_since($log_before);
    like($log, qr/\[emerg\][^\n]*$msg/, "$name: [emerg] in the error log");
    my $now = fetch();
    is($now->{status}, 200, "$name: still 200");
    is($now->{body}, $got_b->{body}, "$name: still B's exact body");
    is($now->{etag}, $got_b->{etag}, "$name: still B's ETag");
    is($now->{lm}, $got_b->{lm}, "$name: still B's Last-Modified");
    is($now->{cc}, 'max-age=5', "$name: still B's Cache-Control");
    is($t->pid, $master, "$name: same master process");
    is(workers(), $workers_before, "$name: same workers");
}

# `nginx -s reload` with a bad configuration: the signaller refuses.
{
    $t->write_config($bad[0][1], $loc);
    my ($ok, $out) = cli_reload();
    ok(!$ok, 'nginx -s reload with a bad configuration fails');
    like($out, qr/\[emerg\][^\n]*cannot open key file/, 'nginx -s reload: [emerg] names the problem');
    is(fetch()->{body}, $got_b->{body}, 'nginx -s reload refused: still B');
    is($t->pid, $master, 'nginx -s reload refused: same master process');
}

# ---------------------------------------------------------------- back to A

# `nginx -s reload` with a good configuration: same master, set A again, and
# an identical body brings back the identical ETag.
$t->write_config($conf_a, $loc);
my ($ok, $out, $took) = cli_reload();
ok($ok, 'nginx -s reload back to A succeeds') or diag $out;
ok($took, 'nginx -s reload: new workers took over');
my $a2 = fetch();
is($a2->{body}, $got_a->{body}, 'back to A: same body as before');
is($a2->{etag}, $got_a->{etag}, 'back to A: same ETag as before (derived from the body)');
is($a2->{cc}, 'public, max-age=600', 'back to A: default Cache-Control again');
is($t->pid, $master, 'back to A: same master process');

log_is_clean($t, 'no alert or crit in the error log', levels => [qw(alert crit)]);

done_testing;
