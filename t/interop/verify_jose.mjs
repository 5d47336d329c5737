#!/usr/bin/env node
// Verifies JWTs against a served JWKS with jose (panva/jose).
//
//     node verify_jose.mjs JWKS_URL SPEC.json
//
// SPEC.json is the file verify_py.py reads (see there): "keys" are signed
// with their private key (importPKCS8 + SignJWT, header kid = "kid" or the
// key's RFC 7638 thumbprint) and must verify through createRemoteJWKSet +
// jwtVerify; "forged" tokens are signed by an unpublished key and must be
// rejected (expect "bad-signature": a published kid, "no-key": an unknown
// kid).
//
// Prints one line per check and exits 1 if any check failed:
//
//     ok jose NAME - detail
//     not ok jose NAME - what went wrong
//     skip jose NAME - why the library cannot do this at all
//
// A combination is skipped only when jose cannot sign and verify that key
// type on its own (a local round trip with the key's own public half).

import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  createRemoteJWKSet,
  errors,
  exportJWK,
  importPKCS8,
  jwtVerify,
} from 'jose';
import { describe, line as report, run } from './report.mjs';

const ISSUER = 'nginx-wellknown/t/interop';
const LIB = 'jose';
const line = (status, name, detail) => report(status, LIB, name, detail);

const claimsFor = (name) => ({ iss: ISSUER, sub: name });

async function thumbprint(pem) {
  return calculateJwkThumbprint(await exportJWK(createPublicKey(pem)));
}

async function sign(pem, alg, kid, name) {
  const key = await importPKCS8(pem, alg);
  return new SignJWT(claimsFor(name)).setProtectedHeader({ alg, kid }).sign(key);
}

// Can jose handle this key type at all, without the server?
async function localRoundTrip(pem, alg, name) {
  const token = await sign(pem, alg, 'local', name);
  await jwtVerify(token, createPublicKey(pem), { algorithms: [alg], issuer: ISSUER });
}

async function remote(jwks, token, alg, kid, name) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    algorithms: [alg],
    issuer: ISSUER,
    subject: name,
  });
  if (protectedHeader.kid !== kid) throw new Error(`verified header carries kid ${protectedHeader.kid}`);
  const want = claimsFor(name);
  if (JSON.stringify(payload) !== JSON.stringify(want)) {
    throw new Error(`claims differ: ${JSON.stringify(payload)}`);
  }
  return `kid ${kid}, ${alg}`;
}

const EXPECTED_REJECTION = {
  'bad-signature': errors.JWSSignatureVerificationFailed,
  'no-key': errors.JWKSNoMatchingKey,
};

async function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: verify_jose.mjs JWKS_URL SPEC.json\n');
    return 2;
  }
  const [url, specPath] = argv;
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const jwks = createRemoteJWKSet(new URL(url));

  const kids = {};
  for (const entry of spec.keys) {
    const { name, alg } = entry;
    const pem = readFileSync(entry.pem, 'utf8');
    let kid;
    try {
      kid = entry.kid || (await thumbprint(pem));
    } catch (e) {
      line('skip', name, `jose cannot compute the thumbprint of this key type: ${describe(e)}`);
      continue;
    }
    kids[name] = kid;
    try {
      await localRoundTrip(pem, alg, name);
    } catch (e) {
      line('skip', name, `library cannot sign/verify ${alg} with this key type locally: ${describe(e)}`);
      continue;
    }
    try {
      const token = await sign(pem, alg, kid, name);
      line('ok', name, `verified via JWKS, ${await remote(jwks, token, alg, kid, name)}`);
    } catch (e) {
      line('not ok', name, describe(e));
    }
  }

  for (const entry of spec.forged ?? []) {
    const { name, alg, expect } = entry;
    const pem = readFileSync(entry.pem, 'utf8');
    const kid = entry.kid_of ? kids[entry.kid_of] : entry.kid || (await thumbprint(pem));
    const token = await sign(pem, alg, kid, name);
    try {
      await remote(jwks, token, alg, kid, name);
      line('not ok', name, `ACCEPTED a token signed by an unpublished key (kid ${kid})`);
    } catch (e) {
      if (e instanceof EXPECTED_REJECTION[expect]) {
        line('ok', name, `rejected (kid ${kid}): ${describe(e)}`);
      } else {
        line('not ok', name, `rejected for an unexpected reason (wanted ${expect}): ${describe(e)}`);
      }
    }
  }
  return 0;
}

run('verify_jose.mjs', main);
