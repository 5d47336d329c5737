package WellKnown::Test;

# The one harness of the t/ files: ngx_http_wellknown_module tested against
# the real nginx binary, on core Perl only. Each test file starts one or more
# instances, each with a temporary prefix, a free loopback port and a
# configuration written from a template; requests go over raw sockets.
#
#   use WellKnown::Test;
#   my $t = WellKnown::Test->new;
#   $t->key('rsa.pem', 'rsa2048');
#   $t->write_config('wellknown_keys k { key rsa.pem; }',
#                    'location = /jwks { wellknown_jwks k; }');
#   $t->start;
#   my $r = $t->get('/jwks');          # { status, headers => { lc name => [values] }, body, ... }
#   is(header($r, 'etag'), ...);
#
# Sections: the instance (prefix, configuration, start, reload, stop), the
# binary under test (nginx -V), running nginx as another user, HTTP requests
# (one request, raw bytes, pipelines, keep-alive exchanges), JSON, shared
# assertions (JSON 404/405 bodies, error logs), configuration checks
# ([emerg]/[warn] at file:line), configuration snippets, client-library
# interop, and the shipped examples in conf-examples/.

use strict;
use warnings;

use Exporter 'import';
use File::Temp ();
use File::Spec;
use File::Copy ();
use File::Path ();
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes ();
use JSON::PP ();
use MIME::Base64 ();
use Scalar::Util ();
use B ();
use Test::More ();

our @EXPORT = qw(
    decode_json encode_json json_of member_names json_type b64url
    header header_count parse_response decoded_body
    is_json_404 is_json_405 is_preflight log_is_clean shown
    issuer_block resource_block required_members directive_error $LOG_PID
    interop_ready interop_checks jwt_interop verify_tokens discovery_interop node_json
);

# nginx -t prints "[emerg] PID#TID: message" once the error log is open.
our $LOG_PID = qr/(?:\d+#\d+: )?/;

my $NGINX  = $ENV{NGINX_BIN} || '/usr/sbin/nginx';
my $MODULE = $ENV{MODULE} or die "MODULE (path to the built .so) is not set\n";
# Multiplies every wait below (make test-valgrind sets 10: nginx under
# valgrind starts, reloads and answers many times slower).
my $SCALE  = $ENV{WELLKNOWN_TIME_SCALE} || 1;
# t/, for the interop scripts and conf-examples/.
my $T_DIR  = File::Spec->rel2abs(File::Spec->catdir((File::Spec->splitpath(__FILE__))[1], '..', '..'));

# The factor WELLKNOWN_TIME_SCALE sets for waits and time bounds (1 unless
# set; make test-valgrind sets 10), for tests that time nginx themselves.
sub time_scale { $SCALE }

# ================================================================ the instance

# Every harness object, weakly held, so the END block below can stop any
# nginx still running. It runs before File::Temp's own END (which removes the
# prefix and the pid file), because File::Temp was loaded first.
my @INSTANCES;
END {
    local $?;
    for my $t (grep { defined } @INSTANCES) { $t->stop if $t->{running}; }
}

# True if every directory on the way to $dir lets others pass (mode o+x).
sub reachable_by_others {
    my ($dir) = @_;
    my $path = '';
    for my $part (grep { length } split m{/}, File::Spec->rel2abs($dir)) {
        $path .= "/$part";
        my @st = stat $path or return 0;
        return 0 unless $st[2] & 01;
    }
    return 1;
}

sub new {
    my ($class, %opts) = @_;
    # Workers run as nobody when the tests run as root, and answer 403 for
    # anything under a prefix they cannot reach: under TMPDIR if nobody can
    # pass through it, else under /tmp (a TMPDIR of mode 0700, such as
    # `mktemp -d` gives, is closed to nobody).
    my $base = File::Spec->tmpdir;
    $base = '/tmp' if $> == 0 && !reachable_by_others($base);
    my $dir = File::Temp::tempdir('wellknown-XXXXXX', DIR => $base, CLEANUP => !$ENV{KEEP});
    chmod 0755, $dir;
    mkdir "$dir/logs";
    my $self = bless { dir => $dir, port => free_port(), running => 0, module => $MODULE, nginx => $NGINX,
                       %opts }, $class;
    push @INSTANCES, $self;
    Scalar::Util::weaken($INSTANCES[-1]);
    # make test-asan and make test-valgrind (mk/hardening.mk) keep every
    # prefix (KEEP=1) and scan its logs after the run: note which test
    # started it.
    $self->write_file('.wellknown-test', "$0\n") if $ENV{KEEP};
    return $self;
}

# ================================================================ a clock for nginx

# new(clock => 1): nginx runs with libfaketime preloaded (Debian's
# faketime), which reads an offset from PREFIX/faketime.rc at every clock
# call (FAKETIME_NO_CACHE), so set_clock moves the time nginx sees, master
# and workers alike, while it runs. A test-only mechanism: the module has no
# clock directive. Monotonic time stays real, so nginx's timers do too.
my ($FAKETIME_LIB) = glob '/usr/lib/*/faketime/libfaketime.so.1';

sub clock_env {
    my $self = shift;
    return () unless $self->{clock};
    die "libfaketime is not installed (make deps installs faketime)\n" unless $FAKETIME_LIB;
    return (LD_PRELOAD => join(':', grep { length } $ENV{LD_PRELOAD} // '', $FAKETIME_LIB),
            FAKETIME_TIMESTAMP_FILE => $self->path('faketime.rc'),
            FAKETIME_NO_CACHE => 1, FAKETIME_DONT_FAKE_MONOTONIC => 1);
}

# Sets nginx's clock to $epoch (seconds), from now on running at real speed.
# Written just after a real second begins, so the time set holds for most of
# a second before it ticks on.
sub set_clock {
    my ($self, $epoch) = @_;
    my $now = Time::HiRes::time();
    if ($now - int($now) > 0.2) {
        Time::HiRes::sleep(1.01 - ($now - int($now)));
        $now = Time::HiRes::time();
    }
    $self->write_file('faketime.rc', sprintf("%+d\n", $epoch - int($now)));
    return $self;
}

sub dir  { $_[0]{dir} }
sub port { $_[0]{port} }
sub path { my ($self, $name) = @_; File::Spec->rel2abs($name, $self->{dir}) }

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', ReuseAddr => 1) or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# $n more free ports, distinct from each other and from the instance's own.
sub more_ports {
    my ($self, $n) = @_;
    my %used = ($self->{port} => 1);
    my @p;
    while (@p < $n) {
        my $p = free_port();
        push @p, $p unless $used{$p}++;
    }
    return @p;
}

sub write_file {
    my ($self, $name, $content, $mode) = @_;
    my $path = $self->path($name);
    open my $fh, '>:raw', $path or die "$path: $!";
    print $fh $content;
    close $fh;
    # Private keys as an operator should keep them, unless a test says otherwise.
    chmod(defined $mode ? $mode : $content =~ /PRIVATE KEY-----/ ? 0600 : 0644, $path);
    return $path;
}

sub read_file {
    my ($self, $name) = @_;
    my $path = $self->path($name);
    open my $fh, '<:raw', $path or return '';
    local $/;
    my $c = <$fh>;
    return defined $c ? $c : '';
}

# Generates a private key PEM with the openssl CLI. Types: rsa2048, rsa3072,
# rsa4096, rsa1024, p256, p384, p521, secp256k1, ed25519, ed448, x25519,
# x448, dsa, rsa-pss.
sub key {
    my ($self, $name, $type) = @_;
    my $out = $self->path($name);
    my %genpkey = (
        ed25519 => '-algorithm ed25519',
        ed448   => '-algorithm ed448',
        x25519  => '-algorithm x25519',
        x448    => '-algorithm x448',
        p256    => '-algorithm EC -pkeyopt ec_paramgen_curve:P-256',
        p384    => '-algorithm EC -pkeyopt ec_paramgen_curve:P-384',
        p521    => '-algorithm EC -pkeyopt ec_paramgen_curve:P-521',
        secp256k1 => '-algorithm EC -pkeyopt ec_paramgen_curve:secp256k1',
        'rsa-pss' => '-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048',
    );
    my $cmd;
    if ($type =~ /^rsa(\d+)$/) {
        $cmd = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$1 -out '$out'";
    } elsif ($type eq 'dsa') {
        $cmd = "openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out '$out.params'"
             . " && openssl genpkey -paramfile '$out.params' -out '$out'";
    } elsif ($genpkey{$type}) {
        $cmd = "openssl genpkey $genpkey{$type} -out '$out'";
    } else {
        die "unknown key type $type";
    }
    $self->openssl($cmd);
    chmod 0600, $out;  # a private key, kept as an operator should keep it
    return $out;
}

# Several keys at once: $t->make_keys(NAME => TYPE, ...) writes NAME.pem.
sub make_keys {
    my ($self, @pairs) = @_;
    while (my ($name, $type) = splice @pairs, 0, 2) { $self->key("$name.pem", $type) }
    return $self;
}

# Runs an openssl command line (or any shell command); dies with its output on failure.
sub openssl {
    my ($self, $cmd) = @_;
    my $out = `($cmd) 2>&1`;
    die "command failed: $cmd\n$out" if $?;
    return $out;
}

# Writes nginx.conf: load the module, keep every path under the prefix,
# then $http (http-level directives) and one server on the test port whose
# body is $server. "%%PORT%%" and "%%PREFIX%%" are substituted. Options:
# log_level (info), main (main-context directives), raw (the whole text).
sub write_config {
    my ($self, $http, $server, %opts) = @_;
    $server = '' unless defined $server;
    $http = '' unless defined $http;
    my $dir = $self->{dir};
    my $level = $opts{log_level} || 'info';
    my $main = $opts{main} || '';
    # nginx clears its workers' environment; libfaketime reads it at every call.
    $main = "env FAKETIME_TIMESTAMP_FILE; env FAKETIME_NO_CACHE; env FAKETIME_DONT_FAKE_MONOTONIC;\n$main"
        if $self->{clock};
    my $conf = <<"CONF";
load_module $self->{module};
pid $dir/nginx.pid;
error_log $dir/logs/error.log $level;
worker_processes 1;
$main
events { worker_connections 128; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    # The suite's servers answer a discovery path no issuer serves with the
    # JSON 404, as a multi-tenant provider does (wellknown_not_found); the
    # tests of the default (left to the locations) turn it off.
    wellknown_not_found on;
$http
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
$server
    }
}
CONF
    $conf = $opts{raw} if defined $opts{raw};
    $conf =~ s/%%PORT%%/$self->{port}/g;
    $conf =~ s/%%PREFIX%%/$dir/g;
    $self->write_file('nginx.conf', $conf);
    return $self;
}

sub nginx_cmd {
    my ($self, @args) = @_;
    return ($self->{nginx}, '-p', "$self->{dir}/", '-c', "$self->{dir}/nginx.conf", @args);
}

# Runs nginx with @args (after -p and -c); returns (exit status 0, output).
sub run_nginx {
    my ($self, @args) = @_;
    my %env = $self->clock_env;
    local @ENV{keys %env} = values %env;
    my $cmd = join ' ', map { "'$_'" } $self->nginx_cmd(@args);
    my $out = `$cmd 2>&1`;
    return ($? == 0, $out);
}

# nginx -t on the configuration written last. Returns (ok, output, wait
# status). Options: timeout (seconds, scaled; nginx -t runs under
# timeout(1): a hang is exit 124), as (a command prefix, see as_user).
sub test_config {
    my ($self, %o) = @_;
    my %env = $self->clock_env;
    local @ENV{keys %env} = values %env;
    my @cmd = ($self->nginx_cmd('-t', '-q'));
    unshift @cmd, @{ $o{as} } if $o{as};
    unshift @cmd, 'timeout', '-k', '2', $o{timeout} * $SCALE if $o{timeout};
    my $cmd = join ' ', map { "'$_'" } @cmd;
    my $out = `$cmd 2>&1`;
    return ($? == 0, $out, $?);
}

sub start {
    my $self = shift;
    my ($ok, $out) = $self->run_nginx();
    die "nginx failed to start:\n$out" unless $ok;
    $self->{running} = 1;
    $self->wait_listening;
    $self->{master_pid} = $self->pid;
    # The master listens before it forks its workers: wait for them too, so
    # that worker_pids right after start sees them (they come late under
    # ASan and valgrind).
    for (1 .. 100 * $SCALE) {
        last if my @workers = $self->worker_pids;    # (a list: sort in scalar context is undefined)
        Time::HiRes::sleep(0.05);
    }
    return $self;
}

# nginx -t on the configuration written last must pass (one test named
# $what; with $o{quiet}, a second: no [warn] or [emerg], named so), then
# start. Returns the output of nginx -t.
sub start_checked {
    my ($self, $what, %o) = @_;
    my ($ok, $out) = $self->test_config;
    Test::More::ok($ok, $what) or Test::More::diag($out);
    Test::More::unlike($out, qr/\[(warn|emerg)\]/, $o{quiet}) or Test::More::diag($out) if $o{quiet};
    $self->start;
    return $out;
}

sub wait_listening {
    my $self = shift;
    for (1 .. 100 * $SCALE) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port}, Proto => 'tcp');
        return 1 if $s;
        Time::HiRes::sleep(0.05);
    }
    die "nginx is not listening on $self->{port}";
}

# The master's pid, from the pid file (nginx.pid, or what a configuration
# written whole (write_config raw) names: $self->{pid_file}).
sub pid {
    my $self = shift;
    my $pid = $self->read_file($self->{pid_file} || 'nginx.pid');
    chomp $pid;
    return $pid;
}

# The pids of the master's worker processes (from /proc).
sub worker_pids {
    my $self = shift;
    my $master = $self->pid or return ();
    my @w;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh>;
        next unless defined $line;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S (\d+)/;
        push @w, $pid if defined $ppid && $ppid == $master;
    }
    return sort { $a <=> $b } @w;
}

# Sends SIGHUP and waits until the old workers are gone and new ones serve.
# Returns 1 if the master took the new configuration into service, 0 if it
# refused it ([emerg] in the error log). Options: poll (seconds between
# looks, 0.05), limit (seconds, scaled; 10): past it, the state is told with
# diag and the result is -1 (or, without limit given, the test dies).
sub reload {
    my ($self, %o) = @_;
    my @old = $self->worker_pids;
    my %old = map { $_ => 1 } @old;
    my $log_before = -s $self->path('logs/error.log') || 0;
    kill 'HUP', $self->pid or die "cannot signal nginx: $!";
    my $poll = $o{poll} || 0.05;
    my $deadline = Time::HiRes::time() + ($o{limit} || 10) * $SCALE;
    my (@new, @still);
    while (Time::HiRes::time() < $deadline) {
        Time::HiRes::sleep($poll);
        if ($self->log_since($log_before) =~ /\[emerg\]/) {
            # Refused. The [emerg] is logged while the load is still
            # unwinding: the key file reader (a short-lived child of the
            # master) may not be reaped yet, and under valgrind its exit takes
            # seconds. Return once the master's children are the old workers
            # again, so callers comparing worker pids see only workers.
            while (Time::HiRes::time() < $deadline) {
                my %now = map { $_ => 1 } $self->worker_pids;
                last unless grep { !$old{$_} } keys %now;
                Time::HiRes::sleep($poll);
            }
            return 0;
        }
        @new = grep { !$old{$_} } $self->worker_pids;
        @still = grep { kill 0, $_ } @old;
        return 1 if @new && !@still;
    }
    die 'reload did not finish' unless $o{limit};
    my $state = join ', ', map {
        my $s = do { local (@ARGV, $/) = ("/proc/$_/stat"); eval { <> } } // '';
        "$_: " . ((split ' ', $s)[2] // 'gone')
    } @still;
    Test::More::diag("reload did not finish within $o{limit} s: old workers @old (still: $state), "
                     . "new workers @new; error log since:\n" . $self->log_since($log_before));
    return -1;
}

# Stops nginx with `nginx -s stop`; if the pid file is gone, signals the
# master pid recorded at start (never by process name).
sub stop {
    my $self = shift;
    return unless $self->{running};
    my $pid = $self->pid || $self->{master_pid};
    my ($ok) = $self->run_nginx('-s', 'stop');
    kill 'TERM', $pid if !$ok && $pid;
    for (1 .. 500 * $SCALE) {
        last unless $pid && alive($pid);
        Time::HiRes::sleep(0.01);
    }
    $self->{running} = 0;
}

# True while process $pid runs: an exited daemon stays a zombie until init
# reaps it, which can take a second.
sub alive {
    my ($pid) = @_;
    return 0 unless kill 0, $pid;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh> // '';
    return $stat !~ /^\d+ \(.*\) Z /;
}

sub DESTROY { my $self = shift; local $?; $self->stop if $self->{running}; }

# The error log, whole or from byte $offset on (read without what is before).
sub error_log { $_[0]->read_file('logs/error.log') }

sub log_since {
    my ($self, $offset) = @_;
    open my $fh, '<:raw', $self->path('logs/error.log') or return '';
    seek $fh, $offset || 0, 0;
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

# VmRSS of a process in KiB (undef if it is gone).
sub rss_kib {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return undef;
    while (<$fh>) { return $1 + 0 if /^VmRSS:\s+(\d+)\s+kB/ }
    return undef;
}

# ================================================================ the binary under test

# What `nginx -V` says about NGINX_BIN, asked once (with a prefix of its
# own: the sanitizer wrappers keep their logs under the prefix).
my $V;
sub nginx_V {
    return $V if defined $V;
    my $dir = File::Temp::tempdir('wellknown-V-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    $V = `'$NGINX' -p '$dir/' -V 2>&1`;
    return $V;
}

# The version of the binary under test as a number: 1.22.1 is 1022001.
sub nginx_version {
    my ($maj, $min, $patch) = nginx_V() =~ m{nginx version: [^/]+/(\d+)\.(\d+)\.(\d+)}
        or die "no version in nginx -V:\n" . nginx_V();
    return $maj * 1_000_000 + $min * 1000 + $patch;
}

# True if the binary under test is version $v ("1.29.3") or later.
sub nginx_at_least {
    my ($v) = @_;
    my ($maj, $min, $patch) = split /\./, $v;
    return nginx_version() >= $maj * 1_000_000 + $min * 1000 + ($patch || 0);
}

# True if the binary was configured with $option ("--with-debug").
sub nginx_built_with {
    my ($option) = @_;
    my ($args) = nginx_V() =~ /^configure arguments: (.*)$/m;
    return defined $args && $args =~ /(?:^|\s)\Q$option\E(?:\s|=|$)/;
}

# ================================================================ nginx as another user

# For a test run as root that runs nginx -t as $user (default nobody):
# gives this instance copies of what nginx loads that $user can read even
# when the checkout is in a directory only root may enter (mode 0700): the
# module in the prefix, and the nginx wrapper (make test-asan and
# test-valgrind run a script from the checkout) with the files beside it.
# Makes the prefix and its logs writable for $user. Returns the command
# prefix that runs a command as $user, or (undef, why not).
sub as_user {
    my ($self, $user) = @_;
    $user ||= 'nobody';
    my $setpriv = -x '/usr/bin/setpriv' ? '/usr/bin/setpriv' : undef;
    return (undef, "needs root, /usr/bin/setpriv and the user $user")
        unless $> == 0 && $setpriv && defined getpwnam($user);
    my $group = getgrnam('nogroup') // 65534;
    my @as = ($setpriv, "--reuid=$user", "--regid=$group", '--clear-groups');
    my $d = $self->{dir};
    return (undef, "$user cannot reach the prefix $d (a directory above it, under TMPDIR, is closed to $user)")
        if system(@as, 'test', '-x', $d) != 0;
    mkdir "$d/modules";
    chmod 0755, "$d/modules";
    (my $name = $MODULE) =~ s{.*/}{};
    File::Copy::copy($MODULE, "$d/modules/$name") or die "copy $MODULE: $!";
    chmod 0644, "$d/modules/$name";
    $self->{module} = "$d/modules/$name";
    if (system(@as, 'test', '-x', $self->{nginx}) != 0) {
        # Not reachable as $user: the wrapper script and its neighbours.
        my ($vol, $from) = File::Spec->splitpath($self->{nginx});
        mkdir "$d/bin";
        chmod 0755, "$d/bin";
        for my $f (glob "$from*") {
            next unless -f $f && -s $f < 1024 * 1024;
            (my $base = $f) =~ s{.*/}{};
            File::Copy::copy($f, "$d/bin/$base") or die "copy $f: $!";
            chmod((-x $f ? 0755 : 0644), "$d/bin/$base");
        }
        (my $base = $self->{nginx}) =~ s{.*/}{};
        $self->{nginx} = "$d/bin/$base";
    }
    chmod 0777, "$d/logs";
    chmod 01777, $d;    # nginx -t opens the pid file's directory too
    return \@as;
}

# ================================================================ HTTP

# The bytes of one request. Options: host (Host header, default localhost;
# undef: none; a Host in headers wins), proto (HTTP/1.1; '' for an HTTP/0.9
# request line without a version), headers => [name => value, ...] in
# order, body (Content-Length added), keepalive (no "Connection: close",
# which every HTTP/1.x but 1.0 gets).
sub request_bytes {
    my ($method, $target, %o) = @_;
    my $proto = exists $o{proto} ? $o{proto} : 'HTTP/1.1';
    my $h = $o{headers} || [];
    my $req = "$method $target" . (length $proto ? " $proto" : '') . "\r\n";
    my $own_host = grep { $_ % 2 == 0 && lc $h->[$_] eq 'host' } 0 .. $#$h;
    my $host = exists $o{host} ? $o{host} : 'localhost';
    $req .= "Host: $host\r\n" if defined $host && !$own_host;
    # (HTTP/1.0 closes by default; any later HTTP/1.x keeps the connection.)
    $req .= "Connection: close\r\n" if $proto =~ m{^HTTP/1\.[1-9]} && !$o{keepalive};
    for (my $i = 0; $i < @$h; $i += 2) {
        $req .= "$h->[$i]: $h->[$i + 1]\r\n";
    }
    $req .= 'Content-Length: ' . length($o{body}) . "\r\n" if defined $o{body};
    $req .= "\r\n";
    $req .= $o{body} if defined $o{body};
    return $req;
}

# One request on its own connection: $t->request(METHOD, TARGET, %o), the
# options of request_bytes plus those of raw (port, timeout). Returns the
# parsed response (parse_response), with {trailing}: any bytes after it. A
# reply that is no HTTP/1.x response (none at all, or HTTP/0.9) comes back
# as status 0 with the bytes in {raw}.
sub request {
    my ($self, $method, $target, %o) = @_;
    my $buf = $self->raw(request_bytes($method, $target, %o), %o);
    my $all = $buf;
    my $r = eval { parse_response(\$buf, $method) };
    return { status => 0, headers => {}, body => '', trailing => '', head => '', raw => $all } unless $r;
    $r->{trailing} = $buf;
    return $r;
}

# GET on its own connection with headers given as a list: $t->get('/p', Name => 'v').
sub get { my ($self, $path, @h) = @_; return $self->request('GET', $path, headers => [@h]); }

# Sends raw bytes (a string, or an array of pieces written $o{delay} seconds
# apart) to 127.0.0.1:$o{port} (the instance's port) and reads until the
# server closes the connection or $o{timeout} seconds (5, scaled) pass.
# Returns the bytes received.
sub raw {
    my ($self, $request, %o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $o{port} || $self->{port},
                                  Proto => 'tcp', Timeout => 5 * $SCALE) or die "connect: $!";
    binmode $s;
    my @pieces = ref $request ? @$request : ($request);
    for my $i (0 .. $#pieces) {
        syswrite $s, $pieces[$i];
        Time::HiRes::sleep($o{delay}) if $o{delay} && $i < $#pieces;
    }
    my $sel = IO::Select->new($s);
    my $buf = '';
    my $deadline = Time::HiRes::time() + ($o{timeout} || 5) * $SCALE;
    while (Time::HiRes::time() < $deadline) {
        last unless $sel->can_read($deadline - Time::HiRes::time());
        my $n = sysread $s, $buf, 65536, length $buf;
        last unless $n;
    }
    close $s;
    return $buf;
}

# Several requests written at once on one connection (the last one should
# close it): @$requests are [METHOD, bytes]. Returns the parsed responses in
# order (undef where none could be parsed) and what was left over.
sub pipeline {
    my ($self, $requests, %o) = @_;
    my $buf = $self->raw([ join '', map { $_->[1] } @$requests ], %o);
    my @r = map { my $m = $_->[0]; scalar eval { parse_response(\$buf, $m) } } @$requests;
    return (\@r, $buf);
}

# Parses one HTTP/1.x response from the front of $$bufref (removing it).
# HEAD responses and 1xx/204/304 carry no body; otherwise a chunked body
# (decoded; undef if its framing is broken), Content-Length, or the rest.
sub parse_response {
    my ($bufref, $method) = @_;
    my $i = index $$bufref, "\r\n\r\n";
    return undef if $i < 0;
    my $head = substr $$bufref, 0, $i;
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($proto, $status, $reason) = $status_line =~ m{^(HTTP/\d\.\d) (\d{3}) ?(.*)$} or die "bad status line: $status_line";
    substr($$bufref, 0, $i + 4) = '';
    my %h;
    my @order;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        push @{ $h{lc $k} }, $v;
        push @order, $k;
    }
    my $body = '';
    my $no_body = ($method && $method eq 'HEAD') || $status == 204 || $status == 304 || $status < 200;
    if (!$no_body) {
        if (lc(($h{'transfer-encoding'} || [''])->[-1]) eq 'chunked') {
            $body = dechunk($bufref);
        } elsif (defined $h{'content-length'}) {
            my $len = $h{'content-length'}[0];
            $body = substr $$bufref, 0, $len;
            substr($$bufref, 0, $len) = '';
        } else {
            $body = $$bufref;
            $$bufref = '';
        }
    }
    return { proto => $proto, status => $status + 0, reason => $reason, headers => \%h,
             header_order => \@order, body => $body, head => $head };
}

# Takes a chunked message body (RFC 9112 §7.1) from the front of $$bufref
# and returns its payload, or undef (taking everything) if the framing is
# broken.
sub dechunk {
    my ($bufref) = @_;
    my $out = '';
    while ($$bufref =~ s/^([0-9a-fA-F]+)[^\r]*\r\n//) {
        my $n = hex $1;
        if ($n == 0) {
            $$bufref =~ s/^(?:[^\r\n]+\r\n)*\r\n//;    # trailer section
            return $out;
        }
        last if length($$bufref) < $n + 2 || substr($$bufref, $n, 2) ne "\r\n";
        $out .= substr($$bufref, 0, $n);
        substr($$bufref, 0, $n + 2) = '';
    }
    $$bufref = '';
    return undef;
}

# One request on an open keep-alive connection: writes $req, reads one
# response (Content-Length or none) until $o{timeout} seconds (10). Returns
# { kind => ok, status, etag, body, close } or { kind => closed (no byte of
# a response before the connection ended) | torn | timeout | bad, detail }.
sub exchange {
    my ($sock, $req, %o) = @_;
    my $w = syswrite $sock, $req;
    return { kind => 'closed', detail => "write: $!" } unless defined $w && $w == length $req;
    my $sel = IO::Select->new($sock);
    my $buf = '';
    my ($head_len, $need, %h, $status);
    my $until = Time::HiRes::time() + ($o{timeout} || 10);
    while (1) {
        if (!defined $head_len) {
            my $i = index $buf, "\r\n\r\n";
            if ($i >= 0) {
                $head_len = $i + 4;
                my ($line, @lines) = split /\r\n/, substr($buf, 0, $i);
                ($status) = $line =~ m{^HTTP/1\.1 (\d{3})} or return { kind => 'bad', detail => "status line: $line" };
                for (@lines) { my ($k, $v) = /^([^:]+):\s*(.*)$/ or next; $h{lc $k} = $v }
                $need = ($status == 304 || $status == 204) ? 0 : $h{'content-length'};
                return { kind => 'bad', detail => "status $status without Content-Length" } unless defined $need;
            }
        }
        if (defined $head_len && length($buf) >= $head_len + $need) {
            return { kind => 'bad', detail => 'bytes after the response' } if length($buf) > $head_len + $need;
            return { kind => 'ok', status => $status + 0, etag => $h{etag}, body => substr($buf, $head_len, $need),
                     close => lc($h{connection} // '') eq 'close' };
        }
        my $left = $until - Time::HiRes::time();
        return { kind => 'timeout', detail => length($buf) . ' bytes so far' } if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread $sock, $buf, 65536, length $buf;
        if (!$n) {
            my $why = defined $n ? 'EOF' : "read: $!";
            return { kind => 'closed', detail => $why } if $buf eq '';
            return { kind => 'torn', detail => "$why after " . length($buf) . ' bytes' };
        }
    }
}

# The first value of header $name of a response (undef if absent), and how
# many times it came.
sub header {
    my ($r, $name) = @_;
    my $v = $r && $r->{headers}{lc $name};
    return $v ? $v->[0] : undef;
}

sub header_count {
    my ($r, $name) = @_;
    my $v = $r && $r->{headers}{lc $name};
    return $v ? scalar @$v : 0;
}

# The body of a response with any gzip content coding removed (undef if
# it does not decompress or has another coding).
sub decoded_body {
    my ($r) = @_;
    my $ce = lc(header($r, 'content-encoding') // '');
    return $r->{body} if $ce eq '';
    return undef unless $ce eq 'gzip';
    require IO::Uncompress::Gunzip;
    my $out;
    IO::Uncompress::Gunzip::gunzip(\$r->{body} => \$out) or return undef;
    return $out;
}

# ================================================================ JSON

sub decode_json { JSON::PP->new->utf8->decode($_[0]) }
sub encode_json { JSON::PP->new->utf8->canonical->encode($_[0]) }

# The decoded JSON text, or undef if it is not JSON.
sub json_of { my ($text) = @_; return undef unless defined $text; my $d = eval { decode_json($text) }; return $d }

# base64url without padding (RFC 7515 §2).
sub b64url {
    my $s = MIME::Base64::encode_base64($_[0], '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# The member names of a JSON object text, in the order they appear (empty
# if the text is not JSON).
sub member_names {
    my ($json) = @_;
    return () unless defined $json && defined json_of($json);
    my @names;
    my $depth = 0;
    while ($json =~ /\G(?:([{\[])|([}\]])|"((?:[^"\\]|\\.)*)"(\s*:)?|[^{}\[\]"]+)/gcs) {
        if (defined $1) { $depth++ } elsif (defined $2) { $depth-- }
        elsif (defined $3 && defined $4 && $depth == 1) { push @names, $3 }
    }
    return @names;
}

# The JSON type of a value JSON::PP decoded: a string keeps only its string
# flag, a number only its numeric ones, so "1" and 1 are told apart.
sub json_type {
    my ($v) = @_;
    return 'null' unless defined $v;
    return 'array'   if ref $v eq 'ARRAY';
    return 'object'  if ref $v eq 'HASH';
    return 'boolean' if JSON::PP::is_bool($v);
    return (B::svref_2object(\$v)->FLAGS & B::SVp_POK) ? 'string' : 'number';
}

# ================================================================ shared assertions

# The module's JSON 404 for a discovery path it does not serve: status,
# Content-Type application/json, Access-Control-Allow-Origin *, and (not
# for HEAD: $o{head}) a body of its Content-Length with "error":"not_found".
sub is_json_404 {
    my ($r, $what, %o) = @_;
    Test::More::is($r->{status}, 404, "$what: 404");
    Test::More::is(header($r, 'content-type'), 'application/json', "$what: Content-Type application/json");
    Test::More::is(header($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin *");
    return if $o{head};
    Test::More::is(header($r, 'content-length'), length $r->{body}, "$what: Content-Length is the body length");
    my $d = json_of($r->{body});
    Test::More::is($d && $d->{error}, 'not_found', "$what: {\"error\":\"not_found\",...}") or Test::More::diag($r->{body});
}

# The module's 405 for a method other than GET, HEAD and OPTIONS: Allow,
# CORS, and a JSON object of exactly "error":"method_not_allowed" and a
# non-empty "error_description", of its Content-Length.
sub is_json_405 {
    my ($r, $what) = @_;
    Test::More::is($r->{status}, 405, "$what: 405");
    Test::More::is(header($r, 'allow'), 'GET, HEAD, OPTIONS', "$what: Allow: GET, HEAD, OPTIONS");
    Test::More::is(header($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin *");
    Test::More::is(header($r, 'content-type'), 'application/json', "$what: Content-Type application/json");
    Test::More::is(header($r, 'content-length'), length $r->{body}, "$what: Content-Length is the body length");
    my $j = json_of($r->{body});
    Test::More::ok($j && ref $j eq 'HASH', "$what: body is a JSON object") or Test::More::diag($r->{body});
    Test::More::is($j && $j->{error}, 'method_not_allowed', "$what: error method_not_allowed");
    Test::More::ok($j && defined $j->{error_description} && !ref $j->{error_description}
                   && length $j->{error_description}, "$what: error_description is a non-empty string");
    Test::More::is_deeply([sort keys %{ $j || {} }], [qw(error error_description)], "$what: no other members");
}

# The module's answer to a CORS preflight (OPTIONS): 204 without a body,
# Content-Type or Content-Length (RFC 9110 §8.6), Access-Control-Allow-Origin
# *, the methods, a day's Max-Age, no credentials, and the requested
# headers echoed ($headers; undef: none requested, none allowed).
sub is_preflight {
    my ($r, $what, $headers) = @_;
    Test::More::is($r->{status}, 204, "$what: 204");
    Test::More::is(header($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin *");
    Test::More::is(header($r, 'access-control-allow-methods'), 'GET, HEAD, OPTIONS', "$what: Access-Control-Allow-Methods");
    Test::More::is(header($r, 'access-control-max-age'), '86400', "$what: Access-Control-Max-Age 86400");
    Test::More::is(header($r, 'access-control-allow-headers'), $headers,
                   "$what: " . (defined $headers ? 'the requested headers allowed' : 'no Access-Control-Allow-Headers'));
    Test::More::is($r->{body} . ($r->{trailing} // ''), '', "$what: no body");
    Test::More::ok(!defined header($r, 'content-type'), "$what: no Content-Type");
    Test::More::ok(!defined header($r, 'content-length'), "$what: no Content-Length on a 204 (RFC 9110 §8.6)");
    Test::More::ok(!defined header($r, 'access-control-allow-credentials'), "$what: credentials not allowed");
}

# No line of the error log (from byte $o{since}) at one of the levels
# @{$o{levels}} (alert, crit, emerg), and no worker killed by a signal.
sub log_is_clean {
    my ($t, $what, %o) = @_;
    my $levels = join '|', @{ $o{levels} || [qw(alert crit emerg)] };
    my $log = $t->log_since($o{since});
    Test::More::unlike($log, qr/\[(?:$levels)\]|exited on signal|segfault|core dumped/, $what)
        or Test::More::diag(join "\n", grep { /\[(?:$levels)\]|exited on signal|segfault/ } split /\n/, $log);
}

# ================================================================ configuration checks

# The 1-based line of the only line of nginx.conf containing $marker.
sub line_of {
    my ($self, $marker) = @_;
    my @lines = split /\n/, $self->read_file('nginx.conf'), -1;
    my @hits = grep { index($lines[$_], $marker) >= 0 } 0 .. $#lines;
    die "marker '$marker' found " . scalar(@hits) . " times in nginx.conf" unless @hits == 1;
    return $hits[0] + 1;
}

# On the configuration just written: nginx -t must fail with an [emerg]
# matching $msg that names nginx.conf at the line holding $marker. Options:
# names (text the message must hold, a file name), unlike (a pattern it
# must not match). Returns (the [emerg] line, the whole output); the
# [emerg] line is undef if none.
sub expect_emerg {
    my ($self, $name, $marker, $msg, %o) = @_;
    my $line = $self->line_of($marker);
    my ($ok, $out) = $self->test_config;
    Test::More::ok(!$ok, "$name: nginx -t fails");
    my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
    Test::More::ok(defined $emerg, "$name: [emerg] reported") or do { Test::More::diag($out); return (undef, $out) };
    Test::More::note($emerg);
    Test::More::like($emerg, $msg, "$name: message") or Test::More::diag($out);
    my ($file, $got) = $emerg =~ / in (\S+):(\d+)$/;
    Test::More::is($file, $self->path('nginx.conf'), "$name: names nginx.conf");
    Test::More::is($got, $line, "$name: line $line") or Test::More::diag($out);
    Test::More::like($emerg, qr/\Q$o{names}\E/, "$name: message names $o{names}") if $o{names};
    Test::More::unlike($emerg, $o{unlike}, "$name: message does not say $o{unlike}") if $o{unlike};
    return ($emerg, $out);
}

# On the configuration just written: nginx -t must pass with a [warn]
# matching $msg at the line holding $marker, and no [emerg].
sub expect_warn {
    my ($self, $name, $marker, $msg) = @_;
    my $line = $self->line_of($marker);
    my ($ok, $out) = $self->test_config;
    Test::More::ok($ok, "$name: nginx -t passes") or Test::More::diag($out);
    Test::More::unlike($out, qr/\[emerg\]/, "$name: no [emerg]");
    my ($warn) = $out =~ /^(.*\[warn\].*)$/m;
    Test::More::ok(defined $warn, "$name: [warn] reported") or do { Test::More::diag($out); return $out };
    Test::More::note($warn);
    Test::More::like($warn, $msg, "$name: message") or Test::More::diag($out);
    my $conf = $self->path('nginx.conf');
    Test::More::like($warn, qr/ in \Q$conf\E:$line$/, "$name: at line $line") or Test::More::diag($out);
    return $out;
}

# On the configuration just written: nginx -t passes without [emerg] or [warn].
sub expect_clean {
    my ($self, $name) = @_;
    my ($ok, $out) = $self->test_config;
    Test::More::ok($ok, "$name: nginx -t passes") or Test::More::diag($out);
    Test::More::unlike($out, qr/\[(emerg|warn)\]/, "$name: no emerg or warn") or Test::More::diag($out);
    return $out;
}

# The same three, writing the configuration first:
#   $t->fails(NAME, HTTP, SERVER, MARKER, MESSAGE, %options of expect_emerg)
#   $t->warns(NAME, HTTP, SERVER, MARKER, MESSAGE)
#   $t->passes(NAME, HTTP, SERVER)
sub fails  { my ($self, $name, $http, $server, @rest) = @_; $self->write_config($http, $server); $self->expect_emerg($name, @rest) }
sub warns  { my ($self, $name, $http, $server, @rest) = @_; $self->write_config($http, $server); $self->expect_warn($name, @rest) }
sub passes { my ($self, $name, $http, $server) = @_; $self->write_config($http, $server); $self->expect_clean($name) }

# For hostile operator input, where refusing and accepting may both be
# right: writes the configuration and runs nginx -t (under timeout, $o{as}
# another user). Always asserts that nginx -t ended by itself (exit 0 or 1,
# no signal, no hang). Then, by $o{expect}:
#   error  - fails with an [emerg] at the marker's line of nginx.conf
#            (matching $o{msg}, naming $o{names} when given);
#   ok     - passes without [emerg];
#   either - one of the two, an [emerg] checked as above.
# Returns 1 if the configuration was accepted.
sub outcome {
    my ($self, $name, $http, $server, $marker, %o) = @_;
    $self->write_config($http, $server);
    my $line = $self->line_of($marker);
    my (undef, $out, $st) = $self->test_config(timeout => $o{timeout} || 20, as => $o{as});
    my $sig = $st & 127;
    my $code = $st >> 8;
    Test::More::ok($sig == 0 && ($code == 0 || $code == 1), "$name: nginx -t ends normally (no crash, no hang)")
        or do { Test::More::diag("wait status $st (signal $sig, exit $code; 124 = timed out)\n$out"); return 0 };
    my $accepted = $code == 0;
    my $expect = $o{expect} || 'error';
    if ($expect eq 'ok') {
        Test::More::ok($accepted, "$name: accepted") or Test::More::diag($out);
        Test::More::unlike($out, qr/\[emerg\]/, "$name: no [emerg]");
        return $accepted;
    }
    if ($expect eq 'error') {
        Test::More::ok(!$accepted, "$name: refused") or return 1;
    }
    return 1 if $accepted;
    my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
    Test::More::ok(defined $emerg, "$name: an [emerg] says why") or do { Test::More::diag($out); return 0 };
    Test::More::note($emerg);
    Test::More::like($emerg, qr/ in \Q$self->{dir}\E\/nginx\.conf:$line$/, "$name: names nginx.conf:$line");
    Test::More::like($emerg, $o{msg}, "$name: message") if $o{msg};
    Test::More::like($emerg, qr/\Q$o{names}\E/, "$name: names $o{names}") if $o{names};
    return 0;
}

# Serves together, from a fresh instance, every configuration a
# hostile-input test accepted with outcome(), and checks what each serves:
# @$accepted are [ name, http, server, path, check ], check being
# { same_as => PATH } (the body must be what PATH serves, PATH from
# $o{http} / $o{server}, reference configurations) or a sub taking (the
# decoded body, the response) and returning (pass, what it checked).
# Relative key and metadata file names are taken from $self's prefix.
# Returns the instance, still running.
sub serve_accepted {
    my ($self, $accepted, %o) = @_;
    my $d = $self->{dir};
    my $s = (ref $self)->new;
    my $abs = sub { my ($text) = @_; $text =~ s{(key |metadata_file )(?!/)("?)}{$1$2$d/}g; return $text };
    my ($http, $server) = ($o{http} // '', $o{server} // '');
    my %seen;
    for my $a (@$accepted) {
        my (undef, $h, $sv) = @$a;
        $http .= $abs->($h) unless $seen{$h}++;
        $server .= $abs->($sv) unless $seen{$sv}++;
    }
    $s->write_config($http, $server);
    my ($ok, $out) = $s->test_config;
    Test::More::ok($ok, 'every accepted case together: nginx -t passes') or Test::More::diag($out);
    $s->start;
    my %ref;
    for my $a (@$accepted) {
        my ($name, undef, undef, $path, $check) = @$a;
        my $r = $s->get($path);
        Test::More::is($r->{status}, 200, "served: $name: 200");
        if (ref $check eq 'HASH') {
            $ref{ $check->{same_as} } //= $s->get($check->{same_as})->{body};
            Test::More::is($r->{body}, $ref{ $check->{same_as} }, "served: $name: exactly the JWK Set of the pristine file");
        } else {
            my $doc = json_of($r->{body});
            Test::More::ok($doc, "served: $name: the body is JSON") or do { Test::More::diag($r->{body}); next };
            my ($pass, $what) = $check->($doc, $r);
            Test::More::ok($pass, "served: $name: $what") or Test::More::diag($r->{body});
        }
    }
    log_is_clean($s, 'serving every accepted case: no alert, crit or crash', levels => [qw(alert crit)]);
    return $s;
}

# A name for test titles: bytes outside printable ASCII as \xNN, at most 60.
sub shown {
    my ($s) = @_;
    $s =~ s/([^\x20-\x7e])/sprintf('\\x%02X', ord $1)/ge;
    return length $s > 60 ? substr($s, 0, 60) . '...' : $s;
}

# ================================================================ configuration snippets

# An instance for configuration checks of issuers and resources, with key
# sets k and k2 (an RSA key each), ec (a P-256 key) and both (the RSA key
# of k and the P-256 key). Returns the instance and the http-level text
# that defines the sets.
sub with_key_sets {
    my ($class) = @_;
    my $t = $class->new;
    $t->key('rsa.pem', 'rsa2048');
    $t->key('rsa2.pem', 'rsa2048');
    $t->key('ec.pem', 'p256');
    # Each set is also published by a server of its own, so that a test
    # using only some of them meets no "unused key set" warning.
    return ($t, "    wellknown_keys k { key rsa.pem; }\n"
              . "    wellknown_keys k2 { key rsa2.pem; }\n"
              . "    wellknown_keys ec { key ec.pem; }\n"
              . "    wellknown_keys both { key rsa.pem; key ec.pem; }\n"
              . "    server {\n        listen 127.0.0.1:%%PORT%%;\n        server_name key-sets.test;\n"
              . join('', map { "        location = /$_ { wellknown_jwks $_; }\n" } qw(k k2 ec both))
              . "    }\n");
}

# The start of an [emerg] from a block directive: for an error in one of
# its statements, "[emerg] DIRECTIVE: " (at the statement's line); with a
# URL, for an error found when the documents are built,
# "[emerg] DIRECTIVE "URL": REST" (at the directive's line).
sub directive_error {
    my ($directive, $url, $rest) = @_;
    return qr/\[emerg\] ${LOG_PID}\Q$directive\E: / unless defined $url;
    return qr/\[emerg\] ${LOG_PID}\Q$directive\E "\Q$url\E": $rest/;
}

# The statements an issuer needs for both documents besides its keys:
# endpoints on $base (the issuer's origin), response and subject types.
sub required_members {
    my ($base, $indent) = @_;
    $indent = ' ' x 12 unless defined $indent;
    return "${indent}authorization_endpoint $base/authorize;\n"
         . "${indent}token_endpoint $base/token;\n"
         . "${indent}response_types_supported code;\n"
         . "${indent}subject_types_supported public;\n";
}

# A wellknown_issuer block at server level: `keys K;` (keys => K, default
# k; none with no_keys), the statements of $o{before}, the required members
# (unless no_required), then the statements of @$stmts.
sub issuer_block {
    my ($url, $stmts, %o) = @_;
    my ($base) = $url =~ m{^"?(https?://[^/?#"]+)};
    my $keys = $o{no_keys} ? undef : exists $o{keys} ? $o{keys} : 'k';
    my $s = "        wellknown_issuer $url {\n";
    $s .= "            keys $keys;\n" if defined $keys;
    $s .= "            $_\n" for @{ $o{before} || [] };
    $s .= required_members($base) unless $o{no_required};
    $s .= "            $_\n" for @{ $stmts || [] };
    return $s . "        }\n";
}

# A wellknown_resource block at server level with the statements of @$stmts.
sub resource_block {
    my ($url, $stmts) = @_;
    my $s = "        wellknown_resource $url {\n";
    $s .= "            $_\n" for @{ $stmts || [] };
    return $s . "        }\n";
}

# ================================================================ one of each document

# For tests of unusual requests: generates the keys of three key sets
# (root, t1, loc) and returns the http-level text defining them, a server
# body holding one of each kind of document (a root issuer, a path issuer
# t1, a protected resource api, a wellknown_jwks location at /jwks) and a
# fallback location answering "fallback", and every path the module
# answers with a document, with the document's label ([path, label]; the
# append and insert forms of one document serve the same bytes, so they
# share a label).
sub document_set {
    my ($self) = @_;
    $self->key('root.pem', 'p256');
    $self->key('t1.pem', 'ed25519');
    $self->key('loc.pem', 'p384');
    my $http = "    wellknown_keys root { key root.pem; }\n"
             . "    wellknown_keys t1 { key t1.pem; }\n"
             . "    wellknown_keys loc { key loc.pem; }\n";
    my $server = issuer_block('https://id.example.com', [], keys => 'root')
               . issuer_block('https://id.example.com/t1', [], keys => 't1')
               . resource_block('https://id.example.com/api', ['authorization_servers https://id.example.com/t1;'])
               . "        location = /jwks { wellknown_jwks loc; }\n"
               . "        location / { try_files /.app \@app; }\n"
               . "        location \@app { return 200 \"fallback\"; }\n";
    my @served = (
        [ '/.well-known/openid-configuration',           'root-oidc' ],
        [ '/.well-known/oauth-authorization-server',     'root-as' ],
        [ '/.well-known/jwks.json',                      'root-jwks' ],
        [ '/t1/.well-known/openid-configuration',        't1-oidc' ],
        [ '/.well-known/openid-configuration/t1',        't1-oidc' ],
        [ '/.well-known/oauth-authorization-server/t1',  't1-as' ],
        [ '/t1/.well-known/oauth-authorization-server',  't1-as' ],
        [ '/t1/jwks.json',                               't1-jwks' ],
        [ '/.well-known/oauth-protected-resource/api',   'api-prm' ],
        [ '/jwks',                                       'jwks-loc' ],
    );
    return ($http, $server, \@served);
}

# After start: GETs every path of @$served (document_set), asserting a 200
# and the same bytes for the forms of one document, and that each document
# has its own bytes. Returns the body and the ETag of each label, and
# remembers the worker and the root JWKS for survives().
sub fetch_documents {
    my ($self, $served) = @_;
    my (%doc, %etag);
    for my $s (@$served) {
        my ($path, $label) = @$s;
        my $r = $self->get($path);
        Test::More::is($r->{status}, 200, "baseline $path: 200");
        if (exists $doc{$label}) {
            Test::More::is($r->{body}, $doc{$label}, "baseline $path: same bytes as the other form of $label");
            next;
        }
        $doc{$label} = $r->{body};
        $etag{$label} = header($r, 'etag');
    }
    my %label_of_body = map { $doc{$_} => $_ } keys %doc;
    Test::More::is(scalar keys %label_of_body, scalar keys %doc, 'baseline: every document has its own bytes');
    my @workers = $self->worker_pids;
    Test::More::is(scalar @workers, 1, 'one worker');
    $self->{survival} = { workers => join(',', @workers), jwks => $doc{'root-jwks'}, mark => 0 };
    return (\%doc, \%etag);
}

# document_set, nginx -t and start, fetch_documents, in one: the servers
# $o{more}->($server, $served) returns (other ports, other settings) go
# into the http block too. Returns the bodies and ETags by label and the
# [path, label] list.
sub start_document_set {
    my ($self, %o) = @_;
    my ($http, $server, $served) = $self->document_set;
    $http .= $o{more}->($server, $served) if $o{more};
    $self->write_config($http, $server);
    my ($ok, $out) = $self->test_config;
    Test::More::ok($ok, 'nginx -t accepts the document set and its other servers') or Test::More::diag($out);
    $self->start;
    return ($self->fetch_documents($served), $served);
}

# At the end: the same master and worker throughout, and a clean error log.
sub survived_all {
    my ($self) = @_;
    Test::More::is($self->pid, $self->{master_pid}, 'the same master process throughout');
    Test::More::is(join(',', $self->worker_pids), $self->{survival}{workers},
                   'the same worker process throughout: no worker ever crashed');
    log_is_clean($self, 'no alert, crit, emerg or signal in the whole error log');
}

# After a hostile request: the same worker still serves the next request
# with the exact document, and nothing alarming was logged since the last
# check.
sub survives {
    my ($self, $what) = @_;
    my $s = $self->{survival} or die 'survives() needs fetch_documents() first';
    my $r = $self->get('/.well-known/jwks.json');
    Test::More::is($r->{status}, 200, "$what: the next request is served");
    Test::More::is($r->{body}, $s->{jwks}, "$what: with the exact document");
    Test::More::is(join(',', $self->worker_pids), $s->{workers}, "$what: same worker process (no crash, no respawn)");
    my $log = $self->log_since($s->{mark});
    $s->{mark} += length $log;
    Test::More::unlike($log, qr/\[(alert|crit|emerg)\]|exited on signal|segfault|core dumped/,
                       "$what: no alert, crit or signal in the error log") or Test::More::diag($log);
}

# ================================================================ client-library interop

my $INTEROP = "$T_DIR/interop";
my $PYTHON  = $ENV{INTEROP_PYTHON} || '/usr/bin/python3';   # Debian's, with python3-jwt
my $NODE    = $ENV{NODE} || 'node';

# Stops the whole run (BAIL_OUT) when the interop tools are missing: the
# npm packages @$npm, the Python modules @$python.
sub interop_ready {
    my (%o) = @_;
    for my $pkg (@{ $o{npm} || [] }) {
        Test::More::BAIL_OUT("t/interop/node_modules/$pkg is missing: run `make interop-deps` "
                             . '(npm ci in t/interop; `make t` does it)')
            unless -f "$INTEROP/node_modules/$pkg/package.json";
    }
    my $imports = join ', ', @{ $o{python} || [] };
    Test::More::BAIL_OUT("$PYTHON cannot import $imports: run `make deps`")
        if $imports && system("'$PYTHON' -c 'import $imports' >/dev/null 2>&1") != 0;
    Test::More::BAIL_OUT("`$NODE` is not runnable: run `make deps`")
        if system("$NODE --version >/dev/null 2>&1") != 0;
}

# Runs a Node.js script of t/interop that prints one JSON object, and
# returns it decoded (undef, with a diagnostic, if it printed none).
sub node_json {
    my ($t, $script, @args) = @_;
    my $errfile = $t->path("$script.stderr");
    my $cmd = join(' ', 'timeout', 120 * $SCALE, map { "'$_'" } $NODE, "$INTEROP/$script", @args);
    my $out = `$cmd 2>'$errfile'`;
    my $d = json_of($out);
    Test::More::diag("$script printed no JSON (exit " . ($? >> 8) . "):\n$out\n" . $t->read_file("$script.stderr"))
        unless $d;
    return $d;
}

# Runs an interop script ($cmd: argv) that prints "ok LIB CASE - detail",
# "not ok LIB CASE - detail" or "skip LIB CASE - why" per check, and makes
# each line its own test. A "skip" line is a skipped test where
# $o{may_skip} allows it and a failure otherwise. An expected case ("LIB
# CASE") the script did not report (it crashed or stopped early) fails, and
# so does an exit status that disagrees with the report. $t keeps the
# script's stderr for the diagnostics.
sub interop_checks {
    my ($t, $label, $cmd, $expected, %o) = @_;
    (my $name = $label) =~ s/\W+/-/g;
    my $errfile = $t->path("$name.stderr");
    my $shell = join(' ', 'timeout', 120 * $SCALE, map { "'$_'" } @$cmd) . " 2>'$errfile'";
    local $ENV{PYTHONDONTWRITEBYTECODE} = 1;    # no __pycache__ in the checkout
    my $stdout = `$shell`;
    my $rc = $? >> 8;
    my $stderr = $t->read_file("$name.stderr");

    my (%seen, @stray);
    my $failures = 0;
    for my $l (split /\n/, $stdout) {
        my ($status, $lib, $case, $detail) = $l =~ /^(ok|not ok|skip) (\S+) (\S+) - (.*)$/
            or do { push @stray, $l; next };
        $seen{"$lib $case"}++;
        $failures++ if $status eq 'not ok';
        if ($status eq 'skip' && $o{may_skip}) {
            SKIP: { Test::More::skip("$label: $lib $case: $detail", 1) }
            next;
        }
        Test::More::ok($status eq 'ok', "$label: $lib $case") or Test::More::diag("$lib $case: $detail");
        Test::More::note("$lib $case: $detail") if $status eq 'ok';
    }
    for my $case (@$expected) {
        next if $seen{$case};
        Test::More::fail("$label: $case (reported)");
        Test::More::diag("$label reported nothing for $case (exit $rc)\n$stderr");
    }
    Test::More::is($rc, $failures ? 1 : 0, "$label: exit status agrees with its report")
        or Test::More::diag("stderr:\n$stderr\nother output:\n" . join("\n", @stray));
}

# JWT verification against a served JWKS by PyJWT and jwcrypto
# (t/interop/verify_py.py) and jose (t/interop/verify_jose.mjs), on
# $spec = { keys => [{ name, pem, alg, kid }], forged => [{ name, pem, alg,
# kid_of | kid, expect }] } (see verify_py.py). $url is the JWKS URL. Every
# key verifies and every forgery is rejected, in every library; a library
# may skip a key type it cannot handle at all only with $o{may_skip}.
sub jwt_interop {
    my ($t, $label, $url, $spec, %o) = @_;
    (my $name = $label) =~ s/\W+/-/g;
    my $file = $t->write_file("jwt-$name.json", encode_json($spec));
    my @cases = (map { $_->{name} } @{ $spec->{keys} }, @{ $spec->{forged} || [] });
    interop_checks($t, "$label verify_py.py", [ $PYTHON, "$INTEROP/verify_py.py", $url, $file ],
                   [ map { ("pyjwt $_", "jwcrypto $_") } @cases ], %o);
    interop_checks($t, "$label verify_jose.mjs", [ $NODE, "$INTEROP/verify_jose.mjs", $url, $file ],
                   [ map { "jose $_" } @cases ], %o);
}

# Tokens signed with private keys of $t's prefix (keys/NAME.pem, as the
# examples keep them) verify against the JWKS served at $path. Each of
# @$keys is [NAME, alg, kid]; kid undef means the RFC 7638 thumbprint, which
# the scripts compute, so a pass also proves the served kid is it. Two
# forgeries, signed by an unpublished key of the first key's type (one with
# the first key's kid, one with its own), must be rejected.
my %KEY_TYPE = (rsa => 'rsa2048', p256 => 'p256', p384 => 'p384', p521 => 'p521', ed25519 => 'ed25519');
sub verify_tokens {
    my ($t, $label, $path, $keys) = @_;
    my ($first, $first_alg) = @{ $keys->[0] };
    my ($type) = $first =~ m{(?:^|[-/])([a-z0-9]+)$};
    my $forger = $t->key("unpublished-$label.pem", $KEY_TYPE{$type});
    jwt_interop($t, $label, 'http://127.0.0.1:' . $t->port . $path, {
        keys => [ map { { name => $_->[0], pem => $t->path("keys/$_->[0].pem"), alg => $_->[1], kid => $_->[2] } } @$keys ],
        forged => [
            { name => "$label-forged-borrowed-kid", pem => $forger, alg => $first_alg, kid_of => $first,
              expect => 'bad-signature' },
            { name => "$label-forged-unknown-kid", pem => $forger, alg => $first_alg, kid => undef,
              expect => 'no-key' },
        ],
    });
}

# Discovery interop with real client libraries (t/interop/discover.mjs:
# openid-client, oauth4webapi, jose; t/interop/discover_py.py: PyJWT) on
# $spec = { issuers => [{ name, issuer, pem, alg, jwks_uri }],
#           resources => [{ name, resource, authorization_servers }] };
# every case the scripts' headers promise must be reported ok.
sub discovery_interop {
    my ($t, $label, $spec) = @_;
    my @issuers   = @{ $spec->{issuers} || [] };
    my @resources = @{ $spec->{resources} || [] };
    my $file = $t->write_file("discovery-$label.json", encode_json($spec));
    my @node_cases = (
        (map {
            my ($n, $issuer) = @{$_}{qw(name issuer)};
            ( "openid-client $n-discovery", "openid-client $n-discovery-oauth2",
              "openid-client $n-authorization-url",
              "oauth4webapi $n-oidc", "oauth4webapi $n-oauth2",
              ($issuer =~ m{^https?://[^/]+/.} ? "oauth4webapi $n-issuer-trailing-slash" : ()),
              "jose $n-jwt-kid", "jose $n-jwt-nokid", "jose $n-forged" )
        } @issuers),
        (map { ("oauth4webapi $_->{name}-resource", "oauth4webapi $_->{name}-resource-as") } @resources),
    );
    my @py_cases = map { ("pyjwt $_->{name}-jwt", "pyjwt $_->{name}-forged") } @issuers;
    interop_checks($t, "$label discover.mjs", [ $NODE, "$INTEROP/discover.mjs", $file ], \@node_cases);
    interop_checks($t, "$label discover_py.py", [ $PYTHON, "$INTEROP/discover_py.py", $file ], \@py_cases)
        if @issuers;
}

# ================================================================ the shipped examples

my $EXAMPLES = File::Spec->catdir($T_DIR, File::Spec->updir, 'conf-examples');

# Starts nginx on conf-examples/$file as shipped: paths relative to the
# prefix, the module in modules/, keys generated by file name
# (keys/[DIR/]TYPE.pem or keys/NAME-TYPE.pem), metadata files copied, only
# the port changed: 127.0.0.1:8080 wherever it appears (the demo's issuer
# URLs carry it, as demo.sh writes them). Returns the instance and the
# output of nginx -t.
sub start_example {
    my ($class, $file) = @_;
    my $t = $class->new;
    mkdir $t->path($_) for qw(keys modules tmp);
    chmod 0755, $t->path('tmp');
    File::Copy::copy($MODULE, $t->path('modules/ngx_http_wellknown_module.so')) or die $!;
    open my $fh, '<', "$EXAMPLES/$file" or die "$file: $!";
    my $conf = do { local $/; <$fh> };
    my %seen;
    while ($conf =~ m{\bkey\s+keys/(\S+?)\.pem}g) {
        my $name = $1;
        next if $seen{$name}++;
        my ($type) = $name =~ m{(?:^|[-/])([a-z0-9]+)$};
        die "$file: no key type for keys/$name.pem" unless $type && $KEY_TYPE{$type};
        File::Path::make_path($t->path("keys/$1")) if $name =~ m{^(.*)/};
        $t->key("keys/$name.pem", $KEY_TYPE{$type});
    }
    # Metadata files named relative to the prefix are shipped in conf-examples/.
    while ($conf =~ m{\bmetadata_file\s+(\S+?);}g) {
        my $rel = $1;
        File::Path::make_path($t->path($1)) if $rel =~ m{^(.*)/};
        File::Copy::copy("$EXAMPLES/$rel", $t->path($rel)) or die "$file: metadata_file $rel: $!";
    }
    Test::More::like($conf, qr/listen 127\.0\.0\.1:8080;/, "$file listens on loopback");
    $conf =~ s/127\.0\.0\.1:8080/127.0.0.1:%%PORT%%/g;
    # A second port, for the upstream an example stands in for.
    my $upstream_port = free_port();
    $conf =~ s/127\.0\.0\.1:8081/127.0.0.1:$upstream_port/g;
    ($t->{pid_file}) = $conf =~ /^\s*pid\s+([^;\s]+);/m;
    $t->write_config(undef, undef, raw => $conf);
    my ($ok, $out) = $t->test_config;
    Test::More::ok($ok, "$file passes nginx -t") or Test::More::diag($out);
    $t->start;
    return ($t, $out);
}

# The lines of nginx -t output at $level (warn, emerg).
sub conf_lines {
    my ($out, $level) = @_;
    return grep { /\[\Q$level\E\]/ } split /\n/, $out;
}

# Checks a decoded object against a published schema: %$props maps each
# member the schema lists to 'string' or 'string[]'; @$required must be
# present; with $closed (additionalProperties: false) no other member may
# appear.
sub check_schema {
    my ($what, $obj, $props, $required, $closed) = @_;
    Test::More::is(json_type($obj), 'object', "$what: an object");
    my @missing = grep { !exists $obj->{$_} } @$required;
    Test::More::is_deeply(\@missing, [], "$what: every required member present (@{[ scalar @$required ]})");
    if ($closed) {
        my @extra = grep { !exists $props->{$_} } sort keys %$obj;
        Test::More::is_deeply(\@extra, [], "$what: no member outside the schema (additionalProperties: false)");
    }
    for my $name (sort keys %$props) {
        next unless exists $obj->{$name};
        my $v = $obj->{$name};
        if ($props->{$name} eq 'string[]') {
            Test::More::ok(json_type($v) eq 'array' && !grep({ json_type($_) ne 'string' } @$v),
                           "$what: $name is an array of strings");
        } else {
            Test::More::is(json_type($v), 'string', "$what: $name is a string");
        }
    }
}

# Checks a served JWK Set: exactly the member "keys", one JWK per entry of
# @$expect ({ kid => ..., alg => ... }; kid undef: any), each JWK an RSA
# signing key with exactly the string members alg, e, kid, kty, n, use.
sub check_rsa_jwks {
    my ($what, $r, $expect) = @_;
    Test::More::is($r->{status}, 200, "$what: served");
    Test::More::is(header($r, 'content-type'), 'application/json', "$what: application/json");
    my $jwks = decode_json($r->{body});
    Test::More::is_deeply([sort keys %$jwks], ['keys'], "$what: exactly the member keys");
    Test::More::is(scalar @{ $jwks->{keys} }, scalar @$expect, "$what: " . scalar(@$expect) . ' keys');
    my %kids;
    for my $i (0 .. $#$expect) {
        my $k = $jwks->{keys}[$i] || {};
        my $e = $expect->[$i];
        Test::More::is_deeply([sort keys %$k], [qw(alg e kid kty n use)], "$what: key $i has exactly alg, e, kid, kty, n, use");
        Test::More::is_deeply([grep { json_type($k->{$_}) ne 'string' } sort keys %$k], [], "$what: key $i members are strings");
        Test::More::is($k->{kty}, 'RSA', "$what: key $i kty RSA");
        Test::More::is($k->{alg}, $e->{alg}, "$what: key $i alg $e->{alg}");
        Test::More::is($k->{use}, 'sig', "$what: key $i use sig");
        Test::More::like($k->{n}, qr/^[A-Za-z0-9_-]{342}$/, "$what: key $i n is a base64url 2048-bit modulus");
        Test::More::is($k->{e}, 'AQAB', "$what: key $i e");
        Test::More::is($k->{kid}, $e->{kid}, "$what: key $i kid $e->{kid}") if defined $e->{kid};
        $kids{ $k->{kid} // '' }++;
    }
    Test::More::is(scalar(grep { length } keys %kids), scalar @$expect, "$what: distinct kids");
    return $jwks;
}

1;
