#!/usr/bin/python3
"""Discovery interop with PyJWT: find the key set through the discovery
document, as a Python resource server does.

    /usr/bin/python3 discover_py.py SPEC.json

SPEC.json is the file discover.mjs reads (see there). For every issuer:

    pyjwt NAME-jwt     GET ISSUER/.well-known/openid-configuration (OIDC
                       Discovery §4: the issuer, without a trailing slash,
                       plus the suffix), check its issuer member, take its
                       jwks_uri; PyJWKClient on that jwks_uri verifies a JWT
                       signed with the issuer's private key (kid: the served
                       key whose public half is the issuer's key)
    pyjwt NAME-forged  a JWT with the same kid signed by a fresh key of the
                       same type is rejected (InvalidSignatureError)

Prints one line per check and exits 1 if any check failed:

    ok pyjwt CASE - detail
    not ok pyjwt CASE - what went wrong
"""

import json
import sys
import time
import urllib.request

import jwt
from jwt import PyJWKClient
from jwt.exceptions import InvalidSignatureError

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from report import Report, describe, load_spec

LIB = "pyjwt"
AUDIENCE = "interop-client"


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def discover(issuer):
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=10) as response:
        ctype = response.headers.get("Content-Type", "")
        body = response.read().decode("utf-8")
    if ctype.split(";")[0].strip() != "application/json":
        raise AssertionError("%s served Content-Type %r" % (url, ctype))
    doc = json.loads(body)
    if doc.get("issuer") != issuer:
        raise AssertionError("%s: issuer member is %r, expected %r" % (url, doc.get("issuer"), issuer))
    if not isinstance(doc.get("jwks_uri"), str):
        raise AssertionError("%s: no jwks_uri member" % url)
    return url, doc


def served_kid(client, private_key):
    want = spki(private_key.public_key())
    for k in client.get_signing_keys():
        if spki(k.key) == want:
            if not k.key_id:
                raise AssertionError("the served key has no kid; PyJWKClient selects keys by kid")
            return k.key_id
    raise AssertionError("no signing key in the set has the issuer's public key")


def fresh_key_like(private_key):
    if isinstance(private_key, rsa.RSAPrivateKey):
        return rsa.generate_private_key(public_exponent=65537, key_size=private_key.key_size)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return ec.generate_private_key(private_key.curve)
    raise AssertionError("no forged key for %s" % type(private_key).__name__)


def claims_for(issuer, sub):
    now = int(time.time())
    return {"iss": issuer, "sub": sub, "aud": AUDIENCE, "iat": now, "exp": now + 300}


def verify(client, token, issuer, alg):
    signing_key = client.get_signing_key_from_jwt(token)
    return jwt.decode(token, signing_key.key, algorithms=[alg], issuer=issuer, audience=AUDIENCE)


def main(argv):
    if len(argv) != 2:
        print("usage: discover_py.py SPEC.json", file=sys.stderr)
        return 2
    spec = load_spec(argv[1])
    report = Report()

    for iss in spec["issuers"]:
        name, issuer, alg = iss["name"], iss["issuer"], iss["alg"]
        with open(iss["pem"], "rb") as f:
            private_key = serialization.load_pem_private_key(f.read(), password=None)
        client, kid = None, None
        try:
            url, doc = discover(issuer)
            algs = doc.get("id_token_signing_alg_values_supported") or []
            if alg not in algs:
                raise AssertionError("id_token_signing_alg_values_supported %r does not list %s"
                                     % (algs, alg))
            client = PyJWKClient(doc["jwks_uri"])
            kid = served_kid(client, private_key)
            sub = name + "-jwt"
            token = jwt.encode(claims_for(issuer, sub), private_key, algorithm=alg,
                               headers={"kid": kid})
            claims = verify(client, token, issuer, alg)
            if claims.get("sub") != sub:
                raise AssertionError("claims differ: %r" % (claims,))
            report.line("ok", LIB, name + "-jwt", "%s -> jwks_uri %s, verified %s kid %s"
                        % (url, doc["jwks_uri"], alg, kid))
        except Exception as e:  # noqa: BLE001 - reported as the check's failure
            report.line("not ok", LIB, name + "-jwt", describe(e))

        try:
            if client is None or kid is None:
                raise AssertionError("no discovered key set (see %s-jwt)" % name)
            forged = fresh_key_like(private_key)
            token = jwt.encode(claims_for(issuer, name + "-forged"), forged, algorithm=alg,
                               headers={"kid": kid})
            try:
                verify(client, token, issuer, alg)
            except InvalidSignatureError as e:
                report.line("ok", LIB, name + "-forged",
                            "rejected a token signed by an unpublished key (kid %s): %s"
                            % (kid, describe(e)))
                continue
            except Exception as e:  # noqa: BLE001
                raise AssertionError("rejected for an unexpected reason: " + describe(e))
            raise AssertionError("ACCEPTED a token signed by an unpublished key (kid %s)" % kid)
        except Exception as e:  # noqa: BLE001
            report.line("not ok", LIB, name + "-forged", describe(e))

    return report.status()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
