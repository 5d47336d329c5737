#!/usr/bin/perl
# Per-issuer and per-resource settings: cache_control in a block (or off)
# over the location's wellknown_cache_control, which it otherwise inherits;
# include inside wellknown_issuer, wellknown_resource and wellknown_keys
# blocks, with nginx's semantics (names relative to the configuration
# prefix, globs), errors at the included file's line.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->key('rsa2.pem', 'rsa2048');
my $origin = 'http://127.0.0.1:' . $t->port;

# A tenant in files of its own: its members, split over two files found by a glob.
mkdir $t->path('tenants');
mkdir $t->path('tenants/globex');
$t->write_file('tenants/globex/10-endpoints.conf',
               "authorization_endpoint $origin/globex/authorize;\ntoken_endpoint $origin/globex/token;\n");
$t->write_file('tenants/globex/20-types.conf',
               "response_types_supported code;\nsubject_types_supported public;\ncache_control \"public, max-age=30\";\n");
$t->write_file('keys-globex.conf', "key rsa2.pem kid=globex-1;\n");

my $http = <<"HTTP";
    wellknown_keys k { key rsa.pem kid=k-1; }
    wellknown_keys globex { include keys-globex.conf; }
HTTP
my $server = "        wellknown_cache_control \"public, max-age=600\";\n"
    . issuer_block("$origin/acme", ['allow_http on;', 'cache_control no-store;'])
    . issuer_block("$origin/initech", ['allow_http on;', 'cache_control off;'])
    . issuer_block("$origin/hooli", ['allow_http on;'])
    . "        wellknown_issuer $origin/globex {\n            allow_http on;\n            keys globex;\n"
    . "            include tenants/globex/*.conf;\n        }\n"
    . "        wellknown_resource $origin/api {\n            allow_http on;\n            include resource-*.conf;\n        }\n"
    . "        location \@app { return 200 \"app\"; }\n";
$t->write_file('resource-as.conf', "authorization_servers $origin/acme;\n");
$t->write_config($http, $server);
$t->start_checked('nginx -t accepts blocks with cache_control and include', quiet => 'no warnings');

# cache_control: the block's own value for every document and the key set.
for my $path ('/acme/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/acme',
              '/acme/jwks.json') {
    is(header($t->get($path), 'cache-control'), 'no-store', "acme $path: the block's Cache-Control");
}
my $initech = $t->get('/initech/.well-known/openid-configuration');
is($initech->{status}, 200, 'initech: 200');
is(header_count($initech, 'cache-control'), 0, 'initech: cache_control off sends none');
is(header($t->get('/hooli/.well-known/openid-configuration'), 'cache-control'), 'public, max-age=600',
   'hooli: no cache_control in the block inherits the server\'s');
# The same key set under another issuer keeps that issuer's own value.
is(header($t->get('/hooli/jwks.json'), 'cache-control'), 'public, max-age=600',
   'hooli key set: the server\'s value, though acme shares the set with no-store');

# include: the globex tenant read from two files by a glob, in order.
my $globex = $t->get('/globex/.well-known/openid-configuration');
is($globex->{status}, 200, 'globex: 200');
my $doc = json_of($globex->{body}) || {};
is($doc->{token_endpoint}, "$origin/globex/token", 'globex: members from the included files');
is_deeply([ member_names($globex->{body}) ],
          [qw(issuer authorization_endpoint token_endpoint response_types_supported subject_types_supported jwks_uri id_token_signing_alg_values_supported)],
          'globex: the glob\'s files in order');
is(header($globex, 'cache-control'), 'public, max-age=30', 'globex: cache_control from an included file');
my $keys = json_of($t->get('/globex/jwks.json')->{body}) || {};
is_deeply([ map { $_->{kid} } @{ $keys->{keys} || [] } ], ['globex-1'], 'globex: the key from an include in wellknown_keys');
my $rs = json_of($t->get('/.well-known/oauth-protected-resource/api')->{body}) || {};
is_deeply($rs->{authorization_servers}, ["$origin/acme"], 'resource: members from an included file');
$t->stop;

# An error in an included file names that file and its line.
my $c = WellKnown::Test->new;
$c->key('rsa.pem', 'rsa2048');
$c->write_file('bad.conf', "response_types_supported code;\nfrobnicate on;\n");
$c->write_config("    wellknown_keys k { key rsa.pem; }\n",
                 "        wellknown_issuer https://id.example.com {\n            keys k;\n            include bad.conf;\n        }\n");
my ($ok, $out) = $c->test_config;
ok(!$ok, 'an error in an included file: nginx -t fails');
like($out, qr/\[emerg\] (?:\d+#\d+: )?wellknown_issuer: unknown statement "frobnicate".* in \Q${\ $c->path('bad.conf')}\E:2/,
     'an error in an included file: its file and line');

done_testing;
