#!/usr/bin/python3
"""Signed metadata and JWK Set media types with PyJWT (PyJWKClient).

    /usr/bin/python3 signed_metadata_py.py SPEC.json

SPEC.json is the file signed_metadata.mjs reads (see there). Checks:

    pyjwt NAME-signed-metadata  the document's signed_metadata verifies with
                                the key PyJWKClient finds by its kid in
                                jwks_uri, iss = the identifier; its claims are
                                iss and the document's other members, in order
    pyjwt NAME-jwks             (media cases) a JWT signed with pem under kid
                                verifies through PyJWKClient(jwks_uri)

Prints one line per check (report.py) and exits 1 if any failed.
"""

import json
import sys
import urllib.request

import jwt
from jwt import PyJWKClient

from report import Report, describe, load_spec


def fetch(url):
    with urllib.request.urlopen(url) as r:
        return json.loads(r.read(), object_pairs_hook=list), r.headers.get("Content-Type")


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: signed_metadata_py.py SPEC.json\n")
        return 2
    spec = load_spec(argv[0])
    report = Report()
    for s in spec.get("signed", []):
        name = s["name"] + "-signed-metadata"
        try:
            pairs, _ = fetch(s["document"])
            doc = dict(pairs)
            token = doc["signed_metadata"]
            key = PyJWKClient(s["jwks_uri"]).get_signing_key_from_jwt(token)
            alg = jwt.get_unverified_header(token)["alg"]
            claims = jwt.decode(token, key.key, algorithms=[alg], issuer=s["identifier"],
                                options={"verify_aud": False})
            want = [["iss", s["identifier"]]] + [[k, v] for k, v in pairs if k != "signed_metadata"]
            got = [[k, v] for k, v in claims.items()]
            if got != want:
                raise ValueError("claims %s differ from %s" % (got, want))
            report.line("ok", "pyjwt", name, "%s, kid %s, %d claims" % (alg, key.key_id, len(got)))
        except Exception as e:  # noqa: BLE001 - every failure is a report line
            report.line("not ok", "pyjwt", name, describe(e))
    for m in spec.get("media", []):
        name = m["name"] + "-jwks"
        try:
            _, served = fetch(m["jwks_uri"])
            with open(m["pem"], "rb") as f:
                pem = f.read()
            token = jwt.encode({"iss": m["issuer"], "sub": "alice"}, pem, algorithm=m["alg"],
                               headers={"kid": m["kid"]})
            key = PyJWKClient(m["jwks_uri"]).get_signing_key_from_jwt(token)
            jwt.decode(token, key.key, algorithms=[m["alg"]], issuer=m["issuer"])
            report.line("ok", "pyjwt", name, "PyJWKClient verified, served as %s" % served)
        except Exception as e:  # noqa: BLE001
            report.line("not ok", "pyjwt", name, describe(e))
    return report.status()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
