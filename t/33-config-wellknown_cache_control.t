#!/usr/bin/perl
# wellknown_cache_control: a value that is empty, given twice in one
# context, or holds a control character (a header injection) fails
# `nginx -t` at its line. No server is started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
my $keys = "    wellknown_keys k { key rsa.pem; }\n";
sub location { return "        location = /jwks {\n            wellknown_jwks k;\n"
                      . join('', map { "            $_\n" } @_) . "        }\n" }

$t->fails('wellknown_cache_control empty', $keys, location('wellknown_cache_control "";'),
          'wellknown_cache_control', qr/wellknown_cache_control: the value is empty/);
$t->fails('wellknown_cache_control duplicated', $keys,
          location('wellknown_cache_control "max-age=1";', 'wellknown_cache_control  off;'),
          'wellknown_cache_control  off', qr/"wellknown_cache_control" directive is duplicate/);
$t->fails('wellknown_cache_control with a control character', $keys,
          location('wellknown_cache_control "max-age=1\\r\\nX-Evil: 1";'),
          'X-Evil', qr/the value contains a control character/);

done_testing;
