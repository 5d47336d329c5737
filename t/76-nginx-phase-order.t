#!/usr/bin/perl
# Issuer and resource answers take nginx's place of a content handler: the
# server's and the location's rewrite and return run first (an http-to-https
# redirect wins), then the access and pre-access phases (allow/deny,
# auth_basic, auth_request, limit_req), then the module, in place of the
# matching location's own content. wellknown_serve off keeps it out of a
# location.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

# auth_request is an optional module (Debian's nginx has it; a plain source
# build does not).
my $auth_request = WellKnown::Test::nginx_built_with('--with-http_auth_request_module');
my $t = WellKnown::Test->new;
$t->key('rsa.pem', 'rsa2048');
my ($auth_port) = $t->more_ports(1);
my $origin = "http://127.0.0.1:" . $t->port;
# htpasswd for user:secret (crypt with salt "ab").
$t->write_file('htpasswd', 'user:' . crypt('secret', 'ab') . "\n");

my $issuer = sub {
    my ($path) = @_;
    return issuer_block("$origin$path", ['allow_http on;'], keys => 'k');
};
my $http = <<"HTTP";
    wellknown_keys k { key rsa.pem; }
    limit_req_zone \$binary_remote_addr zone=one:1m rate=1r/m;
    # The usual http-to-https server: everything redirects.
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name redirect.test;
${\ issuer_block('https://redirect.test', [], keys => 'k')}
        return 301 https://\$host\$request_uri;
    }
    # A subrequest authority for auth_request: 204 for "let-me-in", else 401.
    server {
        listen 127.0.0.1:$auth_port;
        location / {
            if (\$http_x_token = "let-me-in") { return 204; }
            return 401;
        }
    }
HTTP
my $server = $issuer->('/limited') . $issuer->('/denied') . $issuer->('/basic') . $issuer->('/subreq')
           . $issuer->('/moved') . $issuer->('/open') . $issuer->('/off') . <<"LOC";
        location /limited/ { limit_req zone=one burst=1 nodelay; try_files /.app \@app; }
        location /denied/ { deny all; try_files /.app \@app; }
        location /basic/ { auth_basic "tenant"; auth_basic_user_file htpasswd; try_files /.app \@app; }
${\ ($auth_request ? "        location /subreq/ { auth_request /_auth; try_files /.app \@app; }
        location = /_auth { internal; proxy_pass http://127.0.0.1:$auth_port; proxy_pass_request_body off; }\n" : '')}        location /moved/ { rewrite ^/moved/(.*)\$ /open/\$1 last; }
        location /off/ { wellknown_serve off; try_files /.app \@app; }
        location / { try_files /.app \@app; }
        location \@app { return 200 "app"; }
LOC
$t->write_config($http, $server);
$t->start_checked('nginx -t accepts the configuration');
my $oidc = sub { "/$_[0]/.well-known/openid-configuration" };

# The redirect wins, for the documents and the key set alike.
for my $path ('/.well-known/openid-configuration', '/.well-known/jwks.json') {
    my $r = $t->get($path, Host => 'redirect.test');
    is($r->{status}, 301, "redirect server $path: 301");
    is(header($r, 'location'), "https://redirect.test$path", "redirect server $path: to https");
}

# The module answers where nothing stops the request.
is($t->get($oidc->('open'))->{status}, 200, 'open: 200');

# limit_req (pre-access): burst 1, nodelay, one request a minute: two pass,
# the rest get 503, documents and key set alike.
my @status = map { $t->get($_ % 2 ? '/limited/jwks.json' : $oidc->('limited'))->{status} } 1 .. 6;
is("@status", '200 200 503 503 503 503', 'limit_req applies to issuer answers');

# allow/deny (access).
is($t->get($oidc->('denied'))->{status}, 403, 'deny all: 403 for the document');
is($t->get('/denied/jwks.json')->{status}, 403, 'deny all: 403 for the key set');

# auth_basic (access).
is($t->get($oidc->('basic'))->{status}, 401, 'auth_basic: 401 without credentials');
my $basic = $t->get($oidc->('basic'), Authorization => 'Basic ' . MIME::Base64::encode_base64('user:secret', ''));
is($basic->{status}, 200, 'auth_basic: 200 with credentials');
is(json_of($basic->{body})->{issuer}, "$origin/basic", 'auth_basic: the document');

# auth_request (access, by subrequest).
SKIP: {
    skip 'nginx was built without --with-http_auth_request_module', 2 unless $auth_request;
    is($t->get($oidc->('subreq'))->{status}, 401, 'auth_request: 401 when the authority refuses');
    is($t->get($oidc->('subreq'), 'X-Token' => 'let-me-in')->{status}, 200, 'auth_request: 200 when it allows');
}

# A location's rewrite runs first: /moved/... is answered as /open/...
my $moved = $t->get('/moved/.well-known/openid-configuration');
is($moved->{status}, 200, 'rewrite ... last: 200');
is(json_of($moved->{body})->{issuer}, "$origin/open", 'rewrite ... last: the document of the rewritten path');

# wellknown_serve off: the location keeps the path.
my $off = $t->get($oidc->('off'));
is($off->{status}, 200, 'wellknown_serve off: the location answers');
is($off->{body}, 'app', 'wellknown_serve off: with its own content');
is($t->get('/off/jwks.json')->{body}, 'app', 'wellknown_serve off: the key set path too');

log_is_clean($t, 'phase order');
done_testing;
