#!/usr/bin/perl
# conf-examples/auth0-custom-domain-openid-provider.conf: an OpenID Provider
# behind an Auth0 custom domain serving its JWKS (two keys under opaque
# kids) and its OpenID Connect discovery document, checked member by member
# against the provider's OIDCConfiguration schema, on one host.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('auth0-custom-domain-openid-provider.conf');
my $iss = 'https://signin.altostrat.io/';
my $base = 'https://signin.altostrat.io';
is_deeply([WellKnown::Test::conf_lines($out, 'emerg')], [], 'OpenID Provider: nginx -t without [emerg]');
my @warn = WellKnown::Test::conf_lines($out, 'warn');
is(scalar @warn, 1, 'OpenID Provider: exactly one [warn]') or diag $out;
like($warn[0] // '', qr/issuer "\Q$iss\E" ends with "\/"/, 'OpenID Provider: the expected warning: trailing "/" in the issuer');

# The key set: the two signing keys under their opaque kids, in order.
my @kids = qw(r4Xq7dKbT2mNvP9sLw3cZ Hj6yFu1eQz8aVn0oBt5gK);
my $jwks_r = $t->get('/.well-known/jwks.json');
WellKnown::Test::check_rsa_jwks('OpenID Provider JWKS', $jwks_r, [ map { { alg => 'RS256', kid => $_ } } @kids ]);

# The discovery document: every member its OIDCConfiguration schema lists, typed.
my $r = $t->get('/.well-known/openid-configuration');
is($r->{status}, 200, 'OpenID Provider: /.well-known/openid-configuration');
is(header($r, 'content-type'), 'application/json', 'OpenID Provider: application/json');
my $doc = decode_json($r->{body});
my %props = (
    (map { $_ => 'string' } qw(issuer authorization_endpoint token_endpoint device_authorization_endpoint
                                userinfo_endpoint mfa_challenge_endpoint jwks_uri registration_endpoint
                                revocation_endpoint end_session_endpoint)),
    (map { $_ => 'string[]' } qw(scopes_supported response_types_supported code_challenge_methods_supported
                                  response_modes_supported subject_types_supported
                                  token_endpoint_auth_methods_supported claims_supported)),
);
is(scalar keys %props, 17, 'OpenID Provider: the schema lists 17 members');
# The schema marks none required and leaves additionalProperties open;
# all 17 are reproduced, plus the member OIDC Discovery §3 requires.
WellKnown::Test::check_schema('OpenID Provider OIDCConfiguration', $doc, \%props, [ sort keys %props ], 0);
is(json_type($doc->{id_token_signing_alg_values_supported}), 'array',
   'OpenID Provider: id_token_signing_alg_values_supported (OIDC Discovery §3) is an array');
is_deeply([sort keys %$doc], [sort(keys(%props), 'id_token_signing_alg_values_supported')],
          "OpenID Provider: exactly the schema's 17 members and id_token_signing_alg_values_supported");
for my $name (grep { $props{$_} eq 'string' } sort keys %props) {
    like($doc->{$name}, qr{^https://signin\.altostrat\.io/}, "OpenID Provider: $name is an https URL on the host (format: uri)");
}
is_deeply($doc, {
    issuer                                => $iss,
    authorization_endpoint                => "$base/authorize",
    token_endpoint                        => "$base/oauth/token",
    device_authorization_endpoint         => "$base/oauth/device/code",
    userinfo_endpoint                     => "$base/userinfo",
    mfa_challenge_endpoint                => "$base/mfa/challenge",
    jwks_uri                              => "$base/.well-known/jwks.json",
    registration_endpoint                 => "$base/oidc/register",
    revocation_endpoint                   => "$base/oauth/revoke",
    end_session_endpoint                  => "$base/oidc/logout",
    scopes_supported                      => [qw(openid profile offline_access name given_name family_name
                                                 nickname email email_verified picture created_at
                                                 identities phone address)],
    response_types_supported              => [ 'code', 'token', 'id_token', 'code token', 'code id_token',
                                               'token id_token', 'code token id_token' ],
    code_challenge_methods_supported      => [qw(S256 plain)],
    response_modes_supported              => [qw(query fragment form_post)],
    subject_types_supported               => ['public'],
    token_endpoint_auth_methods_supported => [qw(client_secret_basic client_secret_post private_key_jwt)],
    claims_supported                      => [qw(aud auth_time created_at email email_verified exp family_name
                                                 given_name iat identities iss name nickname phone_number
                                                 picture sub)],
    id_token_signing_alg_values_supported => ['RS256'],
}, 'OpenID Provider: document values');
(my $jwks_path = $doc->{jwks_uri}) =~ s{^\Q$base\E}{};
is($t->get($jwks_path)->{body}, $jwks_r->{body}, "OpenID Provider: jwks_uri serves the key set");

# Only the two documents the provider publishes: no RFC 8414 document; other methods 405.
# A document not served here is left to the tenant, as if the module were not loaded.
is($t->get('/.well-known/oauth-authorization-server')->{body}, "the Auth0 tenant\n",
   'OpenID Provider: GET /.well-known/oauth-authorization-server reaches the tenant');
is_json_405($t->request('POST', '/.well-known/openid-configuration', body => '{}'),
            'OpenID Provider: POST /.well-known/openid-configuration');
is_json_405($t->request('POST', '/.well-known/jwks.json', body => '{}'), 'OpenID Provider: POST /.well-known/jwks.json');
is($t->get('/authorize?response_type=code')->{body}, "the Auth0 tenant\n", 'OpenID Provider: other paths reach Auth0');

# Clients pick the key by the token's kid.
verify_tokens($t, 'auth0', '/.well-known/jwks.json',
              [ [ 'current-rsa', 'RS256', $kids[0] ], [ 'next-rsa', 'RS256', $kids[1] ] ]);

done_testing;
