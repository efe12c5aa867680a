// A real OpenID Connect provider (the certified `oidc-provider` package) for Jenjang's single
// sign-on tests. Usage:
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI[,REDIRECT_URI...] SUB=NIP [SUB=NIP...]
// Signs in whoever the authorization request names in `login_hint` (one of the SUBs) without a
// form, consents to `openid`, and issues RS256 JWT access tokens for the audience CLIENT_ID with
// the `nip` claim. Test-only helpers: POST /test/sign {claims, other_key?} signs claims with the
// provider's key (or with a key it does not publish) so the tests can check what Jenjang refuses.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirects, ...accountArgs] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accounts = Object.fromEntries(accountArgs.map((a) => a.split('=')));
// The resource indicator of Jenjang's API; its tokens' audience is the client id.
const resource = 'urn:jenjang:api';

function rsaJwk(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
const published = rsaJwk('jenjang-test-key');
const unpublished = rsaJwk('jenjang-test-key');

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirects.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [published] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub', 'nip', 'preferred_username'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  async findAccount(_ctx, sub) {
    if (!(sub in accounts)) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, nip: accounts[sub], preferred_username: sub };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'openid',
        audience: clientId,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => (token.accountId in accounts ? { nip: accounts[token.accountId] } : undefined),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

function b64url(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function sign(claims, jwk) {
  const header = { alg: 'RS256', typ: 'JWT', kid: jwk.kid };
  const input = `${b64url(header)}.${b64url(claims)}`;
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const signature = crypto.sign('RSA-SHA256', Buffer.from(input), key).toString('base64url');
  return `${input}.${signature}`;
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const sub = details.params.login_hint;
      if (!(sub in accounts)) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`no test account ${sub}`);
        return;
      }
      const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
      grant.addOIDCScope('openid');
      grant.addResourceScope(resource, 'openid');
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
      return;
    }
    if (req.url === '/test/sign' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const { claims, other_key: otherKey } = JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: sign(claims, otherKey ? unpublished : published) }));
      return;
    }
    callback(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e && e.stack || e));
  }
});
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
