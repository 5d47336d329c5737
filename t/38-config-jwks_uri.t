#!/usr/bin/perl
# A jwks_uri given to an issuer or a resource (a statement, or a member of
# its metadata file) must not name a path this server serves for another
# issuer or resource (their key sets, documents), whatever the spelling of
# the origin; an exact-match location at a path the module serves never
# runs, and a warning says so. No server is started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($c, $keys_http) = WellKnown::Test->with_key_sets;

# ---------------------------------------------------------------- given jwks_uri

{
    my $A = 'https://id.example.com/a';
    my $jwks_err = sub { my ($url, $path, $owner) = @_;
        return qr/\[emerg\] ${LOG_PID}wellknown_(?:issuer|resource) "\Q$url\E": jwks_uri names "\Q$path\E", which this server serves for \Q$owner\E/ };
    my $b = issuer_block('https://id.example.com/b', ['keys k2;'], no_keys => 1);
    $c->fails('given jwks_uri naming another issuer\'s key set (defined later)', $keys_http,
          issuer_block($A, ['jwks_uri https://id.example.com/b/jwks.json;']) . $b,
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    $c->fails('given jwks_uri naming another issuer\'s key set (defined earlier)', $keys_http,
          $b . issuer_block($A, ['jwks_uri https://id.example.com/b/jwks.json;']),
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    $c->fails('given jwks_uri naming another issuer\'s jwks_path', $keys_http,
          issuer_block('https://id.example.com/b', ['keys k2;', 'jwks_path /keys/b.json;'], no_keys => 1)
          . issuer_block($A, ['jwks_uri https://id.example.com/keys/b.json;']),
          "wellknown_issuer $A", $jwks_err->($A, '/keys/b.json', 'issuer "https://id.example.com/b"'));
    $c->fails('given jwks_uri (no key set of its own) naming another issuer\'s key set', $keys_http,
          $b . issuer_block($A, ['jwks_uri https://id.example.com/b/jwks.json;', 'id_token_signing_alg_values_supported RS256;'],
                      no_keys => 1),
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    $c->fails('given jwks_uri naming another issuer\'s metadata document', $keys_http,
          $b . issuer_block($A, ['jwks_uri https://id.example.com/.well-known/openid-configuration/b;']),
          "wellknown_issuer $A", $jwks_err->($A, '/.well-known/openid-configuration/b', 'issuer "https://id.example.com/b"'));
    $c->fails('given jwks_uri naming its own metadata document', $keys_http,
          issuer_block($A, ['jwks_uri https://id.example.com/a/.well-known/openid-configuration;']),
          "wellknown_issuer $A", $jwks_err->($A, '/a/.well-known/openid-configuration', "issuer \"$A\""));
    $c->fails('given jwks_uri naming a resource\'s document', $keys_http,
          resource_block('https://api.example.com/api') . issuer_block($A, ['jwks_uri https://id.example.com/.well-known/oauth-protected-resource/api;']),
          "wellknown_issuer $A", $jwks_err->($A, '/.well-known/oauth-protected-resource/api', 'resource "https://api.example.com/api"'));
    $c->fails('given jwks_uri naming a percent-encoded issuer\'s key set', $keys_http,
          issuer_block('https://id.example.com/caf%C3%A9', ['keys k2;'], no_keys => 1)
          . issuer_block($A, ['jwks_uri https://id.example.com/caf%C3%A9/jwks.json;']),
          "wellknown_issuer $A", $jwks_err->($A, "/caf\xC3\xA9/jwks.json", 'issuer "https://id.example.com/caf%C3%A9"'));
    $c->fails('resource\'s given jwks_uri naming an issuer\'s key set', $keys_http,
          $b . resource_block('https://id.example.com/r', ['keys k;', 'jwks_uri https://id.example.com/b/jwks.json;']),
          'wellknown_resource https://id.example.com/r',
          $jwks_err->('https://id.example.com/r', '/b/jwks.json', 'issuer "https://id.example.com/b"'));
    $c->write_file('jwks-b.json', '{"jwks_uri": "https://id.example.com/b/jwks.json"}');
    $c->fails('jwks_uri from a metadata file naming another issuer\'s key set', $keys_http,
          $b . issuer_block($A, ['metadata_file jwks-b.json;']),
          "wellknown_issuer $A", $jwks_err->($A, '/b/jwks.json', 'issuer "https://id.example.com/b"'));

    $c->passes('given jwks_uri naming its own key set', $keys_http,
           $b . issuer_block($A, ['jwks_uri https://id.example.com/a/jwks.json;']));
    $c->passes('given jwks_uri naming its own jwks_path', $keys_http,
           $b . issuer_block($A, ['jwks_path /keys/a.json;', 'jwks_uri https://id.example.com/keys/a.json;']));
    $c->passes('given jwks_uri naming the key set it shares with another issuer', $keys_http,
           issuer_block('https://id.example.com/b') . issuer_block($A, ['jwks_uri https://id.example.com/b/jwks.json;']));
    $c->passes('given jwks_uri on another host', $keys_http,
           $b . issuer_block($A, ['jwks_uri https://keys.example.com/b/jwks.json;']));
    $c->passes('given jwks_uri on another port of the same host', $keys_http,
           $b . issuer_block($A, ['jwks_uri https://id.example.com:8443/b/jwks.json;']));
    $c->passes('given jwks_uri: an unserved path on the same host', $keys_http,
           $b . issuer_block($A, ['jwks_uri https://id.example.com/keys/unserved.json;']));
    $c->passes('given jwks_uri: a wellknown_jwks location is not checked', $keys_http,
           $b . issuer_block($A, ['jwks_uri https://id.example.com/certs;'])
           . "        location = /certs { wellknown_jwks k; }\n");

    # An exact-match location at a path the module serves never runs its
    # own content: a warning names the location, who the module serves the
    # path for, the way out, and the location's own file:line.
    $c->write_config($keys_http, $b . "        location = /b/jwks.json { wellknown_jwks k; }\n");
    my ($ok, $out) = $c->test_config;
    ok($ok, 'location = PATH shadowed by an issuer\'s key set: nginx -t passes') or diag $out;
    my $line = $c->line_of('location = /b/jwks.json');
    like($out, qr/\[warn\] ${LOG_PID}location = \/b\/jwks\.json: the module answers that path for issuer "https:\/\/id\.example\.com\/b" \(key set\), so the location's own content never runs; add "wellknown_serve off;" to the location.* in \S+nginx\.conf:$line\n/,
         'location = PATH shadowed by an issuer\'s key set: [warn] names both, the fix and file:line') or diag $out;
    $c->write_config($keys_http, $b . "        location = /.well-known/openid-configuration/b { return 204; }\n");
    ($ok, $out) = $c->test_config;
    like($out, qr/\[warn\] ${LOG_PID}location = \/\.well-known\/openid-configuration\/b: the module answers that path for .*issuer "https:\/\/id\.example\.com\/b"/,
         'location = PATH shadowed by a document: [warn]') or diag $out;
    # With the module turned off there, the location is the operator's own.
    $c->write_config($keys_http, $b . "        location = /b/jwks.json { wellknown_serve off; wellknown_jwks k; }\n");
    ($ok, $out) = $c->test_config;
    unlike($out, qr/location = \/b\/jwks\.json: the module answers/,
           'location = PATH with wellknown_serve off: no warning') or diag $out;

    # Another spelling of the same origin (RFC 3986 §6.2.2.1 case-insensitive
    # host, §6.2.3 the default port) is the same origin.
    {
        for my $case (['upper-case host', 'https://ID.EXAMPLE.COM/b/jwks.json'],
                      ['explicit default port', 'https://id.example.com:443/b/jwks.json']) {
            my ($what, $uri) = @$case;
            $c->write_config($keys_http, $b . issuer_block($A, ["jwks_uri $uri;"]));
            my ($ok, $out) = $c->test_config;
            ok(!$ok, "given jwks_uri naming another issuer's key set through the $what ($uri): refused")
                or diag $out;
            like($out, qr/jwks_uri names "\/b\/jwks\.json"/, "given jwks_uri via the $what: names the path");
        }
    }
}

done_testing;
