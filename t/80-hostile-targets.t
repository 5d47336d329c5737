#!/usr/bin/perl
# Unusual request targets and what they map to: percent-encoded, dot-segment,
# double-slash, NUL, %2F, case and other odd targets reach exactly the
# document that nginx's own location matching would reach. Every target is
# sent to the module's server and to a control server that has a
# `location =` for each path the module serves (returning a label), with
# merge_slashes on and off; the two must agree, and a few are pinned to
# nginx's rules. Query strings are ignored (the same bytes, the same
# ETag); a discovery path no issuer serves is a JSON 404 whatever the
# method; other paths go to the server's locations.
#
# Ports: P1 the module's server (the harness's), P2 its control server, P3
# and P4 the same pair with merge_slashes off.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $P1 = $t->port;
my ($P2, $P3, $P4) = $t->more_ports(3);

sub server_on {
    my ($port, $name, $body, @extra) = @_;
    return "    server {\n        listen 127.0.0.1:$port;\n        server_name $name;\n"
         . join('', map { "        $_\n" } @extra) . $body . "    }\n";
}

my ($doc, $etag, $served) = $t->start_document_set(more => sub {
    my ($module_server, $served) = @_;
    # The control server: nginx's own exact-match locations at the same paths.
    my $control_server = join('', map { "        location = $_->[0] { return 200 \"$_->[1]\"; }\n" } @$served)
        . "        location / { try_files /.app \@app; }\n        location \@app { return 200 \"fallback\"; }\n";
    return server_on($P2, 'control', $control_server)
         . server_on($P3, 'module-noms', $module_server, 'merge_slashes off;')
         . server_on($P4, 'control-noms', $control_server, 'merge_slashes off;');
});
my %label_of_body = map { $doc->{$_} => $_ } keys %$doc;

# What a response to the module's server says was served: a document's
# label, "none" (the fallback location or the module's JSON 404), or the
# status of anything else.
sub module_label {
    my ($r) = @_;
    if ($r->{status} == 200) {
        my $b = decoded_body($r);
        return $label_of_body{$b} if defined $b && exists $label_of_body{$b};
        return 'none' if defined $b && $b eq 'fallback';
        return "200 unknown body";
    }
    if ($r->{status} == 404 && (header($r, 'content-type') // '') eq 'application/json') {
        my $d = json_of($r->{body});
        return 'none' if $d && ($d->{error} // '') eq 'not_found';
    }
    return "HTTP $r->{status}";
}
sub control_label {
    my ($r) = @_;
    if ($r->{status} == 200) {
        return 'none' if $r->{body} eq 'fallback';
        return $r->{body} if exists $doc->{$r->{body}};
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
        my $m = $t->request('GET', $p, port => $mp);
        my $c = $t->request('GET', $p, port => $cp);
        my $ml = module_label($m);
        my $cl = control_label($c);
        (my $shown = $p) =~ s/(.{70}).+/$1.../s;
        $shown =~ s/([^\x21-\x7e])/sprintf('\\x%02X', ord $1)/ge;
        is($ml, $cl, "$mode: $shown: the module serves what `location =` matches ($cl)");
        if (exists $doc->{$ml}) {
            is(header($m, 'etag'), $etag->{$ml}, "$mode: $shown: the ETag of $ml");
        }
        $mapped{"$mode $p"} = $ml;
    }
}

# The classic cases, pinned to nginx's rules so that a change in
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

$t->survives('path mapping');

# ---------------------------------------------------------------- query strings

for my $s ([ '/.well-known/openid-configuration', 'root-oidc' ], [ '/.well-known/openid-configuration/t1', 't1-oidc' ],
           [ '/t1/jwks.json', 't1-jwks' ], [ '/.well-known/oauth-protected-resource/api', 'api-prm' ],
           [ '/jwks', 'jwks-loc' ]) {
    my ($path, $label) = @$s;
    for my $q ('?', '?x=1', '??', '?%00', '?issuer=https%3A%2F%2Fevil.example', '?/../../.well-known/jwks.json',
               '?a=' . ('b' x 4000), '?%zz&&==;', "?\xff\xfe", '?t1', '?#frag') {
        my $r = $t->request('GET', "$path$q");
        (my $shown = substr($q, 0, 30)) =~ s/([^\x21-\x7e])/sprintf('\\x%02X', ord $1)/ge;
        is($r->{body}, $doc->{$label}, "$path$shown: query ignored, the same bytes");
        is(header($r, 'etag'), $etag->{$label}, "$path$shown: the same ETag");
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
    is_json_404($t->request('GET', $p), "unknown: GET $p");
}
for my $m ('POST', 'PUT', 'DELETE', 'PROPFIND', 'OPTIONS') {
    my $r = $t->request($m, '/.well-known/openid-configuration/nope', $m eq 'POST' || $m eq 'PUT' ? (body => 'x') : ());
    is_json_404($r, "unknown: $m /.well-known/openid-configuration/nope (404, not 405)");
}
is_json_404($t->request('HEAD', '/.well-known/openid-configuration/nope'), 'unknown: HEAD', head => 1);
{
    my $r = $t->request('HEAD', '/.well-known/openid-configuration/nope');
    is($r->{trailing}, '', 'unknown: HEAD has no body');
}
# The fallback location keeps everything else.
for my $p ('/nope/jwks.json', '/.well-known/', '/.well-known', '/t1/', '/t1/jwks', '/api') {
    my $r = $t->request('GET', $p);
    is($r->{body}, 'fallback', "not a discovery path: $p goes to the server's locations");
}

$t->survived_all;

done_testing;
