// An MCP client meeting a protected MCP server, with the MCP TypeScript
// SDK's own authorization discovery (MCP authorization 2025-11-25): it
// connects, gets the upstream's 401 with WWW-Authenticate, reads
// resource_metadata from it, fetches the protected resource metadata
// (RFC 9728), discovers the authorization server (RFC 8414 / OIDC), and
// stops where a user would be sent to the authorization endpoint.
//
//   node mcp_flow.mjs MCP_URL
// prints one JSON object: what the client discovered, or {error}.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const [serverUrl] = process.argv.slice(2);
const seen = { challenge: null, requests: [] };

// Records every request the client makes and the challenge it was given.
const fetchFn = async (url, init) => {
  const res = await fetch(url, init);
  seen.requests.push({ url: String(url), status: res.status });
  const challenge = res.headers.get('www-authenticate');
  if (res.status === 401 && challenge) seen.challenge = challenge;
  return res;
};

let discovery = null;
let authorizationUrl = null;
const provider = {
  get redirectUrl() { return 'http://127.0.0.1/callback'; },
  get clientMetadata() { return { client_name: 'wellknown-test', redirect_uris: ['http://127.0.0.1/callback'] }; },
  clientInformation() { return { client_id: 'wellknown-test' }; },  // registered beforehand
  tokens() { return undefined; },
  saveTokens() {},
  saveCodeVerifier() {},
  codeVerifier() { return 'x'; },
  saveDiscoveryState(state) { discovery = state; },
  redirectToAuthorization(url) { authorizationUrl = String(url); },
};

const client = new Client({ name: 'wellknown-test', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider, fetch: fetchFn });
let outcome;
try {
  await client.connect(transport);
  outcome = 'connected';
} catch (e) {
  outcome = e instanceof UnauthorizedError ? 'unauthorized' : `error: ${e.message}`;
}
console.log(JSON.stringify({
  outcome,
  challenge: seen.challenge,
  requests: seen.requests,
  resource_metadata_url: discovery?.resourceMetadataUrl ?? null,
  resource: discovery?.resourceMetadata?.resource ?? null,
  authorization_server: discovery?.authorizationServerUrl ?? null,
  authorization_endpoint: discovery?.authorizationServerMetadata?.authorization_endpoint ?? null,
  authorization_url: authorizationUrl,
}));
await transport.close().catch(() => {});
