package WellKnown::Test;

# A small harness on core Perl for testing ngx_http_wellknown_module against
# the real nginx binary: a temporary prefix, a free loopback port, a config
# written from a template, raw HTTP/1.1 over a socket, and key generation
# through the openssl command line.
#
#   my $t = WellKnown::Test->new;
#   $t->key('rsa.pem', 'rsa2048');
#   $t->write_config('wellknown_keys k { key rsa.pem; }',
#                    'location = /jwks { wellknown_jwks k; }');
#   $t->start;
#   my $r = $t->get('/jwks');   # { status, headers => { lc name => [values] }, body }

use strict;
use warnings;

use Exporter 'import';
use File::Temp ();
use File::Spec;
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes ();
use JSON::PP ();
use MIME::Base64 ();
use Scalar::Util ();

our @EXPORT_OK = qw(decode_json encode_json b64url interop_checks discovery_interop);

sub decode_json { JSON::PP->new->utf8->decode($_[0]) }
sub encode_json { JSON::PP->new->utf8->canonical->encode($_[0]) }

# base64url without padding (RFC 7515 §2).
sub b64url {
    my $s = MIME::Base64::encode_base64($_[0], '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# Every harness object, weakly held, so the END block below can stop any
# nginx still running. It runs before File::Temp's own END (which removes the
# prefix and the pid file), because File::Temp was loaded first.
my @INSTANCES;
END {
    local $?;
    for my $t (grep { defined } @INSTANCES) { $t->stop if $t->{running}; }
}

my $NGINX  = $ENV{NGINX_BIN} || '/usr/sbin/nginx';
my $MODULE = $ENV{MODULE} or die "MODULE (path to the built .so) is not set\n";
# Multiplies every wait below (make test-valgrind sets 10: nginx under
# valgrind starts, reloads and answers many times slower).
my $SCALE  = $ENV{WELLKNOWN_TIME_SCALE} || 1;

sub new {
    my ($class, %opts) = @_;
    my $dir = File::Temp::tempdir('wellknown-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{KEEP});
    # Workers run as nobody when the tests run as root: keep the prefix readable.
    chmod 0755, $dir;
    mkdir "$dir/logs";
    my $self = bless { dir => $dir, port => free_port(), running => 0, %opts }, $class;
    push @INSTANCES, $self;
    Scalar::Util::weaken($INSTANCES[-1]);
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

sub write_file {
    my ($self, $name, $content, $mode) = @_;
    my $path = $self->path($name);
    open my $fh, '>:raw', $path or die "$path: $!";
    print $fh $content;
    close $fh;
    chmod(defined $mode ? $mode : 0644, $path);
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
    return $out;
}

# Runs an openssl command line (or any shell command); dies with its output on failure.
sub openssl {
    my ($self, $cmd) = @_;
    my $out = `$cmd 2>&1`;
    die "command failed: $cmd\n$out" if $?;
    return $out;
}

# Writes nginx.conf: load the module, keep every path under the prefix,
# then $http (http-level directives) and one server on the test port whose
# body is $server. "%%PORT%%" and "%%PREFIX%%" are substituted.
sub write_config {
    my ($self, $http, $server, %opts) = @_;
    $server = '' unless defined $server;
    $http = '' unless defined $http;
    my $dir = $self->{dir};
    my $level = $opts{log_level} || 'info';
    my $main = $opts{main} || '';
    my $conf = <<"CONF";
load_module $MODULE;
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
    return ($NGINX, '-p', "$self->{dir}/", '-c', "$self->{dir}/nginx.conf", @args);
}

sub run_nginx {
    my ($self, @args) = @_;
    my @cmd = $self->nginx_cmd(@args);
    my $cmd = join ' ', map { "'$_'" } @cmd;
    my $out = `$cmd 2>&1`;
    return ($? == 0, $out);
}

# nginx -t: returns (ok, output)
sub test_config { my $self = shift; return $self->run_nginx('-t', '-q'); }

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
        last if $self->worker_pids;
        Time::HiRes::sleep(0.05);
    }
    return $self;
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

sub pid {
    my $self = shift;
    my $pid = $self->read_file('nginx.pid');
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
# Returns 1 if the master took the new configuration into service.
sub reload {
    my $self = shift;
    my @old = $self->worker_pids;
    my $log_before = length $self->read_file('logs/error.log');
    kill 'HUP', $self->pid or die "cannot signal nginx: $!";
    for (1 .. 200 * $SCALE) {
        Time::HiRes::sleep(0.05);
        my $log = substr($self->read_file('logs/error.log'), $log_before);
        return 0 if $log =~ /\[emerg\]/;
        my %old = map { $_ => 1 } @old;
        my @new = grep { !$old{$_} } $self->worker_pids;
        my @still = grep { kill 0, $_ } @old;
        return 1 if @new && !@still;
    }
    die 'reload did not finish';
}

# Stops nginx with `nginx -s stop`; if the pid file is gone, signals the
# master pid recorded at start (never by process name).
sub stop {
    my $self = shift;
    return unless $self->{running};
    my $pid = $self->pid || $self->{master_pid};
    my ($ok) = $self->run_nginx('-s', 'stop');
    kill 'TERM', $pid if !$ok && $pid;
    for (1 .. 100 * $SCALE) {
        last unless $pid && kill 0, $pid;
        Time::HiRes::sleep(0.05);
    }
    $self->{running} = 0;
}

sub DESTROY { my $self = shift; local $?; $self->stop if $self->{running}; }

# Sends raw bytes and reads until the server closes the connection (or a
# short timeout). Returns the raw response bytes.
sub raw {
    my ($self, $request, %opts) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Proto => 'tcp', Timeout => 5 * $SCALE) or die "connect: $!";
    binmode $s;
    print $s $request;
    my $sel = IO::Select->new($s);
    my $buf = '';
    my $deadline = Time::HiRes::time() + ($opts{timeout} || 5) * $SCALE;
    while (Time::HiRes::time() < $deadline) {
        last unless $sel->can_read($deadline - Time::HiRes::time());
        my $n = sysread $s, $buf, 65536, length $buf;
        last unless $n;
    }
    close $s;
    return $buf;
}

# Parses one HTTP/1.x response from the front of $$bufref (removing it).
# HEAD responses and 1xx/204/304 carry no body; otherwise Content-Length.
sub parse_response {
    my ($bufref, $method) = @_;
    my $i = index $$bufref, "\r\n\r\n";
    return undef if $i < 0;
    my $head = substr $$bufref, 0, $i;
    substr($$bufref, 0, $i + 4) = '';
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($proto, $status, $reason) = $status_line =~ m{^(HTTP/\d\.\d) (\d{3}) ?(.*)$} or die "bad status line: $status_line";
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
        if (defined $h{'content-length'}) {
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

# One request over a fresh connection: $t->http('GET', '/path', [Header => value, ...], $body)
# (Host: localhost unless a Host header is given)
sub http {
    my ($self, $method, $path, $headers, $body) = @_;
    $headers ||= [];
    # Host: localhost unless the caller gives its own.
    my $own_host = grep { $_ % 2 == 0 && lc $headers->[$_] eq 'host' } 0 .. $#$headers;
    my $req = "$method $path HTTP/1.1\r\n" . ($own_host ? '' : "Host: localhost\r\n") . "Connection: close\r\n";
    for (my $i = 0; $i < @$headers; $i += 2) {
        $req .= "$headers->[$i]: $headers->[$i + 1]\r\n";
    }
    $req .= 'Content-Length: ' . length($body) . "\r\n" if defined $body;
    $req .= "\r\n";
    $req .= $body if defined $body;
    my $buf = $self->raw($req);
    my $r = parse_response(\$buf, $method) or die "no response to $method $path: [$buf]";
    $r->{trailing} = $buf;
    return $r;
}

sub get { my ($self, $path, @h) = @_; return $self->http('GET', $path, [@h]); }

# Header helper: the single value of header $name (lower-cased), or undef.
sub header {
    my ($r, $name) = @_;
    my $v = $r->{headers}{lc $name};
    return $v ? $v->[0] : undef;
}

# The error log since the test started.
sub error_log { $_[0]->read_file('logs/error.log') }

# Runs an interop script ($cmd: argv) that prints "ok LIB CASE - detail" or
# "not ok LIB CASE - detail" per check, and makes each line its own test. An
# expected case ("LIB CASE") the script did not report (it crashed or
# stopped early) fails, and so does an exit status that disagrees with the
# report. $t keeps the script's stderr for the diagnostics.
sub interop_checks {
    my ($t, $label, $cmd, $expected) = @_;
    (my $name = $label) =~ s/\W+/-/g;
    my $errfile = $t->path("$name.stderr");
    my $shell = join(' ', 'timeout', '120', map { "'$_'" } @$cmd) . " 2>'$errfile'";
    my $stdout = `$shell`;
    my $rc = $? >> 8;
    my $stderr = $t->read_file("$name.stderr");

    my (%seen, @stray);
    my $failures = 0;
    for my $l (split /\n/, $stdout) {
        my ($status, $lib, $case, $detail) = $l =~ /^(ok|not ok) (\S+) (\S+) - (.*)$/
            or do { push @stray, $l; next };
        $seen{"$lib $case"}++;
        $failures++ if $status eq 'not ok';
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

# Discovery interop with real client libraries (t/interop/discover.mjs:
# openid-client, oauth4webapi, jose; t/interop/discover_py.py: PyJWT) on
# $spec = { issuers => [{ name, issuer, pem, alg, jwks_uri }],
#           resources => [{ name, resource, authorization_servers }] };
# every case the scripts' headers promise must be reported ok.
sub discovery_interop {
    my ($t, $label, $spec) = @_;
    my $interop = File::Spec->rel2abs('interop', (File::Spec->splitpath(__FILE__))[1] . '/../..');
    my $python  = $ENV{INTEROP_PYTHON} || '/usr/bin/python3';   # Debian's, with python3-jwt
    my $node    = $ENV{NODE} || 'node';
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
    interop_checks($t, "$label discover.mjs", [ $node, "$interop/discover.mjs", $file ], \@node_cases);
    interop_checks($t, "$label discover_py.py", [ $python, "$interop/discover_py.py", $file ], \@py_cases)
        if @issuers;
}

# The factor WELLKNOWN_TIME_SCALE sets for waits and time bounds (1 unless
# set; make test-valgrind sets 10), for tests that time nginx themselves.
sub time_scale { $SCALE }

# make test-asan and make test-valgrind (mk/hardening.mk) keep every prefix
# (KEEP=1) and scan its logs after the run: note which test started it.
if ($ENV{KEEP}) {
    no warnings 'redefine';
    my $new = \&new;
    *new = sub { my $self = $new->(@_); $self->write_file('.wellknown-test', "$0\n"); $self };
}

# ---------------------------------------------------------------- configuration checks

# The 1-based line of the only line of nginx.conf containing $marker.
sub line_of {
    my ($self, $marker) = @_;
    my @lines = split /\n/, $self->read_file('nginx.conf'), -1;
    my @hits = grep { index($lines[$_], $marker) >= 0 } 0 .. $#lines;
    die "marker '$marker' found " . scalar(@hits) . " times in nginx.conf" unless @hits == 1;
    return $hits[0] + 1;
}

# On the configuration just written: nginx -t must fail with an [emerg]
# matching $msg that names nginx.conf at the line holding $marker. Returns
# (the [emerg] line, the whole output); the [emerg] line is undef if none.
sub expect_emerg {
    my ($self, $name, $marker, $msg) = @_;
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

1;
