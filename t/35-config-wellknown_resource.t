#!/usr/bin/perl
# wellknown_resource (RFC 9728 protected resource metadata): a resource
# identifier with a query or fragment, over http, differing from its
# "resource" member, served twice in a server or at a path another
# document or key set claims; bad authorization_servers; issuer-only
# settings; settings given twice. Statement errors point at the statement,
# build errors at the directive. No server is started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($c, $keys_http) = WellKnown::Test->with_key_sets;
my $valid = issuer_block('https://id.example.com/valid');
my $SR = directive_error('wellknown_resource');                # a statement error
sub BR { directive_error('wellknown_resource', @_) }           # a build error for the resource URL
sub BI { directive_error('wellknown_issuer', @_) }


$c->passes('baseline: helper issuer and a resource', $keys_http,
       $valid . resource_block('https://api.example.com/r', ['keys k2;', 'authorization_servers https://id.example.com/valid;']));

# ---------------------------------------------------------------- resource errors

$c->fails('resource with a query', $keys_http, $valid . resource_block('https://api.example.com/r?v=1'),
      'wellknown_resource https://api.example.com/r?v=1',
      BR('https://api.example.com/r?v=1', qr/resource: "https:\/\/api\.example\.com\/r\?v=1" has a query; RFC 9728 §3.1 allows one, but this module serves metadata by path alone/));
$c->fails('resource with a fragment', $keys_http, $valid . resource_block('"https://api.example.com/r#frag"'),
      'wellknown_resource "https://api.example.com/r#frag"',
      BR('https://api.example.com/r#frag', qr/resource: .*may not contain a fragment/));
$c->fails('http resource without allow_http', $keys_http, $valid . resource_block('http://api.example.com/r'),
      'wellknown_resource http://api.example.com/r',
      BR('http://api.example.com/r', qr/resource: "http:\/\/api\.example\.com\/r" must use https/));
$c->passes('http resource with allow_http on', $keys_http,
       resource_block('http://127.0.0.1:8080/r', ['allow_http on;', 'authorization_servers http://127.0.0.1:8080;']));
$c->fails('resource member differing from the identifier', $keys_http,
      resource_block('https://api.example.com/r', ['resource https://api.example.com/other;']),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/resource member "https:\/\/api\.example\.com\/other" differs from the resource identifier "https:\/\/api\.example\.com\/r"/));
$c->fails('resource member with a trailing "/" the identifier lacks', $keys_http,
      resource_block('https://api.example.com/r', ['resource https://api.example.com/r/;']),
      'wellknown_resource https://api.example.com/r', BR('https://api.example.com/r', qr/resource member .* differs/));
$c->passes('resource member equal to the identifier', $keys_http,
       resource_block('https://api.example.com/r', ['resource https://api.example.com/r;', 'authorization_servers https://id.example.com;']));
for my $only (['documents', 'documents openid-configuration;'], ['url_forms', 'url_forms oidc_append;'],
              ['relax_required', 'relax_required on;']) {
    my ($what, $stmt) = @$only;
    $c->fails("$what inside wellknown_resource", $keys_http, resource_block('https://api.example.com/r', [$stmt]),
          $stmt, qr/${SR}$what applies to issuers only/);
}
$c->fails('the same resource twice in a server', $keys_http,
      resource_block('https://api.example.com/dup') . $valid . (resource_block('https://api.example.com/dup') =~ s/wellknown_resource /wellknown_resource  /r),
      'wellknown_resource  https://api.example.com/dup',
      qr/${SR}resource "https:\/\/api\.example\.com\/dup" is already defined in this server/);
$c->passes('the same resource in two servers',
       $keys_http . "    server {\n        listen 127.0.0.1:%%PORT%%;\n        server_name two.test;\n"
       . resource_block('https://api.example.com/both', ['authorization_servers https://id.example.com;']) . "    }\n",
       resource_block('https://api.example.com/both', ['authorization_servers https://id.example.com;']));
$c->passes('an issuer and a resource with the same identifier, sharing a key set', $keys_http,
       issuer_block('https://id.example.com/same') . resource_block('https://id.example.com/same', ['keys k;', 'authorization_servers https://id.example.com/same;']));
$c->fails('resources with and without a trailing "/"', $keys_http,
      resource_block('https://api.example.com/s') . resource_block('https://api.example.com/s/'),
      'wellknown_resource https://api.example.com/s/',
      BR('https://api.example.com/s/', qr/path "\/\.well-known\/oauth-protected-resource\/s" is already served for resource "https:\/\/api\.example\.com\/s"/));
$c->fails('a resource and an issuer whose key sets claim the same path', $keys_http,
      issuer_block('https://id.example.com/api') . resource_block('https://api.example.com/api', ['keys k2;']),
      'wellknown_resource https://api.example.com/api',
      BR('https://api.example.com/api', qr/path "\/api\/jwks\.json" is already served for issuer "https:\/\/id\.example\.com\/api" \(key set\)/));
$c->fails('authorization_servers with a non-URL', $keys_http,
      resource_block('https://api.example.com/r', ['authorization_servers https://id.example.com not-a-url;']),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/oauth-protected-resource: authorization_servers: "not-a-url" is not an absolute https URL/));
$c->fails('authorization_servers with an http URL', $keys_http,
      resource_block('https://api.example.com/r', ['authorization_servers http://id.example.com;']),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/oauth-protected-resource: authorization_servers: "http:\/\/id\.example\.com" must use https/));
$c->fails('authorization_servers as a JSON string', $keys_http,
      resource_block('https://api.example.com/r', [q{extra authorization_servers '"https://id.example.com"';}]),
      'wellknown_resource https://api.example.com/r',
      BR('https://api.example.com/r', qr/oauth-protected-resource: authorization_servers must be an array of https URLs/));
$c->fails('unknown statement in wellknown_resource', $keys_http, resource_block('https://api.example.com/r', ['frobnicate on;']),
      'frobnicate', qr/${SR}unknown statement "frobnicate": expected keys, jwks_path, allow_http, serve_at_root, cache_control, metadata_file/);
$c->fails('resource with an unknown key set', $keys_http, resource_block('https://api.example.com/r', ['keys nope;']),
      'wellknown_resource https://api.example.com/r', BR('https://api.example.com/r', qr/no key set named "nope"/));
$c->fails('resource path with an encoded slash', $keys_http, resource_block('https://api.example.com/a%2Fb'),
      'wellknown_resource https://api.example.com/a%2Fb',
      BR('https://api.example.com/a%2Fb', qr/resource: path "\/a%2Fb" encodes "\/" as %2F/));
$c->fails('issuer path with an encoded slash', $keys_http, issuer_block('https://id.example.com/a%2Fb'),
      'wellknown_issuer https://id.example.com/a%2Fb',
      BI('https://id.example.com/a%2Fb', qr/issuer: path "\/a%2Fb" encodes "\/" as %2F/));
$c->fails('wellknown_resource in http context', $keys_http . resource_block('https://api.example.com/inhttp'), $valid,
      'wellknown_resource https://api.example.com/inhttp', qr/\[emerg\] ${LOG_PID}"wellknown_resource" directive is not allowed here/);
$c->fails('wellknown_resource in a location', $keys_http,
      "        location /x {\n" . resource_block('https://api.example.com/inloc') . "        }\n",
      'wellknown_resource https://api.example.com/inloc', qr/\[emerg\] ${LOG_PID}"wellknown_resource" directive is not allowed here/);


# ---------------------------------------------------------------- settings given twice

$c->write_file('empty-object.json', '{}');
for my $case (
    ['keys', ['keys k;', 'keys  k2;'], 'keys  k2'],
    ['jwks_path', ['keys k;', 'jwks_path /a.json;', 'jwks_path /b.json;'], '/b.json'],
    ['allow_http', ['allow_http on;', 'allow_http  on;'], 'allow_http  on'],
    ['metadata_file', ['metadata_file empty-object.json;', 'metadata_file  empty-object.json;'], 'metadata_file  empty'],
) {
    my ($what, $stmts, $marker) = @$case;
    $c->fails("resource: $what given twice", $keys_http, resource_block('https://api.example.com/tw', $stmts),
          $marker, qr/${SR}$what is given twice/);
}

done_testing;
