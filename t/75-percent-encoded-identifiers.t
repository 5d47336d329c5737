#!/usr/bin/perl
# Identifiers whose path carries a percent-encoded octet (RFC 3986 §2.1),
# as clients append the well-known suffix to the identifier as written:
# served at every spelling nginx decodes to the same path (upper or lower
# case hex, the raw bytes), the identifier and jwks_uri in the documents
# exactly as configured, never decoded; a different octet is another path.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

sub kids { my ($body) = @_; my $s = json_of($body); return [map { $_->{kid} } @{ $s && $s->{keys} || [] }] }

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
my $origin = 'http://127.0.0.1:' . $t->port;
$t->write_config("    wellknown_keys rsa { key rsa.pem kid=rsa-1; }\n",
                 issuer_block('https://id.example.com/caf%C3%A9', [], keys => 'rsa')
                 . resource_block('https://api.example.com/caf%C3%A9', ['authorization_servers https://id.example.com/caf%C3%A9;'])
                 . issuer_block("$origin/sp%20ace", ['allow_http on;'], keys => 'rsa')
                 . "        location / { try_files /.app \@app; }\n        location \@app { return 200 \"app\"; }\n");
$t->start_checked('nginx -t accepts percent-encoded identifiers', quiet => 'no warnings');

# ---------------------------------------------------------------- percent-encoded paths

{
    my $iss = 'https://id.example.com/caf%C3%A9';
    my %b;
    for my $p ('/caf%C3%A9/.well-known/openid-configuration', '/.well-known/openid-configuration/caf%C3%A9',
               '/caf%c3%a9/.well-known/openid-configuration', "/caf\xC3\xA9/.well-known/openid-configuration") {
        my $r = $t->request('GET', $p);
        is($r->{status}, 200, "issuer .../caf%C3%A9: GET $p 200");
        $b{$p} = $r->{body};
    }
    my $body = $b{'/caf%C3%A9/.well-known/openid-configuration'};
    is(scalar(grep { $_ eq $body } values %b), 4, 'issuer .../caf%C3%A9: every spelling gets the same bytes');
    my $d = json_of($body) || {};
    is($d->{issuer}, $iss, 'issuer .../caf%C3%A9: issuer exactly as configured (percent-encoded)');
    is($d->{jwks_uri}, "$iss/jwks.json", 'issuer .../caf%C3%A9: jwks_uri percent-encoded');
    like($body, qr{"issuer":"https://id\.example\.com/caf%C3%A9"}, 'issuer .../caf%C3%A9: no decoded bytes in the body');
    my $as = $t->request('GET', '/.well-known/oauth-authorization-server/caf%C3%A9');
    is((json_of($as->{body}) || {})->{issuer}, $iss, 'issuer .../caf%C3%A9: AS insert form');
    my $k = $t->request('GET', '/caf%C3%A9/jwks.json');
    is($k->{status}, 200, 'issuer .../caf%C3%A9: jwks_uri path 200');
    is_deeply(kids($k->{body}), ['rsa-1'], 'issuer .../caf%C3%A9: key set rsa');
    is_json_404($t->request('GET', '/cafe/.well-known/openid-configuration'), 'issuer .../cafe (not café)');
    is_json_404($t->request('GET', '/caf%C3%A9%20/.well-known/openid-configuration'), 'issuer .../caf%C3%A9%20');

    my $rr = $t->request('GET', '/.well-known/oauth-protected-resource/caf%C3%A9');
    is($rr->{status}, 200, 'resource .../caf%C3%A9: 200');
    is($rr->{body}, '{"resource":"https://api.example.com/caf%C3%A9","authorization_servers":["https://id.example.com/caf%C3%A9"]}',
       'resource .../caf%C3%A9: resource exactly as configured');
    is($t->request('GET', "/.well-known/oauth-protected-resource/caf\xC3\xA9")->{body}, $rr->{body},
       'resource .../caf%C3%A9: raw UTF-8 request path too');
}

# An issuer whose path carries a percent-encoded space, served over http.
{
    my $r = $t->request('GET', '/sp%20ace/.well-known/openid-configuration');
    is($r->{status}, 200, 'issuer .../sp%20ace: served at {issuer}/.well-known/openid-configuration');
    is((json_of($r->{body}) || {})->{issuer}, "$origin/sp%20ace", 'issuer .../sp%20ace: issuer as configured');
}

log_is_clean($t, 'no alert or crit in the error log', levels => [qw(alert crit)]);

done_testing;
