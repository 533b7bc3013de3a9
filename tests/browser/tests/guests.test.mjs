// A customer's whole journey as a guest: invited from the group page, the email (written as an
// .eml file, since no SMTP server is configured) carries the link, she joins, sees her group
// and nothing else, never sees a comment for employees only, and is shut out when removed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUser, emailedLink, post, signIn, useServer } from '../support.mjs';

describe('a guest', () => {
  const t = useServer();

  test('is invited by email, joins, sees only her group, and is shut out when removed', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'Company canaryword news');
    await page.goto('/groups');
    await page.getByLabel('Name').fill('Beta Program');
    await page.getByLabel('Visibility').selectOption('private');
    await page.getByLabel('Guests from outside the company may be invited').check();
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/\/groups\/\d+$/);
    const groupUrl = new URL(page.url()).pathname;
    await page.getByLabel('Share something').fill('Welcome to the beta');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.locator('article.post', { hasText: 'Welcome to the beta' }).waitFor();
    await page.getByLabel('Invite a guest by email').fill('cara@customer.example');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.locator('#invitations').getByText('cara@customer.example').waitFor();

    const link = await emailedLink(t.server.dataDir, '/invitations/accept');
    const guest = await t.open();
    await guest.page.goto(`${link.pathname}${link.search}`);
    await guest.page.getByRole('heading', { name: 'Join Beta Program' }).waitFor();
    await guest.page.getByLabel('Your name').fill('Cara Client');
    await guest.page.getByLabel('Choose a password').fill('a long guest password');
    await guest.page.getByRole('button', { name: 'Join Beta Program' }).click();
    await guest.page.waitForURL(groupUrl);
    await guest.page.locator('article.post', { hasText: 'Welcome to the beta' }).waitFor();
    assert.equal(await guest.page.getByRole('link', { name: 'Company' }).count(), 0, 'no company feed for guests');
    assert.equal(await guest.page.getByText('People outside the company').count(), 0);
    const company = await guest.page.goto('/company');
    assert.equal(company.status(), 403);
    await guest.page.goto('/search?q=canaryword');
    assert.equal(await guest.page.getByText('canaryword news').count(), 0);

    // Back with the employee: the group is marked, and a comment for employees only.
    await page.reload();
    await page.getByText('People outside the company can see this group').waitFor();
    await page.locator('article.post', { hasText: 'Welcome to the beta' }).locator('.post-time').click();
    await page.getByLabel('Add a comment').fill('Internal: canarystaff margin');
    await page.getByLabel(/Employees only/).check();
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.locator('article.comment', { hasText: 'canarystaff' }).getByText('Employees only').waitFor();
    const permalink = new URL(page.url()).pathname;
    await guest.page.goto(permalink);
    await guest.page.getByRole('heading', { name: 'Comments' }).waitFor();
    assert.equal(await guest.page.getByText('canarystaff').count(), 0);
    assert.equal(await guest.page.getByLabel(/Employees only/).count(), 0);

    // Removed from her only group: her session ends at once.
    await page.goto(groupUrl);
    await page.locator('#members li', { hasText: 'Cara Client' }).getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(/\/groups\/\d+/);
    await guest.page.goto(groupUrl);
    await guest.page.waitForURL(/\/sign-in/);
    t.clean();
  });

  test('without a password signs in by an emailed link, sees where she is signed in and signs out everywhere', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, { name: 'Lia Link', email: 'lia@example.com', password: 'a password she forgot' });

    const { page: lia } = await t.open();
    await lia.goto('/sign-in');
    await lia.getByLabel('Email').fill('lia@example.com');
    await lia.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await lia.getByRole('heading', { name: 'Check your email' }).waitFor();
    const link = await emailedLink(t.server.dataDir, '/sign-in/link');
    await lia.goto(`${link.pathname}${link.search}`);
    await lia.getByRole('button', { name: 'Continue to Agora' }).click();
    await lia.waitForURL((url) => url.pathname === '/');

    await lia.goto('/settings/security');
    const here = lia.locator('tr', { hasText: 'This device' });
    await here.waitFor();
    assert.match(await here.textContent(), /Chrom/);
    await lia.getByRole('button', { name: 'Sign out everywhere' }).click();
    await lia.waitForURL(/\/sign-in/);
    await lia.goto('/settings/security');
    await lia.waitForURL(/\/sign-in/);
    t.clean();
  });
});
