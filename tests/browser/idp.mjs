// A real OpenID Connect provider for the tests: the certified `oidc-provider` package, run in
// this process, with one client (Agora), accounts the test sets, a plain login form, and
// switches that make it misbehave the ways a forged or misrouted answer would.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'agora';
export const CLIENT_SECRET = 'a-client-secret-of-at-least-32-characters';
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return Object.fromEntries(new URLSearchParams(raw));
}

/**
 * Starts the provider on `port` (or a free one) for Agora at `agoraURL`. Resolves to
 * { issuer, setAccount(sub, claims), tamper(mode), logoutToken(claims, options), rotateKey(),
 *   backchannel: [{ ok, sid }], counts: { userinfo }, stop() }.
 * `tamper(mode)` rewrites the next ID tokens the token endpoint sends: 'aud', 'expired',
 * 'signature', 'nonce', 'iss' or null.
 */
export async function startProvider({ agoraURL, port = 0 }) {
  const accounts = new Map();
  const backchannel = [];
  const counts = { userinfo: 0 };
  let tamperMode = null;
  let key = await signingKey(`key-${randomUUID()}`);

  const server = http.createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://localhost:${server.address().port}`;
  let provider;

  const build = () => {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${agoraURL}/sso/callback`],
          post_logout_redirect_uris: [`${agoraURL}/sign-in`],
          backchannel_logout_uri: `${agoraURL}/sso/backchannel-logout`,
          backchannel_logout_session_required: true,
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [key] },
      cookies: { keys: ['cookie-signing-key-for-tests-only'] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name'],
        org: ['title', 'department', 'manager'],
      },
      scopes: ['openid', 'email', 'profile', 'org'],
      features: {
        devInteractions: { enabled: false },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            ctx.body = page('Sign out of the company account?', `${form}
              <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
          },
          postLogoutSuccessSource: (ctx) => {
            ctx.body = page('Signed out of the company account', '');
          },
        },
      },
      interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
      // Its guard against requests to private addresses would stop the back-channel logout
      // from reaching Agora, which the tests run on loopback.
      fetch: (url, { dispatcher, ...options }) => globalThis.fetch(url, options),
      findAccount: (ctx, sub) =>
        accounts.has(sub) ? { accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) } : undefined,
      renderError: (ctx, out) => {
        ctx.type = 'html';
        ctx.body = page('Provider error', `<pre>${escape(JSON.stringify(out))}</pre>`);
      },
    });
    provider.on('backchannel.success', (ctx, client, accountId, sid) => backchannel.push({ ok: true, sid }));
    provider.on('backchannel.error', (ctx, error, client, accountId, sid) =>
      backchannel.push({ ok: false, sid, error: String(error) }),
    );
    // Counts userinfo answers, and rewrites the ID token of the token endpoint's answer when a
    // test asks for a forgery.
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/me' && ctx.status === 200) counts.userinfo += 1;
      if (ctx.path === '/token' && tamperMode && ctx.body?.id_token) {
        ctx.body = { ...ctx.body, id_token: await forge(ctx.body.id_token, tamperMode) };
      }
    });
  };

  async function forge(idToken, mode) {
    const claims = decodeJwt(idToken);
    const now = Math.floor(Date.now() / 1000);
    if (mode === 'aud') claims.aud = 'another-application';
    if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
    if (mode === 'nonce') claims.nonce = 'a-nonce-from-another-sign-in';
    if (mode === 'iss') claims.iss = 'http://localhost:1';
    const signer = mode === 'signature' ? await signingKey(key.kid) : key;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .sign(await importJWK(signer, 'RS256'));
  }

  async function interaction(req, res, uid, action) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params } = details;
    if (prompt.name === 'login' && action === 'login') {
      const { login } = await formBody(req);
      if (!accounts.has(login)) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(page('Unknown account', `<p>No account ${escape(login)}.</p>`));
      }
      return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    }
    if (prompt.name === 'login') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(page('Company sign-in', `
        <form method="post" action="/interaction/${uid}/login">
          <label for="login">Account</label> <input id="login" name="login" autocomplete="off">
          <button type="submit">Continue</button>
        </form>`));
    }
    // Agora is the company's own application: consent is given on the company's behalf.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(?:\/(login))?/);
    if (!match) return provider.callback()(req, res);
    try {
      await interaction(req, res, match[1], req.method === 'POST' ? match[2] : undefined);
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  build();

  return {
    issuer,
    backchannel,
    counts,
    setAccount(sub, claims) {
      accounts.set(sub, claims);
    },
    tamper(mode) {
      tamperMode = mode;
    },
    /** Replaces the signing key, as a provider's key rotation does. */
    async rotateKey() {
      key = await signingKey(`key-${randomUUID()}`);
      build();
    },
    /** A logout token signed with the provider's key; `claims` override or (undefined) remove. */
    async logoutToken(claims, { signWith } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        aud: CLIENT_ID,
        iat: now,
        exp: now + 120,
        jti: randomUUID(),
        events: { [LOGOUT_EVENT]: {} },
        ...claims,
      };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      const signer = signWith ?? key;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt' })
        .sign(await importJWK(signer, 'RS256'));
    },
    otherKey: () => signingKey(key.kid),
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}
