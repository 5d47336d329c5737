#!/usr/bin/env node
// Discovery interop: OAuth/OIDC client libraries discover the served
// issuers and use what they find.
//
//     node discover.mjs SPEC.json
//
// SPEC.json (written by WellKnown::Test::discovery_interop; inline JSON is accepted
// too):
//
//     {"issuers": [{"name": "root", "issuer": "http://127.0.0.1:PORT",
//                   "pem": "/abs/root.pem", "alg": "RS256",
//                   "jwks_uri": "http://127.0.0.1:PORT/.well-known/jwks.json"},
//                  {"name": "tenant1", "issuer": "http://127.0.0.1:PORT/tenant1", ...}]}
//
// For every issuer NAME:
//
//   openid-client NAME-discovery        discovery() (OIDC, append form) accepts the
//                                       document; serverMetadata().issuer === issuer
//   openid-client NAME-discovery-oauth2 the same with algorithm 'oauth2' (RFC 8414
//                                       insert form)
//   openid-client NAME-authorization-url buildAuthorizationUrl() with PKCE S256 on
//                                       the discovered configuration
//   oauth4webapi  NAME-oidc             discoveryRequest({algorithm: 'oidc'}) +
//                                       processDiscoveryResponse(issuer) accept; the
//                                       derived jwks_uri and id_token algs are right
//   oauth4webapi  NAME-oauth2           the same with algorithm 'oauth2'
//   jose          NAME-jwt-kid          a JWT signed with the issuer's key (kid from
//                                       the served JWKS) verifies through the
//                                       discovered jwks_uri (createRemoteJWKSet)
//   jose          NAME-jwt-nokid        the same without a kid header
//   jose          NAME-forged           a JWT with that kid, signed by a fresh key,
//                                       is rejected
//
// For every protected resource in "resources" ({"name", "resource",
// "authorization_servers": [issuer URLs]}):
//
//   oauth4webapi  NAME-resource         resourceDiscoveryRequest +
//                                       processResourceDiscoveryResponse (RFC 9728)
//                                       accept the document; resource and
//                                       authorization_servers are as expected
//   oauth4webapi  NAME-resource-as      each listed authorization server is then
//                                       discovered with algorithm 'oauth2' (RFC 8414),
//                                       as an MCP client does
//
// and, for every issuer whose URL has a path (a root issuer cannot differ by
// a trailing slash: "http://h" and "http://h/" are the same URL):
//
//   oauth4webapi  NAME-issuer-trailing-slash   processDiscoveryResponse with the
//                 issuer plus "/" as the expected issuer rejects the real document
//
// Prints one line per check and exits 1 if any check failed:
//
//     ok LIB CASE - detail
//     not ok LIB CASE - what went wrong (library error, code, member, value)

import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import {
  SignJWT,
  calculateJwkThumbprint,
  createRemoteJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  jwtVerify,
} from 'jose';
import { check, describe, loadSpec, run } from './report.mjs';

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// fetch, remembering which URLs a library asked for.
function recordingFetch(seen) {
  return async (url, options) => {
    const response = await fetch(url, options);
    seen.push(`${url} -> ${response.status}`);
    return response;
  };
}

const CLIENT_ID = 'interop-client';
const CLIENT_SECRET = 'interop-secret';
const REDIRECT_URI = 'http://127.0.0.1/callback';

async function openidClientDiscovery(iss, algorithm) {
  const seen = [];
  const options = {
    execute: [client.allowInsecureRequests], // plain http on loopback
    [client.customFetch]: recordingFetch(seen),
  };
  if (algorithm) options.algorithm = algorithm;
  const config = await client.discovery(new URL(iss.issuer), CLIENT_ID, CLIENT_SECRET, undefined, options);
  const md = config.serverMetadata();
  assert(md.issuer === iss.issuer,
    `serverMetadata().issuer is ${JSON.stringify(md.issuer)}, expected ${JSON.stringify(iss.issuer)}`);
  return { config, md, seen };
}

async function oauth4webapiDiscovery(iss, algorithm, expected = new URL(iss.issuer)) {
  const seen = [];
  const issuerURL = new URL(iss.issuer);
  const response = await oauth.discoveryRequest(issuerURL, {
    algorithm,
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: recordingFetch(seen),
  });
  const as = await oauth.processDiscoveryResponse(expected, response);
  return { as, seen };
}

// The served key whose RFC 7638 thumbprint is that of the private key's
// public half, found in the set at jwks_uri.
async function servedKey(jwksUri, pem) {
  const response = await fetch(jwksUri);
  assert(response.status === 200, `GET ${jwksUri} answered ${response.status}`);
  const set = await response.json();
  const want = await calculateJwkThumbprint(await exportJWK(createPublicKey(pem)));
  for (const jwk of set.keys ?? []) {
    let tp;
    try {
      tp = await calculateJwkThumbprint(jwk);
    } catch {
      continue;
    }
    if (tp === want) return jwk;
  }
  throw new Error(`no key in ${jwksUri} has the thumbprint ${want} of the issuer's key`);
}

const claimsFor = (iss, sub) => ({ iss: iss.issuer, sub, aud: CLIENT_ID });

async function sign(key, alg, kid, claims) {
  const header = { alg };
  if (kid !== undefined) header.kid = kid;
  return new SignJWT(claims).setProtectedHeader(header).setIssuedAt().setExpirationTime('5m').sign(key);
}

async function verifyRemote(jwks, token, iss, alg, sub) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    algorithms: [alg],
    issuer: iss.issuer,
    audience: CLIENT_ID,
    subject: sub,
  });
  return { payload, protectedHeader };
}

async function issuerChecks(iss) {
  const n = iss.name;
  let discovered; // openid-client's view of the OIDC document

  await check('openid-client', `${n}-discovery`, async () => {
    const r = await openidClientDiscovery(iss);
    discovered = r;
    return `issuer ${r.md.issuer}, fetched ${r.seen.join(', ')}`;
  });

  await check('openid-client', `${n}-discovery-oauth2`, async () => {
    const r = await openidClientDiscovery(iss, 'oauth2');
    return `issuer ${r.md.issuer}, fetched ${r.seen.join(', ')}`;
  });

  await check('openid-client', `${n}-authorization-url`, async () => {
    assert(discovered, 'no configuration: discovery failed (see above)');
    const { config, md } = discovered;
    assert(md.supportsPKCE('S256'), 'serverMetadata().supportsPKCE("S256") is false');
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const endpoint = new URL(md.authorization_endpoint);
    assert(url.origin + url.pathname === endpoint.origin + endpoint.pathname,
      `authorization URL ${url.href} is not at authorization_endpoint ${md.authorization_endpoint}`);
    return `${url.origin}${url.pathname}?response_type=${url.searchParams.get('response_type')}&code_challenge_method=S256`;
  });

  await check('oauth4webapi', `${n}-oidc`, async () => {
    const { as, seen } = await oauth4webapiDiscovery(iss, 'oidc');
    assert(as.jwks_uri === iss.jwks_uri,
      `jwks_uri is ${JSON.stringify(as.jwks_uri)}, expected ${JSON.stringify(iss.jwks_uri)}`);
    const algs = as.id_token_signing_alg_values_supported;
    assert(Array.isArray(algs) && algs.includes(iss.alg),
      `id_token_signing_alg_values_supported is ${JSON.stringify(algs)}, expected it to list ${iss.alg}`);
    return `issuer ${as.issuer}, jwks_uri ${as.jwks_uri}, id_token algs ${algs.join(' ')}, fetched ${seen.join(', ')}`;
  });

  await check('oauth4webapi', `${n}-oauth2`, async () => {
    const { as, seen } = await oauth4webapiDiscovery(iss, 'oauth2');
    assert(as.jwks_uri === iss.jwks_uri,
      `jwks_uri is ${JSON.stringify(as.jwks_uri)}, expected ${JSON.stringify(iss.jwks_uri)}`);
    return `issuer ${as.issuer}, jwks_uri ${as.jwks_uri}, fetched ${seen.join(', ')}`;
  });

  if (new URL(iss.issuer).pathname !== '/') {
    const expected = new URL(`${iss.issuer}/`);
    await check('oauth4webapi', `${n}-issuer-trailing-slash`, async () => {
      try {
        const { as } = await oauth4webapiDiscovery(iss, 'oidc', expected);
        throw new Error(`ACCEPTED issuer ${JSON.stringify(as.issuer)} while expecting ${expected.href}`);
      } catch (e) {
        if (e instanceof oauth.OperationProcessingError && e.code === oauth.JSON_ATTRIBUTE_COMPARISON &&
            e.cause?.attribute === 'issuer') {
          return `rejected as it must (expected ${expected.href}): ${describe(e)}`;
        }
        throw e;
      }
    });
  }

  // Tokens, verified through the jwks_uri openid-client discovered.
  const pem = readFileSync(iss.pem, 'utf8');
  const jwksUri = discovered?.md.jwks_uri;
  const jwks = jwksUri ? createRemoteJWKSet(new URL(jwksUri)) : undefined;
  let kid;

  await check('jose', `${n}-jwt-kid`, async () => {
    assert(jwksUri, 'no discovered jwks_uri: openid-client discovery failed (see above)');
    const jwk = await servedKey(jwksUri, pem);
    kid = jwk.kid;
    const key = await importPKCS8(pem, iss.alg);
    const token = await sign(key, iss.alg, kid, claimsFor(iss, `${n}-kid`));
    const { protectedHeader } = await verifyRemote(jwks, token, iss, iss.alg, `${n}-kid`);
    return `verified via ${jwksUri}, ${protectedHeader.alg} kid ${protectedHeader.kid ?? '(the served key has none)'}`;
  });

  await check('jose', `${n}-jwt-nokid`, async () => {
    assert(jwksUri, 'no discovered jwks_uri: openid-client discovery failed (see above)');
    const key = await importPKCS8(pem, iss.alg);
    const token = await sign(key, iss.alg, undefined, claimsFor(iss, `${n}-nokid`));
    const { protectedHeader } = await verifyRemote(jwks, token, iss, iss.alg, `${n}-nokid`);
    return `verified via ${jwksUri}, ${protectedHeader.alg} without kid`;
  });

  await check('jose', `${n}-forged`, async () => {
    assert(jwksUri, 'no discovered jwks_uri: openid-client discovery failed (see above)');
    const { privateKey } = await generateKeyPair(iss.alg);
    const token = await sign(privateKey, iss.alg, kid, claimsFor(iss, `${n}-forged`));
    try {
      await verifyRemote(jwks, token, iss, iss.alg, `${n}-forged`);
    } catch (e) {
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
        return `rejected a token signed by an unpublished key (kid ${kid ?? 'none'}): ${describe(e)}`;
      }
      throw new Error(`rejected for an unexpected reason: ${describe(e)}`);
    }
    throw new Error(`ACCEPTED a token signed by an unpublished key (kid ${kid ?? 'none'})`);
  });
}

async function resourceChecks(res) {
  const n = res.name;
  let servers = [];
  await check('oauth4webapi', `${n}-resource`, async () => {
    const seen = [];
    const url = new URL(res.resource);
    const response = await oauth.resourceDiscoveryRequest(url, {
      [oauth.allowInsecureRequests]: true,
      [oauth.customFetch]: recordingFetch(seen),
    });
    const rs = await oauth.processResourceDiscoveryResponse(url, response);
    assert(rs.resource === res.resource,
      `resource is ${JSON.stringify(rs.resource)}, expected ${JSON.stringify(res.resource)}`);
    assert(JSON.stringify(rs.authorization_servers) === JSON.stringify(res.authorization_servers),
      `authorization_servers is ${JSON.stringify(rs.authorization_servers)}, expected ${JSON.stringify(res.authorization_servers)}`);
    servers = rs.authorization_servers;
    return `resource ${rs.resource}, authorization_servers ${servers.join(' ')}, fetched ${seen.join(', ')}`;
  });
  await check('oauth4webapi', `${n}-resource-as`, async () => {
    assert(servers.length, 'no authorization_servers discovered (see above)');
    const found = [];
    for (const issuer of servers) {
      const { as, seen } = await oauth4webapiDiscovery({ issuer }, 'oauth2');
      found.push(`${as.issuer} (fetched ${seen.join(', ')})`);
    }
    return `discovered ${found.join('; ')}`;
  });
}

async function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: discover.mjs SPEC.json\n');
    return 2;
  }
  const spec = loadSpec(argv[0]);
  for (const iss of spec.issuers ?? []) {
    await issuerChecks(iss);
  }
  for (const res of spec.resources ?? []) {
    await resourceChecks(res);
  }
  return 0;
}

run('discover.mjs', main);
