#!/usr/bin/env node
// Signed metadata and JWK Set media types with jose, oauth4webapi,
// openid-client and the MCP SDK's client.
//
//     node signed_metadata.mjs SPEC.json
//
// SPEC.json (written by t/79-signed-metadata.t):
//
//     {"signed": [{"name", "kind": "issuer"|"resource", "identifier",
//                  "document": URL, "jwks_uri": URL,
//                  "algorithm": "oidc"|"oauth2" (issuers: which document)}],
//      "media":  [{"name", "issuer", "jwks_uri", "type", "pem", "alg", "kid"}]}
//
// For every signed document NAME:
//
//   jose          NAME-signed-metadata  jwtVerify of its signed_metadata
//                                       through createRemoteJWKSet(jwks_uri),
//                                       iss = the identifier; the claims are
//                                       iss and the document's other members,
//                                       in order
//   openid-client NAME-discovery        (issuer) discovery() with the
//                                       algorithm accepts the document
//   oauth4webapi  NAME-discovery        (issuer) processDiscoveryResponse with
//                                       the algorithm; (resource)
//                                       processResourceDiscoveryResponse
//   mcp           NAME-discovery        (issuer) discoverAuthorizationServerMetadata;
//                                       (resource) discoverOAuthProtectedResourceMetadata
//
// For every JWK Set media case NAME (the issuer's jwks_uri served with
// Content-Type "type"):
//
//   jose          NAME-jwks   createRemoteJWKSet + jwtVerify of a JWT signed
//                             with pem under kid
//   oauth4webapi  NAME-jwks   validateJwtAccessToken (RFC 9068), which fetches
//                             the set through processJwksResponse
//   openid-client NAME-jwks   a JWT-secured authorization response (JARM),
//                             verified with the set, then the code exchanged
//
// Prints one line per check (report.mjs) and exits 1 if any failed.

import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { SignJWT, createRemoteJWKSet, importPKCS8, jwtVerify } from 'jose';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { readFileSync } from 'node:fs';
import { check, loadSpec, run } from './report.mjs';

const insecure = { [oauth.allowInsecureRequests]: true };

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function fetchJson(url) {
  const r = await fetch(url);
  assert(r.status === 200, `${url}: ${r.status}`);
  return { body: await r.json(), type: r.headers.get('content-type') };
}

async function signed(s) {
  const { body: doc } = await fetchJson(s.document);
  await check('jose', `${s.name}-signed-metadata`, async () => {
    const jwt = doc.signed_metadata;
    assert(typeof jwt === 'string', 'no signed_metadata string');
    const { payload, protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(new URL(s.jwks_uri)), {
      issuer: s.identifier,
    });
    const { signed_metadata: _, ...members } = doc;
    const want = JSON.stringify({ iss: s.identifier, ...members });
    assert(JSON.stringify(payload) === want, `claims ${JSON.stringify(payload)} differ from ${want}`);
    return `${protectedHeader.alg}, kid ${protectedHeader.kid}, ${Object.keys(payload).length} claims`;
  });
  const url = new URL(s.identifier);
  if (s.kind === 'issuer') {
    await check('openid-client', `${s.name}-discovery`, async () => {
      const config = await client.discovery(url, 'c', undefined, client.None(), {
        algorithm: s.algorithm,
        execute: [client.allowInsecureRequests],
      });
      const m = config.serverMetadata();
      assert(m.signed_metadata === doc.signed_metadata, 'signed_metadata not kept');
      return `issuer ${m.issuer}`;
    });
    await check('oauth4webapi', `${s.name}-discovery`, async () => {
      const r = await oauth.discoveryRequest(url, { algorithm: s.algorithm, ...insecure });
      const as = await oauth.processDiscoveryResponse(url, r);
      assert(as.signed_metadata === doc.signed_metadata, 'signed_metadata not kept');
      return `issuer ${as.issuer}`;
    });
    await check('mcp', `${s.name}-discovery`, async () => {
      const m = await discoverAuthorizationServerMetadata(url);
      assert(m && m.issuer === s.identifier, `metadata ${JSON.stringify(m)}`);
      return `issuer ${m.issuer}`;
    });
  } else {
    await check('oauth4webapi', `${s.name}-discovery`, async () => {
      const r = await oauth.resourceDiscoveryRequest(url, insecure);
      const rs = await oauth.processResourceDiscoveryResponse(url, r);
      return `resource ${rs.resource}`;
    });
    await check('mcp', `${s.name}-discovery`, async () => {
      const m = await discoverOAuthProtectedResourceMetadata(url, { resourceMetadataUrl: new URL(s.document) });
      assert(m.resource === s.identifier, `resource ${m.resource}`);
      return `resource ${m.resource}`;
    });
  }
}

async function media(m) {
  const key = await importPKCS8(readFileSync(m.pem, 'utf8'), m.alg);
  const now = Math.floor(Date.now() / 1000);
  const { type } = await fetchJson(m.jwks_uri);
  assert(type === m.type, `${m.jwks_uri} is served as ${type}, not ${m.type}`);
  const served = `served as ${type}`;

  await check('jose', `${m.name}-jwks`, async () => {
    const jwt = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: m.alg, kid: m.kid })
      .setIssuer(m.issuer)
      .sign(key);
    await jwtVerify(jwt, createRemoteJWKSet(new URL(m.jwks_uri)), { issuer: m.issuer });
    return `createRemoteJWKSet verified, ${served}`;
  });

  const issuer = new URL(m.issuer);
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
  await check('oauth4webapi', `${m.name}-jwks`, async () => {
    const at = await new SignJWT({ sub: 'alice', client_id: 'c', jti: 'j1', iat: now, exp: now + 300,
                                   iss: m.issuer, aud: 'https://api.example.com' })
      .setProtectedHeader({ alg: m.alg, kid: m.kid, typ: 'at+jwt' })
      .sign(key);
    const request = new Request('https://api.example.com/', { headers: { authorization: `Bearer ${at}` } });
    const claims = await oauth.validateJwtAccessToken(as, request, 'https://api.example.com', insecure);
    return `validateJwtAccessToken: sub ${claims.sub}, ${served}`;
  });

  await check('openid-client', `${m.name}-jwks`, async () => {
    const config = await client.discovery(issuer, 'c', undefined, client.None(), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    client.useJwtResponseMode(config);
    const response = await new SignJWT({ iss: m.issuer, aud: 'c', exp: now + 300, code: 'code1', state: 'st' })
      .setProtectedHeader({ alg: m.alg, kid: m.kid })
      .sign(key);
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(`https://app.example.com/cb?response=${response}`),
      { expectedState: 'st' },
    );
    return `JARM response verified, access token ${tokens.access_token}, ${served}`;
  });
}

async function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: signed_metadata.mjs SPEC.json\n');
    return 2;
  }
  const spec = loadSpec(argv[0]);
  for (const s of spec.signed || []) await signed(s);
  for (const m of spec.media || []) await media(m);
  return 0;
}

run('signed_metadata.mjs', main);
