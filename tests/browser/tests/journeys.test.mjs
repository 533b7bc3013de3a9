// An employee's day in Agora: writing with completion and preview, editing, following people,
// joining private groups, and the walls around secret ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGroup, createUser, post, signIn, useServer } from '../support.mjs';

const bob = { name: 'Bob Marley', email: 'bob@example.com', password: 'one love one heart' };

describe('journeys', () => {
  const t = useServer();

  test('a post written with @ and # completion and a preview links the person and the tag', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, bob);
    await post(page, 'Planning the #release train');

    await page.goto('/');
    const composer = page.getByLabel('Share something');
    await composer.pressSequentially('Shipping today with @bo');
    const person = page.getByRole('option', { name: 'Bob Marley @bob' });
    await person.waitFor();
    assert.equal(await person.getAttribute('aria-selected'), 'true', 'the first suggestion is active');
    await composer.press('Enter');
    assert.equal(await composer.inputValue(), 'Shipping today with @bob ');
    await composer.pressSequentially('for the #rel');
    await page.getByRole('option', { name: '#release' }).click();
    assert.equal(await composer.inputValue(), 'Shipping today with @bob for the #release ');
    assert.equal(await page.getByRole('listbox').isHidden(), true, 'the list closes after a pick');

    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('[data-preview]');
    await preview.getByRole('link', { name: '#release' }).waitFor();
    await preview.getByRole('link', { name: '@bob' }).waitFor();
    await page.getByRole('button', { name: 'Hide preview' }).click();
    assert.equal(await preview.isHidden(), true);

    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');
    const card = page.locator('article.post', { hasText: 'Shipping today' }).locator('.post-body');
    assert.match(await card.getByRole('link', { name: '@bob' }).getAttribute('href'), /^\/people\/\d+$/);
    await card.getByRole('link', { name: '#release' }).click();
    await page.waitForURL('/tags/release');
    await page.locator('article.post', { hasText: 'Shipping today' }).waitFor();
    t.clean();
  });

  test('a refused post keeps what was typed and says why', async () => {
    const { page } = await t.open();
    await signIn(page);
    await page.goto('/');
    await page.getByLabel('Share something').fill('   ');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.getByText('write something first').waitFor();
    await page.getByLabel('Share something').fill('Keep me around');
    await page.getByLabel('Post to').selectOption({ label: 'Company feed' });
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('[data-preview]', { hasText: 'Keep me around' }).waitFor();
    t.clean();
  });

  test('an edited post shows "edited" and its history shows the edit word by word and the earlier version', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'First draft of the plan');
    await page.locator('article.post', { hasText: 'First draft' }).locator('.post-time').click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Text').fill('Final plan, with **bold** steps');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/posts\/\d+$/);
    const card = page.locator('article.post');
    await card.locator('strong', { hasText: 'bold' }).waitFor();
    await card.getByRole('link', { name: 'edited' }).waitFor();

    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'Edit history' }).waitFor();
    // The edit word by word: what it took out, what it put in.
    await page.locator('.versions .diff del', { hasText: 'First' }).first().waitFor();
    await page.locator('.versions .diff ins', { hasText: 'Final' }).first().waitFor();
    // And the earlier text in full, behind its disclosure.
    await page.getByText('This version as it was').click();
    await page.locator('.versions pre', { hasText: 'First draft of the plan' }).waitFor();
    t.clean();
  });

  test('following a person brings their posts to the home feed', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, bob);
    const other = await t.open();
    await signIn(other.page, bob);
    await post(other.page, 'Bob says hello to everyone');

    await page.goto('/');
    assert.equal(await page.getByText('Bob says hello').count(), 0, 'not followed yet');
    await page.goto('/company');
    await page.locator('article.post', { hasText: 'Bob says hello' }).getByRole('link', { name: 'Bob Marley' }).click();
    await page.getByRole('heading', { name: 'Bob Marley' }).waitFor();
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.getByRole('button', { name: 'Following · Unfollow' }).waitFor();
    await page.goto('/');
    await page.locator('article.post', { hasText: 'Bob says hello' }).waitFor();
    t.clean();
  });

  test('asking to join a private group waits for an admin, who approves', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, bob);
    const groupUrl = await createGroup(page, 'Leadership', 'private');
    await page.getByLabel('Share something').fill('Private agenda for Monday');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.locator('article.post', { hasText: 'Private agenda' }).waitFor();

    const other = await t.open();
    await signIn(other.page, bob);
    await other.page.goto(groupUrl);
    await other.page.getByRole('heading', { name: 'Leadership' }).waitFor();
    assert.equal(await other.page.getByText('Private agenda').count(), 0, 'non-members do not read it');
    await other.page.getByRole('button', { name: 'Ask to join' }).click();
    await other.page.getByRole('button', { name: 'Asked to join' }).waitFor();

    await page.goto(groupUrl);
    const requests = page.locator('#requests');
    await requests.getByText('Bob Marley').waitFor();
    await requests.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#requests').getByText('Nobody is waiting to join.').waitFor();

    await other.page.reload();
    await other.page.locator('article.post', { hasText: 'Private agenda' }).waitFor();
    await other.page.getByRole('button', { name: 'Leave group' }).waitFor();
    t.clean();
  });

  test('a secret group is "not found" for a non-member, and missing from the directory', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, bob);
    const groupUrl = await createGroup(page, 'Skunkworks', 'secret');
    await page.getByLabel('Share something').fill('The hidden prototype');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.locator('article.post', { hasText: 'hidden prototype' }).waitFor();
    const postUrl = await page.locator('article.post', { hasText: 'hidden prototype' }).locator('.post-time').getAttribute('href');

    const other = await t.open();
    await signIn(other.page, bob);
    for (const url of [groupUrl, postUrl]) {
      const response = await other.page.goto(url);
      assert.equal(response.status(), 404, url);
      const text = await other.page.locator('body').innerText();
      assert.ok(!/Skunkworks|hidden prototype/.test(text), `${url} leaks: ${text}`);
    }
    await other.page.goto('/groups');
    assert.equal(await other.page.getByText('Skunkworks').count(), 0);
    t.clean();
  });
});
