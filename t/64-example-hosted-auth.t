#!/usr/bin/perl
# conf-examples/hosted-auth-minimal-discovery.conf: a hosted auth service's
# key under its opaque kid and the minimal two-member discovery document
# API gateways read.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('hosted-auth-minimal-discovery.conf');
like($out, qr/\[warn\].*served without/, 'relaxed document warns at nginx -t');
my $jwks = decode_json($t->get('/.well-known/jwks.json')->{body});
is(scalar @{ $jwks->{keys} }, 1, 'hosted auth: one key');
my %k = %{ $jwks->{keys}[0] };
is_deeply([sort keys %k], [qw(alg e kid kty n use)], 'hosted auth: exactly alg, e, kid, kty, n, use');
is($k{kid}, 'ins_1lyWDZiobr600AKUeQDoSlrEmoM', 'hosted auth: opaque kid');
my $r = $t->get('/.well-known/openid-configuration');
is($r->{status}, 200, 'hosted auth: discovery served');
is($r->{body}, '{"issuer":"https://clerk.example.com","jwks_uri":"https://clerk.example.com/.well-known/jwks.json"}',
   'hosted auth: exactly issuer and jwks_uri');
is($t->get('/.well-known/oauth-authorization-server')->{status}, 404,
   'hosted auth: no RFC 8414 document');
verify_tokens($t, 'hosted-auth', '/.well-known/jwks.json', [ [ 'instance-rsa', 'RS256', 'ins_1lyWDZiobr600AKUeQDoSlrEmoM' ] ]);

done_testing;
