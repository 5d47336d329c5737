#!/usr/bin/perl
# Very long request lines, header lines, header sections, Host values and
# preflight headers: what nginx answers (414, 400 for its internal 494),
# that the module sees the longest it lets through, and that the worker
# survives (same pid, next request served, no alert, crit or signal). The
# Host and Forwarded headers play no part in what is served.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my ($doc) = $t->start_document_set;

# ---------------------------------------------------------------- long URIs and headers

# nginx reads the request line and headers into client_header_buffer_size
# (1k) and then large_client_header_buffers (4 x 8k): a request line longer
# than one large buffer is a 414, a header line longer than one is a 400
# ("Request Header Or Cookie Too Large", nginx's internal 494), and so is a
# header section that does not fit in the four buffers.
{
    my $r = $t->request('GET', '/.well-known/openid-configuration/' . ('a' x 9000));
    is($r->{status}, 414, '9 KB path: 414 from nginx');
    $t->survives('9 KB path');

    $r = $t->request('GET', '/.well-known/openid-configuration?' . ('q' x 9000));
    is($r->{status}, 414, '9 KB query: 414 from nginx');
    $t->survives('9 KB query');

    $r = $t->request('GET', '/' . ('a' x 100000) . '/.well-known/jwks.json');
    is($r->{status}, 414, '100 KB path: 414 from nginx');
    $t->survives('100 KB path');

    # Just under the limit, the module itself sees the long URI.
    is_json_404($t->request('GET', '/.well-known/openid-configuration/' . ('a' x 7000)),
                   '7 KB path under /.well-known/openid-configuration/ (module: JSON 404)');
    is_json_404($t->request('GET', '/' . ('a/' x 3500) . '.well-known/openid-configuration'),
                   '7 KB deep path ending in /.well-known/openid-configuration (module: JSON 404)');
    is_json_404($t->request('GET', ('/.well-known/jwks.jsonx' x 300) . '/.well-known/jwks.json/'),
                   '7 KB path repeating a document name, then one that ends in "/" (module: JSON 404)');
    $r = $t->request('GET', '/.well-known/openid-configuration?' . ('q' x 7000));
    is($r->{status}, 200, '7 KB query: 200');
    is($r->{body}, $doc->{'root-oidc'}, '7 KB query: the document');
    $t->survives('7 KB URIs');

    $r = $t->request('GET', '/.well-known/jwks.json', headers => ['X-Long' => 'v' x 9000]);
    is($r->{status}, 400, '9 KB header line: 400 from nginx');
    like($r->{body}, qr/Request Header Or Cookie Too Large/, '9 KB header line: nginx\'s 494 page');
    $t->survives('9 KB header line');

    $r = $t->request('GET', '/.well-known/jwks.json', headers => [('N' x 9000) => 'v']);
    is($r->{status}, 400, '9 KB header name: 400 from nginx');
    $t->survives('9 KB header name');

    $r = $t->request('GET', '/.well-known/jwks.json', headers => [map { ("X-H$_" => 'v' x 1000) } 1 .. 40]);
    is($r->{status}, 400, '40 KB of headers (40 x 1 KB): 400 from nginx');
    $t->survives('40 KB of headers');

    $r = $t->request('GET', '/.well-known/jwks.json', headers => [map { ("X-H$_" => 'v' x 1000) } 1 .. 25]);
    is($r->{status}, 200, '25 KB of headers (25 x 1 KB, fits the buffers): 200');
    is($r->{body}, $doc->{'root-jwks'}, '25 KB of headers: the document');

    $r = $t->request('GET', '/t1/jwks.json', headers => [map { ('X' => 'y') } 1 .. 500]);
    is($r->{status}, 200, '500 tiny headers: 200');
    is($r->{body}, $doc->{'t1-jwks'}, '500 tiny headers: the document');

    $r = $t->request('GET', '/.well-known/jwks.json', headers => ['Cookie' => 'c=' . ('x' x 9000)]);
    is($r->{status}, 400, '9 KB Cookie: 400 from nginx');
    $r = $t->request('GET', '/.well-known/jwks.json', headers => ['Cookie' => 'c=' . ('x' x 7000)]);
    is($r->{body}, $doc->{'root-jwks'}, '7 KB Cookie: ignored, the document');

    $r = $t->request('GET', '/.well-known/openid-configuration', host => 'h' x 9000);
    is($r->{status}, 400, '9 KB Host: 400 from nginx');
    $t->survives('long headers');

    # The Host header plays no part in what is served (identifiers come
    # from the configuration).
    for my $host ('evil.example', 'h' x 250, 'id.example.com:1', '[::1]', '127.0.0.1') {
        my $r = $t->request('GET', '/t1/.well-known/openid-configuration', host => $host);
        is($r->{body}, $doc->{'t1-oidc'}, "Host: $host: the same document") or diag $r->{head};
    }
    for my $host ('../../etc', "bad\x01host", 'a/b') {
        my $r = $t->request('GET', '/t1/.well-known/openid-configuration', host => $host);
        is($r->{status}, 400, "Host: invalid (" . ($host =~ s/[^\x21-\x7e]/?/gr) . "): 400 from nginx");
    }
    $r = $t->request('GET', '/t1/.well-known/openid-configuration', headers => ['X-Forwarded-Host' => 'evil.example',
         'Forwarded' => 'host=evil.example;proto=http', 'X-Forwarded-Proto' => 'http']);
    is($r->{body}, $doc->{'t1-oidc'}, 'Forwarded / X-Forwarded-*: ignored, the same document');
    like($r->{body}, qr/"issuer":"https:\/\/id\.example\.com\/t1"/, 'the issuer is the configured one');

    # The module echoes Access-Control-Request-Headers: a 7 KB value.
    my $v = join ', ', map { "x-header-$_" } 1 .. 600;
    $v = substr($v, 0, 7000);
    $r = $t->request('OPTIONS', '/.well-known/jwks.json', headers => ['Access-Control-Request-Method' => 'GET',
                                                               'Access-Control-Request-Headers' => $v]);
    is($r->{status}, 204, '7 KB Access-Control-Request-Headers: 204');
    is(header($r, 'access-control-allow-headers'), $v, '7 KB Access-Control-Request-Headers: echoed exactly');
    $r = $t->request('OPTIONS', '/.well-known/jwks.json', headers => ['Access-Control-Request-Headers' => '']);
    is($r->{status}, 204, 'empty Access-Control-Request-Headers: 204');
    $t->survives('long preflight');
}


$t->survived_all;

done_testing;
