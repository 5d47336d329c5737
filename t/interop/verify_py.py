#!/usr/bin/python3
"""Verifies JWTs against a served JWKS with PyJWT and jwcrypto.

    /usr/bin/python3 verify_py.py JWKS_URL SPEC.json

SPEC.json (written by WellKnown::Test::jwt_interop):

    {"keys":   [{"name": "rsa", "pem": "/abs/rsa.pem", "alg": "RS256",
                 "kid": null}, ...],
     "forged": [{"name": "forged-published-kid", "pem": "/abs/other.pem",
                 "alg": "RS256", "kid_of": "rsa", "expect": "bad-signature"},
                {"name": "forged-unknown-kid", "pem": "/abs/other.pem",
                 "alg": "RS256", "kid": null, "expect": "no-key"}]}

For every entry of "keys" a JWT is signed with the private key (PyJWT,
header kid = "kid", or the key's RFC 7638 thumbprint when "kid" is null)
and verified once through PyJWT's PyJWKClient and once through a jwcrypto
JWKSet built from the fetched body. Every entry of "forged" is signed by a
key that is not published and must be rejected: "kid_of" borrows the kid
of a published key (expect "bad-signature"), a null "kid" uses the forged
key's own thumbprint, which the server does not publish (expect "no-key").

Prints one line per check and exits 1 if any check failed:

    ok LIB NAME - detail
    not ok LIB NAME - what went wrong
    skip LIB NAME - why the library cannot do this at all

A combination is skipped only when the library cannot sign and verify that
key type on its own (a local round trip with the key's own public half), so
a failure against the served JWKS is never mistaken for a limitation.
"""

import json
import sys
import urllib.request

import jwt
from jwt import PyJWKClient
from jwt.exceptions import InvalidSignatureError, PyJWKClientError

from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws
from jwcrypto import jwt as jc_jwt
from cryptography.hazmat.primitives import serialization

from report import Report, describe, load_spec

ISSUER = "nginx-wellknown/t/interop"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def thumbprint(pem):
    return jc_jwk.JWK.from_pem(pem).thumbprint()


def claims_for(name):
    return {"iss": ISSUER, "sub": name}


def sign(pem, alg, kid, name):
    return jwt.encode(claims_for(name), pem, algorithm=alg, headers={"kid": kid})


def public_pem(pem):
    key = serialization.load_pem_private_key(pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# Local round trips: can the library handle this key type at all?

def pyjwt_local(pem, alg, name):
    token = sign(pem, alg, "local", name)
    jwt.decode(token, public_pem(pem), algorithms=[alg])


def jwcrypto_local(pem, alg, name):
    key = jc_jwk.JWK.from_pem(pem)
    token = jc_jwt.JWT(header={"alg": alg, "kid": "local"}, claims=claims_for(name))
    token.make_signed_token(key)
    pub = jc_jwk.JWK.from_json(key.export_public())
    jc_jwt.JWT(jwt=token.serialize(), key=pub, algs=[alg])


# Verification against the served JWKS.

def pyjwt_remote(client, token, alg, kid, name):
    signing_key = client.get_signing_key_from_jwt(token)
    if signing_key.key_id != kid:
        raise AssertionError("PyJWKClient chose kid %r, expected %r" % (signing_key.key_id, kid))
    claims = jwt.decode(token, signing_key.key, algorithms=[alg])
    if claims != claims_for(name):
        raise AssertionError("claims differ: %r" % (claims,))
    return "kid %s, %s" % (kid, alg)


def jwcrypto_remote(keyset, token, alg, kid, name):
    verified = jc_jwt.JWT(jwt=token, key=keyset, algs=[alg])
    claims = json.loads(verified.claims)
    if claims != claims_for(name):
        raise AssertionError("claims differ: %r" % (claims,))
    if verified.token.jose_header.get("kid") != kid:
        raise AssertionError("verified header carries kid %r" % verified.token.jose_header.get("kid"))
    return "kid %s, %s" % (kid, alg)


EXPECTED_REJECTION = {
    # (library, expect) -> exception classes that mean "rejected for the right reason"
    ("pyjwt", "bad-signature"): (InvalidSignatureError,),
    ("pyjwt", "no-key"): (PyJWKClientError,),
    ("jwcrypto", "bad-signature"): (jc_jws.InvalidJWSSignature,),
    ("jwcrypto", "no-key"): (jc_jwt.JWTMissingKey,),
}


def main(argv):
    if len(argv) != 3:
        print("usage: verify_py.py JWKS_URL SPEC.json", file=sys.stderr)
        return 2
    url, spec_path = argv[1], argv[2]
    spec = load_spec(spec_path)
    report = Report()

    # jwcrypto has no HTTP client: fetch the set once, as an application would.
    keyset, keyset_error = None, None
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode("utf-8")
        keyset = jc_jwk.JWKSet.from_json(body)
    except Exception as e:  # noqa: BLE001 - reported per check below
        keyset_error = e
    client = PyJWKClient(url)

    kids = {}
    for entry in spec["keys"]:
        name, alg = entry["name"], entry["alg"]
        pem = read(entry["pem"])
        kid = entry.get("kid") or thumbprint(pem)
        kids[name] = kid
        token, token_error = None, None
        try:
            token = sign(pem, alg, kid, name)
        except Exception as e:  # noqa: BLE001
            token_error = e

        for lib in ("pyjwt", "jwcrypto"):
            local = pyjwt_local if lib == "pyjwt" else jwcrypto_local
            try:
                local(pem, alg, name)
            except Exception as e:  # noqa: BLE001
                report.line("skip", lib, name,
                            "library cannot sign/verify %s with this key type locally: %s"
                            % (alg, describe(e)))
                continue
            if token is None:
                report.line("not ok", lib, name, "PyJWT could not sign: " + describe(token_error))
                continue
            try:
                if lib == "pyjwt":
                    detail = pyjwt_remote(client, token, alg, kid, name)
                else:
                    if keyset is None:
                        raise keyset_error
                    detail = jwcrypto_remote(keyset, token, alg, kid, name)
                report.line("ok", lib, name, "verified via JWKS, " + detail)
            except Exception as e:  # noqa: BLE001
                report.line("not ok", lib, name, describe(e))

    for entry in spec.get("forged", []):
        name, alg, expect = entry["name"], entry["alg"], entry["expect"]
        pem = read(entry["pem"])
        if entry.get("kid_of"):
            kid = kids[entry["kid_of"]]
        else:
            kid = entry.get("kid") or thumbprint(pem)
        token = sign(pem, alg, kid, name)
        for lib in ("pyjwt", "jwcrypto"):
            try:
                if lib == "pyjwt":
                    pyjwt_remote(client, token, alg, kid, name)
                else:
                    if keyset is None:
                        raise keyset_error
                    jwcrypto_remote(keyset, token, alg, kid, name)
            except EXPECTED_REJECTION[(lib, expect)] as e:
                report.line("ok", lib, name, "rejected (kid %s): %s" % (kid, describe(e)))
                continue
            except Exception as e:  # noqa: BLE001
                report.line("not ok", lib, name,
                            "rejected for an unexpected reason (wanted %s): %s" % (expect, describe(e)))
                continue
            report.line("not ok", lib, name,
                        "ACCEPTED a token signed by an unpublished key (kid %s)" % kid)

    return report.status()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
