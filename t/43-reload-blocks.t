#!/usr/bin/perl
# Reloads take over the documents of every wellknown_issuer and
# wellknown_resource block that did not change since an earlier load, and
# build again every block whose statements, metadata file or key set
# changed: a stale document is never served.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my $t = WellKnown::Test->new;
$t->key('a.pem', 'p256');
$t->key('b.pem', 'p256');
$t->key('b-rsa.pem', 'rsa2048');
$t->write_file('b.json', '{"scopes_supported":["openid"]}');
# Key files written less than 2 s before a load are read again at the next
# (t/42): let them settle, so that their key sets can be taken over.
sleep 3;

sub config {
    my ($a_scope) = @_;
    $t->write_config(
        "    wellknown_keys ka { key a.pem; }\n    wellknown_keys kb { key b.pem; }\n",
        <<"S");
        wellknown_issuer https://id.example.com/a {
            keys ka;
            authorization_endpoint https://id.example.com/a/authorize;
            token_endpoint https://id.example.com/a/token;
            response_types_supported code;
            subject_types_supported public;
            scopes_supported $a_scope;
        }
        wellknown_issuer https://id.example.com/b {
            keys kb;
            metadata_file b.json;
            authorization_endpoint https://id.example.com/b/authorize;
            token_endpoint https://id.example.com/b/token;
            response_types_supported code;
            subject_types_supported public;
        }
S
}

sub doc {
    my ($who) = @_;
    my $r = $t->get("/$who/.well-known/openid-configuration");
    return { status => $r->{status}, etag => header($r, 'etag'), json => json_of($r->{body}) || {} };
}

# Reloads, then returns the notices on key sets and blocks taken over
# ('' for none).
sub reload {
    my ($what) = @_;
    my $log = -s $t->path('logs/error.log');
    is($t->reload, 1, "$what: reload taken into service");
    my $since = $t->log_since($log);
    my @notices = $since =~ /wellknown: (\d+ (?:key sets|issuer and resource blocks) [^\n]*built)/g;
    return join '; ', @notices;
}

config('openid');
$t->start;
my %before = (a => doc('a'), b => doc('b'));
is($before{a}{status}, 200, 'issuer a served');
is_deeply($before{b}{json}{id_token_signing_alg_values_supported}, ['ES256'], 'issuer b: its P-256 key');

is(reload('nothing changed'),
   '2 key sets unchanged since an earlier load taken over, 0 built; '
   . '2 issuer and resource blocks unchanged since an earlier load taken over, 0 built',
   'nothing changed: both key sets and both blocks taken over');
is(doc($_)->{etag}, $before{$_}{etag}, "nothing changed: issuer $_ the same") for qw(a b);

# b's key set changes (another key type, renamed over the file): b's
# document follows its set; a's is taken over.
rename $t->path('b-rsa.pem'), $t->path('b.pem') or die "rename: $!";
is(reload('key set changed'),
   '1 key sets unchanged since an earlier load taken over, 1 built; '
   . '1 issuer and resource blocks unchanged since an earlier load taken over, 1 built',
   'key set changed: only it and its issuer built again');
is_deeply(doc('b')->{json}{id_token_signing_alg_values_supported}, ['RS256'],
          'key set changed: issuer b lists the new key\'s alg');
is(doc('a')->{etag}, $before{a}{etag}, 'key set changed: issuer a the same');

# b's metadata file is rewritten; the statement naming it is the same.
$t->write_file('b.json', '{"scopes_supported":["openid","email"]}');
like(reload('metadata file changed'),
   qr/1 issuer and resource blocks unchanged since an earlier load taken over, 1 built$/,
   'metadata file changed: only its issuer built again');
is_deeply(doc('b')->{json}{scopes_supported}, ['openid', 'email'],
          'metadata file changed: issuer b serves the new content');

# a statement of a changes.
config('openid profile');
like(reload('statement changed'),
   qr/1 issuer and resource blocks unchanged since an earlier load taken over, 1 built$/,
   'statement changed: only its issuer built again');
is_deeply(doc('a')->{json}{scopes_supported}, ['openid', 'profile'],
          'statement changed: issuer a serves the new value');
isnt(doc('a')->{etag}, $before{a}{etag}, 'statement changed: issuer a has a new ETag');

$t->log_is_clean('no alert, crit or emerg');

done_testing;
