#!/usr/bin/perl
# conf-examples/mcp-resource-server.conf: an MCP server as a protected
# resource (RFC 9728) and its authorization server, two virtual hosts on one
# nginx.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($t, $out) = WellKnown::Test->start_example('mcp-resource-server.conf');
is(join("\n", WellKnown::Test::conf_lines($out, 'warn')), '', 'mcp: nginx -t without warnings');
my @mcp  = (Host => 'mcp.example.com');
my @auth = (Host => 'auth.example.com');

my $challenge = $t->get('/mcp', @mcp);
is($challenge->{status}, 401, 'mcp: the MCP endpoint challenges');
my ($metadata_url) = (header($challenge, 'www-authenticate') // '') =~ /resource_metadata="([^"]+)"/;
is($metadata_url, 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
   'mcp: WWW-Authenticate names the RFC 9728 document');
(my $prm_path = $metadata_url // '') =~ s{^https://[^/]+}{};
my $prm = $t->get($prm_path, @mcp);
is($prm->{status}, 200, 'mcp: protected resource metadata served');
my $doc = eval { decode_json($prm->{body}) } || {};
is_deeply([ member_names($prm->{body}) ],
          [qw(resource authorization_servers scopes_supported bearer_methods_supported resource_name resource_documentation)],
          'mcp: resource first, members in declaration order');
is($doc->{resource}, 'https://mcp.example.com/mcp', 'mcp: resource is the identifier (RFC 9728 §3.3)');
is_deeply($doc->{authorization_servers}, ['https://auth.example.com'], 'mcp: authorization_servers');
is($t->get('/.well-known/oauth-protected-resource/mcp', @auth)->{status}, 404,
   'mcp: the resource document is not served on the authorization server host');

for my $path ('/.well-known/oauth-authorization-server', '/.well-known/openid-configuration') {
    my $r = $t->get($path, @auth);
    is($r->{status}, 200, "mcp: authorization server $path");
    my $as = eval { decode_json($r->{body}) } || {};
    is($as->{issuer}, 'https://auth.example.com', "mcp: $path issuer is what authorization_servers names");
    ok((grep { $_ eq 'S256' } @{ $as->{code_challenge_methods_supported} || [] }), "mcp: $path advertises PKCE S256");
    is($as->{registration_endpoint}, 'https://auth.example.com/register', "mcp: $path registration_endpoint");
    is($as->{jwks_uri}, 'https://auth.example.com/.well-known/jwks.json', "mcp: $path jwks_uri");
}
is($t->get('/.well-known/oauth-authorization-server', @mcp)->{status}, 404,
   'mcp: the MCP host serves no authorization server metadata');
my $jwks = eval { decode_json($t->get('/.well-known/jwks.json', @auth)->{body}) } || {};
is_deeply([ map { $_->{alg} } @{ $jwks->{keys} || [] } ], [qw(ES256 RS256)], 'mcp: the authorization server key set');

done_testing;
