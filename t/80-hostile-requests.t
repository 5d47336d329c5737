#!/usr/bin/perl
# Hostile and unusual requests (issue 5 §4, request side), each checked
# against what nginx itself does:
#
#   - path mapping: percent-encoded, dot-segment, double-slash, NUL, %2F,
#     case and other odd request targets reach exactly the document that
#     nginx's own location matching would reach. Every path is sent to the
#     module's server and to a control server that has a `location =` for
#     each path the module serves (returning a label), with merge_slashes on
#     and off; the two must agree, and a few are pinned to nginx's rules;
#   - very long URIs, header lines, header sections, Host and methods: what
#     nginx answers (414, 400 for its internal 494), and that the worker
#     survives (same pid, next request served, no alert/crit/signal);
#   - query strings (ignored: same bytes, same ETag), unknown issuers and
#     documents (JSON 404, whatever the method);
#   - every method: 405 JSON with Allow from the module, except TRACE and
#     CONNECT, which nginx's core refuses (405 HTML) before any module runs;
#   - Range: ignored (200 with the full body, no Content-Range, no
#     Accept-Ranges), RFC 9110 §14.2 lets a server ignore Range;
#   - HTTP/1.0 (with and without keep-alive), HTTP/0.9, pipelining (many
#     requests in one write, and a request trickled in small pieces);
#   - malformed If-None-Match and Accept-Encoding: never a crash, and every
#     answer is 200 with the exact document (identity, or gzip that
#     decompresses to it, only when gzip is acceptable) or a 304 only when
#     the list really names the served ETag.
#
# Ports: P1 the module's server (the harness's), P2 its control server, P3
# and P4 the same pair with merge_slashes off, P5 the module's server with
# nginx's own gzip filter on.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use IO::Select;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use Time::HiRes ();
use WellKnown::Test qw(decode_json);

my $t = WellKnown::Test->new;
$t->key('root.pem', 'p256');
$t->key('t1.pem', 'ed25519');
$t->key('loc.pem', 'p384');

my $P1 = $t->port;
my ($P2, $P3, $P4, $P5);
{
    my %used = ($P1 => 1);
    for my $p (\$P2, \$P3, \$P4, \$P5) {
        my $n;
        do { $n = WellKnown::Test::free_port() } while $used{$n}++;
        $$p = $n;
    }
}

sub issuer_block {
    my ($url, $keys) = @_;
    return "        wellknown_issuer $url {\n"
         . "            keys $keys;\n"
         . "            authorization_endpoint https://id.example.com/authorize;\n"
         . "            token_endpoint https://id.example.com/token;\n"
         . "            response_types_supported code;\n"
         . "            subject_types_supported public;\n"
         . "        }\n";
}

# What the module serves, in each of the module's servers.
my $module_server = issuer_block('https://id.example.com', 'root')
    . issuer_block('https://id.example.com/t1', 't1')
    . "        wellknown_resource https://id.example.com/api {\n"
    . "            authorization_servers https://id.example.com/t1;\n"
    . "        }\n"
    . "        location = /jwks { wellknown_jwks loc; }\n"
    . "        location / { return 200 \"fallback\"; }\n";

# Every path the module answers with a document, and the document's label.
# The append and insert forms of one document serve the same bytes, so they
# share a label.
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
# The control server: nginx's own exact-match locations at the same paths.
my $control_server = join('', map { "        location = $_->[0] { return 200 \"$_->[1]\"; }\n" } @served)
    . "        location / { return 200 \"fallback\"; }\n";

sub server_on {
    my ($port, $name, $body, @extra) = @_;
    return "    server {\n        listen 127.0.0.1:$port;\n        server_name $name;\n"
         . join('', map { "        $_\n" } @extra) . $body . "    }\n";
}

my $http = "    wellknown_keys root { key root.pem; }\n"
         . "    wellknown_keys t1 { key t1.pem; }\n"
         . "    wellknown_keys loc { key loc.pem; }\n"
         . server_on($P2, 'control', $control_server)
         . server_on($P3, 'module-noms', $module_server, 'merge_slashes off;')
         . server_on($P4, 'control-noms', $control_server, 'merge_slashes off;')
         . server_on($P5, 'module-gzip', $module_server,
                     'gzip on;', 'gzip_types application/json;', 'gzip_min_length 1;');

$t->write_config($http, $module_server);
{
    my ($ok, $out) = $t->test_config;
    ok($ok, 'nginx -t accepts the module servers and their control servers') or diag $out;
}
$t->start;
my $master = $t->pid;
my @workers = $t->worker_pids;
is(scalar @workers, 1, 'one worker');

sub hdr { WellKnown::Test::header(@_) }

# Sends @chunks (the request bytes, written in pieces with $o{delay} seconds
# between them) to $port and reads until the server closes the connection or
# $o{timeout} passes. Returns the raw bytes.
sub converse {
    my ($port, $chunks, %o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 5)
        or die "connect $port: $!";
    binmode $s;
    for my $i (0 .. $#$chunks) {
        syswrite $s, $chunks->[$i];
        Time::HiRes::sleep($o{delay}) if $o{delay} && $i < $#$chunks;
    }
    my $sel = IO::Select->new($s);
    my $buf = '';
    my $deadline = Time::HiRes::time() + ($o{timeout} || 5);
    while (Time::HiRes::time() < $deadline) {
        last unless $sel->can_read($deadline - Time::HiRes::time());
        my $n = sysread $s, $buf, 65536, length $buf;
        last unless $n;
    }
    close $s;
    return $buf;
}

# One request on its own connection. Options: port (P1), proto
# (HTTP/1.1), host (localhost; undef: none), headers => [k, v, ...], body,
# keepalive (no Connection: close).
sub req {
    my ($method, $target, %o) = @_;
    my $port = $o{port} || $P1;
    my $proto = exists $o{proto} ? $o{proto} : 'HTTP/1.1';
    my $r = "$method $target" . (length $proto ? " $proto" : '') . "\r\n";
    my $host = exists $o{host} ? $o{host} : 'localhost';
    $r .= "Host: $host\r\n" if defined $host;
    $r .= "Connection: close\r\n" if $proto eq 'HTTP/1.1' && !$o{keepalive};
    my $h = $o{headers} || [];
    for (my $i = 0; $i < @$h; $i += 2) {
        $r .= "$h->[$i]: $h->[$i + 1]\r\n";
    }
    $r .= 'Content-Length: ' . length($o{body}) . "\r\n" if defined $o{body};
    $r .= "\r\n";
    $r .= $o{body} if defined $o{body};
    my $buf = converse($port, [$r]);
    my $res = eval { WellKnown::Test::parse_response(\$buf, $method) };
    return { status => 0, headers => {}, body => '', trailing => '', head => '', raw => $buf } unless $res;
    $res->{trailing} = $buf;
    if (lc(hdr($res, 'transfer-encoding') // '') eq 'chunked') {
        # No Content-Length: parse_response took the rest of the stream.
        $res->{body} = dechunk($res->{body});
    }
    return $res;
}

# The payload of a chunked message body (RFC 9112 §7.1), or undef if the
# framing is broken.
sub dechunk {
    my ($in) = @_;
    my $out = '';
    while ($in =~ s/^([0-9a-fA-F]+)[^\r]*\r\n//) {
        my $n = hex $1;
        return $out if $n == 0;
        return undef if length($in) < $n + 2;
        $out .= substr($in, 0, $n);
        return undef unless substr($in, $n, 2) eq "\r\n";
        substr($in, 0, $n + 2) = '';
    }
    return undef;
}

# The body with any gzip content coding removed (undef if it does not
# decompress).
sub decoded {
    my ($r) = @_;
    my $ce = lc(hdr($r, 'content-encoding') // '');
    return $r->{body} if $ce eq '';
    return undef unless $ce eq 'gzip';
    my $out;
    gunzip(\$r->{body} => \$out) or return undef;
    return $out;
}

sub json_or_undef { my $d = eval { decode_json($_[0]) }; return $d }

# ---------------------------------------------------------------- the documents

my (%doc, %etag);
for my $s (@served) {
    my ($path, $label) = @$s;
    my $r = req('GET', $path);
    is($r->{status}, 200, "baseline $path: 200");
    if (exists $doc{$label}) {
        is($r->{body}, $doc{$label}, "baseline $path: same bytes as the other form of $label");
        next;
    }
    $doc{$label} = $r->{body};
    $etag{$label} = hdr($r, 'etag');
}
my %label_of_body = map { $doc{$_} => $_ } keys %doc;
is(scalar keys %label_of_body, scalar keys %doc, 'baseline: every document has its own bytes');

# What a response to the module's server says was served: a document's
# label, "none" (the fallback location or the module's JSON 404), or the
# status of anything else.
sub module_label {
    my ($r) = @_;
    if ($r->{status} == 200) {
        my $b = decoded($r);
        return $label_of_body{$b} if defined $b && exists $label_of_body{$b};
        return 'none' if defined $b && $b eq 'fallback';
        return "200 unknown body";
    }
    if ($r->{status} == 404 && (hdr($r, 'content-type') // '') eq 'application/json') {
        my $d = json_or_undef($r->{body});
        return 'none' if $d && ($d->{error} // '') eq 'not_found';
    }
    return "HTTP $r->{status}";
}
sub control_label {
    my ($r) = @_;
    if ($r->{status} == 200) {
        return 'none' if $r->{body} eq 'fallback';
        return $r->{body} if exists $doc{$r->{body}};
        return '200 unknown body';
    }
    return "HTTP $r->{status}";
}

# ---------------------------------------------------------------- path mapping

# Request targets as sent on the wire. nginx (ngx_http_parse_complex_uri)
# decodes %XX before it resolves "." and ".." segments and merges slashes
# (with merge_slashes on), so a decoded "." or "/" acts like a literal one;
# a %00 or a ".." above the root is a 400; a decoded "%", "#" or "?" is
# kept literally; matching is case-sensitive; the query never takes part.
my @paths = (
    '/%2Ewell-known/jwks.json', '/%2ewell-known/jwks.json', '/.well-known/./jwks.json',
    '/.well-known/%2E/jwks.json', '/a/../.well-known/jwks.json', '/a/%2E%2E/.well-known/jwks.json',
    '/a/b/../../.well-known/jwks.json', '/../.well-known/jwks.json', '/%2E%2E/.well-known/jwks.json',
    '/.well-known/jwks.json/.', '/.well-known/jwks.json/..', '/.well-known/jwks.json/',
    '/.well-known/jwks.json.', '/.well-known/jwks%2Ejson', '/.well-known/jwks.json/%2e%2e/jwks.json',
    '//.well-known//jwks.json', '///.well-known/jwks.json', '/.well-known///jwks.json',
    '/t1//.well-known/openid-configuration', '/.well-known/openid-configuration//t1',
    '//t1//jwks.json', '/.well-known/jwks.json%00', '/.well-known/jwks.json%00.txt', '/%00/.well-known/jwks.json',
    '/t1%2F.well-known%2Fopenid-configuration', '/.well-known%2Fopenid-configuration%2Ft1',
    '/.well-known/openid-configuration%2Ft1', '/.well-known/oauth-authorization-server%2ft1',
    '/%2Ft1/jwks.json', '/t1%2F%2Fjwks.json', '/t1/x%2F..%2Fjwks.json', '/t1%2f..%2fjwks.json',
    '/t1/.well-known/openid-configuration/../../jwks.json',
    '/.well-known/oauth-protected-resource%2Fapi', '/.well-known/oauth-protected-resource/./api',
    '/.well-known/oauth-protected-resource/x/../api', '/.well-known/oauth-protected-resource//api',
    '/T1/jwks.json', '/.WELL-KNOWN/jwks.json', '/.well-known/JWKS.json', '/.well-known/jwks.JSON',
    '/.well-known/jwks.json;param', '/.well-known/jwks.json#frag', '/.well-known/jwks.json%23frag',
    '/jwks%3Fx', '/jwks%3F', '/jwks/', '/jwks/.', '/jwks%2F', '/./jwks', '/x/../jwks',
    '/.well-known/jwks.json%20', '/.well-known/jwks.json+', "/.well-known\\jwks.json",
    "/.well-known/jwks.json\\", '/%C0%AE%C0%AE/.well-known/jwks.json', "/t1\xC3\xA9/jwks.json",
    '/%25%32%45well-known/jwks.json', '/.well-known/jwks.json%',
    '/.well-known/jwks.json%2', '/.well-known/jwks.json%zz',
    'https://id.example.com/.well-known/jwks.json', 'http://evil.example/t1/jwks.json',
    'http://evil.example:1/.well-known/openid-configuration/t1?x',
    ('/x/..' x 1200) . '/.well-known/jwks.json',
    '/' . ('a/' x 50) . ('../' x 50) . 't1/jwks.json',
);

my %mapped;    # "merge on|off path" => label
for my $pair ([ 'merge_slashes on', $P1, $P2 ], [ 'merge_slashes off', $P3, $P4 ]) {
    my ($mode, $mp, $cp) = @$pair;
    for my $p (@paths) {
        my $m = req('GET', $p, port => $mp);
        my $c = req('GET', $p, port => $cp);
        my $ml = module_label($m);
        my $cl = control_label($c);
        (my $shown = $p) =~ s/(.{70}).+/$1.../s;
        $shown =~ s/([^\x21-\x7e])/sprintf('\\x%02X', ord $1)/ge;
        is($ml, $cl, "$mode: $shown: the module serves what `location =` matches ($cl)");
        if (exists $doc{$ml}) {
            is(hdr($m, 'etag'), $etag{$ml}, "$mode: $shown: the ETag of $ml");
        }
        $mapped{"$mode $p"} = $ml;
    }
}

# The cases issue 5 names, pinned to nginx's rules so that a change in
# nginx (or in this test's control server) shows.
my %pinned = (
    'merge_slashes on /%2Ewell-known/jwks.json'                => 'root-jwks',   # %2E decoded to "."
    'merge_slashes on /.well-known/./jwks.json'                => 'root-jwks',   # "." segment removed
    'merge_slashes on /a/../.well-known/jwks.json'             => 'root-jwks',   # ".." segment resolved
    'merge_slashes on /a/%2E%2E/.well-known/jwks.json'         => 'root-jwks',   # decoded ".." resolved too
    'merge_slashes on /../.well-known/jwks.json'               => 'HTTP 400',    # ".." above the root
    'merge_slashes on //.well-known//jwks.json'                => 'root-jwks',   # slashes merged
    'merge_slashes off //.well-known//jwks.json'               => 'none',        # kept: no location matches
    'merge_slashes on /.well-known/jwks.json%00'               => 'HTTP 400',    # NUL refused by the parser
    'merge_slashes off /.well-known/jwks.json%00'              => 'HTTP 400',
    'merge_slashes on /t1%2F.well-known%2Fopenid-configuration' => 't1-oidc',    # %2F decoded to "/"
    'merge_slashes on /.well-known/openid-configuration%2Ft1'  => 't1-oidc',
    'merge_slashes on /T1/jwks.json'                           => 'none',        # case-sensitive
    'merge_slashes on /.well-known/jwks.json%23frag'           => 'none',        # decoded "#" kept literally
    'merge_slashes on https://id.example.com/.well-known/jwks.json' => 'root-jwks', # absolute form
);
for my $k (sort keys %pinned) {
    is($mapped{$k}, $pinned{$k}, "nginx rule: $k -> $pinned{$k}");
}

# ---------------------------------------------------------------- survival helpers

my $log_mark = 0;
# After a hostile request: the same worker still serves the next request,
# and nothing alarming was logged since the last check.
sub survives {
    my ($what) = @_;
    my $r = req('GET', '/.well-known/jwks.json');
    is($r->{status}, 200, "$what: the next request is served");
    is($r->{body}, $doc{'root-jwks'}, "$what: with the exact document");
    is(join(',', $t->worker_pids), join(',', @workers), "$what: same worker process (no crash, no respawn)");
    my $log = substr($t->error_log, $log_mark);
    $log_mark += length $log;
    unlike($log, qr/\[(alert|crit|emerg)\]|exited on signal|segfault|core dumped/, "$what: no alert, crit or signal in the error log")
        or diag $log;
}

sub check_json_404 {
    my ($r, $what, %o) = @_;
    is($r->{status}, 404, "$what: 404");
    is(hdr($r, 'content-type'), 'application/json', "$what: application/json");
    is(hdr($r, 'access-control-allow-origin'), '*', "$what: Access-Control-Allow-Origin *");
    return if $o{head};
    is(hdr($r, 'content-length'), length $r->{body}, "$what: Content-Length is the body length");
    my $d = json_or_undef($r->{body});
    is($d && $d->{error}, 'not_found', "$what: {\"error\":\"not_found\"}") or diag $r->{body};
}

survives('path mapping');

# ---------------------------------------------------------------- long URIs and headers

# nginx reads the request line and headers into client_header_buffer_size
# (1k) and then large_client_header_buffers (4 x 8k): a request line longer
# than one large buffer is a 414, a header line longer than one is a 400
# ("Request Header Or Cookie Too Large", nginx's internal 494), and so is a
# header section that does not fit in the four buffers.
{
    my $r = req('GET', '/.well-known/openid-configuration/' . ('a' x 9000));
    is($r->{status}, 414, '9 KB path: 414 from nginx');
    survives('9 KB path');

    $r = req('GET', '/.well-known/openid-configuration?' . ('q' x 9000));
    is($r->{status}, 414, '9 KB query: 414 from nginx');
    survives('9 KB query');

    $r = req('GET', '/' . ('a' x 100000) . '/.well-known/jwks.json');
    is($r->{status}, 414, '100 KB path: 414 from nginx');
    survives('100 KB path');

    # Just under the limit, the module itself sees the long URI.
    check_json_404(req('GET', '/.well-known/openid-configuration/' . ('a' x 7000)),
                   '7 KB path under /.well-known/openid-configuration/ (module: JSON 404)');
    check_json_404(req('GET', '/' . ('a/' x 3500) . '.well-known/openid-configuration'),
                   '7 KB deep path ending in /.well-known/openid-configuration (module: JSON 404)');
    check_json_404(req('GET', ('/.well-known/jwks.jsonx' x 300) . '/.well-known/jwks.json/'),
                   '7 KB path repeating a document name, then one that ends in "/" (module: JSON 404)');
    $r = req('GET', '/.well-known/openid-configuration?' . ('q' x 7000));
    is($r->{status}, 200, '7 KB query: 200');
    is($r->{body}, $doc{'root-oidc'}, '7 KB query: the document');
    survives('7 KB URIs');

    $r = req('GET', '/.well-known/jwks.json', headers => ['X-Long' => 'v' x 9000]);
    is($r->{status}, 400, '9 KB header line: 400 from nginx');
    like($r->{body}, qr/Request Header Or Cookie Too Large/, '9 KB header line: nginx\'s 494 page');
    survives('9 KB header line');

    $r = req('GET', '/.well-known/jwks.json', headers => [('N' x 9000) => 'v']);
    is($r->{status}, 400, '9 KB header name: 400 from nginx');
    survives('9 KB header name');

    $r = req('GET', '/.well-known/jwks.json', headers => [map { ("X-H$_" => 'v' x 1000) } 1 .. 40]);
    is($r->{status}, 400, '40 KB of headers (40 x 1 KB): 400 from nginx');
    survives('40 KB of headers');

    $r = req('GET', '/.well-known/jwks.json', headers => [map { ("X-H$_" => 'v' x 1000) } 1 .. 25]);
    is($r->{status}, 200, '25 KB of headers (25 x 1 KB, fits the buffers): 200');
    is($r->{body}, $doc{'root-jwks'}, '25 KB of headers: the document');

    $r = req('GET', '/t1/jwks.json', headers => [map { ('X' => 'y') } 1 .. 500]);
    is($r->{status}, 200, '500 tiny headers: 200');
    is($r->{body}, $doc{'t1-jwks'}, '500 tiny headers: the document');

    $r = req('GET', '/.well-known/jwks.json', headers => ['Cookie' => 'c=' . ('x' x 9000)]);
    is($r->{status}, 400, '9 KB Cookie: 400 from nginx');
    $r = req('GET', '/.well-known/jwks.json', headers => ['Cookie' => 'c=' . ('x' x 7000)]);
    is($r->{body}, $doc{'root-jwks'}, '7 KB Cookie: ignored, the document');

    $r = req('GET', '/.well-known/openid-configuration', host => 'h' x 9000);
    is($r->{status}, 400, '9 KB Host: 400 from nginx');
    survives('long headers');

    # The Host header plays no part in what is served (identifiers come
    # from the configuration).
    for my $host ('evil.example', 'h' x 250, 'id.example.com:1', '[::1]', '127.0.0.1') {
        my $r = req('GET', '/t1/.well-known/openid-configuration', host => $host);
        is($r->{body}, $doc{'t1-oidc'}, "Host: $host: the same document") or diag $r->{head};
    }
    for my $host ('../../etc', "bad\x01host", 'a/b') {
        my $r = req('GET', '/t1/.well-known/openid-configuration', host => $host);
        is($r->{status}, 400, "Host: invalid (" . ($host =~ s/[^\x21-\x7e]/?/gr) . "): 400 from nginx");
    }
    $r = req('GET', '/t1/.well-known/openid-configuration', headers => ['X-Forwarded-Host' => 'evil.example',
         'Forwarded' => 'host=evil.example;proto=http', 'X-Forwarded-Proto' => 'http']);
    is($r->{body}, $doc{'t1-oidc'}, 'Forwarded / X-Forwarded-*: ignored, the same document');
    like($r->{body}, qr/"issuer":"https:\/\/id\.example\.com\/t1"/, 'the issuer is the configured one');

    # The module echoes Access-Control-Request-Headers: a 7 KB value.
    my $v = join ', ', map { "x-header-$_" } 1 .. 600;
    $v = substr($v, 0, 7000);
    $r = req('OPTIONS', '/.well-known/jwks.json', headers => ['Access-Control-Request-Method' => 'GET',
                                                               'Access-Control-Request-Headers' => $v]);
    is($r->{status}, 204, '7 KB Access-Control-Request-Headers: 204');
    is(hdr($r, 'access-control-allow-headers'), $v, '7 KB Access-Control-Request-Headers: echoed exactly');
    $r = req('OPTIONS', '/.well-known/jwks.json', headers => ['Access-Control-Request-Headers' => '']);
    is($r->{status}, 204, 'empty Access-Control-Request-Headers: 204');
    survives('long preflight');
}

# ---------------------------------------------------------------- query strings

for my $s ([ '/.well-known/openid-configuration', 'root-oidc' ], [ '/.well-known/openid-configuration/t1', 't1-oidc' ],
           [ '/t1/jwks.json', 't1-jwks' ], [ '/.well-known/oauth-protected-resource/api', 'api-prm' ],
           [ '/jwks', 'jwks-loc' ]) {
    my ($path, $label) = @$s;
    for my $q ('?', '?x=1', '??', '?%00', '?issuer=https%3A%2F%2Fevil.example', '?/../../.well-known/jwks.json',
               '?a=' . ('b' x 4000), '?%zz&&==;', "?\xff\xfe", '?t1', '?#frag') {
        my $r = req('GET', "$path$q");
        (my $shown = substr($q, 0, 30)) =~ s/([^\x21-\x7e])/sprintf('\\x%02X', ord $1)/ge;
        is($r->{body}, $doc{$label}, "$path$shown: query ignored, the same bytes");
        is(hdr($r, 'etag'), $etag{$label}, "$path$shown: the same ETag");
    }
}

# ---------------------------------------------------------------- unknown issuers and documents

for my $p ('/T1/.well-known/openid-configuration', '/t1/t1/.well-known/openid-configuration',
           '/.well-known/openid-configuration/t1/t1', '/.well-known/oauth-authorization-server/nope',
           '/.well-known/oauth-protected-resource/API', '/.well-known/oauth-protected-resource/api/',
           '/t1/x/.well-known/oauth-authorization-server', '/api/.well-known/openid-configuration',
           '/.well-known/openid-configuration/.well-known/openid-configuration',
           '/.well-known/oauth-authorization-server/.well-known/jwks.json',
           '/nope/.well-known/jwks.json/x', '/.well-known/jwks.json/t1',
           '/.well-known/openid-configuration/%C3%A9', '/.well-known/openid-configuration/t1%20') {
    check_json_404(req('GET', $p), "unknown: GET $p");
}
for my $m ('POST', 'PUT', 'DELETE', 'PROPFIND', 'OPTIONS') {
    my $r = req($m, '/.well-known/openid-configuration/nope', $m eq 'POST' || $m eq 'PUT' ? (body => 'x') : ());
    check_json_404($r, "unknown: $m /.well-known/openid-configuration/nope (404, not 405)");
}
check_json_404(req('HEAD', '/.well-known/openid-configuration/nope'), 'unknown: HEAD', head => 1);
{
    my $r = req('HEAD', '/.well-known/openid-configuration/nope');
    is($r->{trailing}, '', 'unknown: HEAD has no body');
}
# The fallback location keeps everything else.
for my $p ('/nope/jwks.json', '/.well-known/', '/.well-known', '/t1/', '/t1/jwks', '/api') {
    my $r = req('GET', $p);
    is($r->{body}, 'fallback', "not a discovery path: $p goes to the server's locations");
}

# ---------------------------------------------------------------- methods

sub check_405 {
    my ($r, $what) = @_;
    is($r->{status}, 405, "$what: 405");
    is(hdr($r, 'allow'), 'GET, HEAD, OPTIONS', "$what: Allow: GET, HEAD, OPTIONS");
    is(hdr($r, 'content-type'), 'application/json', "$what: application/json");
    is(hdr($r, 'content-length'), length $r->{body}, "$what: Content-Length is the body length");
    is((json_or_undef($r->{body}) || {})->{error}, 'method_not_allowed', "$what: method_not_allowed");
}

my @doc_paths = ('/.well-known/openid-configuration', '/t1/jwks.json', '/.well-known/oauth-protected-resource/api', '/jwks');
for my $path (@doc_paths) {
    for my $m (qw(POST PUT DELETE PATCH PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK SEARCH REPORT MKACTIVITY FOO)) {
        my %body = ($m =~ /^(POST|PUT|PATCH|PROPFIND)$/) ? (body => '<?xml version="1.0"?><x/>') : ();
        check_405(req($m, $path, %body), "$m $path");
    }
    check_405(req('A' x 32, $path), "a 32-letter extension method on $path");
    # nginx's core refuses TRACE and CONNECT itself, while it reads the
    # request headers (ngx_http_process_request_header), before any phase
    # handler or content handler runs: its own HTML 405, not the module's.
    for my $m ('TRACE', 'CONNECT') {
        my $r = req($m, $path);
        is($r->{status}, 405, "$m $path: 405 from nginx's core");
        like(hdr($r, 'content-type') // '', qr{^text/html}, "$m $path: nginx's HTML page (the module never runs)");
        ok(!defined hdr($r, 'access-control-allow-origin'), "$m $path: no module headers");
    }
    # Methods are case-sensitive tokens; nginx accepts only upper-case letters.
    is(req('get', $path)->{status}, 400, "lower-case get $path: 400 from nginx");
    is(req('GET', $path)->{status}, 200, "GET $path: 200");
    is(req('HEAD', $path)->{status}, 200, "HEAD $path: 200");
    is(req('OPTIONS', $path)->{status}, 204, "OPTIONS $path: 204");
}
# CONNECT in authority form is a 400 from the request-line parser.
is(req('CONNECT', 'id.example.com:443')->{status}, 400, 'CONNECT host:port: 400 from nginx');
survives('methods');

# ---------------------------------------------------------------- Range

# Decision: Range is ignored (RFC 9110 §14.2: a server MAY ignore it). The
# module never sets r->allow_ranges, so nginx's range filter leaves the
# response alone: 200, the full body, no Content-Range, and no
# Accept-Ranges: bytes that would promise what is not done.
for my $path ('/.well-known/openid-configuration', '/t1/jwks.json', '/.well-known/oauth-protected-resource/api', '/jwks') {
    my $label = module_label(req('GET', $path));
    for my $range ('bytes=0-9', 'bytes=-5', 'bytes=5-', 'bytes=0-0,5-9,20-', 'bytes=0-0,0-0,0-0,0-0',
                   'bytes=999999-', 'bytes=9-0', 'bytes=abc', 'items=0-1', 'bytes=' . join(',', map { "$_-$_" } 0 .. 500)) {
        for my $ifr (undef, $etag{$label}) {
            my $r = req('GET', $path, headers => ['Range' => $range, defined $ifr ? ('If-Range' => $ifr) : ()]);
            my $what = "Range: " . substr($range, 0, 20) . (defined $ifr ? ' with If-Range' : '') . " on $path";
            is($r->{status}, 200, "$what: 200 (ignored)");
            is($r->{body}, $doc{$label}, "$what: the full body");
            ok(!defined hdr($r, 'content-range'), "$what: no Content-Range");
        }
    }
    my $r = req('GET', $path);
    isnt(lc(hdr($r, 'accept-ranges') // ''), 'bytes', "$path: no Accept-Ranges: bytes");
}
survives('Range');

# ---------------------------------------------------------------- HTTP/1.0 and HTTP/0.9

{
    my $r = req('GET', '/t1/.well-known/openid-configuration', proto => 'HTTP/1.0', host => undef);
    is($r->{status}, 200, 'HTTP/1.0 without Host: 200');
    is($r->{body}, $doc{'t1-oidc'}, 'HTTP/1.0 without Host: the document (issuer from the configuration)');
    is(hdr($r, 'content-length'), length $r->{body}, 'HTTP/1.0: Content-Length');
    is($r->{trailing}, '', 'HTTP/1.0: nothing after the body');

    $r = req('GET', '/.well-known/oauth-authorization-server/t1', proto => 'HTTP/1.0',
             headers => ['If-None-Match' => $etag{'t1-as'}]);
    is($r->{status}, 304, 'HTTP/1.0 If-None-Match: 304');
    check_json_404(req('GET', '/.well-known/openid-configuration/nope', proto => 'HTTP/1.0'), 'HTTP/1.0 unknown document');
    check_405(req('DELETE', '/t1/jwks.json', proto => 'HTTP/1.0'), 'HTTP/1.0 DELETE');

    # HTTP/1.0 keep-alive: two requests on one connection.
    my $buf = converse($P1, [
        "GET /.well-known/jwks.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
      . "GET /t1/jwks.json HTTP/1.0\r\n\r\n" ]);
    my $r1 = WellKnown::Test::parse_response(\$buf, 'GET');
    my $r2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($r1 && $r1->{body}, $doc{'root-jwks'}, 'HTTP/1.0 keep-alive: first answered');
    is(lc(hdr($r1, 'connection') // ''), 'keep-alive', 'HTTP/1.0 keep-alive: kept alive');
    is($r2 && $r2->{body}, $doc{'t1-jwks'}, 'HTTP/1.0 keep-alive: second answered on the same connection');
    is($buf, '', 'HTTP/1.0 keep-alive: nothing else');

    # HTTP/0.9: a request line without a version; nginx answers with the
    # body alone.
    $buf = converse($P1, ["GET /t1/jwks.json\r\n"]);
    is($buf, $doc{'t1-jwks'}, 'HTTP/0.9: the body alone, exactly');
    $buf = converse($P1, ["GET /.well-known/openid-configuration/nope\r\n"]);
    is((json_or_undef($buf) || {})->{error}, 'not_found', 'HTTP/0.9 unknown document: the JSON 404 body');

    $r = req('GET', '/t1/jwks.json', proto => 'HTTP/2.0');
    ok($r->{status} >= 400 && $r->{status} < 600, "HTTP/2.0 in an HTTP/1 request line: refused by nginx ($r->{status})");
    $r = req('GET', '/t1/jwks.json', proto => 'HTTP/1.9');
    is($r->{status}, 200, 'HTTP/1.9: nginx treats it as HTTP/1.x, 200');
    is($r->{body}, $doc{'t1-jwks'}, 'HTTP/1.9: the document');
    survives('HTTP versions');
}

# ---------------------------------------------------------------- pipelining

{
    my @reqs = (
        [ GET     => "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'root-oidc' ],
        [ GET     => "GET /.well-known/openid-configuration/t1 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 't1-oidc' ],
        [ HEAD    => "HEAD /t1/jwks.json HTTP/1.1\r\nHost: a\r\n\r\n", 200, undef ],
        [ GET     => "GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: a\r\nIf-None-Match: $etag{'root-as'}\r\n\r\n", 304, undef ],
        [ GET     => "GET /.well-known/openid-configuration/nope HTTP/1.1\r\nHost: a\r\n\r\n", 404, undef ],
        [ PUT     => "PUT /jwks HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"keys\":[]}", 405, undef ],
        [ OPTIONS => "OPTIONS /.well-known/oauth-protected-resource/api HTTP/1.1\r\nHost: a\r\n\r\n", 204, undef ],
        [ GET     => "GET /jwks?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'jwks-loc' ],
        [ GET     => "GET /anything HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'fallback' ],
        [ GET     => "GET /.well-known/oauth-protected-resource/api HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'api-prm' ],
        [ GET     => "GET /t1/.well-known/oauth-authorization-server HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 200, 't1-as' ],
    );
    my $buf = converse($P1, [ join '', map { $_->[1] } @reqs ]);
    my (@status, @bodies_ok);
    for my $q (@reqs) {
        my $r = WellKnown::Test::parse_response(\$buf, $q->[0]);
        push @status, $r ? $r->{status} : 0;
        my $want = defined $q->[3] ? ($doc{$q->[3]} // $q->[3]) : undef;
        push @bodies_ok, (!defined $want || ($r && $r->{body} eq $want)) ? 1 : 0;
    }
    is_deeply(\@status, [map { $_->[2] } @reqs], 'pipelined (11 requests in one write): every status, in order');
    is_deeply(\@bodies_ok, [(1) x @reqs], 'pipelined: every body exact, in order');
    is($buf, '', 'pipelined: nothing left over');

    # 200 requests in one write, cycling through the documents.
    my @cycle = @served;
    my $n = 200;
    my $all = '';
    my @want;
    for my $i (0 .. $n - 1) {
        my ($path, $label) = @{ $cycle[$i % @cycle] };
        $all .= "GET $path HTTP/1.1\r\nHost: a\r\n" . ($i == $n - 1 ? "Connection: close\r\n" : '') . "\r\n";
        push @want, $label;
    }
    $buf = converse($P1, [$all], timeout => 15);
    my $good = 0;
    my $answered = 0;
    for my $i (0 .. $n - 1) {
        my $r = WellKnown::Test::parse_response(\$buf, 'GET') or last;
        $answered++;
        $good++ if $r->{status} == 200 && $r->{body} eq $doc{ $want[$i] };
    }
    is($answered, $n, "pipelined: $n requests in one write, $n responses");
    is($good, $n, "pipelined: all $n bodies exact and in order");
    is($buf, '', "pipelined $n: nothing left over");

    # Trickled: two requests sent a few bytes at a time.
    my $two = "GET /.well-known/openid-configuration/t1 HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\", $etag{'t1-oidc'}\r\n\r\n"
            . "GET /.well-known/oauth-protected-resource/api?q HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    my @chunks = $two =~ /(.{1,7})/gs;
    $buf = converse($P1, \@chunks, delay => 0.002, timeout => 10);
    my $t1 = WellKnown::Test::parse_response(\$buf, 'GET');
    my $t2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($t1 && $t1->{status}, 304, 'trickled in 7-byte pieces: first request 304');
    is($t2 && $t2->{body}, $doc{'api-prm'}, 'trickled: second request, the document');
    survives('pipelining');
}

# ---------------------------------------------------------------- If-None-Match

# The entity tags a field value lists (RFC 9110 §8.8.3, §13.1.2), leniently
# as nginx reads them: comma-separated, optional whitespace, one optional
# "W/" (weak comparison); "*" alone matches anything.
sub inm_matches {
    my ($inm_values, $tag) = @_;
    for my $v (@$inm_values) {
        (my $all = $v) =~ s/^[ \t]+|[ \t]+$//g;
        return 1 if $all eq '*';
        for my $e (split /,/, $v) {
            $e =~ s/^[ \t]+|[ \t]+$//g;
            $e =~ s{^W/}{};
            (my $strong = $tag) =~ s{^W/}{};
            return 1 if $e eq $strong;
        }
    }
    return 0;
}

# A GET/HEAD answer is right for its request: 200 with the exact document
# (identity, or gzip only when Accept-Encoding allows it), or 304 only when
# If-None-Match names the ETag of the representation it stands for.
# $o{inm}: the If-None-Match values sent; $o{ae}: the Accept-Encoding sent
# (undef: none); $o{exact}: the status RFC 9110 requires, if it is clear.
sub gzip_acceptable {
    my ($ae) = @_;
    return 0 unless defined $ae;
    my ($gz, $star);
    for my $el (split /,/, $ae) {
        my ($coding, @params) = split /;/, $el;
        $coding = lc($coding // '');
        $coding =~ s/^[ \t]+|[ \t]+$//g;
        next if $coding eq '';
        my $q = 1;
        for my $p (@params) {
            my ($k, $v) = $p =~ /^[ \t]*([^=]*?)[ \t]*=[ \t]*(.*?)[ \t]*$/ or next;
            next unless lc $k eq 'q';
            $q = ($v =~ /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/) ? $v + 0 : 0;
        }
        if ($coding eq 'gzip' || $coding eq 'x-gzip') { $gz = defined $gz && $gz > $q ? $gz : $q }
        elsif ($coding eq '*') { $star = defined $star && $star > $q ? $star : $q }
    }
    return defined $gz ? $gz > 0 : (defined $star && $star > 0);
}

sub check_answer {
    my ($r, $label, $what, %o) = @_;
    my $inm = $o{inm} || [];
    my $tag = hdr($r, 'etag');
    ok($r->{status} == 200 || $r->{status} == 304, "$what: 200 or 304 (got $r->{status})") or return;
    ok(defined $tag, "$what: ETag present") or return;
    if (defined $o{exact}) {
        is($r->{status}, $o{exact}, "$what: $o{exact} as RFC 9110 requires");
    }
    if ($r->{status} == 304) {
        ok(inm_matches($inm, $tag), "$what: 304 only because If-None-Match names $tag")
            or diag "If-None-Match: @$inm";
        is($r->{body} . $r->{trailing}, '', "$what: 304 has no body");
        return;
    }
    ok($o{lenient_200} || !inm_matches($inm, $tag), "$what: 200 because If-None-Match does not name $tag")
        or diag "If-None-Match: @$inm";
    my $ce = hdr($r, 'content-encoding');
    if (defined $ce) {
        is(lc $ce, 'gzip', "$what: the only content coding is gzip");
        ok($o{any_coding} || gzip_acceptable($o{ae}), "$what: gzip only when Accept-Encoding allows it")
            or diag 'Accept-Encoding: ' . ($o{ae} // '(none)');
        if ($o{module_only}) {
            like(hdr($r, 'vary') // '', qr/accept-encoding/i, "$what: gzip with Vary: Accept-Encoding");
            isnt($tag, $etag{$label}, "$what: the gzip variant has its own ETag");
        }
    }
    is(hdr($r, 'content-length') // length($r->{body}), length $r->{body}, "$what: Content-Length is the body length")
        unless $o{head};
    is(decoded($r), $doc{$label}, "$what: the exact document") unless $o{head};
}

{
    my $path = '/.well-known/openid-configuration/t1';
    my $e = $etag{'t1-oidc'};
    (my $bare = $e) =~ s/"//g;
    my @list300 = map { sprintf '"%020d"', $_ } 1 .. 300;
    my @cases = (
        [ 'exact tag',                     [$e],                          304 ],
        [ 'unquoted tag',                  [$bare],                       200 ],
        [ 'empty',                         [''],                          200 ],
        [ 'whitespace only',               ["  \t "],                     200 ],
        [ '"" (empty tag)',                ['""'],                        200 ],
        [ 'W/ alone',                      ['W/'],                        200 ],
        [ 'W/ with the tag',               ["W/$e"],                      304 ],
        [ 'lower-case w/ (not a weak indicator)', ["w/$e"],               200 ],
        [ 'W/W/ with the tag',             ["W/W/$e"],                    200 ],
        [ 'tag followed by garbage',       ["${e}x"],                     200 ],
        [ 'tag missing its closing quote', [substr($e, 0, -1)],           200 ],
        [ 'tag with an extra leading quote', ["\"$e"],                    200 ],
        [ 'empty list elements around the tag', [",,, $e ,,"],            304 ],
        # nginx 1.22 skips spaces but not a tab before a field value
        # (RFC 9110 §5.5 says both), so it does not find the tag: a 200,
        # never wrong, only a wasted transfer. Pinned so a change shows.
        [ 'tabs around the tag',           ["\t$e\t"],                    'nginx-200' ],
        [ 'spaces around the tag',         ["   $e   "],                  304 ],
        [ '300-tag list (7 KB) ending with the tag', [join(', ', @list300, $e)], 304 ],
        [ '300-tag list without the tag',  [join(', ', @list300)],        200 ],
        [ '300-tag list of W/ tags ending with W/tag', [join(',', (map { "W/$_" } @list300), "W/$e")], 304 ],
        [ '7 KB of one garbage token',     ['g' x 7000],                  200 ],
        [ '7 KB of commas',                [',' x 7000],                  200 ],
        [ '7 KB of quotes',                ['"' x 7000],                  200 ],
        [ 'DEL and 8-bit bytes',           ["\"\x7f\xff\", \x80\xfe"],     200 ],
        [ 'a control byte',                ["\"\x01\", \x02"],               200 ],
        [ 'a weak tag of another value',   ['W/"other"'],                 200 ],
        [ '"*" quoted',                    ['"*"'],                       200 ],
        [ '* with another tag',            ['*, "x"'],                    undef ],
        [ 'the tag inside a longer token', ["x$e"],                       200 ],
    );
    for my $c (@cases) {
        my ($what, $values, $exact) = @$c;
        my $r = req('GET', $path, headers => [map { ('If-None-Match' => $_) } @$values]);
        my $nginx200 = defined $exact && $exact eq 'nginx-200';
        check_answer($r, 't1-oidc', "If-None-Match $what", inm => $values, exact => $nginx200 ? 200 : $exact,
                     lenient_200 => $nginx200);
        my $h = req('HEAD', $path, headers => [map { ('If-None-Match' => $_) } @$values]);
        ok($h->{status} == 200 || $h->{status} == 304, "HEAD If-None-Match $what: 200 or 304");
        is($h->{body} . $h->{trailing}, '', "HEAD If-None-Match $what: no body");
        is($h->{status}, $r->{status}, "HEAD If-None-Match $what: the same answer as GET");
    }
    # If-None-Match is a unique header in nginx 1.22: a second field is a
    # 400 before the module runs.
    for my $c ([ 'two fields', ['"other"', $e] ], [ 'two fields, both the tag', [$e, $e] ]) {
        my ($what, $values) = @$c;
        my $r = req('GET', $path, headers => [map { ('If-None-Match' => $_) } @$values]);
        is($r->{status}, 400, "If-None-Match $what: 400 from nginx");
    }

    # If-Modified-Since next to If-None-Match (RFC 9110 §13.2.2: If-None-Match
    # takes precedence; a 200 is never wrong).
    my $lm = hdr(req('GET', $path), 'last-modified');
    check_answer(req('GET', $path, headers => ['If-None-Match' => '"other"', 'If-Modified-Since' => $lm]),
                 't1-oidc', 'If-None-Match not matching, If-Modified-Since equal', inm => ['"other"'], exact => 200);
    check_answer(req('GET', $path, headers => ['If-Modified-Since' => 'garbage' x 100]),
                 't1-oidc', 'If-Modified-Since garbage', exact => 200);
    check_answer(req('GET', $path, headers => ['If-Modified-Since' => 'Thu, 01 Jan 1970 00:00:00 GMT']),
                 't1-oidc', 'If-Modified-Since at the epoch', exact => 200);
    my $r = req('GET', $path, headers => ['If-Modified-Since' => 'Fri, 31 Dec 9999 23:59:59 GMT']);
    ok($r->{status} == 200 || $r->{status} == 304, 'If-Modified-Since far in the future: 200 or 304, no error');
    # RFC 9110 §13.1.3 says to ignore If-Modified-Since when If-None-Match
    # is present (a 304 here); nginx's not_modified filter needs both to
    # agree and reads an unparsable date as "modified": a 200, which is
    # never wrong, only a wasted transfer. Pinned so a change shows.
    $r = req('GET', $path, headers => ['If-None-Match' => $e, 'If-Modified-Since' => 'garbage']);
    is($r->{status}, 200, 'If-None-Match matching, If-Modified-Since garbage: 200 (nginx checks both)');
    is($r->{body}, $doc{'t1-oidc'}, 'If-None-Match matching, If-Modified-Since garbage: the exact document');
    $r = req('GET', $path, headers => ['If-None-Match' => $e, 'If-Modified-Since' => $lm]);
    is($r->{status}, 304, 'If-None-Match matching, If-Modified-Since equal: 304');

    # A NUL byte in a header value: nginx refuses the request.
    $r = req('GET', $path, headers => ['If-None-Match' => "\"a\0b\""]);
    is($r->{status}, 400, 'If-None-Match with a NUL byte: 400 from nginx');
    survives('If-None-Match');
}

# ---------------------------------------------------------------- Accept-Encoding

# On P1 only the module decides (nginx's gzip filter is off); on P5 nginx's
# gzip filter is on as well. Either way: an encoding only when acceptable,
# and the exact document once decoded.
{
    my @ae = (
        'gzip', 'GZIP', 'x-gzip', 'gzip;q=0', 'gzip; q=0.000', 'gzip;Q=0', 'gzip;q=1.0', 'gzip;q=0.5',
        'deflate, br', 'identity', 'identity;q=0', '*', '*;q=0', '*;q=0, gzip;q=0', 'br;q=1, gzip;q=0',
        'gzip;q=0, gzip;q=1', ';;;,,,===', ',', '', ' ', 'gzip;q=', 'gzip;=1', 'gzip;q',
        "gzip\x01", "\xff\xfe\x80", 'gzip, ' x 1000, join(', ', map { "x-enc-$_;q=0.1" } 1 .. 450) . ', gzip',
        'gzip;' . ('a;' x 3000), 'gzip;q=0.' . ('0' x 5000), 'g' x 7000,
        # Malformed qvalues: RFC 9110 §12.4.2 allows at most three decimals
        # and nothing above 1; what a server does with them is its choice,
        # so these only need a right body.
        'gzip;q=2', 'gzip;q=-1', 'gzip;q=abc', 'gzip;q=0.0001', 'gzip;q=1.5',
    );
    my %lenient = map { $_ => 1 } ('gzip;q=2', 'gzip;q=-1', 'gzip;q=abc', 'gzip;q=0.0001', 'gzip;q=1.5',
                                   'gzip;q=', 'gzip;=1', 'gzip;q', 'gzip;' . ('a;' x 3000));
    for my $port ([ 'module', $P1 ], [ 'gzip on', $P5 ]) {
        my ($where, $p) = @$port;
        for my $s ([ '/.well-known/openid-configuration', 'root-oidc' ], [ '/t1/jwks.json', 't1-jwks' ],
                   [ '/jwks', 'jwks-loc' ]) {
            my ($path, $label) = @$s;
            for my $ae (@ae) {
                (my $shown = substr($ae, 0, 24)) =~ s/([^\x21-\x7e])/sprintf('\\x%02X', ord $1)/ge;
                $shown .= '...' if length $ae > 24;
                my $r = req('GET', $path, port => $p, headers => ['Accept-Encoding' => $ae]);
                # A malformed qvalue may be read either way; nginx's own
                # gzip filter (P5) also has its own reading of them.
                check_answer($r, $label, "[$where] Accept-Encoding '$shown' GET $path", ae => $ae,
                             any_coding => $lenient{$ae}, module_only => $where eq 'module');
            }
            # Conditional requests with each representation's ETag.
            my $gz = req('GET', $path, port => $p, headers => ['Accept-Encoding' => 'gzip']);
            my $gtag = hdr($gz, 'etag');
            for my $ae (undef, 'gzip') {
                for my $tag ($etag{$label}, $gtag) {
                    my $r = req('GET', $path, port => $p,
                                headers => ['If-None-Match' => $tag, defined $ae ? ('Accept-Encoding' => $ae) : ()]);
                    check_answer($r, $label, "[$where] If-None-Match $tag, Accept-Encoding " . ($ae // '(none)') . " $path",
                                 inm => [$tag], ae => $ae, module_only => $where eq 'module');
                }
            }
            my $h = req('HEAD', $path, port => $p, headers => ['Accept-Encoding' => 'gzip']);
            is($h->{status}, 200, "[$where] HEAD with Accept-Encoding gzip $path: 200");
            is($h->{body} . $h->{trailing}, '', "[$where] HEAD with Accept-Encoding gzip $path: no body");
            if (defined hdr($gz, 'content-length')) {
                is(hdr($h, 'content-length'), hdr($gz, 'content-length'),
                   "[$where] HEAD with Accept-Encoding gzip $path: the GET's Content-Length");
            }
            my $plain = req('GET', $path, port => $p);
            ok(!defined hdr($plain, 'content-encoding'), "[$where] no Accept-Encoding $path: identity");
            # Two Accept-Encoding fields (a list split in two, RFC 9110 §5.3).
            for my $two (['br', 'gzip'], ['gzip', 'gzip;q=0'], ['gzip;q=0', 'gzip'], ['identity;q=0', '*;q=0']) {
                my $r = req('GET', $path, port => $p, headers => [map { ('Accept-Encoding' => $_) } @$two]);
                check_answer($r, $label, "[$where] two Accept-Encoding fields (@$two) GET $path",
                             ae => join(', ', @$two), module_only => $where eq 'module');
            }
        }
        note("[$where] gzip served for 'Accept-Encoding: gzip': "
             . (defined hdr(req('GET', '/.well-known/openid-configuration', port => $p, headers => ['Accept-Encoding' => 'gzip']), 'content-encoding')
                ? 'yes' : 'no'));
    }
    survives('Accept-Encoding');
}

# ---------------------------------------------------------------- the end

is($t->pid, $master, 'the same master process throughout');
is(join(',', $t->worker_pids), join(',', @workers), 'the same worker process throughout: no worker ever crashed');
unlike($t->error_log, qr/\[(alert|crit|emerg)\]|exited on signal|segfault/, 'no alert, crit, emerg or signal in the whole error log');

done_testing;
