#!/usr/bin/perl
# conf-examples/migration-from-an-identity-service.conf: the module serves
# two moved tenants; every other discovery path, under a prefix location,
# a regex location or the /.well-known/ location, reaches the proxied
# identity service as if the module were not loaded.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('migration-from-an-identity-service.conf');
is(join("\n", WellKnown::Test::conf_lines($out, 'warn')), '', 'migration: nginx -t without warnings');
my @h = (Host => 'id.example.com');

# The moved tenants: served by the module, in every URL form.
for my $tenant (qw(acme globex)) {
    my $issuer = "https://id.example.com/realms/$tenant";
    for my $path ("/realms/$tenant/.well-known/openid-configuration",
                  "/.well-known/openid-configuration/realms/$tenant",
                  "/.well-known/oauth-authorization-server/realms/$tenant",
                  "/realms/$tenant/.well-known/oauth-authorization-server") {
        my $r = $t->get($path, @h);
        is($r->{status}, 200, "$tenant $path: 200");
        is(header($r, 'content-type'), 'application/json', "$tenant $path: the module's document");
        is(json_of($r->{body})->{issuer}, $issuer, "$tenant $path: its issuer");
    }
    my $keys = $t->get("/realms/$tenant/protocol/openid-connect/certs", @h);
    is($keys->{status}, 200, "$tenant key set at the identity service's certs path: 200");
    is(scalar @{ (json_of($keys->{body}) || {})->{keys} || [] }, 1, "$tenant key set: one key");
}

# Everything else reaches the identity service: other tenants' discovery
# and keys (prefix location), resource metadata (regex location), other
# insert forms and the root documents (the /.well-known/ location).
for my $path ('/realms/master/.well-known/openid-configuration',
              '/realms/master/protocol/openid-connect/certs',
              '/realms/acme/protocol/openid-connect/token',
              '/.well-known/oauth-protected-resource/github',
              '/.well-known/openid-configuration/realms/master',
              '/.well-known/openid-configuration',
              '/.well-known/jwks.json') {
    my $r = $t->get($path, @h);
    is($r->{status}, 200, "$path: 200 from the identity service");
    is($r->{body}, "identity service: $path\n", "$path: the identity service's answer");
}

log_is_clean($t, 'migration');
done_testing;
