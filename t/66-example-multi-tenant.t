#!/usr/bin/perl
# conf-examples/multi-tenant.conf: a multi-tenant host with per-tenant and
# shared key sets, a metadata file with overrides, and a tenant restricted
# to one document and one URL form.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('multi-tenant.conf');
is(join("\n", WellKnown::Test::conf_lines($out, 'warn'), WellKnown::Test::conf_lines($out, 'emerg')), '', 'multi-tenant: nginx -t is silent');

my $acme_jwks = $t->get('/acme/jwks.json');
my $initech_jwks = $t->get('/initech/jwks.json');
is($acme_jwks->{status}, 200, 'multi-tenant: acme key set');
is($initech_jwks->{body}, $acme_jwks->{body}, 'multi-tenant: the shared set is the same bytes for both tenants');
is(header($initech_jwks, 'etag'), header($acme_jwks, 'etag'), 'multi-tenant: and the same ETag');
my $globex_jwks = eval { decode_json($t->get('/globex/jwks.json')->{body}) } || {};
is_deeply([ map { $_->{kid} } @{ $globex_jwks->{keys} || [] } ], ['globex-2026-11'], 'multi-tenant: globex has its own key');

for my $path ('/acme/.well-known/openid-configuration', '/.well-known/openid-configuration/acme',
              '/.well-known/oauth-authorization-server/acme', '/acme/.well-known/oauth-authorization-server') {
    my $doc = eval { decode_json($t->get($path)->{body}) } || {};
    is($doc->{issuer}, 'https://login.example.com/acme', "multi-tenant: $path");
}

# globex: the file's members in file order, overrides in place, the extra
# member appended, derived jwks_uri and algs last.
my $g = $t->get('/globex/.well-known/openid-configuration');
is($g->{status}, 200, 'multi-tenant: globex document');
my $gdoc = eval { decode_json($g->{body}) } || {};
is_deeply([ member_names($g->{body}) ],
          [qw(issuer authorization_endpoint token_endpoint userinfo_endpoint end_session_endpoint scopes_supported
              response_types_supported response_modes_supported grant_types_supported subject_types_supported
              code_challenge_methods_supported token_endpoint_auth_methods_supported claims_supported
              x_globex_tenant_id x_globex_region jwks_uri id_token_signing_alg_values_supported)],
          'multi-tenant: metadata file order, then declared, then derived');
is_deeply($gdoc->{token_endpoint_auth_methods_supported}, [qw(private_key_jwt client_secret_basic)],
          'multi-tenant: the directive overrides the file');
is($gdoc->{x_globex_tenant_id}, '4f9d2c1e', 'multi-tenant: non-standard member from the file kept');
is($gdoc->{x_globex_region}, 'eu-west-1', 'multi-tenant: extra member added');
is($gdoc->{jwks_uri}, 'https://login.example.com/globex/jwks.json', 'multi-tenant: jwks_uri derived');

# initech: RFC 8414 insert form only.
my $i = $t->get('/.well-known/oauth-authorization-server/initech');
is($i->{status}, 200, 'multi-tenant: initech RFC 8414 insert form');
is_deeply([ member_names($i->{body}) ],
          [qw(issuer token_endpoint grant_types_supported response_types_supported token_endpoint_auth_methods_supported jwks_uri)],
          'multi-tenant: initech members');
for my $path ('/initech/.well-known/oauth-authorization-server', '/initech/.well-known/openid-configuration',
              '/.well-known/openid-configuration/initech', '/.well-known/oauth-authorization-server/unknown',
              '/unknown/.well-known/openid-configuration') {
    is_json_404($t->get($path), "multi-tenant: $path");
}
is($t->get('/acme/login')->{body}, "the identity application\n", 'multi-tenant: other paths reach the application');

verify_tokens($t, 'multi-tenant-globex', '/globex/jwks.json', [ [ 'globex-rsa', 'RS256', 'globex-2026-11' ] ]);

done_testing;
