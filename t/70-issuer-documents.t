#!/usr/bin/perl
# wellknown_issuer documents (OpenID Connect Discovery 1.0 and RFC 8414):
# every URL form of a path issuer serves the same bytes, members in
# declared order after the issuer and before the derived jwks_uri and
# id_token algs, extra JSON members, omitted empty ones; the key set at the
# jwks_uri; a root issuer; url_forms and documents restricting what is
# served; and issuers per server (Host), a server without any untouched.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP ();
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->key('ec.pem', 'p256');
$t->key('root.pem', 'rsa2048');
$t->key('late.pem', 'rsa2048');
my $port = $t->port;
my $origin = "http://127.0.0.1:$port";

# Members every issuer of this server needs besides its own (%%B%% = its URL).
my $required = <<'M';
            authorization_endpoint %%B%%/authorize;
            token_endpoint %%B%%/token;
            response_types_supported code;
            subject_types_supported public;
M
sub required_for { my ($base) = @_; (my $m = $required) =~ s/%%B%%/$base/g; return $m }

# Servers other.test and plain.test come first in the http block; the
# harness's server (server_name localhost) is the one the issuers of the
# first part live in. Key set "late" is defined after the server using it.
my $http_a = <<'HTTP';
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name other.test;
        wellknown_cache_control off;
        wellknown_issuer https://other.test/t1 {
            keys late;
            authorization_endpoint https://other.test/t1/authorize;
            token_endpoint https://other.test/t1/token;
            response_types_supported code;
            subject_types_supported public;
        }
        location / { try_files /.app @app; }
        location @app { return 200 "other"; }
    }
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name plain.test;
        location / { try_files /.app @app; }
        location @app { return 200 "plain"; }
    }
    wellknown_keys k {
        key rsa.pem kid=rsa-1;
        key ec.pem kid=ec-1;
    }
    wellknown_keys root { key root.pem kid=root-1; }
    wellknown_keys late { key late.pem kid=late-1; }
HTTP

my $more_issuers = join '', map {
    my ($path, $stmt) = @$_;
    "        wellknown_issuer http://127.0.0.1:%%PORT%%$path {\n            allow_http on;\n            keys k;\n"
    . ($stmt ? "            $stmt\n" : '') . required_for("http://127.0.0.1:%%PORT%%$path") . "        }\n"
} ['/t2', 'url_forms oidc_append;'], ['/t3', 'documents openid-configuration;'];

my $server_a = <<'SERVER' . $more_issuers . <<'LOC';
        wellknown_cache_control "public, max-age=77";
        wellknown_issuer http://127.0.0.1:%%PORT%%/t1 {
            allow_http on;
            keys k;
            token_endpoint http://127.0.0.1:%%PORT%%/t1/token;
            authorization_endpoint http://127.0.0.1:%%PORT%%/t1/authorize;
            extra x_object '{"z":1,"a":[true,null,"s"]}';
            response_types_supported code id_token;
            scopes_supported;
            subject_types_supported public pairwise;
            claims_parameter_supported true;
            request_uri_parameter_supported false;
            extra x_array '[1,"two",{"three":3}]';
            extra x_number 42;
            extra x_empty '[]';
            code_challenge_methods_supported S256;
        }
        wellknown_issuer http://127.0.0.1:%%PORT%% {
            allow_http on;
            keys root;
            authorization_endpoint http://127.0.0.1:%%PORT%%/authorize;
            token_endpoint http://127.0.0.1:%%PORT%%/token;
            response_types_supported code;
            subject_types_supported public;
        }
SERVER
        # The application behind: a content handler, which the documents
        # take the place of. Its wellknown_cache_control reaches the
        # documents answered in it, as any location setting does.
        location / {
            wellknown_cache_control "max-age=1";
            try_files /.app @app;
        }
        location @app { return 200 "app"; }
LOC

$t->write_config($http_a, $server_a);
$t->start_checked('nginx -t accepts the configuration', quiet => 'no warnings for complete issuers with RS256');

my $iss1 = "$origin/t1";
my $oidc_body1 = qq({"issuer":"$iss1","token_endpoint":"$iss1/token","authorization_endpoint":"$iss1/authorize",)
    . qq("x_object":{"z":1,"a":[true,null,"s"]},"response_types_supported":["code","id_token"],)
    . qq("subject_types_supported":["public","pairwise"],"claims_parameter_supported":true,)
    . qq("request_uri_parameter_supported":false,"x_array":[1,"two",{"three":3}],"x_number":42,)
    . qq("code_challenge_methods_supported":["S256"],"jwks_uri":"$iss1/jwks.json");
my $as_body1 = "$oidc_body1}";
$oidc_body1 .= qq(,"id_token_signing_alg_values_supported":["RS256","ES256"]});

# ---------------------------------------------------------------- path issuer: URL forms

my %forms = (
    'openid-configuration' => ["/t1/.well-known/openid-configuration", "/.well-known/openid-configuration/t1"],
    'oauth-authorization-server' => ["/.well-known/oauth-authorization-server/t1", "/t1/.well-known/oauth-authorization-server"],
);
my %body;
my %etag;
for my $doc (sort keys %forms) {
    for my $path (@{ $forms{$doc} }) {
        my $r = $t->request('GET', $path);
        is($r->{status}, 200, "t1 $path: 200");
        is(header($r, 'content-type'), 'application/json', "t1 $path: application/json");
        my $d = json_of($r->{body});
        is($d && $d->{issuer}, $iss1, "t1 $path: issuer is the configured identifier") or diag $r->{body};
        if (defined $body{$doc}) {
            is($r->{body}, $body{$doc}, "t1 $path: byte-identical to the other $doc form");
            is(header($r, 'etag'), $etag{$doc}, "t1 $path: same ETag as the other $doc form");
        } else {
            $body{$doc} = $r->{body};
            $etag{$doc} = header($r, 'etag');
        }
    }
}
my $oidc = $body{'openid-configuration'};
my $as = $body{'oauth-authorization-server'};
isnt($oidc, $as, 't1: the two document kinds differ');

is($oidc, $oidc_body1, 't1 openid-configuration: exact bytes');
is($as, $as_body1, 't1 oauth-authorization-server: exact bytes');

my @declared = qw(issuer token_endpoint authorization_endpoint x_object response_types_supported
                  subject_types_supported claims_parameter_supported request_uri_parameter_supported
                  x_array x_number code_challenge_methods_supported jwks_uri);
is_deeply([ member_names($oidc) ], [@declared, 'id_token_signing_alg_values_supported'],
          't1 OIDC: member order: issuer, declared order, jwks_uri, id_token_signing_alg_values_supported');
is_deeply([ member_names($as) ], \@declared, 't1 AS: member order: issuer, declared order, jwks_uri');

my $od = json_of($oidc) || {};
my $ad = json_of($as) || {};
is_deeply($od->{id_token_signing_alg_values_supported}, ['RS256', 'ES256'],
          't1 OIDC: id_token_signing_alg_values_supported = [RS256, ES256] (RSA, EC keys)');
ok(!exists $ad->{id_token_signing_alg_values_supported}, 't1 AS: no id_token_signing_alg_values_supported');
ok(!exists $od->{scopes_supported}, 't1: scopes_supported with zero values is omitted');
ok(!exists $od->{x_empty}, 't1: extra member with an empty array is omitted');
is_deeply($od->{x_object}, { z => 1, a => [JSON::PP::true, undef, 's'] }, 't1: extra object member');
like($oidc, qr/"x_object":\{"z":1,"a":\[true,null,"s"\]\}/, 't1: extra object keeps its member order');
is_deeply($od->{x_array}, [1, 'two', { three => 3 }], 't1: extra array member');
ok(defined $od->{x_number} && !ref $od->{x_number} && $od->{x_number} == 42
   && $oidc =~ /"x_number":42[,}]/, 't1: extra number member is a JSON number');
ok(JSON::PP::is_bool($od->{claims_parameter_supported}) && $od->{claims_parameter_supported},
   't1: claims_parameter_supported is JSON true');
ok(JSON::PP::is_bool($od->{request_uri_parameter_supported}) && !$od->{request_uri_parameter_supported},
   't1: request_uri_parameter_supported is JSON false');
is_deeply($od->{response_types_supported}, ['code', 'id_token'], 't1: array member, one element per value');

# ---------------------------------------------------------------- jwks_uri

is($od->{jwks_uri}, "$iss1/jwks.json", 't1: jwks_uri = issuer origin + {issuer path}/jwks.json');
is($ad->{jwks_uri}, $od->{jwks_uri}, 't1: AS document has the same jwks_uri');
{
    (my $p = $od->{jwks_uri} // '') =~ s{^https?://[^/]+}{};
    my $r = $t->request('GET', $p);
    is($r->{status}, 200, "t1 jwks_uri path $p: 200");
    is(header($r, 'content-type'), 'application/json', 't1 jwks: application/json');
    my $set = json_of($r->{body});
    is_deeply([map { $_->{kid} } @{ $set && $set->{keys} || [] }], ['rsa-1', 'ec-1'],
              't1 jwks: the kids of key set k') or diag $r->{body};
    is_deeply([map { $_->{alg} } @{ $set && $set->{keys} || [] }], $od->{id_token_signing_alg_values_supported},
              't1 jwks: key algs are the advertised id_token algs');
    is(header($r, 'cache-control'), 'max-age=1', 't1 jwks: the matching location\'s Cache-Control');
}

# ---------------------------------------------------------------- root issuer

{
    my %rb;
    for my $path ('/.well-known/openid-configuration', '/.well-known/oauth-authorization-server') {
        my $r = $t->request('GET', $path);
        is($r->{status}, 200, "root $path: 200");
        my $d = json_of($r->{body}) || {};
        is($d->{issuer}, $origin, "root $path: issuer is the root identifier (no trailing /)");
        is($d->{jwks_uri}, "$origin/.well-known/jwks.json", "root $path: jwks_uri /.well-known/jwks.json");
        is([ member_names($r->{body}) ]->[0], 'issuer', "root $path: issuer first");
        $rb{$path} = $d;
    }
    is_deeply($rb{'/.well-known/openid-configuration'}{id_token_signing_alg_values_supported}, ['RS256'],
              'root OIDC: id_token algs of key set root');
    ok(!exists $rb{'/.well-known/oauth-authorization-server'}{id_token_signing_alg_values_supported},
       'root AS: no id_token algs');
    my $r = $t->request('GET', '/.well-known/jwks.json');
    is($r->{status}, 200, 'root /.well-known/jwks.json: 200');
    my $set = json_of($r->{body});
    is_deeply([map { $_->{kid} } @{ $set && $set->{keys} || [] }], ['root-1'], 'root jwks: key set root');
}


# ---------------------------------------------------------------- url_forms and documents

# t2: url_forms oidc_append only.
{
    my $ok = $t->request('GET', '/t2/.well-known/openid-configuration');
    is($ok->{status}, 200, 't2 (oidc_append only): append form 200');
    is((json_of($ok->{body}) || {})->{issuer}, "$origin/t2", 't2: issuer');
    is_json_404($t->request('GET', '/.well-known/openid-configuration/t2'), 't2: OIDC insert form');
    is_json_404($t->request('GET', '/.well-known/oauth-authorization-server/t2'), 't2: AS insert form');
    is_json_404($t->request('GET', '/t2/.well-known/oauth-authorization-server'), 't2: AS append form');
    is($t->request('GET', '/t2/jwks.json')->{status}, 200, 't2: jwks still served');
}
# t3: documents openid-configuration only.
{
    for my $p ('/t3/.well-known/openid-configuration', '/.well-known/openid-configuration/t3') {
        my $r = $t->request('GET', $p);
        is($r->{status}, 200, "t3 (OIDC only): $p 200");
        is((json_of($r->{body}) || {})->{issuer}, "$origin/t3", "t3: $p issuer");
    }
    is_json_404($t->request('GET', '/.well-known/oauth-authorization-server/t3'), 't3: AS insert form');
    is_json_404($t->request('GET', '/t3/.well-known/oauth-authorization-server'), 't3: AS append form');
}

# ---------------------------------------------------------------- other servers

{
    my $r = $t->request('GET', '/t1/.well-known/openid-configuration', host => 'other.test');
    is($r->{status}, 200, 'other.test: its own /t1 issuer');
    my $d = json_of($r->{body}) || {};
    is($d->{issuer}, 'https://other.test/t1', 'other.test: issuer is its own, not the first server\'s');
    is($d->{jwks_uri}, 'https://other.test/t1/jwks.json', 'other.test: its own jwks_uri');
    ok(!defined header($r, 'cache-control'), 'other.test: its server-level wellknown_cache_control off');
    my $k = json_of($t->request('GET', '/t1/jwks.json', host => 'other.test')->{body});
    is_deeply([map { $_->{kid} } @{ $k && $k->{keys} || [] }], ['late-1'], 'other.test: /t1/jwks.json is its key set');
    is_json_404($t->request('GET', '/.well-known/openid-configuration', host => 'other.test'),
                   'other.test: the first server\'s root issuer is unknown here');
    is_json_404($t->request('GET', '/t2/.well-known/openid-configuration', host => 'other.test'),
                   'other.test: the first server\'s t2 is unknown here');
    is($t->request('GET', '/.well-known/jwks.json', host => 'other.test')->{status}, 404,
       'other.test: no root jwks');
    is($t->request('GET', '/x', host => 'other.test')->{body}, 'other', 'other.test: its location');
    # Back in the first server: its own /t1.
    is((json_of($t->request('GET', '/t1/.well-known/openid-configuration')->{body}) || {})->{issuer},
       $iss1, 'localhost: /t1 is still the first server\'s issuer');
}
{
    # A server without wellknown_issuer is not touched at all.
    for my $p ('/.well-known/openid-configuration', '/t1/.well-known/openid-configuration',
               '/.well-known/openid-configuration/nope') {
        my $r = $t->request('GET', $p, host => 'plain.test');
        is($r->{status}, 200, "plain.test $p: 200");
        is($r->{body}, 'plain', "plain.test $p: its location answers");
    }
}

log_is_clean($t, 'no alert, crit or emerg in the error log');

done_testing;
