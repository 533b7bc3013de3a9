// Notifications in the browser: the toolbar bell's unread count rises live when someone
// mentions you, its dropdown lists the notification, and the settings page saves a kind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admin, assertSameDocument, createUser, mark, post, signIn, useServer } from '../support.mjs';

const bo = { name: 'Bo Builder', email: 'bo@example.com', password: 'another horse battery' };

describe('notifications', () => {
  const t = useServer();

  test('the bell counts a mention live and lists it in its dropdown', async () => {
    const first = await t.open();
    await signIn(first.page, admin);
    await createUser(first.page, bo);
    await first.page.goto('/company');
    const bell = first.page.locator('[data-bell]');
    const count = first.page.locator('[data-bell-count]');
    assert.equal(await count.isHidden(), true, 'nothing unread yet');
    await mark(first.page);

    const second = await t.open();
    await signIn(second.page, bo);
    await post(second.page, 'Hey @ada, the quarterly report is ready');

    await count.filter({ hasText: '1' }).waitFor({ state: 'visible' });
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications, 1 unread');
    await assertSameDocument(first.page);

    await bell.click();
    const panel = first.page.getByRole('region', { name: 'Recent notifications' });
    await panel.getByRole('link', { name: 'Bo Builder mentioned you' }).waitFor();
    assert.equal(await bell.getAttribute('aria-expanded'), 'true');
    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await count.waitFor({ state: 'hidden' });

    // The link leads to the post.
    await panel.getByRole('link', { name: 'Bo Builder mentioned you' }).click();
    await first.page.waitForURL(/\/posts\/\d+$/);
    await first.page.locator('article.post', { hasText: 'the quarterly report is ready' }).waitFor();
    t.clean();
  });

  test('the settings page saves how a kind is delivered', async () => {
    const { page } = await t.open();
    await signIn(page, admin);
    await page.goto('/settings/notifications');
    const likes = page.getByLabel('Likes of my posts and comments');
    assert.equal(await likes.inputValue(), 'app');
    assert.equal(await page.getByLabel('Someone mentions me').inputValue(), 'email');
    await likes.selectOption('off');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('/settings/notifications?saved=1');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await page.getByLabel('Likes of my posts and comments').inputValue(), 'off');
    t.clean();
  });

  test('without JavaScript the bell is a link to the notifications page', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page, admin);
    await page.locator('[data-bell]').click();
    await page.waitForURL('/notifications');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    t.clean();
  });
});
