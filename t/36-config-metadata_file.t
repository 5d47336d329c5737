#!/usr/bin/perl
# metadata_file (in wellknown_issuer and wellknown_resource): a file that
# cannot be read or is not one JSON object of at most 1 MiB and 32 levels
# fails `nginx -t` at the statement's line, naming the file; members of the
# wrong type, http URLs and an issuer or resource that differs from the
# identifier fail at the directive's line. A relative name resolves
# against the configuration prefix (the directory of nginx.conf), as
# `key` does.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WellKnown::Test;

my ($c, $keys_http) = WellKnown::Test->with_key_sets;
my $valid = issuer_block('https://id.example.com/valid');
# A statement error (the file cannot be read or parsed) and a build error
# (the documents cannot be built from it), in an issuer or a resource.
my ($SI, $SR) = map { directive_error($_) } qw(wellknown_issuer wellknown_resource);
sub BI { directive_error('wellknown_issuer', @_) }
sub BR { directive_error('wellknown_resource', @_) }

# ---------------------------------------------------------------- metadata_file errors

{
    my $d = $c->dir;
    mkdir "$d/meta-dir";
    $c->write_file('empty-object.json', '{}');
    $c->write_file('empty.json', '');
    $c->write_file('invalid.json', '{"token_endpoint": }');
    $c->write_file('trailing.json', '{"x_a": 1} {"x_b": 2}');
    $c->write_file('dup.json', qq({"x_a": 1,\n "token_endpoint": "https://id.example.com/m/t",\n "token_endpoint": "https://id.example.com/m/t2"}));
    $c->write_file('dup-nested.json', '{"x_o": {"k": 1, "k": 2}}');
    # 33 levels of objects, each holding the next: one level too deep.
    $c->write_file('deep33.json', ('{"x_d":' x 32) . '{"x_d":1' . ('}' x 33));
    $c->write_file('deep32.json', ('{"x_d":' x 31) . '{"x_d":1' . ('}' x 32));
    $c->write_file('deep-array.json', '{"x_d":' . ('[' x 32) . '1' . (']' x 32) . '}');
    $c->write_file('deep-empty.json', '{"x_d":' . ('[' x 32) . (']' x 32) . '}');
    $c->write_file('array.json', '[{"issuer": "https://id.example.com/m"}]');
    $c->write_file('string.json', '"https://id.example.com/m"');
    $c->write_file('latin1.json', qq({"x_name": "caf\xE9"}));
    $c->write_file('wrong-type.json', '{"token_endpoint": 5}');
    $c->write_file('wrong-type-array.json', '{"scopes_supported": "openid"}');
    $c->write_file('other-issuer.json', '{"issuer": "https://id.example.com/other"}');
    $c->write_file('other-resource.json', '{"resource": "https://api.example.com/other"}');
    $c->write_file('http-url.json', '{"userinfo_endpoint": "http://id.example.com/m/userinfo"}');
    $c->write_file('big.json', '{"x_pad": "' . ('a' x (1024 * 1024)) . '"}');
    $c->write_file('one-mib.json', '{"x_pad": "' . ('a' x (1024 * 1024 - 13)) . '"}');
    die 'one-mib.json is not 1 MiB' unless -s "$d/one-mib.json" == 1024 * 1024;

    my $mfail = sub {
        my ($name, $file, $msg, %o) = @_;
        $c->fails("metadata_file: $name", $keys_http, $valid . issuer_block('https://id.example.com/m', ["metadata_file $file;"]),
              "metadata_file $file", $msg, names => "$d/$file", %o);
    };
    $mfail->('missing file', 'missing.json',
             qr/${SI}cannot open metadata file "\Q$d\E\/missing\.json": No such file or directory/);
    $mfail->('directory', 'meta-dir', qr/${SI}metadata file "\Q$d\E\/meta-dir" is a directory/);
    $mfail->('empty file', 'empty.json', qr/${SI}metadata file "\Q$d\E\/empty\.json" is empty/);
    $mfail->('invalid JSON', 'invalid.json', qr/${SI}metadata file "\Q$d\E\/invalid\.json": invalid JSON: /);
    $mfail->('two JSON texts', 'trailing.json', qr/${SI}metadata file "\Q$d\E\/trailing\.json": invalid JSON/);
    $mfail->('duplicate keys', 'dup.json',
             qr/${SI}metadata file "\Q$d\E\/dup\.json": duplicate member "token_endpoint"/);
    $mfail->('duplicate keys in a nested object', 'dup-nested.json',
             qr/${SI}metadata file "\Q$d\E\/dup-nested\.json": duplicate member "k"/);
    $mfail->('nesting deeper than 32', 'deep33.json',
             qr/${SI}metadata file "\Q$d\E\/deep33\.json": nesting deeper than 32 levels/);
    $mfail->('a JSON array instead of an object', 'array.json',
             qr/${SI}metadata file "\Q$d\E\/array\.json" must hold a JSON object, not array/);
    $mfail->('a JSON string instead of an object', 'string.json',
             qr/${SI}metadata file "\Q$d\E\/string\.json" must hold a JSON object, not string/);
    $mfail->('invalid UTF-8', 'latin1.json',
             qr/${SI}metadata file "\Q$d\E\/latin1\.json": invalid JSON: .*UTF-8/);
    $mfail->('file over 1 MiB', 'big.json', qr/${SI}metadata file "\Q$d\E\/big\.json" is larger than 1 MiB/);
    $c->fails('metadata_file with no file name', $keys_http, issuer_block('https://id.example.com/m', ['metadata_file;']),
          'metadata_file;', qr/${SI}metadata_file takes one file name/);
    $c->fails('metadata_file with two file names', $keys_http,
          issuer_block('https://id.example.com/m', ['metadata_file empty-object.json empty-object.json;']),
          'metadata_file empty', qr/${SI}metadata_file takes one file name/);
    $c->fails('metadata_file in a resource: invalid JSON', $keys_http,
          resource_block('https://api.example.com/m', ['metadata_file invalid.json;']),
          'metadata_file invalid', qr/${SR}metadata file "\Q$d\E\/invalid\.json": invalid JSON/, names => "$d/invalid.json");

    # Errors found when the documents are built, at the directive's line.
    # The file's own members are checked first, and the error names the file.
    $c->fails('metadata_file: a registered member of the wrong type ("token_endpoint": 5)', $keys_http,
          $valid . issuer_block('https://id.example.com/m', ['metadata_file wrong-type.json;'], no_required => 1,
                          before => ['authorization_endpoint https://id.example.com/m/a;',
                                     'response_types_supported code;', 'subject_types_supported public;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/wrong-type\.json": token_endpoint must be an https URL/),
          names => "$d/wrong-type.json");
    $c->fails('metadata_file: an array member given as a string', $keys_http,
          issuer_block('https://id.example.com/m', ['metadata_file wrong-type-array.json;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/wrong-type-array\.json": scopes_supported must be an array of strings/),
          names => "$d/wrong-type-array.json");
    $c->fails('metadata_file: an http URL', $keys_http,
          issuer_block('https://id.example.com/m', ['metadata_file http-url.json;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/http-url\.json": userinfo_endpoint: "http:\/\/id\.example\.com\/m\/userinfo" must use https/),
          names => "$d/http-url.json");
    $c->fails('metadata_file: the file\'s issuer differs from the identifier', $keys_http,
          issuer_block('https://id.example.com/m', ['metadata_file other-issuer.json;']),
          'wellknown_issuer https://id.example.com/m',
          BI('https://id.example.com/m', qr/metadata file "\Q$d\E\/other-issuer\.json": issuer member "https:\/\/id\.example\.com\/other" differs from the issuer identifier "https:\/\/id\.example\.com\/m"/),
          names => "$d/other-issuer.json");
    $c->fails('metadata_file: the file\'s resource differs from the identifier', $keys_http,
          resource_block('https://api.example.com/m', ['metadata_file other-resource.json;']),
          'wellknown_resource https://api.example.com/m',
          BR('https://api.example.com/m', qr/metadata file "\Q$d\E\/other-resource\.json": resource member "https:\/\/api\.example\.com\/other" differs from the resource identifier/),
          names => "$d/other-resource.json");

    $c->passes('metadata_file: 32 levels of nesting', $keys_http,
           issuer_block('https://id.example.com/m', ['metadata_file deep32.json;']));
    $mfail->('33 levels: an object and 32 arrays', 'deep-array.json',
             qr/${SI}metadata file "\Q$d\E\/deep-array\.json": nesting deeper than 32 levels/);
    {
        # A container's own level counts, even when it is empty.
        $c->write_config($keys_http, issuer_block('https://id.example.com/m', ['metadata_file deep-empty.json;']));
        my ($ok, $out) = $c->test_config;
        ok(!$ok, 'metadata_file: 33 levels whose innermost array is empty: refused');
        like($out, qr/nesting deeper than 32 levels/, 'metadata_file: 33 levels, innermost empty: the message');
    }
    $c->passes('metadata_file: exactly 1 MiB', $keys_http, issuer_block('https://id.example.com/m', ['metadata_file one-mib.json;']));
    $c->passes('metadata_file: a wrong-typed member that the block overrides', $keys_http,
           issuer_block('https://id.example.com/m', ['metadata_file wrong-type.json;'], no_required => 1,
                  before => ['authorization_endpoint https://id.example.com/m/a;', 'token_endpoint https://id.example.com/m/t;',
                             'response_types_supported code;', 'subject_types_supported public;']));
    $c->passes('metadata_file: absolute path', $keys_http,
           issuer_block('https://id.example.com/m', ["metadata_file $d/empty-object.json;"]));
}

# ====================================================================
# nginx.conf in conf/ under the prefix
# ====================================================================

# nginx -p PREFIX -c PREFIX/conf/nginx.conf: the configuration prefix is
# PREFIX/conf/, the prefix PREFIX/. metadata_file, like key, resolves a
# relative name with ngx_conf_full_name(cycle, name, 1): against the
# configuration prefix.
{
    package ConfDir;
    our @ISA = ('WellKnown::Test');
    sub nginx_cmd {
        my ($self, @args) = @_;
        my $conf = "$self->{dir}/nginx.conf";
        return map { $_ eq $conf ? "$self->{dir}/conf/nginx.conf" : $_ } $self->SUPER::nginx_cmd(@args);
    }
    sub write_file {
        my ($self, $name, @rest) = @_;
        $name = 'conf/nginx.conf' if $name eq 'nginx.conf';
        return $self->SUPER::write_file($name, @rest);
    }
}
{
    my $dd = ConfDir->new;
    my $d = $dd->dir;
    mkdir "$d/conf";
    mkdir "$d/conf/sub";
    $dd->key('conf/rsa.pem', 'rsa2048');   # `key rsa.pem` resolves there too
    $dd->write_file('conf/meta.json', '{"x_where": "conf"}');
    $dd->write_file('meta.json', '{"x_where": "prefix"}');
    $dd->write_file('conf/sub/meta.json', '{"x_where": "conf/sub"}');
    $dd->write_file('only-in-prefix.json', '{"x_where": "prefix"}');
    my $server = issuer_block('https://id.example.com/rel', ['metadata_file meta.json;'])
               . issuer_block('https://id.example.com/sub', ['metadata_file sub/meta.json;'])
               . issuer_block('https://id.example.com/abs', ["metadata_file $d/meta.json;"])
               . resource_block('https://api.example.com/rel', ['metadata_file meta.json;']);
    $dd->write_config("    wellknown_keys k { key rsa.pem; }\n", $server);
    my ($ok, $out) = $dd->test_config;
    ok($ok, 'nginx.conf in conf/: nginx -t with nginx.conf in conf/') or diag $out;
    $dd->start;
    my $get = sub { json_of($dd->get($_[0])->{body}) || {} };
    is($get->('/rel/.well-known/openid-configuration')->{x_where}, 'conf',
       'nginx.conf in conf/: relative metadata_file resolves against the configuration prefix (conf/), not the prefix');
    is($get->('/sub/.well-known/openid-configuration')->{x_where}, 'conf/sub', 'nginx.conf in conf/: relative path with a directory');
    is($get->('/abs/.well-known/openid-configuration')->{x_where}, 'prefix', 'nginx.conf in conf/: absolute path as given');
    is($get->('/.well-known/oauth-protected-resource/rel')->{x_where}, 'conf', 'nginx.conf in conf/: resource: the same resolution');
    $dd->stop;

    $dd->write_config("    wellknown_keys k { key rsa.pem; }\n",
                      issuer_block('https://id.example.com/p', ['metadata_file only-in-prefix.json;']));
    ($ok, $out) = $dd->test_config;
    ok(!$ok, 'nginx.conf in conf/: a file only in the prefix (not in conf/) is not found');
    like($out, qr/cannot open metadata file "\Q$d\E\/conf\/only-in-prefix\.json": No such file or directory/,
         'nginx.conf in conf/: the error names the resolved path under conf/') or diag $out;
}


done_testing;
