#!/usr/bin/perl
# wellknown_jwks: a location that serves a key set must name one that
# exists, once, in a location; errors point at the directive's file and
# line, also in an included file. No server is started.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;
$t->key('rsa.pem', 'rsa2048');
my $keys = "    wellknown_keys k { key rsa.pem; }\n";

$t->fails('wellknown_jwks naming an unknown set', $keys,
          "        location = /a { wellknown_jwks k; }\n        location = /b {\n            wellknown_jwks nope;\n        }\n",
          'wellknown_jwks nope', qr/no key set named "nope"/);
$t->fails('wellknown_jwks twice in a location', $keys,
          "        location = /jwks {\n            wellknown_jwks k;\n            wellknown_jwks  k;\n        }\n",
          'wellknown_jwks  k', qr/"wellknown_jwks" directive is duplicate/);
$t->fails('wellknown_jwks in server context', $keys, "        wellknown_jwks k;\n", 'wellknown_jwks k',
          qr/"wellknown_jwks" directive is not allowed here/);
$t->fails('wellknown_jwks in http context', "$keys    wellknown_jwks  k;\n", '', 'wellknown_jwks  k',
          qr/"wellknown_jwks" directive is not allowed here/);
$t->fails('wellknown_jwks with an empty name', $keys, "        location = /jwks { wellknown_jwks \"\"; }\n",
          'wellknown_jwks ""', qr/wellknown_jwks: the key set name is empty/);

# An error in an included file names that file and its line.
{
    $t->write_file('extra.conf', "location = /a { wellknown_jwks k; }\nlocation = /b {\n    wellknown_jwks nope;\n}\n");
    $t->write_config($keys, "        include extra.conf;\n");
    my ($ok, $out) = $t->test_config;
    my $name = 'unknown set in an included location';
    ok(!$ok, "$name: nginx -t fails");
    my ($emerg) = $out =~ /^(.*\[emerg\].*)$/m;
    ok(defined $emerg, "$name: [emerg] reported") or diag $out;
    like($emerg // '', qr/no key set named "nope"/, "$name: message");
    like($emerg // '', qr/ in \Q$d\E\/extra\.conf:3$/, "$name: names extra.conf:3");
}

done_testing;
