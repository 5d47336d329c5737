#!/usr/bin/perl
# conf-examples/demo.conf, what `make demo` serves: a root issuer, a path
# issuer with its own keys, a protected resource, and the Keycloak-style
# certs path; tokens signed with every demo key verify, and client
# libraries discover both issuers and the resource.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('demo.conf');
is(join("\n", WellKnown::Test::conf_lines($out, 'warn'), WellKnown::Test::conf_lines($out, 'emerg')), '', 'demo: nginx -t is silent');
my $origin = 'http://127.0.0.1:' . $t->port;

my $r = $t->get('/.well-known/jwks.json');
is($r->{status}, 200, 'demo JWKS served');
my $jwks = decode_json($r->{body});
is_deeply([map { $_->{alg} } @{ $jwks->{keys} }], [qw(RS256 ES256 ES384 ES512 EdDSA)],
          'one key per signing type, in configured order');
my $certs = $t->get('/protocol/openid-connect/certs');
is($certs->{body}, $r->{body}, 'Keycloak-style path serves the same set');
is(header($certs, 'etag'), header($r, 'etag'), 'same ETag');
my $tenant_jwks = decode_json($t->get('/tenant1/jwks.json')->{body});
is_deeply([map { $_->{alg} } @{ $tenant_jwks->{keys} }], [qw(RS256 ES256)], 'tenant1 has its own keys');
my %root_kids = map { $_->{kid} => 1 } @{ $jwks->{keys} };
ok(!(grep { $root_kids{$_->{kid}} } @{ $tenant_jwks->{keys} }), 'no tenant1 key is a root key');

# Every document in every form, with the identical issuer.
my %docs = (
    $origin => [ '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server' ],
    "$origin/tenant1" => [ '/tenant1/.well-known/openid-configuration', '/.well-known/openid-configuration/tenant1',
                           '/.well-known/oauth-authorization-server/tenant1', '/tenant1/.well-known/oauth-authorization-server' ],
);
for my $issuer (sort keys %docs) {
    for my $path (@{ $docs{$issuer} }) {
        my $d = $t->get($path);
        is($d->{status}, 200, "demo: $path served");
        my $doc = eval { decode_json($d->{body}) } || {};
        is($doc->{issuer}, $issuer, "demo: $path issuer");
        is($doc->{jwks_uri}, $issuer eq $origin ? "$origin/.well-known/jwks.json" : "$origin/tenant1/jwks.json",
           "demo: $path jwks_uri");
    }
}
my $prm = $t->get('/.well-known/oauth-protected-resource/api');
is($prm->{status}, 200, 'demo: protected resource metadata served');
is_deeply(eval { decode_json($prm->{body}) },
          { resource => "$origin/api", authorization_servers => [ $origin ],
            scopes_supported => [qw(profile email)], bearer_methods_supported => ['header'],
            resource_name => 'Demo API' }, 'demo: RFC 9728 document');

# Tokens signed with each demo private key verify against the demo JWKS.
my %alg = (rsa => 'RS256', p256 => 'ES256', p384 => 'ES384', p521 => 'ES512', ed25519 => 'EdDSA');
verify_tokens($t, 'demo', '/.well-known/jwks.json', [ map { [ $_, $alg{$_} ] } sort keys %alg ]);
verify_tokens($t, 'demo-tenant1', '/tenant1/jwks.json', [ [ 'tenant1/rsa', 'RS256' ], [ 'tenant1/p256', 'ES256' ] ]);

# openid-client, oauth4webapi, jose and PyJWT discover both issuers and
# the resource, and verify tokens through the discovered jwks_uri.
discovery_interop($t, 'demo', {
    issuers => [
        { name => 'root', issuer => $origin, pem => $t->path('keys/rsa.pem'), alg => 'RS256',
          jwks_uri => "$origin/.well-known/jwks.json" },
        { name => 'tenant1', issuer => "$origin/tenant1", pem => $t->path('keys/tenant1/p256.pem'),
          alg => 'ES256', jwks_uri => "$origin/tenant1/jwks.json" },
    ],
    resources => [ { name => 'api', resource => "$origin/api", authorization_servers => [ $origin ] } ],
});

done_testing;
