#!/usr/bin/perl
# The module loads into the nginx under test and serves a JWKS from one key file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
$t->write_config('wellknown_keys main { key rsa.pem; }',
                 'location = /.well-known/jwks.json { wellknown_jwks main; }');
$t->start_checked('nginx -t accepts the configuration');

# The version, as in src/version.hpp, in the error log at every load.
open my $fh, '<', "$FindBin::Bin/../src/version.hpp" or die $!;
my ($version) = do { local $/; <$fh> } =~ /NGX_HTTP_WELLKNOWN_VERSION "([^"]+)"/;
like($t->error_log, qr/\[notice\] \S+ ngx_http_wellknown_module\/\Q$version\E$/m, "the error log names the module's version $version");

my $r = $t->get('/.well-known/jwks.json');
is($r->{status}, 200, 'status 200');
is(header($r, 'content-type'), 'application/json', 'content type');
my $jwks = decode_json($r->{body});
is(scalar @{ $jwks->{keys} }, 1, 'one key');
is($jwks->{keys}[0]{kty}, 'RSA', 'RSA key');
is($t->get('/other')->{status}, 404, 'other locations untouched');

done_testing;
