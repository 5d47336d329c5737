#!/usr/bin/perl
# Mistakes nginx -t refuses or warns about, each with a message that names
# the fix: variables where none are expanded, a member of the other
# document's registry, a misspelt statement, a directive misplaced in a
# block, an unquoted extra string, http without allow_http, an object
# member without extra, an invalid Cache-Control, a resource without
# authorization_servers, a key set nothing uses, a private key readable by
# others.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($c, $keys_http) = WellKnown::Test->with_key_sets;
my $I = directive_error('wellknown_issuer');
my $R = directive_error('wellknown_resource');
my $AS = 'authorization_servers https://id.example.com;';

# Refused.
$c->fails('a variable in a member', $keys_http,
          issuer_block('https://id.example.com/v', ['service_documentation https://$host/docs;']),
          '$host/docs', qr/${I}service_documentation "https:\/\/\$host\/docs": variables are not expanded here; write the value itself/);
$c->fails('a variable in the identifier', $keys_http,
          issuer_block('https://$host/v', []), 'wellknown_issuer https://$host/v',
          qr/${I}issuer "https:\/\/\$host\/v": variables are not expanded here/);
$c->fails('a variable in a key file name', "    wellknown_keys v { key \$host.pem; }\n", '',
          '$host.pem', qr/wellknown_keys: key "\$host\.pem": variables are not expanded here/);
$c->fails('an issuer member in a resource', $keys_http,
          resource_block('https://api.example.com/r', [$AS, 'token_endpoint https://id.example.com/token;']),
          'token_endpoint', qr/${R}token_endpoint is not a member of a protected resource's metadata \(RFC 9728 §2\); it belongs in wellknown_issuer \(RFC 8414 §2\)\. To publish it here anyway, write extra token_endpoint JSON;/);
$c->fails('a resource member in an issuer', $keys_http,
          issuer_block('https://id.example.com/m', ['resource_name "API";']),
          'resource_name', qr/${I}resource_name is not a member of an issuer's metadata .*it belongs in wellknown_resource/);
$c->passes('a resource member in an issuer through extra', $keys_http,
           issuer_block('https://id.example.com/m', ['extra resource_name \'"API"\';']));
$c->fails('a misspelt member', $keys_http,
          issuer_block('https://id.example.com/s', ['authorisation_endpoint https://id.example.com/a;']),
          'authorisation_endpoint', qr/${I}unknown statement "authorisation_endpoint" \(did you mean authorization_endpoint\?\)/);
$c->fails('a misspelt setting', $keys_http,
          resource_block('https://api.example.com/r', [$AS, 'jwks_pth /k;']),
          'jwks_pth', qr/${R}unknown statement "jwks_pth" \(did you mean jwks_path\?\)/);
$c->fails('wellknown_cache_control inside an issuer', $keys_http,
          issuer_block('https://id.example.com/c', ['wellknown_cache_control no-store;']),
          'wellknown_cache_control no-store', qr/${I}wellknown_cache_control is not a statement of wellknown_issuer; it belongs in http, server or location; inside an issuer or resource block, write cache_control/);
$c->fails('wellknown_keys inside a resource', $keys_http,
          resource_block('https://api.example.com/r', [$AS, 'wellknown_keys x;']),
          'wellknown_keys x', qr/${R}wellknown_keys is not a statement of wellknown_resource; it belongs in the http block/);
$c->fails('an unquoted extra string', $keys_http,
          issuer_block('https://id.example.com/e', ['extra x_tier gold;']),
          'x_tier', qr/${I}extra x_tier: invalid JSON.*; a JSON string keeps its quotes inside nginx's: extra x_tier '"gold"';/);
$c->fails('an object member given as a value', $keys_http,
          issuer_block('https://id.example.com/o', ['mtls_endpoint_aliases https://mtls.example.com;']),
          'mtls_endpoint_aliases', qr/${I}mtls_endpoint_aliases is a JSON object: give it as JSON with extra mtls_endpoint_aliases '\{\.\.\.\}';/);
$c->fails('an http issuer without allow_http', $keys_http,
          issuer_block('http://id.example.com/h', []), 'wellknown_issuer http://id.example.com/h',
          qr/must use https \(for local development, allow plain http with "allow_http on;" in the wellknown_issuer or wellknown_resource block\)/);
$c->fails('an invalid Cache-Control in a block', $keys_http,
          issuer_block('https://id.example.com/cc', ['cache_control "max-age=abc";']),
          'max-age=abc', qr/${I}Cache-Control "max-age=abc": max-age takes a number of seconds, e.g\. max-age=600/);
$c->fails('a control character in a block\'s cache_control', $keys_http,
          issuer_block('https://id.example.com/cr', ['cache_control "max-age=1\\r\\nX-Evil: 1";']),
          'X-Evil', qr/${I}the value contains a control character/);
$c->fails('an invalid wellknown_cache_control', '', "        wellknown_cache_control \"public=yes\";\n",
          'public=yes', qr/wellknown_cache_control: Cache-Control "public=yes": public takes no value/);

$c->fails('wellknown_not_found neither on nor off', '', "        wellknown_not_found maybe;\n",
          'wellknown_not_found maybe', qr/invalid value "maybe" in "wellknown_not_found" directive, it must be "on" or "off"/);
$c->fails('wellknown_serve neither on nor off', '', "        location / { wellknown_serve yes; }\n",
          'wellknown_serve yes', qr/invalid value "yes" in "wellknown_serve" directive, it must be "on" or "off"/);
$c->fails('wellknown_not_found in a location', '', "        location / { wellknown_not_found on; }\n",
          'location / { wellknown_not_found', qr/"wellknown_not_found" directive is not allowed here/);
$c->fails('serve_at_root neither on nor off', $keys_http,
          resource_block('https://api.example.com/r', [$AS, 'serve_at_root yes;']),
          'serve_at_root yes', qr/${R}serve_at_root takes on or off, not "yes"/);
$c->fails('include in a block without a name', $keys_http,
          issuer_block('https://id.example.com/i', ['include;']), 'include;',
          qr/include takes one file name or pattern/);

# Warned.
$c->warns('a resource without authorization_servers', $keys_http,
          resource_block('https://api.example.com/bare', []), 'wellknown_resource https://api.example.com/bare',
          qr/wellknown_resource "https:\/\/api\.example\.com\/bare": oauth-protected-resource: no authorization_servers: MCP clients need at least one/);
$c->warns('a key set nothing uses', "    wellknown_keys spare { key rsa.pem; }\n", '',
          'wellknown_keys spare', qr/wellknown_keys "spare": no issuer, resource or wellknown_jwks location uses this key set/);
$c->write_file('open.pem', $c->read_file('ec.pem'), 0644);
$c->warns('a private key readable by others', "    wellknown_keys o { key open.pem; }\n",
          "        location = /o { wellknown_jwks o; }\n", 'open.pem',
          qr/key "\S+open\.pem": the file holds a private key and is readable by group or others \(mode 0644\): chmod 600 it, or publish from the public key instead/);
$c->openssl("openssl pkey -in '" . $c->path('ec.pem') . "' -pubout -out '" . $c->path('pub.pem') . "'");
chmod 0644, $c->path('pub.pem');
$c->passes('a public key readable by others', "    wellknown_keys p { key pub.pem; }\n",
           "        location = /p { wellknown_jwks p; }\n");

done_testing;
