#!/usr/bin/perl
# conf-examples/multi-tenant-identity-provider.conf: tenants under one host
# sharing a key set, in the append forms the provider documents and the
# insert forms; JSON 404 and 405; other paths reach the IdP.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t) = WellKnown::Test->start_example('multi-tenant-identity-provider.conf');
my @h = ();  # one server per example: it is the default server
my %jwks;
for my $tenant (qw(acme globex)) {
    my $iss = "https://idp.authpi.com/$tenant";
    for my $doc (qw(openid-configuration oauth-authorization-server)) {
        my $r = $t->get("/$tenant/.well-known/$doc", @h);
        is($r->{status}, 200, "multi-tenant IdP: /$tenant/.well-known/$doc");
        my $d = decode_json($r->{body});
        is($d->{issuer}, $iss, "multi-tenant IdP: $tenant $doc issuer");
        is($d->{jwks_uri}, "$iss/jwks.json", "multi-tenant IdP: $tenant $doc jwks_uri");
        is(header($r, 'cache-control'), 'public, max-age=3600', "multi-tenant IdP: $doc cache-control");
    }
    my $k = $t->get("/$tenant/jwks.json", @h);
    is($k->{status}, 200, "multi-tenant IdP: /$tenant/jwks.json");
    $jwks{$tenant} = $k->{body};
}
is($jwks{acme}, $jwks{globex}, 'multi-tenant IdP: tenants share the key set');
is_json_404($t->get('/initech/.well-known/openid-configuration', @h), 'multi-tenant IdP: unknown issuer');
is_json_405($t->request('DELETE', '/acme/.well-known/openid-configuration', headers => [@h]),
            'multi-tenant IdP: wrong method');
is($t->get('/acme/oauth2/authorize', @h)->{body}, "the IdP application\n", 'multi-tenant IdP: other paths reach the IdP');
verify_tokens($t, 'multi-tenant-idp', '/acme/jwks.json', [ [ 'shared-rsa', 'RS256', undef ], [ 'shared-p256', 'ES256', undef ] ]);

done_testing;
