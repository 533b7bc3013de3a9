// The email settings page: the personal digest frequency and one group's email frequency,
// saved through the plain form and shown again after a reload.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGroup, signIn, useServer } from '../support.mjs';

describe('email settings', () => {
  const t = useServer();

  test('saves the digest frequency and a group frequency', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createGroup(page, 'Launch Crew', 'public');

    await page.goto('/settings/email');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Email settings');
    assert.equal(await page.getByLabel('Your digest').inputValue(), 'weekly', 'the default');
    assert.equal(await page.getByLabel('Launch Crew').inputValue(), 'digest', 'the default');

    await page.getByLabel('Your digest').selectOption('daily');
    await page.getByLabel('Launch Crew').selectOption({ label: 'Every post' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('/settings/email?saved=1');
    assert.equal(await page.getByRole('status').textContent(), 'Saved.');

    await page.goto('/settings/email');
    assert.equal(await page.getByLabel('Your digest').inputValue(), 'daily');
    assert.equal(await page.getByLabel('Launch Crew').inputValue(), 'each_post');
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.digest, 'daily');
    t.clean();
  });
});
