#!/usr/bin/perl
# Signed metadata (signed_metadata_key) and the JWK Set media type
# (wellknown_jwks_type), against the real nginx and real clients:
#   - each document's signed_metadata verifies with jose (jwtVerify through
#     createRemoteJWKSet) and PyJWT (PyJWKClient) against the served JWK
#     Set, its claims being iss and the document's other members;
#     openid-client, oauth4webapi and the MCP SDK's client still accept the
#     documents (t/interop/signed_metadata.mjs, signed_metadata_py.py);
#   - RS256 and EdDSA signatures are the same at every load (so are the
#     ETags), ES256's are not with OpenSSL 3.0;
#   - JWK Sets served as application/json and as application/jwk-set+json:
#     jose's createRemoteJWKSet, PyJWT's PyJWKClient, oauth4webapi's
#     validateJwtAccessToken and openid-client's JARM verification take both;
#   - configuration errors at their file:line.
# One nginx instance, one reload.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

interop_ready(npm => [qw(jose openid-client oauth4webapi @modelcontextprotocol/sdk)], python => ['jwt']);
my $tool = $ENV{WELLKNOWN_JWK} or plan skip_all => 'WELLKNOWN_JWK (build/wellknown-jwk) is not set: run through make t';

my $t = WellKnown::Test->new;
my $d = $t->dir;
$t->make_keys(rsa => 'rsa2048', p256 => 'p256', ed25519 => 'ed25519', p384 => 'p384', other => 'rsa2048');
$t->openssl("openssl pkey -in $d/p256.pem -pubout -out $d/p256-spki.pem");
my $base = 'http://127.0.0.1:' . $t->port;

# ---------------------------------------------------------------- configuration errors

my $keys = "    wellknown_keys root { key rsa.pem kid=2026-q1; key ed25519.pem; }\n"
         . "    wellknown_keys t1 { key p256-spki.pem; }\n"
         . "    wellknown_keys api { key ed25519.pem; }\n";
sub issuer {
    my ($url, @stmts) = @_;
    return issuer_block($url, [ 'allow_http on;', @stmts ], keys => 'root');
}
$t->fails('wellknown_jwks_type with another type', '    wellknown_jwks_type text/plain;  # here', '',
          '# here', qr/wellknown_jwks_type: "text\/plain" is not a JWK Set media type; use application\/json \(the default\) or application\/jwk-set\+json/);
$t->fails('wellknown_jwks_type twice', "    wellknown_jwks_type application/json;\n    wellknown_jwks_type application/json;  # here", '',
          '# here', qr/"wellknown_jwks_type" directive is duplicate/);
$t->fails('signed_metadata_key with a public key', $keys, issuer($base, 'signed_metadata_key p256-spki.pem;  # here'),
          '# here', qr/wellknown_issuer: signed_metadata_key: key file "\Q$d\E\/p256-spki\.pem" holds no private key, so nothing can be signed with it/);
$t->fails('signed_metadata_key with an alg that does not fit', $keys, issuer($base, 'signed_metadata_key p256.pem alg=RS256;  # here'),
          '# here', qr/signed_metadata_key "\Q$d\E\/p256\.pem": alg=RS256 does not fit an EC P-256 key/);
$t->fails('signed_metadata_key and a signed_metadata member', $keys,
          issuer($base, 'signed_metadata_key rsa.pem;', 'signed_metadata eyJ.eyJ.c2ln;  # here'),
          '# here', qr/signed_metadata is given as a member \(in the block\) and signed with signed_metadata_key; remove one of them/);
$t->fails('signed_metadata_key with a key the set does not publish', $keys,
          "        # here\n" . issuer($base, 'signed_metadata_key other.pem;'),
          "wellknown_issuer $base {", qr/wellknown_issuer "\Q$base\E": openid-configuration: signed_metadata_key "\Q$d\E\/other\.pem": the key is not a signing key of the published key set/);

# ---------------------------------------------------------------- serving

my $unpublished_kid = 'meta-2026';
my $http = $keys;
my $server = issuer($base, 'signed_metadata_key rsa.pem;', q{extra authorization_signing_alg_values_supported '["RS256"]';})
           . issuer_block("$base/t1", [ 'allow_http on;', 'documents oauth-authorization-server;', 'signed_metadata_key p256.pem;',
                                        q{extra authorization_signing_alg_values_supported '["ES256"]';} ], keys => 't1')
           . resource_block("$base/api", [ 'keys api;', 'allow_http on;', "authorization_servers $base/t1;",
                                           'signed_metadata_key ed25519.pem;' ])
           . resource_block("$base/unpublished", [ 'allow_http on;', "authorization_servers $base;",
                                                   "signed_metadata_key p384.pem unpublished kid=$unpublished_kid;" ])
           . "        location /t1/ {\n            wellknown_jwks_type application/jwk-set+json;\n"
           . "            try_files /.none \@app;\n        }\n"
           . "        location = /jwks-typed { wellknown_jwks api; wellknown_jwks_type application/jwk-set+json; }\n"
           . "        location = /jwks-plain { wellknown_jwks api; }\n"
           . "        location ~ ^(/t1)?/token\$ {\n            default_type application/json;\n"
           . "            return 200 '{\"access_token\":\"at1\",\"token_type\":\"Bearer\"}';\n        }\n"
           . "        location \@app { return 200 'app'; }\n";
$t->write_config($http, $server);
$t->start_checked('nginx -t accepts signed metadata and both media types', quiet => 'no warning');

my %doc = (
    root => '/.well-known/openid-configuration',
    'root-as' => '/.well-known/oauth-authorization-server',
    t1   => '/t1/.well-known/oauth-authorization-server',
    api  => '/.well-known/oauth-protected-resource/api',
    unpublished => '/.well-known/oauth-protected-resource/unpublished',
);
my (%body, %etag);
for my $name (sort keys %doc) {
    my $r = $t->get($doc{$name});
    is($r->{status}, 200, "$name: served");
    is(header($r, 'content-type'), 'application/json', "$name: a document is application/json whatever wellknown_jwks_type says");
    $body{$name} = $r->{body};
    $etag{$name} = header($r, 'etag');
    my $j = decode_json($r->{body});
    my @names = member_names($r->{body});
    is($names[-1], 'signed_metadata', "$name: signed_metadata is the last member");
    like($j->{signed_metadata}, qr/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "$name: a JWS compact serialisation");
}
sub jwt_part { my ($jwt, $i) = @_; my $p = (split /\./, $jwt)[$i]; $p =~ tr{-_}{+/}; return decode_json(MIME::Base64::decode_base64($p . '=' x ((4 - length($p) % 4) % 4))) }
{
    my $served = decode_json($t->get('/.well-known/jwks.json')->{body});
    my $h = jwt_part(decode_json($body{root})->{signed_metadata}, 0);
    is_deeply($h, { alg => 'RS256', kid => '2026-q1', typ => 'JWT' }, 'root: the header names the kid and alg the key set publishes');
    my (undef, $t1_kid) = (0, `'$tool' --kid '$d/p256-spki.pem'`);
    chomp $t1_kid;
    is(jwt_part(decode_json($body{t1})->{signed_metadata}, 0)->{kid}, $t1_kid,
       't1: signed with the private key, published from the public key: the kid wellknown-jwk prints');
    is_deeply(jwt_part(decode_json($body{unpublished})->{signed_metadata}, 0), { alg => 'ES384', kid => $unpublished_kid, typ => 'JWT' },
              'unpublished: the kid and alg the statement gives');
    isnt(jwt_part(decode_json($body{root})->{signed_metadata}, 1)->{id_token_signing_alg_values_supported}, undef,
         'root openid-configuration: its JWT has the derived id_token_signing_alg_values_supported');
    is(jwt_part(decode_json($body{'root-as'})->{signed_metadata}, 1)->{id_token_signing_alg_values_supported}, undef,
       'root oauth-authorization-server: its own JWT, without it');
}

# JWK Sets: the type wellknown_jwks_type gives, where the request lands.
for my $c ([ '/.well-known/jwks.json', 'application/json', 'an issuer\'s set, default' ],
           [ '/t1/jwks.json', 'application/jwk-set+json', 'an issuer\'s set in a location with application/jwk-set+json' ],
           [ '/api/jwks.json', 'application/json', 'a resource\'s set, default' ],
           [ '/jwks-typed', 'application/jwk-set+json', 'wellknown_jwks with application/jwk-set+json' ],
           [ '/jwks-plain', 'application/json', 'wellknown_jwks, default' ]) {
    my ($path, $type, $what) = @$c;
    my $r = $t->get($path, 'Accept-Encoding' => 'gzip');
    is(header($r, 'content-type'), $type, "$what: $type");
    my $h = $t->request('HEAD', $path);
    is(header($h, 'content-type'), $type, "$what: HEAD too");
}
{
    my $r = $t->get('/t1/nope/.well-known/jwks.json');
    is($r->{status}, 404, 'a discovery path nothing serves, in that location: 404');
    is(header($r, 'content-type'), 'application/json', 'the JSON 404 stays application/json');
}

# ---------------------------------------------------------------- clients

my (undef, $root_rsa_kid) = (0, '2026-q1');
my $spec = $t->write_file('signed.json', encode_json({
    signed => [
        { name => 'root', kind => 'issuer', algorithm => 'oidc', identifier => $base, document => "$base$doc{root}",
          jwks_uri => "$base/.well-known/jwks.json" },
        { name => 'root-as', kind => 'issuer', algorithm => 'oauth2', identifier => $base, document => "$base$doc{'root-as'}",
          jwks_uri => "$base/.well-known/jwks.json" },
        { name => 't1', kind => 'issuer', algorithm => 'oauth2', identifier => "$base/t1", document => "$base$doc{t1}",
          jwks_uri => "$base/t1/jwks.json" },
        { name => 'api', kind => 'resource', identifier => "$base/api", document => "$base$doc{api}",
          jwks_uri => "$base/api/jwks.json" },
    ],
    media => [
        { name => 'application-json', issuer => $base, jwks_uri => "$base/.well-known/jwks.json",
          type => 'application/json', pem => "$d/rsa.pem", alg => 'RS256', kid => $root_rsa_kid },
        { name => 'jwk-set-json', issuer => "$base/t1", jwks_uri => "$base/t1/jwks.json",
          type => 'application/jwk-set+json', pem => "$d/p256.pem", alg => 'ES256',
          kid => decode_json($t->get('/t1/jwks.json')->{body})->{keys}[0]{kid} },
    ],
}));
my @signed = qw(root root-as t1 api);
my @media = qw(application-json jwk-set-json);
interop_checks($t, 'signed_metadata.mjs', [ 'node', "$FindBin::Bin/interop/signed_metadata.mjs", $spec ], [
    (map { ("jose $_-signed-metadata", "oauth4webapi $_-discovery", "mcp $_-discovery",
            ($_ eq 'api' ? () : "openid-client $_-discovery")) } @signed),
    (map { ("jose $_-jwks", "oauth4webapi $_-jwks", "openid-client $_-jwks") } @media),
]);
interop_checks($t, 'signed_metadata_py.py', [ '/usr/bin/python3', "$FindBin::Bin/interop/signed_metadata_py.py", $spec ], [
    (map { "pyjwt $_-signed-metadata" } @signed), (map { "pyjwt $_-jwks" } @media),
]);

# ---------------------------------------------------------------- the same at every load?

is($t->reload, 1, 'reload');
for my $name (sort keys %doc) {
    my $r = $t->get($doc{$name});
    if ($name =~ /^(root|root-as|api)$/) {
        is($r->{body}, $body{$name}, "$name (RS256 / EdDSA): the same signed document after a reload");
        is(header($r, 'etag'), $etag{$name}, "$name: and the same ETag");
    } elsif (OpenSSL_3_0()) {
        isnt($r->{body}, $body{$name}, "$name (ES256 / ES384, OpenSSL 3.0: a random nonce): another signature after a reload");
    }
}
sub OpenSSL_3_0 { `openssl version` =~ /^OpenSSL 3\.[01]\./ }

log_is_clean($t, 'no alert, crit or emerg in the error log');
done_testing;
