#!/usr/bin/perl
# Reloads of issuers: a changed member is served after a reload, with a new
# ETag; a configuration refused at reload ([emerg] at the offending line)
# leaves the running documents served byte for byte by the same master.
# Next to the issuer that changes, a relaxed one (relax_required: served
# without the required members, with a warning per document at nginx -t)
# that does not.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('instance.pem', 'rsa2048');
my $conf_path = $t->path('nginx.conf');

my $http = "    wellknown_keys instance {\n"
         . "        key instance.pem kid=ins_1lyWDZiobr600AKUeQDoSlrEmoM alg=RS256 use=sig;\n    }\n";
# The relaxed issuer, and one at /r whose authorization_endpoint is $auth,
# with a token_endpoint only if $token.
sub issuers {
    my ($auth, $token) = @_;
    my $s = <<'S';
        wellknown_issuer https://clerk.example.com {
            keys instance;
            relax_required on;
            id_token_signing_alg_values_supported;
        }
        wellknown_issuer https://clerk.example.com/r {
            keys instance;
S
    $s .= "            authorization_endpoint $auth;\n";
    $s .= "            token_endpoint https://clerk.example.com/r/token;\n" if $token;
    $s .= "            response_types_supported code;\n            subject_types_supported public;\n        }\n";
    return $s;
}

$t->write_config($http, issuers('https://clerk.example.com/r/authorize-v1', 1));
{
    my ($ok, $out) = $t->test_config;
    ok($ok, 'relaxed issuer: nginx -t passes') or diag $out;
    my $line = $t->line_of('wellknown_issuer https://clerk.example.com {');
    like($out, qr/\[warn\] ${LOG_PID}wellknown_issuer "https:\/\/clerk\.example\.com": (?:openid-configuration: )?openid-configuration is served without [^\n]*authorization_endpoint[^\n]*OpenID Connect Discovery 1\.0 §3[^\n]* in \Q$conf_path\E:$line$/m,
         'relaxed issuer: [warn] for the relaxed OIDC document at the issuer\'s line') or diag $out;
    like($out, qr/\[warn\] ${LOG_PID}wellknown_issuer "https:\/\/clerk\.example\.com": (?:oauth-authorization-server: )?oauth-authorization-server is served without[^\n]*RFC 8414 §2[^\n]* in \Q$conf_path\E:$line$/m,
         'relaxed issuer: [warn] for the relaxed AS document') or diag $out;
    # Errors name the document once (build_issuer skips the prefix when the
    # message already starts with it); warnings should read the same way.
    unlike($out, qr/(openid-configuration|oauth-authorization-server): \1 is served without/,
           'relaxed issuer: the warning names the document once') or diag $out;
    unlike($out, qr/\[emerg\]/, 'relaxed issuer: no [emerg]');
}
$t->start;
my $relaxed_body = '{"issuer":"https://clerk.example.com","jwks_uri":"https://clerk.example.com/.well-known/jwks.json"}';
for my $p ('/.well-known/openid-configuration', '/.well-known/oauth-authorization-server') {
    my $r = $t->request('GET', $p, host => 'clerk.example.com');
    is($r->{status}, 200, "relaxed issuer $p: 200");
    is($r->{body}, $relaxed_body, "relaxed issuer $p: exactly issuer and jwks_uri (empty alg list omitted)");
}
{
    my $k = json_of($t->request('GET', '/.well-known/jwks.json')->{body});
    is($k && $k->{keys}[0]{kid}, 'ins_1lyWDZiobr600AKUeQDoSlrEmoM', 'relaxed issuer: jwks at /.well-known/jwks.json, opaque kid');
}

my $r_path = '/r/.well-known/openid-configuration';
my $v1 = $t->request('GET', $r_path);
is($v1->{status}, 200, 'reload: v1 served');
like($v1->{body}, qr/authorize-v1/, 'reload: v1 body');

$t->write_config($http, issuers('https://clerk.example.com/r/authorize-v2', 1));
is($t->reload, 1, 'reload with a changed member: taken into service');
my $v2 = $t->request('GET', $r_path);
is($v2->{status}, 200, 'reload: v2 served');
is((json_of($v2->{body}) || {})->{authorization_endpoint}, 'https://clerk.example.com/r/authorize-v2',
   'reload: the new member value');
unlike($v2->{body}, qr/authorize-v1/, 'reload: the old value is gone');
isnt(header($v2, 'etag'), header($v1, 'etag'), 'reload: ETag changed');
is($t->request('GET', '/.well-known/openid-configuration')->{body}, $relaxed_body, 'reload: relaxed document unchanged');
my $master = $t->pid;

my @bad = (
    [ 'missing required member', issuers('https://clerk.example.com/r/authorize-v3', 0),
      'wellknown_issuer https://clerk.example.com/r {',
      qr/wellknown_issuer "https:\/\/clerk\.example\.com\/r": openid-configuration lacks required member\(s\) token_endpoint \(OpenID Connect Discovery 1\.0 §3\)/ ],
    [ 'unknown statement', issuers('https://clerk.example.com/r/authorize-v3', 1) =~ s/(keys instance;\n)(?=[^\n]*authorize)/$1            frobnicate 1;\n/r,
      'frobnicate', qr/wellknown_issuer: unknown statement "frobnicate"/ ],
);
for my $case (@bad) {
    my ($name, $server, $marker, $msg) = @$case;
    $t->write_config($http, $server);
    my $line = $t->line_of($marker);
    my $log_before = length $t->error_log;
    is($t->reload, 0, "bad reload ($name): refused");
    my $log = $t->log_since($log_before);
    like($log, qr/\[emerg\][^\n]*$msg[^\n]* in \Q$conf_path\E:$line\n/, "bad reload ($name): [emerg] at line $line")
        or diag $log;
    my $now = $t->request('GET', $r_path);
    is($now->{status}, 200, "bad reload ($name): still 200");
    is($now->{body}, $v2->{body}, "bad reload ($name): still the v2 body");
    is(header($now, 'etag'), header($v2, 'etag'), "bad reload ($name): still the v2 ETag");
    is($t->request('GET', '/.well-known/openid-configuration')->{body}, $relaxed_body,
       "bad reload ($name): relaxed document still served");
    is($t->pid, $master, "bad reload ($name): same master");
}
log_is_clean($t, 'no alert or crit in the error log', levels => [qw(alert crit)]);

done_testing;
