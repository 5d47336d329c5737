#!/usr/bin/perl
# conf-examples/api-platform-authorization-server.conf: an API platform's RSA
# JWKS and its RFC 8414 metadata, both checked against the platform's
# published OpenAPI schemas (JWK and OAuthMetadata, each
# additionalProperties: false), and the JSON 404 / 405 its API reference
# lists.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('api-platform-authorization-server.conf');
is_deeply([WellKnown::Test::conf_lines($out, 'emerg'), WellKnown::Test::conf_lines($out, 'warn')], [], 'API platform: nginx -t without [emerg] or [warn]');
my $iss = 'https://api.archera.ai';

my $jwks_r = $t->get('/.well-known/jwks.json');
WellKnown::Test::check_rsa_jwks('API platform JWKS', $jwks_r, [ { alg => 'RS256' }, { alg => 'RS256' } ]);

my $r = $t->get('/.well-known/oauth-authorization-server');
is($r->{status}, 200, 'API platform: /.well-known/oauth-authorization-server');
is(header($r, 'content-type'), 'application/json', 'API platform: metadata is application/json');
my $doc = decode_json($r->{body});
my %props = (
    issuer => 'string', authorization_endpoint => 'string', token_endpoint => 'string',
    revocation_endpoint => 'string', registration_endpoint => 'string', jwks_uri => 'string',
    response_types_supported => 'string[]', grant_types_supported => 'string[]',
    code_challenge_methods_supported => 'string[]', token_endpoint_auth_methods_supported => 'string[]',
    scopes_supported => 'string[]', service_documentation => 'string',
);
my @required = qw(authorization_endpoint code_challenge_methods_supported grant_types_supported issuer
                  jwks_uri registration_endpoint response_types_supported revocation_endpoint
                  scopes_supported token_endpoint token_endpoint_auth_methods_supported);
WellKnown::Test::check_schema('API platform OAuthMetadata', $doc, \%props, \@required, 1);
is_deeply([sort keys %$doc], [sort keys %props],
          'API platform: exactly the 11 required members and service_documentation');
is_deeply($doc, {
    issuer                                => $iss,
    authorization_endpoint                => "$iss/oauth/authorize",
    token_endpoint                        => "$iss/oauth/token",
    revocation_endpoint                   => "$iss/oauth/revoke",
    registration_endpoint                 => "$iss/oauth/register",
    jwks_uri                              => "$iss/.well-known/jwks.json",
    response_types_supported              => ['code'],
    grant_types_supported                 => [qw(authorization_code refresh_token)],
    code_challenge_methods_supported      => ['S256'],
    token_endpoint_auth_methods_supported => [qw(client_secret_basic client_secret_post none)],
    scopes_supported                      => [qw(read write)],
    service_documentation                 => 'https://docs.archera.ai/api-reference',
}, 'API platform: metadata values');
(my $jwks_path = $doc->{jwks_uri}) =~ s{^\Q$iss\E}{};
is($t->get($jwks_path)->{body}, $jwks_r->{body}, 'API platform: jwks_uri serves the JWKS');

# The API's error responses are JSON: 405 for other methods, 404 for
# discovery paths it does not serve.
for my $path ('/.well-known/jwks.json', '/.well-known/oauth-authorization-server') {
    for my $method (qw(POST PUT DELETE)) {
        is_json_405($t->request($method, $path, $method eq 'DELETE' ? () : (body => '{}')),
                    "API platform: $method $path");
    }
}
for my $path ('/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/other',
              '/other/.well-known/oauth-authorization-server') {
    # Not served here: left to the API, as if the module were not loaded.
    my $r = $t->get($path);
    is($r->{status}, 200, "API platform: GET $path reaches the API");
    is($r->{body}, "the Archera API\n", "API platform: GET $path: the API's answer");
}
is($t->get('/v1/org')->{body}, "the Archera API\n", 'API platform: other paths reach the API');

verify_tokens($t, 'api-platform', '/.well-known/jwks.json',
              [ [ 'current-rsa', 'RS256', undef ], [ 'previous-rsa', 'RS256', undef ] ]);

done_testing;
