// First-run setup, sign-in and sign-out, driven through the pages in Chromium.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { assertClean, launchChromium, openPage, startServer } from '../support.mjs';

const admin = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse battery' };

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

// Each test gets its own server and data directory, and a browser context without cookies.
function useServer(options) {
  const state = {};
  beforeEach(async () => {
    state.server = await startServer(options);
    Object.assign(state, await openPage(browser, state.server.baseURL));
  });
  afterEach(async () => {
    await state.context?.close();
    await state.server?.stop();
  });
  return state;
}

async function assertHome(page, name) {
  await page.waitForURL('/');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Home');
  const account = page.getByRole('navigation', { name: 'Account' });
  assert.equal(await account.getByText(name).count(), 1);
}

// Sign-out sits in the account menu, which opens without JavaScript (a <details> element).
async function signOut(page, name) {
  await page.getByRole('navigation', { name: 'Account' }).getByText(name).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
}

async function signIn(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('first run', () => {
  const t = useServer();

  test('setup rejects a short password, keeping name and email, then creates the admin', async () => {
    const { page } = t;
    await page.goto('/');
    await page.waitForURL('/setup');

    await page.getByLabel('Name', { exact: true }).fill(admin.name);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('too short');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();

    const fieldError = page.locator('.field-error');
    await fieldError.waitFor();
    assert.match(await fieldError.textContent(), /at least 10 characters/);
    assert.equal(new URL(page.url()).pathname, '/setup');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), admin.name);
    assert.equal(await page.getByLabel('Email').inputValue(), admin.email);
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not sent back');

    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await assertHome(page, admin.name);

    // Setup is closed once an admin exists.
    await page.goto('/setup');
    await assertHome(page, admin.name);
    assertClean(t.problems);
  });
});

describe('with an admin', () => {
  const t = useServer({ admin });

  test('signing out returns to the sign-in page and ends the session', async () => {
    const { page } = t;
    await page.goto('/');
    await page.waitForURL('/sign-in');
    await signIn(page, admin.email, admin.password);
    await assertHome(page, admin.name);

    await signOut(page, admin.name);
    await page.waitForURL('/sign-in');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in to Agora');

    await page.goto('/');
    await page.waitForURL('/sign-in');
    assertClean(t.problems);
  });

  test('a wrong password shows an error and keeps the email', async () => {
    const { page } = t;
    await page.goto('/sign-in');
    await signIn(page, admin.email, 'not the password');

    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /wrong email or password/i);
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    assert.equal(await page.getByLabel('Email').inputValue(), admin.email);
    assert.equal(await page.getByLabel('Password').inputValue(), '');

    // The form still works after the error.
    await signIn(page, admin.email, admin.password);
    await assertHome(page, admin.name);
    assertClean(t.problems);
  });

  test('the right password opens the home page', async () => {
    const { page } = t;
    await page.goto('/sign-in');
    await signIn(page, admin.email, admin.password);
    await assertHome(page, admin.name);
    assert.equal(await page.getByRole('navigation', { name: 'Account' }).getByText(admin.name).count(), 1);
    assertClean(t.problems);
  });

  test('the sign-in form can be filled and sent with the keyboard alone', async () => {
    const { page } = t;
    await page.goto('/sign-in');
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);

    // Tab order: the brand link in the toolbar, then the form's fields in reading order.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Agora');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'email');
    await page.keyboard.type(admin.email);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'password');
    await page.keyboard.type(admin.password);
    await page.keyboard.press('Enter');

    await assertHome(page, admin.name);
    assertClean(t.problems);
  });
});
