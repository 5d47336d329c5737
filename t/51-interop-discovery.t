#!/usr/bin/perl
# Discovery interop: OAuth/OIDC client libraries discover the issuers that
# wellknown_issuer serves, accept the documents, and verify tokens through
# the jwks_uri they found.
#
#   openid-client 6 (discovery, OIDC and RFC 8414 forms, buildAuthorizationUrl),
#   oauth4webapi 3 (discoveryRequest + processDiscoveryResponse, 'oidc' and
#   'oauth2'), jose 5 (createRemoteJWKSet on the discovered jwks_uri)
#                                                       t/interop/discover.mjs
#   PyJWT 2.6 (PyJWKClient on the discovered jwks_uri)  t/interop/discover_py.py
#
# One server carries a root issuer (RSA key) and a path issuer (P-256 key),
# both plain http on loopback (allow_http on). Every line the scripts report
# is its own test; a case a script did not report fails. A library that
# rejects a document fails its case with the library's own words: the
# scripts never skip.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

interop_ready(npm => [qw(jose openid-client oauth4webapi)], python => [qw(jwt cryptography)]);

my $t = WellKnown::Test->new;

my $port   = $t->port;
my $origin = "http://127.0.0.1:$port";

# name, issuer, key type, JWS alg, jwks_uri the module derives
my @issuers = (
    [ 'root',    $origin,            'rsa2048', 'RS256', "$origin/.well-known/jwks.json" ],
    [ 'tenant1', "$origin/tenant1",  'p256',    'ES256', "$origin/tenant1/jwks.json" ],
);
$t->key("$_->[0].pem", $_->[2]) for @issuers;

my $http = join "\n", map { "    wellknown_keys $_->[0]keys { key $_->[0].pem; }" } @issuers;
my $server = join "\n", map {
    my ($name, $issuer) = @$_;
    <<"ISSUER";
        wellknown_issuer $issuer {
            keys ${name}keys;
            allow_http on;
            authorization_endpoint $issuer/authorize;
            token_endpoint $issuer/token;
            response_types_supported code;
            subject_types_supported public;
            scopes_supported openid profile;
            grant_types_supported authorization_code refresh_token;
            code_challenge_methods_supported S256;
            token_endpoint_auth_methods_supported client_secret_basic private_key_jwt;
        }
ISSUER
} @issuers;
# A protected resource (RFC 9728) whose authorization servers are both
# issuers, the way an MCP server names its authorization server.
my @resources = (
    [ 'mcp', "$origin/mcp", [ $origin, "$origin/tenant1" ] ],
);
$server .= join "\n", map {
    my ($name, $resource, $servers) = @$_;
    <<"RESOURCE";
        wellknown_resource $resource {
            allow_http on;
            authorization_servers @$servers;
            scopes_supported openid profile;
            bearer_methods_supported header;
            resource_name "Interop $name";
        }
RESOURCE
} @resources;
$t->write_config($http, $server);
my ($ok, $out) = $t->test_config;
ok($ok, 'nginx -t accepts a root and a path issuer in one server') or diag $out;
$t->start;

# The documents are there before any library looks (a failure here points
# at the configuration, not at a library).
for my $path ('/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
              '/tenant1/.well-known/openid-configuration', '/.well-known/openid-configuration/tenant1',
              '/.well-known/oauth-authorization-server/tenant1', '/tenant1/.well-known/oauth-authorization-server',
              '/.well-known/jwks.json', '/tenant1/jwks.json', '/.well-known/oauth-protected-resource/mcp') {
    my $r = $t->get($path);
    is($r->{status}, 200, "GET $path") or diag $r->{body};
}

discovery_interop($t, 'interop', {
    issuers => [ map { { name => $_->[0], issuer => $_->[1], pem => $t->path("$_->[0].pem"),
                         alg => $_->[3], jwks_uri => $_->[4] } } @issuers ],
    resources => [ map { { name => $_->[0], resource => $_->[1], authorization_servers => $_->[2] } } @resources ],
});

log_is_clean($t, 'no alerts in the error log');

done_testing;
