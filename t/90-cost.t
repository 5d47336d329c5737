#!/usr/bin/perl
# The request-path budget, as a deterministic guard: the module's
# instructions per request, counted by callgrind, against nginx's own
# `return 200 '<the same body>'` with the same response headers (add_header),
# measured in the same run. Instruction counts only, never times.
#
# bench/bench.py --guard does the measuring (the method `make bench` uses):
# one nginx per variant under valgrind --tool=callgrind with master_process
# off, one keep-alive connection per measurement, and the per-request count
# is (Ir[N2 requests] - Ir[N1]) / (N2 - N1), so startup and connection setup
# cancel. Cases: the JWKS an issuer serves (pre-content phase), the JWKS
# of a `wellknown_jwks` location (README's first example), and an OpenID
# Provider's full discovery document (bench/bench.py's "disc" case). Fails
# beyond 1.05x; skips only without valgrind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp ();
use JSON::PP ();
use Time::HiRes ();

use constant LIMIT => 1.05;

sub have { my $tool = shift; grep { -x "$_/$tool" } split /:/, ($ENV{PATH} // '') }
plan skip_all => 'valgrind is not installed (make deps installs it)' unless have('valgrind');

my $module = $ENV{MODULE} or BAIL_OUT('MODULE (path to the built .so) is not set');
my $out = File::Temp::tempdir('wellknown-cost-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
chmod 0755, $out;

my $t0 = Time::HiRes::time();
my $bench = "$FindBin::Bin/../bench/bench.py";
my $log = `MODULE='$module' /usr/bin/python3 '$bench' --guard --out '$out' 2>&1`;
my $rc = $?;
is($rc, 0, 'bench/bench.py --guard ran') or diag $log;
my $results = do {
    local $/;
    open my $fh, '<', "$out/results.json" or BAIL_OUT("no results.json:\n$log");
    JSON::PP->new->decode(<$fh>);
};
my %case = map { $_->{name} => $_ } @{ $results->{cases} };

for my $name (qw(jwks jwks-loc disc)) {
    my $c = $case{$name};
    ok($c && $c->{ir}{a} && $c->{ir}{b}, "$name: both variants measured") or next;
    my ($mod, $ret) = ($c->{ir}{a}, $c->{ir}{b});
    my $ratio = $mod / $ret;
    cmp_ok($ratio, '<=', LIMIT,
           sprintf('%s (%s): module %.0f vs return %.0f instructions per request = %.3fx (limit %.2fx)',
                   $name, $c->{label}, $mod, $ret, $ratio, LIMIT))
        or diag "profiles: rerun `make bench` and read build/bench/profiles.txt\n$log";
}
note sprintf('guard took %.0f s', Time::HiRes::time() - $t0);

done_testing;
