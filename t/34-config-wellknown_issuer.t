#!/usr/bin/perl
# wellknown_issuer: every bad statement fails `nginx -t` with an [emerg] at
# the statement's line; every document that cannot be built (a bad issuer
# URL, a missing required member, a path another issuer or key set serves)
# at the directive's line; a setting given twice names itself; findings a
# client may live with (a trailing "/", no RS256, declared id_token algs no
# key signs with, relax_required) are warnings at the directive's line.
# No server is started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($c, $keys_http) = WellKnown::Test->with_key_sets;
my $valid = issuer_block('https://id.example.com/valid');
my $S = directive_error('wellknown_issuer');    # a statement error
sub B { directive_error('wellknown_issuer', @_) }   # a build error for the issuer URL

$c->passes('baseline: the helper issuer is valid', $keys_http, $valid);
$c->passes('two issuers sharing a key set and a jwks_path', $keys_http,
       issuer_block('https://id.example.com/s1', ['jwks_path /shared.json;'])
       . issuer_block('https://id.example.com/s2', ['jwks_path /shared.json;']));

# ---------------------------------------------------------------- statement errors (statement's line)

$c->fails('unknown statement', $keys_http, $valid . issuer_block('https://id.example.com/u', ['frobnicate on;']),
      'frobnicate', qr/${S}unknown statement "frobnicate"/);
$c->fails('member given twice', $keys_http,
      issuer_block('https://id.example.com/tw', ['token_endpoint https://id.example.com/token2;']),
      'token2', qr/${S}member "token_endpoint" is given twice/);
$c->fails('extra repeating a registered member', $keys_http,
      issuer_block('https://id.example.com/tw', [q{extra authorization_endpoint '"https://id.example.com/a2"';}]),
      'extra authorization_endpoint', qr/${S}member "authorization_endpoint" is given twice/);
$c->fails('extra given twice', $keys_http,
      issuer_block('https://id.example.com/tw', ['extra x_a 1;', 'extra  x_a 2;']),
      'extra  x_a', qr/${S}member "x_a" is given twice/);
$c->fails('boolean member with yes', $keys_http,
      issuer_block('https://id.example.com/b', ['claims_parameter_supported yes;']),
      'claims_parameter_supported', qr/${S}claims_parameter_supported is a boolean: give true or false, not "yes"/);
$c->fails('URL member with two values', $keys_http,
      issuer_block('https://id.example.com/two', ['userinfo_endpoint https://id.example.com/u1 https://id.example.com/u2;']),
      'userinfo_endpoint', qr/${S}userinfo_endpoint takes exactly one value .*not 2/);
$c->fails('extra with invalid JSON', $keys_http,
      issuer_block('https://id.example.com/j', [q{extra x_bad '{"a":}';}]),
      'x_bad', qr/${S}extra x_bad: invalid JSON/);
$c->fails('extra with duplicate JSON keys', $keys_http,
      issuer_block('https://id.example.com/j', [q{extra x_dup '{"a":1,"a":2}';}]),
      'x_dup', qr/${S}extra x_dup: duplicate member "a"/);
$c->fails('extra with duplicate keys in a nested object', $keys_http,
      issuer_block('https://id.example.com/j', [q{extra x_nested '{"o":{"k":1,"k":2}}';}]),
      'x_nested', qr/${S}extra x_nested: duplicate member "k"/);
$c->fails('extra with one argument', $keys_http,
      issuer_block('https://id.example.com/j', ['extra x_lonely;']),
      'x_lonely', qr/${S}extra takes a member name and a JSON value/);
$c->fails('documents bogus', $keys_http, issuer_block('https://id.example.com/d', ['documents openid-configuration bogus;']),
      'documents', qr/${S}documents: unknown document "bogus"/);
$c->fails('url_forms bogus', $keys_http, issuer_block('https://id.example.com/f', ['url_forms oidc_append bogus;']),
      'url_forms', qr/${S}url_forms: unknown form "bogus"/);
$c->fails('allow_http maybe', $keys_http, issuer_block('https://id.example.com/h', ['allow_http maybe;']),
      'allow_http', qr/${S}allow_http takes on or off, not "maybe"/);
$c->fails('relax_required yes', $keys_http, issuer_block('https://id.example.com/h', ['relax_required yes;']),
      'relax_required', qr/${S}relax_required takes on or off, not "yes"/);
$c->fails('keys with two names', $keys_http,
      issuer_block('https://id.example.com/k', ['keys k k2;'], no_keys => 1),
      'keys k k2', qr/${S}keys takes exactly one value/);
$c->fails('block inside the issuer block', $keys_http,
      issuer_block('https://id.example.com/blk', ['scopes_supported { openid }']),
      'scopes_supported {', qr/\[emerg\] ${LOG_PID}unexpected "\{"/);

# ---------------------------------------------------------------- build errors (directive's line)


$c->fails('http issuer without allow_http', $keys_http,
      $valid . issuer_block('http://id.example.com/plain'),
      'wellknown_issuer http://id.example.com/plain', B('http://id.example.com/plain', qr/issuer: "http:\/\/id\.example\.com\/plain" must use https/));
$c->fails('issuer with a query', $keys_http, $valid . issuer_block('https://id.example.com/q?tenant=1'),
      'wellknown_issuer https://id.example.com/q?', B('https://id.example.com/q?tenant=1', qr/issuer: .*may not contain a query/));
$c->fails('issuer with a fragment', $keys_http, $valid . issuer_block('"https://id.example.com/f#frag"'),
      'wellknown_issuer "https://id.example.com/f#frag"', B('https://id.example.com/f#frag', qr/issuer: .*may not contain a fragment/));
$c->fails('issuer path with an encoded slash', $keys_http, $valid . issuer_block('https://id.example.com/a%2Fb'),
      'wellknown_issuer https://id.example.com/a%2Fb', B('https://id.example.com/a%2Fb', qr/issuer: path "\/a%2Fb" encodes "\/" as %2F/));
$c->fails('issuer path with a dot segment', $keys_http, $valid . issuer_block('https://id.example.com/a/../b'),
      'wellknown_issuer https://id.example.com/a/../b', B('https://id.example.com/a/../b', qr/issuer: path .* segment, which a request path never keeps/));
$c->fails('issuer path with an empty segment', $keys_http, $valid . issuer_block('https://id.example.com/a//b'),
      'wellknown_issuer https://id.example.com/a//b', B('https://id.example.com/a//b', qr/issuer: path .* segment/));
$c->fails('issuer path with a bad escape', $keys_http, $valid . issuer_block('https://id.example.com/a%zz'),
      'wellknown_issuer https://id.example.com/a%zz', B('https://id.example.com/a%zz', qr/issuer: path .*not followed by two hex digits/));
$c->fails('URL member over http without allow_http', $keys_http,
      issuer_block('https://id.example.com/m', ['userinfo_endpoint http://id.example.com/userinfo;']),
      'wellknown_issuer https://id.example.com/m', B('https://id.example.com/m', qr/.*userinfo_endpoint: .*must use https/));
$c->fails('extra of a registered boolean member with a string', $keys_http,
      issuer_block('https://id.example.com/m', [q{extra claims_parameter_supported '"yes"';}]),
      'wellknown_issuer https://id.example.com/m', B('https://id.example.com/m', qr/.*claims_parameter_supported must be a boolean/));
$c->fails('missing required member (OIDC)', $keys_http,
      $valid . issuer_block('https://id.example.com/m', ['authorization_endpoint https://id.example.com/authorize;',
                                                   'response_types_supported code;',
                                                   'subject_types_supported public;'], no_required => 1),
      'wellknown_issuer https://id.example.com/m',
      B('https://id.example.com/m', qr/openid-configuration lacks required member\(s\) token_endpoint \(OpenID Connect Discovery 1\.0 §3\)/));
$c->fails('OIDC without keys lacks jwks_uri and id_token algs', $keys_http,
      issuer_block('https://id.example.com/nokeys', [], no_keys => 1),
      'wellknown_issuer https://id.example.com/nokeys',
      B('https://id.example.com/nokeys', qr/openid-configuration lacks required member\(s\) jwks_uri, id_token_signing_alg_values_supported \(OpenID Connect Discovery 1\.0 §3\)/));
$c->fails('AS missing authorization_endpoint', $keys_http,
      issuer_block('https://id.example.com/as', ['documents oauth-authorization-server;',
                                           'token_endpoint https://id.example.com/token;',
                                           'response_types_supported code;'], no_required => 1),
      'wellknown_issuer https://id.example.com/as',
      B('https://id.example.com/as', qr/oauth-authorization-server lacks required member\(s\) authorization_endpoint \(RFC 8414 §2\)/));
$c->fails('unknown key set', $keys_http,
      $valid . issuer_block('https://id.example.com/nk', ['keys nope;'], no_keys => 1),
      'wellknown_issuer https://id.example.com/nk', B('https://id.example.com/nk', qr/no key set named "nope"/));
$c->fails('duplicate issuer in one server', $keys_http,
      issuer_block('https://id.example.com/dup') . $valid . issuer_block('https://id.example.com/dup') =~ s/wellknown_issuer /wellknown_issuer  /r,
      'wellknown_issuer  https://id.example.com/dup',
      qr/\[emerg\] ${LOG_PID}wellknown_issuer(?: "[^"]*")?: issuer "https:\/\/id\.example\.com\/dup" is already defined/);
$c->fails('jwks_path collision between key sets', $keys_http,
      issuer_block('https://id.example.com/p1', ['jwks_path /keys.json;'])
      . issuer_block('https://id.example.com/p2', ['keys k2;', 'jwks_path /keys.json;'], no_keys => 1),
      'wellknown_issuer https://id.example.com/p2',
      B('https://id.example.com/p2', qr/path "\/keys\.json" is already served for issuer "https:\/\/id\.example\.com\/p1"/));
$c->fails('document path collision between hosts', $keys_http,
      issuer_block('https://a.example.com/c') . issuer_block('https://b.example.com/c'),
      'wellknown_issuer https://b.example.com/c',
      B('https://b.example.com/c', qr/path "\/c\/\.well-known\/openid-configuration" is already served for issuer "https:\/\/a\.example\.com\/c"/));
$c->fails('jwks_path not starting with /', $keys_http,
      issuer_block('https://id.example.com/jp', ['jwks_path keys.json;']),
      'wellknown_issuer https://id.example.com/jp',
      B('https://id.example.com/jp', qr/jwks_path "keys\.json" must be an absolute path/));
$c->fails('declared issuer member differing from the identifier', $keys_http,
      issuer_block('https://id.example.com/i', ['issuer https://id.example.com/other;']),
      'wellknown_issuer https://id.example.com/i',
      B('https://id.example.com/i', qr/issuer member "https:\/\/id\.example\.com\/other" differs from the issuer identifier/));
$c->passes('the same identifier in two servers',
       $keys_http . "    server {\n        listen 127.0.0.1:%%PORT%%;\n        server_name two.test;\n"
       . issuer_block('https://id.example.com/both') . "    }\n",
       issuer_block('https://id.example.com/both'));
$c->passes('declared issuer member equal to the identifier', $keys_http,
       issuer_block('https://id.example.com/same', ['issuer https://id.example.com/same;']));

# ---------------------------------------------------------------- context

$c->fails('wellknown_issuer in http context', $keys_http . issuer_block('https://id.example.com/inhttp'), $valid,
      'wellknown_issuer https://id.example.com/inhttp', qr/\[emerg\] ${LOG_PID}"wellknown_issuer" directive is not allowed here/);
$c->fails('wellknown_issuer in a location', $keys_http,
      "        location /x {\n" . issuer_block('https://id.example.com/inloc') . "        }\n",
      'wellknown_issuer https://id.example.com/inloc', qr/\[emerg\] ${LOG_PID}"wellknown_issuer" directive is not allowed here/);

# ---------------------------------------------------------------- warnings

$c->warns('issuer ending in /', $keys_http, issuer_block('https://id.example.com/slash/'),
      'wellknown_issuer https://id.example.com/slash/',
      qr/\[warn\] ${LOG_PID}wellknown_issuer "https:\/\/id\.example\.com\/slash\/": .*ends with "\/"/);
$c->warns('EC-only keys: no RS256', $keys_http, issuer_block('https://id.example.com/ec', [], no_keys => 1, before => ['keys ec;']),
      'wellknown_issuer https://id.example.com/ec',
      qr/\[warn\] ${LOG_PID}wellknown_issuer "https:\/\/id\.example\.com\/ec": openid-configuration: id_token_signing_alg_values_supported lacks RS256/);
{
    # 50 tenants with the same finding: one line with the count and the
    # first locations. A stated id_token_signing_alg_values_supported is an
    # operator's choice and is not warned about.
    my $many = join '', map { issuer_block(sprintf('https://id.example.com/ec%02d', $_), [], no_keys => 1, before => ['keys ec;']) } 0 .. 49;
    $many .= issuer_block('https://id.example.com/stated', ['id_token_signing_alg_values_supported ES256;'],
                          no_keys => 1, before => ['keys ec;']);
    $c->write_config($keys_http, $many);
    my ($ok, $out) = $c->test_config;
    ok($ok, '50 EC-only issuers: nginx -t passes') or diag $out;
    my $conf = $c->path('nginx.conf');
    my @at = map { "\Q$conf\E:" . $c->line_of("wellknown_issuer https://id.example.com/ec0$_ ") } 0 .. 2;
    like($out, qr/\[warn\] ${LOG_PID}50 issuers: openid-configuration: id_token_signing_alg_values_supported lacks RS256, .* in $at[0], $at[1], $at[2] and 47 more$/m,
         '50 EC-only issuers: the count, three locations and 47 more');
    my @w = $out =~ /(\[warn\])/g;
    is(scalar @w, 1, '50 EC-only issuers: one warning line, none for the stated list') or diag $out;
}
$c->warns('relax_required', $keys_http,
      issuer_block('https://id.example.com/rx', ['relax_required on;', 'response_types_supported code;'], no_required => 1),
      'wellknown_issuer https://id.example.com/rx',
      qr/\[warn\] ${LOG_PID}wellknown_issuer "https:\/\/id\.example\.com\/rx": (?:openid-configuration: )?openid-configuration is served without authorization_endpoint, token_endpoint, subject_types_supported/);


# ---------------------------------------------------------------- settings given twice, lists

$c->write_file('empty-object.json', '{}');
for my $case (
    ['keys', ['keys k;', 'keys  k2;'], 'keys  k2'],
    ['jwks_path', ['jwks_path /a.json;', 'jwks_path /b.json;'], '/b.json'],
    ['documents', ['documents openid-configuration;', 'documents  oauth-authorization-server;'], 'documents  oauth'],
    ['url_forms', ['url_forms oidc_append;', 'url_forms  oauth_insert;'], 'url_forms  oauth'],
    ['allow_http', ['allow_http off;', 'allow_http  off;'], 'allow_http  off'],
    ['relax_required', ['relax_required off;', 'relax_required  off;'], 'relax_required  off'],
    ['metadata_file', ['metadata_file empty-object.json;', 'metadata_file  empty-object.json;'], 'metadata_file  empty'],
) {
    my ($what, $stmts, $marker) = @$case;
    my %names = $what eq 'metadata_file' ? (names => 'empty-object.json') : ();
    $c->fails("issuer: $what given twice", $keys_http,
          issuer_block('https://id.example.com/tw', $stmts, no_keys => $what eq 'keys'),
          $marker, qr/${S}$what is given twice/, %names);
}
$c->passes('each setting once, and metadata_file with an empty object', $keys_http,
       issuer_block('https://id.example.com/once', ['jwks_path /once.json;', 'documents openid-configuration;',
                                              'url_forms oidc_append;', 'allow_http off;', 'relax_required off;',
                                              'metadata_file empty-object.json;']));
$c->fails('url_forms with no values', $keys_http, issuer_block('https://id.example.com/f', ['url_forms;']),
      'url_forms;', qr/${S}url_forms needs at least one of oidc_append, oidc_insert, oauth_insert, oauth_append/);
$c->fails('documents with no values', $keys_http, issuer_block('https://id.example.com/d', ['documents;']),
      'documents;', qr/${S}documents needs at least one of openid-configuration, oauth-authorization-server/);
$c->fails('documents listing one twice', $keys_http,
      issuer_block('https://id.example.com/d', ['documents openid-configuration openid-configuration;']),
      'documents openid', qr/${S}documents: "openid-configuration" is listed twice/);
$c->fails('url_forms listing one twice', $keys_http,
      issuer_block('https://id.example.com/f', ['url_forms oidc_append oauth_insert oidc_append;']),
      'url_forms oidc', qr/${S}url_forms: "oidc_append" is listed twice/);
$c->fails('documents oauth-protected-resource in an issuer', $keys_http,
      issuer_block('https://id.example.com/d', ['documents oauth-protected-resource;']),
      'documents oauth', qr/${S}documents: unknown document "oauth-protected-resource".*use wellknown_resource/);

# ---------------------------------------------------------------- id_token algs against the key set

{
    my $U = 'https://id.example.com/alg';
    my $algwarn = sub { my ($alg) = @_;
        return qr/\[warn\] ${LOG_PID}wellknown_issuer "\Q$U\E": openid-configuration: id_token_signing_alg_values_supported lists $alg, but no key in the issuer's key set signs with it/ };
    $c->warns('id_token algs: ES256 with an RSA-only key set', $keys_http,
          issuer_block($U, ['id_token_signing_alg_values_supported RS256 ES256;']),
          "wellknown_issuer $U", $algwarn->('ES256'));
    my $out = $c->passes('id_token algs: HS256 and none need no published key', $keys_http,
                     issuer_block($U, ['id_token_signing_alg_values_supported RS256 HS256 HS512 none;']));
    unlike($out, qr/lists (HS256|HS512|none)/, 'id_token algs: no warning for HS256, HS512, none');
    $out = $c->warns('id_token algs: HS256 next to ES256 and PS256', $keys_http,
                 issuer_block($U, ['id_token_signing_alg_values_supported RS256 HS256 ES256 PS256;']),
                 "wellknown_issuer $U", $algwarn->('ES256'));
    like($out, $algwarn->('PS256'), 'id_token algs: PS256 on an RS256 key warned as well');
    unlike($out, qr/lists HS256/, 'id_token algs: HS256 not warned');
    my @w = $out =~ /(\[warn\])/g;
    is(scalar @w, 2, 'id_token algs: exactly two warnings (ES256, PS256)') or diag $out;
    $c->passes('id_token algs: RS256 and ES256 with an RSA and an EC key', $keys_http,
           issuer_block($U, ['id_token_signing_alg_values_supported RS256 ES256;'], no_keys => 1, before => ['keys both;']));
    $c->passes('id_token algs: only the AS document (no id_token check)', $keys_http,
           issuer_block($U, ['documents oauth-authorization-server;', 'id_token_signing_alg_values_supported RS256 ES256;']));
    $c->write_file('algs.json', '{"id_token_signing_alg_values_supported": ["RS256", "ES384"]}');
    $c->warns('id_token algs from a metadata file', $keys_http, issuer_block($U, ['metadata_file algs.json;']),
          "wellknown_issuer $U", $algwarn->('ES384'));
    $c->passes('id_token algs: no key set, jwks_uri elsewhere, nothing to check', $keys_http,
           issuer_block($U, ['jwks_uri https://keys.example.com/jwks.json;', 'id_token_signing_alg_values_supported RS256 ES256;'],
                  no_keys => 1));
}

done_testing;
