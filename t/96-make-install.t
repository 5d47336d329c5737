#!/usr/bin/perl
# make install / make uninstall into a staging root (DESTDIR): the stripped
# module where the installed nginx looks for modules, wellknown-jwk and its
# man page under PREFIX, Debian's
# modules-available snippet, nothing in modules-enabled; uninstall refuses
# while the operator's link names the snippet, then removes exactly what
# install put there. The real system directories are never touched.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp ();
use WellKnown::Test;

my $nginx = $ENV{NGINX_BIN} || '/usr/sbin/nginx';
plan skip_all => 'make install targets the system nginx; NGINX_BIN is another one' if $nginx ne '/usr/sbin/nginx';
plan skip_all => 'no strip (binutils)' if system('command -v strip >/dev/null') != 0;
my $root = "$FindBin::Bin/..";
sub slurp { open my $fh, '<', $_[0] or return undef; local $/; return scalar <$fh> }
my ($modules_path) = `$nginx -V 2>&1` =~ /--modules-path=(\S+)/;
$modules_path //= '/usr/share/nginx/modules';
my $system_snippet = '/usr/share/nginx/modules-available/mod-http-wellknown.conf';
my $system_before = -e $system_snippet ? (stat $system_snippet)[9] : 'absent';

my $stage = File::Temp::tempdir('wellknown-install-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $make = sub { my $out = `make --no-print-directory -C '$root' @_ 2>&1`; return ($? >> 8, $out) };
my @dirs = ("MODULES_ENABLED_DIR=/etc/nginx/modules-enabled", "MODULES_AVAILABLE_DIR=/usr/share/nginx/modules-available");

my ($rc, $out) = $make->('install', "DESTDIR=$stage", @dirs);
is($rc, 0, 'make install DESTDIR=...: succeeds') or diag $out;
my $so = "$stage$modules_path/ngx_http_wellknown_module.so";
ok(-f $so, "the module lands in nginx's --modules-path ($modules_path)");
is(sprintf('%04o', (stat $so)[2] & 07777), '0644', 'the module is mode 0644');
unlike(`readelf -S '$so' 2>&1`, qr/\.symtab/, 'the module is stripped');
like(`nm -D --defined-only '$so' 2>&1`, qr/\bngx_modules\b/, 'and still exports the tables nginx looks up');
my $tool = "$stage/usr/local/bin/wellknown-jwk";
ok(-x $tool, 'wellknown-jwk lands in PREFIX/bin (/usr/local/bin)');
unlike(`readelf -S '$tool' 2>&1`, qr/\.symtab/, 'wellknown-jwk is stripped');
like(`'$tool' --version 2>&1`, qr/^wellknown-jwk \(nginx-wellknown\) /, 'and runs');
is(sprintf('%04o', (stat "$stage/usr/local/share/man/man1/wellknown-jwk.1")[2] & 07777), '0644',
   'its man page lands in PREFIX/share/man/man1');
my $snippet = "$stage/usr/share/nginx/modules-available/mod-http-wellknown.conf";
is(slurp($snippet), "load_module modules/ngx_http_wellknown_module.so;\n",
   'the modules-available snippet, as Debian writes it');
ok(!-e "$stage/etc", 'nothing under /etc: modules-enabled is the operator\'s');
like($out, qr{to enable it: ln -s /usr/share/nginx/modules-available/mod-http-wellknown\.conf /etc/nginx/modules-enabled/}, 'install says how to enable it');

# nginx loads the installed module.
my $t = WellKnown::Test->new(module => $so);
$t->key('rsa.pem', 'rsa2048');
$t->write_config('wellknown_keys k { key rsa.pem; }', 'location = /k { wellknown_jwks k; }');
my ($ok, $test_out) = $t->test_config;
ok($ok, 'nginx -t loads the installed (stripped) module') or diag $test_out;

# The operator enabled it: uninstall refuses and removes nothing.
mkdir "$stage/etc"; mkdir "$stage/etc/nginx"; mkdir "$stage/etc/nginx/modules-enabled";
symlink '/usr/share/nginx/modules-available/mod-http-wellknown.conf', "$stage/etc/nginx/modules-enabled/50-mod-http-wellknown.conf";
($rc, $out) = $make->('uninstall', "DESTDIR=$stage", @dirs);
isnt($rc, 0, 'uninstall while enabled: refused');
ok(-f $so && -f $snippet, 'uninstall while enabled: nothing removed');
ok(-l "$stage/etc/nginx/modules-enabled/50-mod-http-wellknown.conf", 'the operator\'s link is left alone');

unlink "$stage/etc/nginx/modules-enabled/50-mod-http-wellknown.conf";
($rc, $out) = $make->('uninstall', "DESTDIR=$stage", @dirs);
is($rc, 0, 'uninstall: succeeds') or diag $out;
ok(!-e $so && !-e $snippet, 'uninstall: removes the module and the snippet');
ok(!-e $tool && !-e "$stage/usr/local/share/man/man1/wellknown-jwk.1", 'uninstall: removes wellknown-jwk and its man page');

is(-e $system_snippet ? (stat $system_snippet)[9] : 'absent', $system_before, 'the system\'s modules-available is untouched');
done_testing;
