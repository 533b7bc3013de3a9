// The home page's side rail suggests people, groups and tags, each with why; one click on
// Dismiss takes a suggestion away for good, with JavaScript in place and without it by a plain
// form.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertSameDocument, createUser, mark, signIn, useServer } from '../support.mjs';

const colleagues = [
  { name: 'Bea Blue', email: 'bea@example.com', password: 'correct horse battery' },
  { name: 'Cal Cole', email: 'cal@example.com', password: 'correct horse battery' },
];

/** Puts the signed-in admin and `colleagues` in one department, through the API. */
async function oneDepartment(page) {
  await page.goto('/');
  const problems = await page.evaluate(async (emails) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const call = async (method, url, body) => {
      const response = await fetch(url, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Accept: 'application/json' },
        body: body && JSON.stringify(body),
      });
      return response.ok ? response.json() : Promise.reject(new Error(`${method} ${url}: ${response.status}`));
    };
    await call('PATCH', '/api/v1/me', { department: 'Engineering' });
    for (const email of emails) {
      const found = await call('GET', `/api/v1/users?q=${encodeURIComponent(email.split('@')[0])}`);
      const user = found.items.find((u) => u.email === email);
      await call('PATCH', `/api/v1/users/${user.id}`, { department: 'Engineering' });
    }
    return null;
  }, colleagues.map((c) => c.email));
  assert.equal(problems, null);
}

async function setUp(page) {
  await signIn(page);
  for (const colleague of colleagues) await createUser(page, colleague);
  await oneDepartment(page);
  await page.goto('/');
}

describe('the recommendation rail', () => {
  const t = useServer();

  test('shows suggestions with why, and one click dismisses one in place for good', async () => {
    const { page } = await t.open();
    await setUp(page);
    const rail = page.getByRole('region', { name: 'Suggested for you' });
    const people = rail.getByRole('list', { name: 'People to follow' });
    const bea = people.getByRole('listitem').filter({ hasText: 'Bea Blue' });
    await bea.waitFor();
    assert.match(await bea.textContent(), /same department/);
    await mark(page);

    await bea.getByRole('button', { name: 'Dismiss Bea Blue' }).click();
    await bea.waitFor({ state: 'detached' });
    await assertSameDocument(page);
    await people.getByRole('listitem').filter({ hasText: 'Cal Cole' }).waitFor();

    // The server agrees, and /discover too.
    await page.reload();
    await people.getByRole('listitem').filter({ hasText: 'Cal Cole' }).waitFor();
    assert.equal(await people.getByRole('listitem').filter({ hasText: 'Bea Blue' }).count(), 0);
    await page.goto('/discover');
    assert.equal(await page.getByText('Bea Blue').count(), 0);
    await page.getByRole('listitem').filter({ hasText: 'Cal Cole' }).waitFor();
    t.clean();
  });

  test('without JavaScript the dismiss button is a form that comes back home', async () => {
    await setUp((await t.open()).page);
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    const people = page.getByRole('list', { name: 'People to follow' });
    await people.getByRole('button', { name: 'Dismiss Cal Cole' }).click();
    await page.waitForURL('/');
    assert.equal(await people.getByRole('listitem').filter({ hasText: 'Cal Cole' }).count(), 0);
    await people.getByRole('listitem').filter({ hasText: 'Bea Blue' }).waitFor();
    t.clean();
  });
});
