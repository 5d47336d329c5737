#!/usr/bin/perl
# metadata_file: a document built on a JSON file exported from an existing
# provider. The issuer comes first, then the file's members in file order
# (statements in the block override them in place, empty arrays are
# omitted), then the members declared in the block, then the derived ones;
# for a resource, "resource" first. A reload reads the file again; a
# broken file refuses the reload and the last good document stays served.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');

# The issuer's metadata file: issuer not first, an override
# (token_endpoint), a member the block replaces by a shorter list
# (scopes_supported), an empty array (omitted), a nested extra member.
$t->write_file('mf.json', <<'JSON');
{
  "authorization_endpoint": "https://id.example.com/mf/authorize",
  "issuer": "https://id.example.com/mf",
  "token_endpoint": "https://id.example.com/mf/token",
  "x_from_file": {"b": [1, 2], "a": null},
  "response_types_supported": ["code", "code id_token"],
  "grant_types_supported": [],
  "subject_types_supported": ["public"],
  "scopes_supported": ["openid", "email"],
  "claims_parameter_supported": false
}
JSON
# The resource's metadata file: "resource" in the middle, equal to the identifier.
$t->write_file('rs-meta.json', <<'JSON');
{"resource_name": "From the file",
 "authorization_servers": ["https://id.example.com/t1"],
 "resource": "https://api.example.com/files",
 "bearer_methods_supported": ["header", "body"],
 "scopes_supported": []}
JSON

$t->write_config("    wellknown_keys rsa { key rsa.pem kid=rsa-1; }\n", <<'SERVER');
        wellknown_issuer https://id.example.com/mf {
            keys rsa;
            metadata_file mf.json;
            token_endpoint https://id.example.com/mf/token-v2;
            scopes_supported openid;
            extra x_late 1;
        }
        wellknown_resource https://api.example.com/files {
            metadata_file rs-meta.json;
            resource_name "From nginx.conf";
        }
        location / { try_files /.app @app; }
        location @app { return 200 "app"; }
SERVER
$t->start_checked('nginx -t accepts an issuer and a resource with metadata files', quiet => 'no warnings');

# ---------------------------------------------------------------- metadata files

{
    my $mf = 'https://id.example.com/mf';
    my $want_as = qq({"issuer":"$mf","authorization_endpoint":"$mf/authorize","token_endpoint":"$mf/token-v2",)
        . q("x_from_file":{"b":[1,2],"a":null},"response_types_supported":["code","code id_token"],)
        . q("subject_types_supported":["public"],"scopes_supported":["openid"],"claims_parameter_supported":false,)
        . qq("x_late":1,"jwks_uri":"$mf/jwks.json");
    my $want_oidc = $want_as . ',"id_token_signing_alg_values_supported":["RS256"]}';
    $want_as .= '}';
    my $oidc = $t->request('GET', '/mf/.well-known/openid-configuration');
    is($oidc->{status}, 200, 'issuer with metadata_file: 200');
    is($oidc->{body}, $want_oidc,
       'issuer with metadata_file: issuer, the file\'s members in file order (overrides in place, '
       . 'empty array omitted), then the declared ones, then the derived ones');
    is_deeply([ member_names($oidc->{body}) ],
              [qw(issuer authorization_endpoint token_endpoint x_from_file response_types_supported
                  subject_types_supported scopes_supported claims_parameter_supported x_late jwks_uri
                  id_token_signing_alg_values_supported)], 'issuer with metadata_file: member order');
    my $as = $t->request('GET', '/.well-known/oauth-authorization-server/mf');
    is($as->{body}, $want_as, 'issuer with metadata_file: AS document from the same base');

    my $r = $t->request('GET', '/.well-known/oauth-protected-resource/files');
    is($r->{status}, 200, 'resource with metadata_file: 200');
    is($r->{body}, '{"resource":"https://api.example.com/files","resource_name":"From nginx.conf",'
                 . '"authorization_servers":["https://id.example.com/t1"],"bearer_methods_supported":["header","body"]}',
       'resource with metadata_file: resource first, file order, override in place, empty array omitted');
}

# ---------------------------------------------------------------- metadata files and reloads

{
    my $path = '/mf/.well-known/openid-configuration';
    my $before = $t->request('GET', $path);
    (my $mf = $t->read_file('mf.json')) =~ s{/mf/authorize"}{/mf/authorize-v2"} or die 'mf.json edit';
    $t->write_file('mf.json', $mf);
    is($t->reload, 1, 'reload after editing a metadata file: taken into service');
    my $after = $t->request('GET', $path);
    is((json_of($after->{body}) || {})->{authorization_endpoint}, 'https://id.example.com/mf/authorize-v2',
       'reload: the file is read again');
    is([ member_names($after->{body}) ]->[1], 'authorization_endpoint', 'reload: member order unchanged');
    isnt(header($after, 'etag'), header($before, 'etag'), 'reload: new ETag');

    $t->write_file('mf.json', '{"issuer": "https://id.example.com/mf",');
    my $log_before = length $t->error_log;
    is($t->reload, 0, 'reload with a broken metadata file: refused');
    like($t->log_since($log_before),
         qr/\[emerg\][^\n]*wellknown_issuer: metadata file "\Q${\ $t->path('mf.json')}\E": invalid JSON[^\n]* in \Q${\ $t->path('nginx.conf')}\E:\d+/,
         'reload with a broken metadata file: [emerg] names the file') or diag $t->error_log;
    my $still = $t->request('GET', $path);
    is($still->{body}, $after->{body}, 'reload with a broken metadata file: the last good document is still served');
}

unlike($t->error_log, qr/\[(alert|crit)\]/, 'A: no alert or crit in the error log')
    or diag $t->error_log;
$t->stop;

log_is_clean($t, 'no alert or crit in the error log', levels => [qw(alert crit)]);

done_testing;
