// A real OpenID provider for the sign-in tests: the certified oidc-provider package, on
// 127.0.0.1 only. Never deployed. Started by tests/oidc.py, which reads its first line.
//
//   node server.mjs --port 0 --redirect-uri http://127.0.0.1:8123/accounts/oidc/callback/
//
// One client ("sop-test", secret "sop-test-secret", PKCE required), RS256 keys made at start.
// Its own dev login form takes any login name and any password: the name is the account.
// Tests shape each account with POST /_test/accounts/<login> (JSON: name, email, groups,
// tamper). `tamper` makes the token endpoint hand out an ID token that a careful client
// must refuse: "audience" (issued to another client), "issuer" (another issuer), "expired",
// "nonce" (another sign-in's nonce), or "signature" (signed by a key the provider never
// published, under the published kid).
import { parseArgs } from 'node:util';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt } from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
  },
});

const accounts = new Map();
const account = (login) => accounts.get(login) ?? {};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'sop-test-key', alg: 'RS256', use: 'sig' };
const { privateKey: strangerKey } = await generateKeyPair('RS256', { extractable: true });

const CLIENT_ID = 'sop-test';

function configuration() {
  return {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: 'sop-test-secret',
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['sop-test-cookie-key'] },
    pkce: { required: () => true },
    // Claims in the ID token itself, as Entra ID sends groups.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          const a = account(id);
          return {
            sub: a.sub ?? id,
            email: a.email ?? `${id}@example.test`,
            email_verified: true,
            name: a.name ?? id,
            preferred_username: a.preferred_username ?? `${id}@example.test`,
            groups: a.groups ?? [],
            ...(a.extra ?? {}),
          };
        },
      };
    },
    // A first-party client: no consent screen (as with Entra ID's admin consent).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile groups');
      grant.addOIDCClaims(['email', 'email_verified', 'name', 'preferred_username', 'groups']);
      await grant.save();
      return grant;
    },
  };
}

let provider;

async function readJson(ctx) {
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function resign(idToken, tamper) {
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (tamper === 'audience') claims.aud = 'another-client';
  if (tamper === 'issuer') claims.iss = 'http://127.0.0.1:9/not-this-provider';
  if (tamper === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (tamper === 'nonce') claims.nonce = 'not-the-nonce-the-client-sent';
  const key = tamper === 'signature' ? strangerKey : privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid }).sign(key);
}

async function testControls(ctx, next) {
  const match = ctx.path.match(/^\/_test\/accounts\/([^/]+)$/);
  if (match && ctx.method === 'POST') {
    accounts.set(decodeURIComponent(match[1]), await readJson(ctx));
    ctx.body = { ok: true };
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    const tamper = account(decodeJwt(ctx.body.id_token).sub).tamper
      ?? [...accounts.values()].find((a) => a.sub === decodeJwt(ctx.body.id_token).sub)?.tamper;
    if (tamper) ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, tamper) };
  }
}

const server = (await import('node:http')).createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  provider = new Provider(issuer, configuration());
  provider.use(testControls);
  server.on('request', provider.callback());
  process.stdout.write(`${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
