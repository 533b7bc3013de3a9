// Reports and the moderation queue in the browser: a member and a guest report a post through
// its Report form, the group's owner hides it from /moderation with a message, its author
// still sees it with that message and never who reported it, the other members no longer see
// it, and each reporter is emailed the outcome. The forms pass axe and work from the keyboard.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { axeViolations, createUser, emailTo, emailedLink, signIn, useServer } from '../support.mjs';

const olga = { name: 'Olga Ortiz', email: 'olga@example.com', password: 'owner of the field team' };
const ben = { name: 'Ben Brandt', email: 'ben@example.com', password: 'author of the field report' };
const rita = { name: 'Rita Ruiz', email: 'rita@example.com', password: 'reader of the field team' };

/** Signs `person` in on a page of its own. */
async function as(t, person) {
  const { page } = await t.open();
  await signIn(page, person);
  return page;
}

/** Adds `person` to the group at `groupUrl` by her handle (`page`: its owner). */
async function addMember(page, groupUrl, person) {
  await page.goto(groupUrl);
  await page.getByLabel('Handle or user id').fill(person.email.split('@')[0]);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.locator('#members li', { hasText: person.name }).waitFor();
}

/** Posts `text` from the composer of the group at `groupUrl`; resolves to the post's path. */
async function postInGroup(page, groupUrl, text) {
  await page.goto(groupUrl);
  await page.getByLabel('Share something').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const card = page.locator('article.post', { hasText: text });
  await card.waitFor();
  return card.locator('.post-time').getAttribute('href');
}

describe('reports and moderation', () => {
  const t = useServer();

  test('a member and a guest report a post, its group owner hides it, and everyone sees what follows', async () => {
    const { page: ada } = await t.open();
    await signIn(ada);
    for (const person of [olga, ben, rita]) await createUser(ada, person);

    // Olga's group, open to guests, with Ben and Rita in it and Cara invited.
    const owner = await as(t, olga);
    await owner.goto('/groups');
    await owner.getByLabel('Name').fill('Field Team');
    await owner.getByLabel('Visibility').selectOption('private');
    await owner.getByLabel('Guests from outside the company may be invited').check();
    await owner.getByRole('button', { name: 'Create group' }).click();
    await owner.waitForURL(/\/groups\/\d+$/);
    const groupUrl = new URL(owner.url()).pathname;
    await addMember(owner, groupUrl, ben);
    await addMember(owner, groupUrl, rita);
    await owner.getByLabel('Invite a guest by email').fill('cara@customer.example');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.locator('#invitations').getByText('cara@customer.example').waitFor();

    const author = await as(t, ben);
    const postUrl = await postInGroup(author, groupUrl, 'Visited ACME today, their CFO said the budget doubles');
    assert.equal(
      await author.locator('article.post', { hasText: 'Visited ACME' }).getByRole('link', { name: 'Report' }).count(),
      0,
      'no Report link on her own post',
    );

    // Rita reports it from the group's feed.
    const reporter = await as(t, rita);
    await reporter.goto(groupUrl);
    await reporter.locator('article.post', { hasText: 'Visited ACME' }).getByRole('link', { name: 'Report' }).click();
    await reporter.getByRole('heading', { name: 'Report this post' }).waitFor();
    await reporter.getByLabel('Confidential information').check();
    await reporter.getByLabel(/Anything the moderators should know/).fill('Names a customer and its budget');
    await reporter.getByRole('button', { name: 'Send report' }).click();
    await reporter.getByRole('heading', { name: 'Thank you' }).waitFor();
    await reporter.getByRole('link', { name: 'Back' }).click();
    await reporter.waitForURL(postUrl);
    // The same report again is refused, with a message, and the form keeps what she chose.
    await reporter.goto(`${postUrl}/report`);
    await reporter.getByLabel('Spam or advertising').check();
    await reporter.getByRole('button', { name: 'Send report' }).click();
    await reporter.getByRole('alert').filter({ hasText: /already/i }).waitFor();
    assert.equal(await reporter.getByLabel('Spam or advertising').isChecked(), true);

    // Cara joins as a guest and reports it too, from her group.
    const link = await emailedLink(t.server.dataDir, '/invitations/accept');
    const { page: guest } = await t.open();
    await guest.goto(`${link.pathname}${link.search}`);
    await guest.getByLabel('Your name').fill('Cara Client');
    await guest.getByLabel('Choose a password').fill('a long guest password');
    await guest.getByRole('button', { name: 'Join Field Team' }).click();
    await guest.waitForURL(groupUrl);
    await guest.locator('article.post', { hasText: 'Visited ACME' }).getByRole('link', { name: 'Report' }).click();
    await guest.getByLabel('Something else').check();
    await guest.getByRole('button', { name: 'Send report' }).click();
    // "Something else" needs a note: the form comes back with the note marked and described.
    const note = guest.getByLabel(/Anything the moderators should know/);
    assert.equal(await note.getAttribute('aria-invalid'), 'true');
    const described = await note.getAttribute('aria-describedby');
    assert.match(await guest.locator(`[id="${described}"]`).innerText(), /\S/);
    assert.equal(await guest.getByLabel('Something else').isChecked(), true);
    await note.fill('Should we see this as customers?');
    await guest.getByRole('button', { name: 'Send report' }).click();
    await guest.getByRole('heading', { name: 'Thank you' }).waitFor();

    // Olga's queue: both reports, with their reasons, notes and reporters; as a group owner
    // she may hide or delete, but not warn or suspend.
    await owner.goto('/moderation');
    const reports = owner.locator('#report-queue > li');
    assert.equal(await reports.count(), 2);
    const ritas = reports.filter({ hasText: 'Names a customer and its budget' });
    assert.match(await ritas.innerText(), /Confidential information · post by Ben Brandt in Field Team · reported by Rita Ruiz/);
    assert.match(await ritas.locator('blockquote').innerText(), /Visited ACME today/);
    assert.match(await reports.filter({ hasText: 'Should we see this as customers?' }).innerText(), /reported by Cara Client/);
    assert.equal(await owner.getByLabel('And its author').count(), 0, 'sanctions are for site admins');
    // Hiding needs a message for the author.
    await ritas.getByLabel('Hide it').check();
    await ritas.getByRole('button', { name: 'Decide' }).click();
    await owner.getByRole('alert').filter({ hasText: /tell the author why/ }).waitFor();
    const again = owner.locator('#report-queue > li', { hasText: 'Names a customer and its budget' });
    const message = again.getByLabel(/Message to the author/);
    assert.equal(await message.getAttribute('aria-invalid'), 'true');
    const why = await message.getAttribute('aria-describedby');
    assert.match(await owner.locator(`[id="${why}"]`).innerText(), /tell the author why/);
    await again.getByLabel('Hide it').check();
    await message.fill('Customer budgets stay out of the group, please.');
    await again.getByRole('button', { name: 'Decide' }).click();
    await owner.waitForURL('/moderation');
    await owner.getByText('No open reports.').waitFor();

    // Ben still sees his post, hidden, with the message, and not who reported it.
    await author.goto(postUrl);
    await author.getByRole('heading', { name: 'Your hidden post' }).waitFor();
    const notice = await author.locator('main').innerText();
    assert.match(notice, /A moderator hid your post\.[\s\S]*Customer budgets stay out of the group, please\./);
    assert.match(notice, /Visited ACME today/);
    for (const name of ['Rita', 'Cara']) assert.ok(!notice.includes(name), `the author is not told of ${name}`);
    await author.goto(groupUrl);
    assert.equal(await author.locator('article.post', { hasText: 'Visited ACME' }).count(), 0);

    // Rita and Cara no longer find it: not on the feed, and its page is gone.
    await reporter.goto(groupUrl);
    await reporter.getByRole('heading', { name: 'Posts' }).waitFor();
    assert.equal(await reporter.locator('article.post', { hasText: 'Visited ACME' }).count(), 0);
    assert.equal((await reporter.goto(postUrl)).status(), 404);
    await guest.reload();
    assert.equal(await guest.locator('article.post', { hasText: 'Visited ACME' }).count(), 0);

    // Each reporter is told the outcome, by email and in her reports; the author's email
    // carries the message and names nobody.
    for (const address of [rita.email, 'cara@customer.example']) {
      const mail = await emailTo(t.server.dataDir, address, /Your report of a post was reviewed/);
      assert.match(mail, /A moderator hid the post/);
    }
    const authorMail = await emailTo(t.server.dataDir, ben.email, /A moderator hid your post/);
    assert.match(authorMail, /Customer budgets stay out of the group, please\./);
    for (const name of ['Rita', 'Cara']) assert.ok(!authorMail.includes(name), `the email does not name ${name}`);
    const mine = await (await reporter.request.get('/api/v1/me/reports')).json();
    assert.deepEqual(mine.items.map((r) => [r.reason, r.outcome]), [['confidential', 'hidden']]);
    t.clean();
  });

  test('the Report form and the queue pass axe and work from the keyboard alone', async () => {
    const { page: ada } = await t.open();
    await signIn(ada);
    await createUser(ada, rita);
    await ada.getByRole('link', { name: 'Home' }).click();
    await ada.getByLabel('Share something').fill('Lunch is on the roof today');
    await ada.getByRole('button', { name: 'Post', exact: true }).click();
    await ada.locator('article.post', { hasText: 'Lunch is on the roof' }).waitFor();

    const reporter = await as(t, rita);
    await reporter.goto('/company');
    await reporter.locator('article.post', { hasText: 'Lunch is on the roof' }).getByRole('link', { name: 'Report' }).click();
    await reporter.getByRole('heading', { name: 'Report this post' }).waitFor();
    assert.deepEqual(await axeViolations(reporter), [], 'the Report form');
    // Focus the first reason, move to the second with the arrow key, then Tab to the note
    // and on to the button.
    await reporter.getByLabel('Spam or advertising').focus();
    await reporter.keyboard.press('ArrowDown');
    assert.equal(await reporter.getByLabel('Harassment, bullying or hate').isChecked(), true);
    await reporter.keyboard.press('Tab');
    assert.equal(await reporter.evaluate(() => document.activeElement.id), 'report-note');
    await reporter.keyboard.type('Not harassment really, just testing the keyboard');
    await reporter.keyboard.press('Tab');
    assert.equal(await reporter.evaluate(() => document.activeElement.textContent), 'Send report');
    await reporter.keyboard.press('Enter');
    await reporter.getByRole('heading', { name: 'Thank you' }).waitFor();
    assert.deepEqual(await axeViolations(reporter), [], 'the thank-you');

    // A site admin's queue has the sanctions too; she decides from the keyboard.
    await ada.goto('/moderation');
    const entry = ada.locator('#report-queue > li', { hasText: 'just testing the keyboard' });
    await entry.waitFor();
    assert.deepEqual(await axeViolations(ada), [], 'the queue');
    await entry.getByLabel('Leave it').focus();
    await ada.keyboard.press('Space');
    assert.equal(await entry.getByLabel('Leave it').isChecked(), true);
    await ada.keyboard.press('Tab');
    assert.equal(await ada.evaluate(() => document.activeElement.id), await entry.getByLabel('And its author').getAttribute('id'));
    await ada.keyboard.press('Tab');
    await ada.keyboard.press('Tab');
    assert.equal(await ada.evaluate(() => document.activeElement.textContent), 'Decide');
    await ada.keyboard.press('Enter');
    await ada.getByText('No open reports.').waitFor();
    assert.deepEqual(await axeViolations(ada), [], 'the empty queue');
    const mail = await emailTo(t.server.dataDir, rita.email, /Your report of a post was reviewed/);
    assert.match(mail, /left it as it is/);
    t.clean();
  });
});
