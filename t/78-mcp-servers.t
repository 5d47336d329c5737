#!/usr/bin/perl
# An MCP server behind nginx, end to end (MCP authorization 2025-11-25,
# RFC 9728 §5.1): the upstream answers 401, nginx adds the challenge from
# $wellknown_resource_metadata, and the MCP TypeScript SDK's own client
# (t/interop/mcp_flow.mjs) parses it, fetches the protected resource
# metadata, discovers the authorization server and stops at the
# authorization endpoint with the resource indicator. Also: the variable
# for each request path, and serve_at_root.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

interop_ready();
my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
my ($upstream) = $t->more_ports(1);
my $o = 'http://127.0.0.1:' . $t->port;

my $http = <<"HTTP";
    wellknown_keys as { key rsa.pem; }
    # The MCP server: no token, no entry.
    server {
        listen 127.0.0.1:$upstream;
        location / {
            default_type application/json;
            return 401 '{"error":"invalid_token"}';
        }
    }
HTTP
my $server = issuer_block("$o/as", ['allow_http on;', 'code_challenge_methods_supported S256;'], keys => 'as')
    . <<"SERVER";
        wellknown_resource $o/mcp {
            allow_http on;
            authorization_servers $o/as;
            scopes_supported mcp:tools;
        }
        wellknown_resource $o/tools/github {
            allow_http on;
            authorization_servers $o/as;
            serve_at_root on;
        }
        add_header X-Resource-Metadata \$wellknown_resource_metadata always;
        location /mcp {
            proxy_pass http://127.0.0.1:$upstream;
            add_header WWW-Authenticate 'Bearer resource_metadata="\$wellknown_resource_metadata"' always;
            add_header X-Resource-Metadata \$wellknown_resource_metadata always;  # add_header does not inherit
        }
        location / { try_files /.app \@app; }
        location \@app { return 200 "app"; }
SERVER
$t->write_config($http, $server);
$t->start_checked('nginx -t accepts an MCP server and its authorization server', quiet => 'no warnings');

# The variable: the metadata URL of the resource a path falls under.
my %want = ('/mcp' => "$o/.well-known/oauth-protected-resource/mcp",
            '/mcp/messages' => "$o/.well-known/oauth-protected-resource/mcp",
            '/tools/github/issues' => "$o/.well-known/oauth-protected-resource/tools/github",
            '/mcpx' => undef, '/tools' => undef, '/' => undef);
for my $path (sort keys %want) {
    is(header($t->get($path), 'x-resource-metadata'), $want{$path},
       "\$wellknown_resource_metadata for $path: " . ($want{$path} // 'none'));
}
my $challenge = $t->get('/mcp');
is($challenge->{status}, 401, 'the upstream\'s 401 passes through');
is(header($challenge, 'www-authenticate'),
   "Bearer resource_metadata=\"$o/.well-known/oauth-protected-resource/mcp\"", 'the challenge names the metadata');

# serve_at_root: the root well-known URI serves the path resource's document.
my $root = $t->get('/.well-known/oauth-protected-resource');
is($root->{status}, 200, 'serve_at_root: /.well-known/oauth-protected-resource is served');
is((json_of($root->{body}) || {})->{resource}, "$o/tools/github", 'serve_at_root: the resource that asked for it');
is($t->get('/.well-known/oauth-protected-resource/tools/github')->{body}, $root->{body},
   'serve_at_root: the same bytes as its own path');

# The MCP SDK's client, from the 401 to the authorization endpoint.
my $flow = node_json($t, 'mcp_flow.mjs', "$o/mcp") || {};
is($flow->{outcome}, 'unauthorized', 'MCP SDK: connecting needs authorization');
is($flow->{challenge}, "Bearer resource_metadata=\"$o/.well-known/oauth-protected-resource/mcp\"",
   'MCP SDK: saw the challenge');
is($flow->{resource_metadata_url}, "$o/.well-known/oauth-protected-resource/mcp",
   'MCP SDK: took the metadata URL from the challenge');
is($flow->{resource}, "$o/mcp", 'MCP SDK: the metadata names the MCP server as its resource');
is($flow->{authorization_server}, "$o/as", 'MCP SDK: found the authorization server in it');
is($flow->{authorization_endpoint}, "$o/authorize", 'MCP SDK: read the authorization server metadata');
my ($endpoint, $query) = split /\?/, $flow->{authorization_url} // '', 2;
is($endpoint, "$o/authorize", 'MCP SDK: sends the user to the authorization endpoint');
my $resource_param = uri_escape("$o/mcp");
like($query // '', qr{(?:^|&)resource=\Q$resource_param\E(?:&|$)}, 'MCP SDK: with the resource indicator (RFC 8707)');
like($query // '', qr/(?:^|&)code_challenge_method=S256(?:&|$)/, 'MCP SDK: and PKCE S256');
is_deeply([ map { "$_->{status} $_->{url}" } @{ $flow->{requests} || [] } ],
          [ "401 $o/mcp", "200 $o/.well-known/oauth-protected-resource/mcp",
            "200 $o/.well-known/oauth-authorization-server/as" ],
          'MCP SDK: three requests, the documents answered first time');

sub uri_escape { my ($s) = @_; $s =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge; return $s }

log_is_clean($t, 'mcp');
done_testing;
