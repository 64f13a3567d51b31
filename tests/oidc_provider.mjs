// A real OpenID provider (npm oidc-provider, pinned in package.json) on loopback for tests/test_web_oidc.py.
// node tests/oidc_provider.mjs PORT CONTROL_FILE REDIRECT_URI CLIENT_ID CLIENT_SECRET
// The issuer is http://localhost:PORT: another site than the workbench on 127.0.0.1, as a real provider is.
// It signs in whoever CONTROL_FILE names ({"account": "anna", "groups": [...], "tamper": null}) without
// a form, and grants consent by itself. With "tamper" it spoils the ID token the token endpoint hands
// out, as a broken or hostile provider would: "signature" (claims changed after signing), "audience"
// and "expired" (re-signed with the provider's own key, so only the claim is wrong).
import fs from 'node:fs';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const [port, controlFile, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://localhost:${port}`;
const control = () => JSON.parse(fs.readFileSync(controlFile, 'utf8'));

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'groups'], email: ['email'] },
  conformIdTokenClaims: false,
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, preferred_username: sub, groups: control().groups || [] }),
  }),
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['reportgen-test-only-cookie-key-0123456789'] },
});

function b64(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function tamper(idToken, how) {
  const [head, body, signature] = idToken.split('.');
  const header = JSON.parse(Buffer.from(head, 'base64url'));
  const claims = JSON.parse(Buffer.from(body, 'base64url'));
  if (how === 'signature') {
    return [head, b64({ ...claims, preferred_username: 'mallory' }), signature].join('.');
  }
  if (how === 'audience') claims.aud = 'another-client';
  if (how === 'expired') {
    const now = Math.floor(Date.now() / 1000);
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  }
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(header).sign(privateKey);
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId: control().account } };
    } else {
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      result = { consent: { grantId: await grant.save() } };
    }
    const url = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(url);
    return;
  }
  await next();
  const how = control().tamper;
  if (ctx.path === '/token' && how && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, how) };
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
