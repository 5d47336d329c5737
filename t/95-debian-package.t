#!/usr/bin/perl
# The Debian package as an operator meets it: `make deb` builds
# libnginx-mod-http-wellknown (WELLKNOWN_DEB=path/to/the.deb skips the
# build), dpkg installs it, its files land where Debian's own nginx modules
# put theirs, /usr/sbin/nginx serves the demo configuration
# (conf-examples/demo.conf) with the module loaded the Debian way (include
# /etc/nginx/modules-enabled/*.conf) under a temporary prefix, and a purge
# leaves nothing behind.
#
# Root only, and it changes the machine while it runs, so the END block puts
# it back whatever happens: it stops the test's nginx, purges the package and
# removes the policy-rc.d it wrote. The system's nginx service is never
# started, reloaded or restarted: the module's maintainer scripts trigger
# nginx's `invoke-rc.d nginx reload`, which a policy-rc.d that answers 101
# ("action forbidden") denies; one already there is left as it is.
#
# Skips when not root, without dpkg or /usr/sbin/nginx, when NGINX_BIN names
# another nginx (the sanitizer runs), when the package is already installed
# (the purge would remove the operator's copy), when the dpkg database is
# locked by another process, or when WELLKNOWN_SKIP_DEB=1.
use strict;
use warnings;
use Cwd ();
use FindBin;
use File::Temp ();
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP ();
use Test::More;
use Time::HiRes ();

use constant {
    PACKAGE   => 'libnginx-mod-http-wellknown',
    NGINX     => '/usr/sbin/nginx',
    SO        => '/usr/lib/nginx/modules/ngx_http_wellknown_module.so',
    TOOL      => '/usr/bin/wellknown-jwk',
    TOOL_MAN  => '/usr/share/man/man1/wellknown-jwk.1.gz',
    AVAILABLE => '/usr/share/nginx/modules-available/mod-http-wellknown.conf',
    ENABLED   => '/etc/nginx/modules-enabled/50-mod-http-wellknown.conf',
    POLICY    => '/usr/sbin/policy-rc.d',
};
my $POLICY_TEXT = "#!/bin/sh\n# written by t/95-debian-package.t, removed when it ends\nexit 101\n";
my $ROOT = Cwd::realpath("$FindBin::Bin/..");

# `dpkg-query` status of the package: installed, config-files, half-installed,
# ..., or not-installed (also for a package dpkg has never seen).
sub package_status {
    my $s = `dpkg-query -W -f='\${db:Status-Status}' ${\PACKAGE} 2>/dev/null`;
    return $s eq '' ? 'not-installed' : $s;
}

sub run {
    my $cmd = join ' ', map { "'$_'" } @_;
    my $out = `$cmd 2>&1`;
    return ($?, $out);
}

plan skip_all => 'WELLKNOWN_SKIP_DEB=1' if $ENV{WELLKNOWN_SKIP_DEB};
plan skip_all => 'installs a package with dpkg: root only' if $> != 0;
plan skip_all => 'no dpkg here' unless -x '/usr/bin/dpkg';
plan skip_all => 'no ' . NGINX . ' (apt-get install nginx)' unless -x NGINX;
plan skip_all => "the package is for Debian's " . NGINX . ", NGINX_BIN is $ENV{NGINX_BIN}"
    if $ENV{NGINX_BIN} && (Cwd::realpath($ENV{NGINX_BIN}) // '') ne NGINX;
plan skip_all => PACKAGE . ' is ' . package_status() . ' here: the test would purge it'
    if package_status() ne 'not-installed';

my $t0 = Time::HiRes::time();
my $tmp = File::Temp::tempdir('wellknown-deb-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
chmod 0755, $tmp;  # workers run as nobody

my ($installed, $policy_written, $prefix);
# Interrupted (Ctrl-C, a CI timeout): exit, so that the END block still runs.
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);
END {
    local $?;
    stop_nginx() if $prefix;
    if ($installed && package_status() ne 'not-installed') {
        my ($rc, $out);
        for (1 .. 10) {  # another dpkg or apt may hold the lock for a while
            ($rc, $out) = run('dpkg', '--purge', PACKAGE);
            last unless $rc && $out =~ /\block/i;
            sleep 3;
        }
        print STDERR "# END: dpkg --purge failed:\n$out" if $rc;
    }
    if ($policy_written) {
        open my $fh, '<', POLICY;
        unlink POLICY if $fh && do { local $/; <$fh> } eq $POLICY_TEXT;
    }
}

# ---------------------------------------------------------------- build

my ($deb, $dbgsym) = $ENV{WELLKNOWN_DEB} ? ($ENV{WELLKNOWN_DEB}) : build();
($dbgsym = $deb) =~ s/^(.*\/\Q${\PACKAGE}\E)_/$1-dbgsym_/ unless $dbgsym;
ok($deb && -f $deb, 'a package to install: ' . ($deb // 'none')) or give_up();
my $t_built = Time::HiRes::time();

# `make deb` (a no-op when build/deb is up to date); returns the package and
# its -dbgsym from the list it writes.
sub build {
    local @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL)};  # a make of its own, not the caller's jobserver
    delete @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL)};
    my ($rc, $out) = run('make', '-C', $ROOT, 'deb');
    is($rc, 0, 'make deb builds the package') or do { diag substr($out, -6000); give_up() };
    chomp(my @debs = split /\n/, slurp("$ROOT/build/deb/built"));
    my ($main) = map { "$ROOT/$_" } grep { !/-dbgsym_/ } @debs;
    my ($dbg) = map { "$ROOT/$_" } grep { /-dbgsym_/ } @debs;
    return ($main, $dbg);
}

sub give_up { done_testing; exit 1 }

# ---------------------------------------------------------------- install

my $available_dir_before = -d '/usr/share/nginx/modules-available';
unless (-e POLICY) {
    open my $fh, '>', POLICY or die POLICY . ": $!";
    print $fh $POLICY_TEXT;
    close $fh;
    chmod 0755, POLICY;
    $policy_written = 1;
}

SKIP: {
    $installed = 1;
    my ($rc, $out) = run('dpkg', '-i', $deb);
    if ($rc && $out =~ /\block/i && package_status() eq 'not-installed') {
        $installed = 0;
        skip "the dpkg database is locked by another process:\n$out", 1;
    }
    is($rc, 0, 'dpkg -i installs it') or diag $out;
    unlike($out, qr/Triggering nginx reload|Restarting|Reloading/i,
           'the system nginx service is not reloaded') or diag $out;
    is(package_status(), 'installed', 'dpkg says installed');

    # The exact ABI of this nginx, as Debian's own modules depend on it.
    my ($abi) = `dpkg-query -W -f='\${Provides}' nginx` =~ /(nginx-abi-[\w.+~-]+)/;
    my $depends = `dpkg-query -W -f='\${Depends}' ${\PACKAGE}`;
    ok($abi && $depends =~ /(?:^|,\s*)\Q$abi\E(?:,|$)/, "depends on $abi (nginx provides it)")
        or diag "Depends: $depends";

    ok(-f SO, SO);
    SKIP: {
        skip 'no readelf (binutils)', 2 unless `which readelf` =~ /\S/;
        my $sections = `readelf -S --wide ${\SO}`;
        unlike($sections, qr/\s\.(?:symtab|debug_info)\s/, 'the module is stripped');
        my ($id) = `readelf -n ${\SO}` =~ /Build ID: ([0-9a-f]+)/;
        my $listing = $dbgsym && -f $dbgsym ? `dpkg-deb -c '$dbgsym'` : '';
        ok($id && $listing =~ m{usr/lib/debug/\.build-id/\Q${\substr($id, 0, 2)}\E/\Q${\substr($id, 2)}\E\.debug},
           'its debug symbols are in the -dbgsym package (by build id)')
            or diag "build id " . ($id // 'none') . ", $dbgsym:\n$listing";
    }
    ok(-x TOOL, TOOL . ' is installed');
    ok(-f TOOL_MAN, TOOL_MAN . ', its man page');
    is(slurp(AVAILABLE), "load_module modules/ngx_http_wellknown_module.so;\n",
       AVAILABLE . ' loads the module');
    is(readlink(ENABLED), AVAILABLE, ENABLED . ' is enabled, a link to it');
    my ($trc, $tout) = run(NGINX, '-t', '-q');
    is($trc, 0, "the system's nginx.conf, which includes modules-enabled, passes nginx -t")
        or diag $tout;

    serve_demo();

    ($rc, $out) = run('dpkg', '--purge', PACKAGE);
    is($rc, 0, 'dpkg --purge removes it') or diag $out;
    $installed = 0 unless $rc;
    is(package_status(), 'not-installed', 'dpkg says not installed');
    for my $gone (SO, TOOL, TOOL_MAN, AVAILABLE, '/usr/share/doc/' . PACKAGE) {
        ok(!-e $gone, "$gone is gone");
    }
    ok(!-l ENABLED && !-l ENABLED . '.removed', 'the modules-enabled link is gone');
    is(!!-d '/usr/share/nginx/modules-available', !!$available_dir_before,
       '/usr/share/nginx/modules-available is as it was');
}

note sprintf('took %.0f s: build %.0f s, install, serve and purge %.0f s',
             Time::HiRes::time() - $t0, $t_built - $t0, Time::HiRes::time() - $t_built);
done_testing;

# ---------------------------------------------------------------- the demo

# conf-examples/demo.conf under a temporary prefix, as conf-examples/demo.sh
# runs it, but with the module loaded from modules-enabled instead of a
# load_module of a build. The snippet there names modules/ relative to the
# prefix, which in Debian's prefix (/usr/share/nginx) is a link to
# /usr/lib/nginx/modules: the temporary prefix gets the same link.
sub serve_demo {
    my $port = free_port();
    $prefix = "$tmp/demo";
    mkdir $_ for $prefix, map { "$prefix/$_" } qw(keys keys/tenant1 logs tmp);
    chmod 0755, $prefix;
    symlink('/usr/lib/nginx/modules', "$prefix/modules") or die "symlink: $!";

    my $conf = slurp("$ROOT/conf-examples/demo.conf");
    ok($conf =~ s{^load_module\s+modules/ngx_http_wellknown_module\.so;}
                 {include /etc/nginx/modules-enabled/*.conf;}m,
       'demo.conf: its load_module becomes include /etc/nginx/modules-enabled/*.conf')
        or return;
    $conf =~ s/127\.0\.0\.1:8080/127.0.0.1:$port/g;
    spew("$prefix/nginx.conf", $conf);
    my @keys = $conf =~ /^\s*key\s+(\S+?);/mg;
    make_key("$prefix/$_") for @keys;

    my ($rc, $out) = run(NGINX, '-p', "$prefix/", '-c', "$prefix/nginx.conf");
    is($rc, 0, 'nginx starts with the demo configuration') or do {
        diag $out . slurp("$prefix/logs/error.log");
        return;
    };
    wait_port($port);
    my $pid = slurp("$prefix/logs/nginx.pid") =~ s/\s+//gr;
    like(slurp("/proc/$pid/maps"), qr/\Q${\SO}\E/, 'nginx runs the packaged module');

    my $base = "http://127.0.0.1:$port";
    my $http = HTTP::Tiny->new(timeout => 10);
    my $r = $http->get("$base/.well-known/openid-configuration");
    is($r->{status}, 200, 'discovery document 200') or diag "$r->{status} $r->{content}";
    my $disc = eval { JSON::PP::decode_json($r->{content}) } || {};
    is($disc->{issuer}, $base, 'its issuer');
    like($disc->{jwks_uri} // '', qr{^\Q$base\E/}, 'its jwks_uri on this server');

    $r = $http->get($disc->{jwks_uri} // "$base/.well-known/jwks.json");
    is($r->{status}, 200, 'JWKS 200');
    my $jwks = eval { JSON::PP::decode_json($r->{content}) } || {};
    # The root issuer's key set, as demo.conf names it.
    my ($set) = $conf =~ /wellknown_issuer\s+\Q$base\E\s*\{[^}]*?\bkeys\s+(\w+);/;
    my ($set_keys) = $conf =~ /wellknown_keys\s+\Q${\($set \/\/ '')}\E\s*\{([^}]*)\}/;
    my $n = () = ($set_keys // '') =~ /^\s*key\s/mg;
    is(scalar @{ $jwks->{keys} || [] }, $n, "one JWK per key of the issuer's set ($n)");
    ok(!grep({ !$_->{kid} || !$_->{kty} || exists $_->{d} } @{ $jwks->{keys} || [] }),
       'each with kty and kid, no private member');
    # The packaged tool prints the kids the packaged module serves.
    my @lines = map { [ split ' ' ] } ($set_keys // '') =~ /^\s*key\s+([^;]+);/mg;
    my $kids = join '', map { my ($file, @opts) = @$_; `'${\TOOL}' --kid '$prefix/$file' @opts` } @lines;
    is($kids, join('', map { "$_->{kid}\n" } @{ $jwks->{keys} || [] }), 'wellknown-jwk --kid prints the served kids');
    stop_nginx();
    ok(!kill(0, $pid), 'nginx -s stop stops it');
}

# `nginx -s stop` reads the configuration first, which fails once the
# package is gone: then the master started here is signalled by its pid.
sub stop_nginx {
    my $pid = slurp("$prefix/logs/nginx.pid") =~ s/\s+//gr;
    return unless $pid;
    my ($rc) = run(NGINX, '-p', "$prefix/", '-c', "$prefix/nginx.conf", '-s', 'stop');
    kill 'TERM', $pid if $rc;
    for (1 .. 100) {
        last unless kill 0, $pid;
        Time::HiRes::sleep(0.05);
    }
}

# A private key for demo.conf's `key keys/NAME.pem` lines, its type named
# by the file, as conf-examples/demo.sh names them.
sub make_key {
    my ($path) = @_;
    my ($name) = $path =~ m{([^/]+)\.pem$};
    my %genpkey = (
        rsa     => '-algorithm RSA -pkeyopt rsa_keygen_bits:2048',
        p256    => '-algorithm EC -pkeyopt ec_paramgen_curve:P-256',
        p384    => '-algorithm EC -pkeyopt ec_paramgen_curve:P-384',
        p521    => '-algorithm EC -pkeyopt ec_paramgen_curve:P-521',
        ed25519 => '-algorithm ed25519',
    );
    my $opts = $genpkey{$name // ''} or die "demo.conf names a key this test cannot make: $path\n";
    my $out = `openssl genpkey $opts -out '$path' 2>&1`;
    die "openssl genpkey $opts: $out" if $?;
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp') or die "no free port: $!";
    return $s->sockport;
}

sub wait_port {
    my ($port) = @_;
    for (1 .. 100) {
        return 1 if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
        Time::HiRes::sleep(0.05);
    }
    fail("nginx listens on $port");
}

sub slurp {
    open my $fh, '<', $_[0] or return '';
    local $/;
    return <$fh> // '';
}

sub spew {
    open my $fh, '>', $_[0] or die "$_[0]: $!";
    print $fh $_[1];
    close $fh;
}
