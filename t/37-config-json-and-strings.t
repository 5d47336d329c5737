#!/usr/bin/perl
# JSON and strings an operator writes: metadata files (NUL bytes, invalid
# UTF-8, lone surrogates, deep nesting, odd numbers), directive values,
# `extra` JSON, kids and URLs with quotes, backslashes, control characters
# and non-ASCII. Every case ends in one of two ways, never a crash or a
# hang: `nginx -t` fails with an [emerg] naming nginx.conf and the line of
# the offending directive (and the file, for a file's content), or the
# configuration is accepted, and then a server started with every accepted
# case serves JSON that decodes back to exactly the input.
#
# nginx.conf's own escapes: inside a token, \" \' \\ stand for the
# character and \t \r \n for HT, CR, LF (ngx_conf_read_token); any other
# byte, NUL included, is taken as it is.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes ();
use JSON::PP ();
use WellKnown::Test;

my $t = WellKnown::Test->new;
my $d = $t->dir;
$t->key('p256.pem', 'p256');

# A key set with one key file, served at /$set.
sub key_http { my ($set, $file, $opts) = @_; return "    wellknown_keys $set { key $file" . ($opts ? " $opts" : '') . "; }\n" }
sub key_loc  { my ($set) = @_; return "        location = /$set { wellknown_jwks $set; }\n" }

# Accepted cases to serve and check together at the end (serve_accepted).
my @accepted;
my $nkeys = 0;

# ---------------------------------------------------------------- metadata files

my $keys_http = "    wellknown_keys mk { key p256.pem; }\n";
my $nres = 0;
# A resource whose metadata comes from $file (and more statements).
sub resource_case {
    my ($name, $stmts, %o) = @_;
    my $id = 'r' . ++$nres;
    my $server = "        wellknown_resource https://api.example.com/$id {\n"
               . join('', map { "            $_\n" } @$stmts) . "        }\n";
    my $ok = $t->outcome($name, $keys_http, $server, $o{marker}, %o);
    push @accepted, [ $name, $keys_http, $server, "/.well-known/oauth-protected-resource/$id", $o{check} ]
        if $ok && $o{check};
    return $ok;
}
sub mf_case {
    my ($name, $file, %o) = @_;
    return resource_case($name, ["metadata_file $file;"], marker => "metadata_file $file", names => "$d/$file", %o);
}

# NUL bytes.
$t->write_file('mf-nul-in-string.json', qq({"x_a": "v\0w"}));
$t->write_file('mf-nul-between.json', qq({"x_a":\0 "v"}));
$t->write_file('mf-nul-in-name.json', qq({"x_\0a": "v"}));
$t->write_file('mf-nul-then-object.json', qq({"x_a": "v"}\0{"x_b": 2}));
$t->write_file('mf-nul-then-garbage.json', qq({"x_a": "v"}\0garbage that is not JSON));
$t->write_file('mf-nul-trailing.json', qq({"x_a": "v"}\0));
mf_case('metadata file: NUL inside a string', 'mf-nul-in-string.json', msg => qr/invalid JSON: a NUL byte at offset \d+/);
mf_case('metadata file: NUL between tokens', 'mf-nul-between.json', msg => qr/invalid JSON/);
mf_case('metadata file: NUL inside a member name', 'mf-nul-in-name.json', msg => qr/invalid JSON: a NUL byte at offset \d+/);
{
    # nlohmann::json's lexer reads a NUL byte as the end of input; the
    # module refuses any NUL before parsing, so nothing after one is lost.
    for my $case ([ 'an object, NUL, a second object', 'mf-nul-then-object.json' ],
                  [ 'an object, NUL, garbage', 'mf-nul-then-garbage.json' ],
                  [ 'an object and a trailing NUL', 'mf-nul-trailing.json' ]) {
        my ($what, $file) = @$case;
        my $ok = mf_case("metadata file: $what", $file, expect => 'either', msg => qr/invalid JSON: a NUL byte/);
        ok(!$ok, "metadata file: $what: refused");
    }
}

# Invalid UTF-8 (RFC 8259 §8.1) in values and names, and escapes that
# denote no character (lone surrogates, RFC 8259 §8.2).
for my $case ([ 'overlong "/" (C0 AF)', "\xC0\xAF" ], [ 'UTF-16 surrogate as UTF-8 (ED A0 80)', "\xED\xA0\x80" ],
              [ 'a truncated 3-byte sequence', "\xE2\x82" ], [ 'a lone continuation byte', "\x80" ],
              [ 'byte FF', "\xFF" ], [ 'a 5-byte form (F8 88 80 80 80)', "\xF8\x88\x80\x80\x80" ],
              [ 'above U+10FFFF (F4 90 80 80)', "\xF4\x90\x80\x80" ]) {
    my ($what, $bytes) = @$case;
    (my $f = "mf-utf8-$what") =~ s/\W+/-/g;
    $t->write_file("$f-v.json", qq({"x_a": "a${bytes}b"}));
    $t->write_file("$f-n.json", qq({"x_${bytes}": 1}));
    mf_case("metadata file: $what in a value", "$f-v.json", msg => qr/invalid JSON: .*UTF-8/);
    mf_case("metadata file: $what in a member name", "$f-n.json", msg => qr/invalid JSON: .*UTF-8/);
}
$t->write_file('mf-lone-high.json', '{"x_a": "\ud800"}');
$t->write_file('mf-lone-low.json', '{"x_a": "\udc00x"}');
$t->write_file('mf-reversed-pair.json', '{"x_a": "\ude00\ud83d"}');
mf_case('metadata file: a lone high surrogate escape', 'mf-lone-high.json', msg => qr/invalid JSON: .*surrogate/);
mf_case('metadata file: a lone low surrogate escape', 'mf-lone-low.json', msg => qr/invalid JSON: .*surrogate/);
mf_case('metadata file: a reversed surrogate pair', 'mf-reversed-pair.json', msg => qr/invalid JSON: .*surrogate/);

# Deep nesting, far past the limit of 32, up to the 1 MiB cap: refused,
# and parsing it neither overflows the stack nor takes long.
{
    $t->write_file('mf-deep-arrays.json', '{"x":' . ('[' x 500000) . (']' x 500000) . '}');
    $t->write_file('mf-deep-objects.json', ('{"a":' x 170000) . '1' . ('}' x 170000));
    $t->write_file('mf-deep-open.json', '[' x (1024 * 1024));
    $t->write_file('mf-deep-mixed.json', '{"x":' . ('[{"a":' x 80000) . '0' . ('}]' x 80000) . '}');
    for my $case ([ '500,000 nested arrays', 'mf-deep-arrays.json', qr/nesting deeper than 32 levels/ ],
                  [ '170,000 nested objects', 'mf-deep-objects.json', qr/nesting deeper than 32 levels/ ],
                  [ '1 MiB of "[" never closed', 'mf-deep-open.json', qr/nesting deeper than 32 levels|invalid JSON/ ],
                  [ '160,000 levels of arrays and objects', 'mf-deep-mixed.json', qr/nesting deeper than 32 levels/ ]) {
        my ($what, $file, $msg) = @$case;
        my $t0 = Time::HiRes::time();
        mf_case("metadata file: $what", $file, msg => $msg);
        my $took = Time::HiRes::time() - $t0;
        my $bound = 10 * WellKnown::Test::time_scale();   # 100 s under valgrind
        ok($took < $bound, "metadata file: $what: nginx -t took " . sprintf('%.2f', $took) . " s (< $bound)");
    }
    # (an nginx.conf token holds at most 4 KB)
    my $deep = ('[' x 1500) . (']' x 1500);
    resource_case('extra: 1,500 nested arrays', ["extra x_deep '$deep';"], marker => 'extra x_deep',
                  msg => qr/extra x_deep: nesting deeper than 32 levels/);
}

# Numbers: RFC 8259 §6 lets a parser limit range and precision. An
# overflow is refused; other values are served as the same number (at
# double precision).
$t->write_file('mf-overflow.json', '{"x_n": 1e999}');
mf_case('metadata file: 1e999', 'mf-overflow.json', msg => qr/invalid JSON: number overflow/);
$t->write_file('mf-numbers.json', '{"x_big": 123456789012345678901234567890, "x_neg0": -0, "x_f": 0.1, '
                                . '"x_u64": 18446744073709551615, "x_i64": -9223372036854775808, "x_exp": 6.02214076e23}');
mf_case('metadata file: big and odd numbers', 'mf-numbers.json', expect => 'either', check => sub {
    my ($doc) = @_;
    my $want = { x_big => 1.2345678901234568e29, x_neg0 => 0, x_f => 0.1, x_u64 => 18446744073709551615,
                 x_i64 => -9223372036854775808, x_exp => 6.02214076e23 };
    my @bad = grep { !defined $doc->{$_} || abs($doc->{$_} - $want->{$_}) > abs($want->{$_}) * 1e-15 } sort keys %$want;
    return (!@bad, 'every number the same at double precision' . (@bad ? ": @bad differ" : ''));
});

# ---------------------------------------------------------------- metadata strings

# Strings as a metadata file gives them (JSON escapes and raw UTF-8): the
# served document decodes to exactly the same values.
my @tricky = (
    'plain', 'a "quoted" word', 'back\\slash \\\\ two', "single ' quote", 'slash / and <\/script>',
    "tab\there", "new\nline", "cr\rlf\r\n", "nul \x{0} byte", "bell \x{7} esc \x{1b} us \x{1f}", "del \x{7f}",
    "caf\x{e9}", "\x{65e5}\x{672c}\x{8a9e}", "emoji \x{1F600}", "line sep \x{2028} para sep \x{2029}",
    "bom \x{feff}", "nonchar \x{fffe}", '{"not": "json"}', '', ' leading and trailing ',
    "\x{10FFFF}", 'percent %00 %2F', '\\u0000 (literally)',
);
{
    my $j = JSON::PP->new->canonical;    # characters in, characters out
    my %members = map { ("x_s$_" => $tricky[$_]) } 0 .. $#tricky;
    $members{"x_name \"q\" \\ \x{e9} \x{1F600} \t"} = 'odd member name';
    $members{x_array} = [@tricky];
    $members{x_object} = { map { ($tricky[$_] => $_) } grep { $tricky[$_] ne '' } 0 .. $#tricky };
    # JSON::PP escapes " \ and controls; \u escapes for a few more, raw
    # UTF-8 for the rest.
    my $text = $j->encode(\%members);
    $text =~ s/\x{2028}/\\u2028/g;
    $text =~ s/\x{1F600}/\\ud83d\\ude00/;    # one surrogate-pair escape
    utf8::encode($text);
    $t->write_file('mf-strings.json', $text);
    my $want = JSON::PP->new->utf8->decode($text);
    mf_case('metadata file: strings with quotes, backslashes, controls, non-ASCII', 'mf-strings.json',
            expect => 'ok', check => sub {
        my ($doc) = @_;
        delete $doc->{resource};
        return (JSON::PP->new->canonical->encode($doc) eq JSON::PP->new->canonical->encode($want),
                'decodes to exactly the members of the file');
    });
}

# The same strings as directive values. nginx.conf gets each as a
# double-quoted token: " and \ escaped for nginx; a tab, CR and LF given
# as \t \r \n; every other byte raw, NUL included.
sub nginx_quote {
    my ($bytes) = @_;
    my $s = $bytes;
    $s =~ s/\\/\\\\/g;
    $s =~ s/"/\\"/g;
    $s =~ s/\t/\\t/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return "\"$s\"";
}
{
    my $i = 0;
    for my $v (@tricky) {
        my $bytes = $v;
        utf8::encode($bytes);
        my $n = $i++;
        my $has_ctl = $v =~ /[\x00-\x1f\x7f]/;
        resource_case("resource_name " . shown($bytes), ['resource_name ' . nginx_quote($bytes) . ';'],
                      marker => "resource_name", expect => $has_ctl ? 'either' : 'ok', check => sub {
            my ($doc, $r) = @_;
            return (defined $doc->{resource_name} && $doc->{resource_name} eq $v
                    && $r->{body} !~ /[\x00-\x1f]/, 'resource_name decodes to exactly the value, controls escaped');
        });
    }
    # Several at once, as array elements.
    my @bytes = map { my $b = $_; utf8::encode($b); $b } grep { $_ ne '' } @tricky;
    resource_case('scopes_supported with every tricky string', ['scopes_supported ' . join(' ', map { nginx_quote($_) } @bytes) . ';'],
                  marker => 'scopes_supported', expect => 'either', check => sub {
        my ($doc) = @_;
        my @want = grep { $_ ne '' } @tricky;
        return (JSON::PP->new->encode($doc->{scopes_supported} || []) eq JSON::PP->new->encode(\@want),
                'scopes_supported decodes to exactly the values, in order');
    });
    # Invalid UTF-8 in a directive value: refused at its line.
    resource_case('resource_name with byte FF', ['resource_name "a' . "\xFF" . 'b";'], marker => 'resource_name',
                  msg => qr/resource_name: the value is not valid UTF-8/);
    resource_case('resource_name with an overlong "/"', ['resource_name "a' . "\xC0\xAF" . 'b";'], marker => 'resource_name',
                  msg => qr/not valid UTF-8/);
}

# extra NAME JSON: JSON text in nginx.conf (nginx unescapes \\ and \"
# first, so a JSON escape \n is written \\n).
{
    my @json = (
        [ 'escapes',            '"q\\"b\\\\s\\/ \\b\\f\\n\\r\\t \\u0000 \\u001f \\u00e9 \\ud83d\\ude00 \\u2028"' ],
        [ 'raw UTF-8',          "\"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\"" ],
        [ 'object with odd names', '{"":1,"a\\"b":2,"\\u0000":3,"caf' . "\xC3\xA9" . '":4,"</script>":5}' ],
        [ 'nested mix',         '[null,true,false,0,-1.5e3,"x",[{"y":[]}],{}]' ],
    );
    for my $case (@json) {
        my ($what, $text) = @$case;
        (my $conf = $text) =~ s/\\/\\\\/g;
        $conf =~ s/'/\\'/g;
        my $want = JSON::PP->new->utf8->allow_nonref->decode($text);
        resource_case("extra with JSON $what", ["extra x_v '$conf';"], marker => 'extra x_v', expect => 'ok', check => sub {
            my ($doc) = @_;
            my $cj = JSON::PP->new->canonical->allow_nonref;
            return ($cj->encode($doc->{x_v}) eq $cj->encode($want), 'x_v decodes to exactly the JSON given');
        });
    }
    # JSON with a raw control character in a string is not JSON.
    resource_case('extra with a raw tab inside a JSON string', ["extra x_t '\"a\\tb\"';"], marker => 'extra x_t',
                  msg => qr/extra x_t: invalid JSON: .*U\+0009/);
    resource_case('extra with a raw NUL inside a JSON string', ["extra x_t '\"a\0b\"';"], marker => 'extra x_t',
                  msg => qr/extra x_t: invalid JSON/);
    {
        my $ok = resource_case('extra with JSON, a NUL, then garbage', ["extra x_t '\"a\"\0junk';"], marker => 'extra x_t',
                               expect => 'either', msg => qr/extra x_t: invalid JSON/);
        ok(!$ok, 'extra with JSON, a NUL, then garbage: refused');
    }
}

# kid values: the JWK Set carries them exactly, escaped as JSON needs.
{
    for my $kid ("a\"b", "back\\slash", "caf\x{e9} \x{1F600}", '</script>', "sp ace", "{\"k\":1}", "%00", "\x{2028}") {
        my $bytes = $kid;
        utf8::encode($bytes);
        my $set = 'k' . ++$nkeys;
        my $opt = nginx_quote("kid=$bytes");
        my $ok = $t->outcome('kid ' . shown($bytes), key_http($set, 'p256.pem', $opt), key_loc($set), 'p256.pem', expect => 'ok');
        push @accepted, [ 'kid ' . shown($bytes), key_http($set, 'p256.pem', $opt), key_loc($set), "/$set", sub {
            my ($doc) = @_;
            return (($doc->{keys}[0]{kid} // '') eq $kid, 'kid decodes to exactly the value');
        } ] if $ok;
    }
}

# Control characters and non-ASCII in URLs (identifiers and URL members):
# RFC 3986 allows neither unencoded. The module refuses a space, quote or
# backslash ("characters a URL may not hold unencoded").
{
    my $iss = sub {
        my ($id, $url) = @_;
        return "        wellknown_issuer https://id.example.com/$id {\n            keys mk;\n"
             . "            authorization_endpoint $url;\n            token_endpoint https://id.example.com/t;\n"
             . "            response_types_supported code;\n            subject_types_supported public;\n        }\n";
    };
    $t->outcome('URL member with a space', $keys_http, $iss->('u1', '"https://id.example.com/a b"'), 'wellknown_issuer',
            msg => qr/authorization_endpoint: .*contains characters a URL may not hold unencoded/);
    $t->outcome('URL member with a quote', $keys_http, $iss->('u2', '"https://id.example.com/a\"b"'), 'wellknown_issuer',
            msg => qr/contains characters a URL may not hold unencoded/);
    $t->outcome('issuer identifier with a backslash', $keys_http,
            "        wellknown_issuer \"https://id.example.com/a\\\\b\" { relax_required on; }\n", 'wellknown_issuer',
            msg => qr/contains characters a URL may not hold unencoded/);
    for my $case ([ 'U+0001', "\x01" ], [ 'DEL', "\x7f" ], [ 'ESC', "\x1b" ]) {
        my ($what, $byte) = @$case;
        my $url = "\"https://id.example.com/a${byte}b\"";
        my $ok = $t->outcome("URL member with $what", $keys_http, $iss->('c' . ord $byte, $url), 'wellknown_issuer',
                         expect => 'either', msg => qr/authorization_endpoint: /);
        ok(!$ok, "URL member with $what: refused like a space is");
        push @accepted, [ "URL member with $what", $keys_http, $iss->('c' . ord $byte, $url),
                          '/c' . ord($byte) . '/.well-known/openid-configuration', sub {
            my ($doc, $r) = @_;
            return (($doc->{authorization_endpoint} // '') eq "https://id.example.com/a${byte}b" && $r->{body} !~ /[\x00-\x1f]/,
                    'authorization_endpoint decodes to the value, controls escaped');
        } ] if $ok;
    }
    # RFC 3986 §2.1: a URL holds non-ASCII only percent-encoded; clients
    # compare the issuer byte for byte, so the operator writes it encoded.
    my $ok = $t->outcome('issuer identifier with raw UTF-8 (an IRI)', $keys_http,
                     $iss->("caf\xC3\xA9", 'https://id.example.com/a'), 'wellknown_issuer', expect => 'either',
                     msg => qr/contains characters a URL may not hold unencoded/);
    ok(!$ok, 'issuer identifier with raw UTF-8: refused (percent-encode it)');
}
# ---------------------------------------------------------------- serve everything accepted

$t->serve_accepted(\@accepted)->stop;

done_testing;
