#!/usr/bin/perl
# Every method, Range, HTTP versions and pipelining against the documents:
#   - every method but GET, HEAD and OPTIONS: the module's JSON 405 with
#     Allow; TRACE and CONNECT are refused by nginx's core before any module
#     runs (how CONNECT is refused depends on the nginx version);
#   - Range: ignored (200 with the full body, no Content-Range, no
#     Accept-Ranges), RFC 9110 §14.2 lets a server ignore Range;
#   - HTTP/1.0 (with and without keep-alive), HTTP/0.9, pipelining (many
#     requests in one write, and a request trickled in small pieces).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my ($doc, $etag, $served) = $t->start_document_set;

# The label of the document a GET of $path gets.
my %label_of_path = map { $_->[0] => $_->[1] } @$served;

# ---------------------------------------------------------------- methods

# nginx 1.29.3 added CONNECT tunnelling (for modules that allow it): its
# request-line parser takes a CONNECT target only in authority form
# (host:port), so `CONNECT /path` is a 400 and `CONNECT host:443` reaches
# the core's method check, a 405. Before, a CONNECT with a path reached the
# core's check (405) and one in authority form was a 400 from the parser.
my $connect_tunnels = WellKnown::Test::nginx_at_least('1.29.3');
note('nginx ' . ($connect_tunnels ? 'parses CONNECT host:port (1.29.3 or later)' : 'refuses CONNECT by method (before 1.29.3)'));

# nginx's core refuses the request itself, while it reads the request
# headers (ngx_http_process_request_header), before any phase handler or
# content handler runs: its own HTML 405, not the module's.
sub core_405 {
    my ($r, $what) = @_;
    is($r->{status}, 405, "$what: 405 from nginx's core");
    like(header($r, 'content-type') // '', qr{^text/html}, "$what: nginx's HTML page (the module never runs)");
    ok(!defined header($r, 'access-control-allow-origin'), "$what: no module headers");
}

my @doc_paths = ('/.well-known/openid-configuration', '/t1/jwks.json', '/.well-known/oauth-protected-resource/api', '/jwks');
for my $path (@doc_paths) {
    for my $m (qw(POST PUT DELETE PATCH PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK SEARCH REPORT MKACTIVITY FOO)) {
        my %body = ($m =~ /^(POST|PUT|PATCH|PROPFIND)$/) ? (body => '<?xml version="1.0"?><x/>') : ();
        is_json_405($t->request($m, $path, %body), "$m $path");
    }
    is_json_405($t->request('A' x 32, $path), "a 32-letter extension method on $path");
    core_405($t->request('TRACE', $path), "TRACE $path");
    if ($connect_tunnels) {
        is($t->request('CONNECT', $path)->{status}, 400, "CONNECT $path: 400 from nginx's request-line parser");
    } else {
        core_405($t->request('CONNECT', $path), "CONNECT $path");
    }
    # Methods are case-sensitive tokens; nginx accepts only upper-case letters.
    is($t->request('get', $path)->{status}, 400, "lower-case get $path: 400 from nginx");
    is($t->request('GET', $path)->{status}, 200, "GET $path: 200");
    is($t->request('HEAD', $path)->{status}, 200, "HEAD $path: 200");
    is($t->request('OPTIONS', $path)->{status}, 204, "OPTIONS $path: 204");
}
# CONNECT in authority form.
if ($connect_tunnels) {
    core_405($t->request('CONNECT', 'id.example.com:443'), 'CONNECT host:port');
} else {
    is($t->request('CONNECT', 'id.example.com:443')->{status}, 400, "CONNECT host:port: 400 from nginx's request-line parser");
}
$t->survives('methods');

# ---------------------------------------------------------------- Range

# Decision: Range is ignored (RFC 9110 §14.2: a server MAY ignore it). The
# module never sets r->allow_ranges, so nginx's range filter leaves the
# response alone: 200, the full body, no Content-Range, and no
# Accept-Ranges: bytes that would promise what is not done.
for my $path ('/.well-known/openid-configuration', '/t1/jwks.json', '/.well-known/oauth-protected-resource/api', '/jwks') {
    my $label = $label_of_path{$path};
    for my $range ('bytes=0-9', 'bytes=-5', 'bytes=5-', 'bytes=0-0,5-9,20-', 'bytes=0-0,0-0,0-0,0-0',
                   'bytes=999999-', 'bytes=9-0', 'bytes=abc', 'items=0-1', 'bytes=' . join(',', map { "$_-$_" } 0 .. 500)) {
        for my $ifr (undef, $etag->{$label}) {
            my $r = $t->request('GET', $path, headers => ['Range' => $range, defined $ifr ? ('If-Range' => $ifr) : ()]);
            my $what = "Range: " . substr($range, 0, 20) . (defined $ifr ? ' with If-Range' : '') . " on $path";
            is($r->{status}, 200, "$what: 200 (ignored)");
            is($r->{body}, $doc->{$label}, "$what: the full body");
            ok(!defined header($r, 'content-range'), "$what: no Content-Range");
        }
    }
    my $r = $t->request('GET', $path);
    isnt(lc(header($r, 'accept-ranges') // ''), 'bytes', "$path: no Accept-Ranges: bytes");
}
$t->survives('Range');

# ---------------------------------------------------------------- HTTP/1.0 and HTTP/0.9

{
    my $r = $t->request('GET', '/t1/.well-known/openid-configuration', proto => 'HTTP/1.0', host => undef);
    is($r->{status}, 200, 'HTTP/1.0 without Host: 200');
    is($r->{body}, $doc->{'t1-oidc'}, 'HTTP/1.0 without Host: the document (issuer from the configuration)');
    is(header($r, 'content-length'), length $r->{body}, 'HTTP/1.0: Content-Length');
    is($r->{trailing}, '', 'HTTP/1.0: nothing after the body');

    $r = $t->request('GET', '/.well-known/oauth-authorization-server/t1', proto => 'HTTP/1.0',
             headers => ['If-None-Match' => $etag->{'t1-as'}]);
    is($r->{status}, 304, 'HTTP/1.0 If-None-Match: 304');
    is_json_404($t->request('GET', '/.well-known/openid-configuration/nope', proto => 'HTTP/1.0'), 'HTTP/1.0 unknown document');
    is_json_405($t->request('DELETE', '/t1/jwks.json', proto => 'HTTP/1.0'), 'HTTP/1.0 DELETE');

    # HTTP/1.0 keep-alive: two requests on one connection.
    my $buf = $t->raw([
        "GET /.well-known/jwks.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
      . "GET /t1/jwks.json HTTP/1.0\r\n\r\n" ]);
    my $r1 = WellKnown::Test::parse_response(\$buf, 'GET');
    my $r2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($r1 && $r1->{body}, $doc->{'root-jwks'}, 'HTTP/1.0 keep-alive: first answered');
    is(lc(header($r1, 'connection') // ''), 'keep-alive', 'HTTP/1.0 keep-alive: kept alive');
    is($r2 && $r2->{body}, $doc->{'t1-jwks'}, 'HTTP/1.0 keep-alive: second answered on the same connection');
    is($buf, '', 'HTTP/1.0 keep-alive: nothing else');

    # HTTP/0.9: a request line without a version; nginx answers with the
    # body alone.
    $buf = $t->raw(["GET /t1/jwks.json\r\n"]);
    is($buf, $doc->{'t1-jwks'}, 'HTTP/0.9: the body alone, exactly');
    $buf = $t->raw(["GET /.well-known/openid-configuration/nope\r\n"]);
    is((json_of($buf) || {})->{error}, 'not_found', 'HTTP/0.9 unknown document: the JSON 404 body');

    $r = $t->request('GET', '/t1/jwks.json', proto => 'HTTP/2.0');
    ok($r->{status} >= 400 && $r->{status} < 600, "HTTP/2.0 in an HTTP/1 request line: refused by nginx ($r->{status})");
    $r = $t->request('GET', '/t1/jwks.json', proto => 'HTTP/1.9');
    is($r->{status}, 200, 'HTTP/1.9: nginx treats it as HTTP/1.x, 200');
    is($r->{body}, $doc->{'t1-jwks'}, 'HTTP/1.9: the document');
    $t->survives('HTTP versions');
}

# ---------------------------------------------------------------- pipelining

{
    my @reqs = (
        [ GET     => "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'root-oidc' ],
        [ GET     => "GET /.well-known/openid-configuration/t1 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 't1-oidc' ],
        [ HEAD    => "HEAD /t1/jwks.json HTTP/1.1\r\nHost: a\r\n\r\n", 200, undef ],
        [ GET     => "GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: a\r\nIf-None-Match: $etag->{'root-as'}\r\n\r\n", 304, undef ],
        [ GET     => "GET /.well-known/openid-configuration/nope HTTP/1.1\r\nHost: a\r\n\r\n", 404, undef ],
        [ PUT     => "PUT /jwks HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"keys\":[]}", 405, undef ],
        [ OPTIONS => "OPTIONS /.well-known/oauth-protected-resource/api HTTP/1.1\r\nHost: a\r\n\r\n", 204, undef ],
        [ GET     => "GET /jwks?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'jwks-loc' ],
        [ GET     => "GET /anything HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'fallback' ],
        [ GET     => "GET /.well-known/oauth-protected-resource/api HTTP/1.1\r\nHost: a\r\n\r\n", 200, 'api-prm' ],
        [ GET     => "GET /t1/.well-known/oauth-authorization-server HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 200, 't1-as' ],
    );
    my $buf = $t->raw([ join '', map { $_->[1] } @reqs ]);
    my (@status, @bodies_ok);
    for my $q (@reqs) {
        my $r = WellKnown::Test::parse_response(\$buf, $q->[0]);
        push @status, $r ? $r->{status} : 0;
        my $want = defined $q->[3] ? ($doc->{$q->[3]} // $q->[3]) : undef;
        push @bodies_ok, (!defined $want || ($r && $r->{body} eq $want)) ? 1 : 0;
    }
    is_deeply(\@status, [map { $_->[2] } @reqs], 'pipelined (11 requests in one write): every status, in order');
    is_deeply(\@bodies_ok, [(1) x @reqs], 'pipelined: every body exact, in order');
    is($buf, '', 'pipelined: nothing left over');

    # 200 requests in one write, cycling through the documents.
    my @cycle = @$served;
    my $n = 200;
    my $all = '';
    my @want;
    for my $i (0 .. $n - 1) {
        my ($path, $label) = @{ $cycle[$i % @cycle] };
        $all .= "GET $path HTTP/1.1\r\nHost: a\r\n" . ($i == $n - 1 ? "Connection: close\r\n" : '') . "\r\n";
        push @want, $label;
    }
    $buf = $t->raw([$all], timeout => 15);
    my $good = 0;
    my $answered = 0;
    for my $i (0 .. $n - 1) {
        my $r = WellKnown::Test::parse_response(\$buf, 'GET') or last;
        $answered++;
        $good++ if $r->{status} == 200 && $r->{body} eq $doc->{ $want[$i] };
    }
    is($answered, $n, "pipelined: $n requests in one write, $n responses");
    is($good, $n, "pipelined: all $n bodies exact and in order");
    is($buf, '', "pipelined $n: nothing left over");

    # Trickled: two requests sent a few bytes at a time.
    my $two = "GET /.well-known/openid-configuration/t1 HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\", $etag->{'t1-oidc'}\r\n\r\n"
            . "GET /.well-known/oauth-protected-resource/api?q HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    my @chunks = $two =~ /(.{1,7})/gs;
    $buf = $t->raw(\@chunks, delay => 0.002, timeout => 10);
    my $t1 = WellKnown::Test::parse_response(\$buf, 'GET');
    my $t2 = WellKnown::Test::parse_response(\$buf, 'GET');
    is($t1 && $t1->{status}, 304, 'trickled in 7-byte pieces: first request 304');
    is($t2 && $t2->{body}, $doc->{'api-prm'}, 'trickled: second request, the document');
    $t->survives('pipelining');
}


$t->survived_all;

done_testing;
