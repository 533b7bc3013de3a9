// Single sign-on against a real OpenID provider (oidc-provider, in this process), driven in
// Chromium: first sign-in creates the employee, later ones update her profile, signing out
// of Agora signs out at the provider, the provider's back-channel logout ends a session and
// its live stream, and forged answers and logout tokens are refused.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, startProvider } from '../idp.mjs';
import { admin, launchChromium, openPage, reservePort, signIn, startServer } from '../support.mjs';

const grace = {
  sub: 'u-grace',
  claims: {
    email: 'grace@example.com',
    email_verified: true,
    name: 'Grace Hopper',
    title: 'Rear Admiral',
    department: 'Navy',
    manager: 'ada@example.com',
  },
};

const BUTTON = 'Sign in with Example Corp';

function useSso(settings = {}) {
  const state = { contexts: [] };
  before(async () => {
    state.browser = await launchChromium();
  });
  after(async () => {
    await state.browser?.close();
  });
  beforeEach(async () => {
    // Agora's port is held while the provider takes one of its own.
    const { port, release } = await reservePort();
    state.idp = await startProvider({ agoraURL: `http://127.0.0.1:${port}` });
    state.idp.setAccount(grace.sub, grace.claims);
    await release();
    state.server = await startServer({
      admin,
      port,
      env: {
        AGORA_HTTP__SHUTDOWN_TIMEOUT_SECS: '1',
        AGORA_OIDC__ISSUER_URL: state.idp.issuer,
        AGORA_OIDC__CLIENT_ID: CLIENT_ID,
        AGORA_OIDC__CLIENT_SECRET: CLIENT_SECRET,
        AGORA_OIDC__SCOPES: 'openid email profile org',
        AGORA_OIDC__BUTTON_LABEL: BUTTON,
        ...settings,
      },
    });
  });
  afterEach(async () => {
    for (const context of state.contexts) await context.close();
    state.contexts = [];
    await state.server?.stop();
    await state.idp?.stop();
  });
  state.open = async () => {
    const { page, context } = await openPage(state.browser, state.server.baseURL);
    state.contexts.push(context);
    return page;
  };
  return state;
}

/** Clicks the sign-in page's button and, if the provider asks, signs in there as `sub`; resolves
 * once the browser is back at Agora (signed in, or on a page that says why not). */
async function signInWithProvider(page, sub) {
  await page.goto('/sign-in');
  const agora = new URL(page.url()).origin;
  await page.getByRole('link', { name: BUTTON }).click();
  await page.waitForURL(
    (url) => url.pathname.startsWith('/interaction/') || (url.origin === agora && url.pathname !== '/sign-in'),
  );
  if (new URL(page.url()).pathname.startsWith('/interaction/')) {
    await page.getByLabel('Account').fill(sub);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.origin === agora);
  }
}

async function me(page) {
  const response = await page.request.get('/api/v1/me');
  return response.ok() ? response.json() : null;
}

async function until(check, what, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} within ${ms} ms`);
}

describe('single sign-on', () => {
  const t = useSso();

  test('first sign-in creates the employee, the next updates her profile, sign-out ends the provider session', async () => {
    const page = await t.open();
    await signInWithProvider(page, grace.sub);
    await page.waitForURL('/');
    const account = page.getByRole('navigation', { name: 'Account' });
    assert.equal(await account.getByText('Grace Hopper').count(), 1);
    const first = await me(page);
    assert.equal(first.kind, 'employee');
    assert.equal(first.title, 'Rear Admiral');
    assert.equal(first.department, 'Navy');
    // The provider keeps scope claims out of the ID token: they came from userinfo.
    assert.ok(t.idp.counts.userinfo >= 1, 'userinfo was asked');

    // Signing out of Agora goes on to the provider's logout (RP-initiated), then back.
    await account.getByText('Grace Hopper').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${t.idp.issuer}/session/end`));
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL('/sign-in');
    assert.equal(await me(page), null);

    // The provider's session is gone too: it asks who she is again, and her new title arrives.
    t.idp.setAccount(grace.sub, { ...grace.claims, title: 'Commodore', department: 'Computing' });
    await page.getByRole('link', { name: BUTTON }).click();
    await page.waitForURL(/\/interaction\//);
    await page.getByLabel('Account').fill(grace.sub);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('/');
    const second = await me(page);
    assert.equal(second.id, first.id, 'the same person, not a second account');
    assert.equal(second.title, 'Commodore');
    assert.equal(second.department, 'Computing');
  });

  test("the provider's back-channel logout ends the session and its live stream at once", async () => {
    const page = await t.open();
    await signInWithProvider(page, grace.sub);
    await page.waitForURL('/');
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          window.testStream = new EventSource('/api/v1/stream');
          window.testStream.onopen = resolve;
          setTimeout(() => reject(new Error('the stream did not open')), 5_000);
        }),
    );

    // She signs out at the provider (another tab of the same browser).
    const provider = await page.context().newPage();
    await provider.goto(`${t.idp.issuer}/session/end`);
    await provider.getByRole('button', { name: 'Yes, sign me out' }).click();
    await provider.getByRole('heading', { name: 'Signed out of the company account' }).waitFor();

    assert.deepEqual(t.idp.backchannel.map((b) => b.ok), [true], `Agora accepted the logout token: ${JSON.stringify(t.idp.backchannel)}`);
    // The server ends the stream at once; the browser then waits the stream's `retry` (5 s)
    // before reconnecting, and that reconnection is refused, which closes the EventSource.
    await until(() => page.evaluate(() => window.testStream.readyState !== EventSource.OPEN), 'the live stream ended', 2_000);
    await until(() => page.evaluate(() => window.testStream.readyState === EventSource.CLOSED), 'the reconnection was refused', 10_000);
    assert.equal(await me(page), null);
    await page.reload();
    await page.waitForURL('/sign-in');
  });

  test('forged ID tokens are refused with a page that says why', async () => {
    const page = await t.open();
    const cases = [
      ['aud', 'meant for another application'],
      ['expired', 'has expired'],
      ['signature', 'no valid signature'],
      ['nonce', 'does not belong to this sign-in'],
      ['iss', 'did not come from the configured provider'],
    ];
    for (const [mode, words] of cases) {
      t.idp.tamper(mode);
      await signInWithProvider(page, grace.sub);
      await page.waitForURL(/\/sso\/callback/);
      await page.getByText(words).waitFor();
      assert.equal(await me(page), null, `${mode}: no session`);
    }
    t.idp.tamper(null);
    await signInWithProvider(page, grace.sub);
    await page.waitForURL('/');
    assert.equal((await me(page)).email, grace.claims.email);
  });

  test("a provider's new signing key is fetched when a token names it", async () => {
    const page = await t.open();
    await signInWithProvider(page, grace.sub);
    await page.waitForURL('/');
    await t.idp.rotateKey();
    const other = await t.open();
    await signInWithProvider(other, grace.sub);
    await other.waitForURL('/');
    assert.equal((await me(other)).email, grace.claims.email);
  });

  test('logout tokens are checked: forged ones change nothing, a good one works once', async () => {
    const page = await t.open();
    await signInWithProvider(page, grace.sub);
    await page.waitForURL('/');
    const post = (token) =>
      fetch(`${t.server.baseURL}/sso/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });
    const sub = grace.sub;
    const now = Math.floor(Date.now() / 1000);
    const forged = {
      'a nonce': await t.idp.logoutToken({ sub, nonce: 'n' }),
      'no event': await t.idp.logoutToken({ sub, events: undefined }),
      'another audience': await t.idp.logoutToken({ sub, aud: 'someone-else' }),
      'another issuer': await t.idp.logoutToken({ sub, iss: 'http://localhost:1' }),
      'no jti': await t.idp.logoutToken({ sub, jti: undefined }),
      'an old iat': await t.idp.logoutToken({ sub, iat: now - 3600, exp: now - 3000 }),
      'neither sid nor sub': await t.idp.logoutToken({}),
      'a wrong key': await t.idp.logoutToken({ sub }, { signWith: await t.idp.otherKey() }),
      'no signature': `${(await t.idp.logoutToken({ sub })).split('.').slice(0, 2).join('.')}.`,
    };
    for (const [what, token] of Object.entries(forged)) {
      const response = await post(token);
      assert.equal(response.status, 400, what);
      assert.equal((await response.json()).error, 'invalid_request', what);
    }
    assert.notEqual(await me(page), null, 'still signed in after the forgeries');

    const good = await t.idp.logoutToken({ sub });
    assert.equal((await post(good)).status, 200);
    assert.equal(await me(page), null, 'signed out by the good token');
    assert.equal((await post(good)).status, 400, 'a replayed token is refused');
  });
});

describe('single sign-on rules', () => {
  const t = useSso({ AGORA_OIDC__EMPLOYEE_PASSWORDS: 'false', AGORA_OIDC__ALLOWED_DOMAINS: 'example.com' });

  test("employees' passwords are off, the admin's break-glass password works, other domains are refused", async () => {
    const page = await t.open();
    await signIn(page, admin);
    await page.goto('/admin/users');
    await page.getByLabel('Name').fill('Edsger Dijkstra');
    await page.getByLabel('Email').fill('edsger@example.com');
    await page.getByLabel('Initial password').fill('goto considered harmful');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('/admin/users');

    const employee = await t.open();
    await employee.goto('/sign-in');
    await employee.getByLabel('Email').fill('edsger@example.com');
    await employee.getByLabel('Password').fill('goto considered harmful');
    await employee.getByRole('button', { name: 'Sign in', exact: true }).click();
    await employee.getByText('signs you in through its identity provider').waitFor();
    assert.equal(await me(employee), null);

    t.idp.setAccount('u-cara', { email: 'cara@customer.test', email_verified: true, name: 'Cara' });
    const outsider = await t.open();
    await signInWithProvider(outsider, 'u-cara');
    await outsider.getByText('Addresses at customer.test may not sign in').waitFor();
    assert.equal(await me(outsider), null);
  });
});
