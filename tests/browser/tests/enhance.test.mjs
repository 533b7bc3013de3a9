// What app.js adds to the pages: likes, comments and follows without a reload, the live
// "new posts" banner, uploads with progress and the lightbox, and the plain forms still
// working with JavaScript off.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertSameDocument, createGroup, createUser, mark, post, signIn, useServer } from '../support.mjs';

/** An 8×8 red PNG. */
const RED_SQUARE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
  'base64',
);

describe('with JavaScript', () => {
  const t = useServer();

  test('liking a post changes its count in place, and unliking too', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'Liking is caring');
    await mark(page);

    const card = page.locator('article.post', { hasText: 'Liking is caring' });
    await card.getByRole('button', { name: 'Like · 0' }).click();
    await card.getByRole('button', { name: 'Liked · 1' }).waitFor();
    assert.equal(await card.getByRole('button', { name: 'Liked · 1' }).getAttribute('aria-pressed'), 'true');
    await card.getByRole('button', { name: 'Liked · 1' }).click();
    await card.getByRole('button', { name: 'Like · 0' }).waitFor();
    await assertSameDocument(page);
    assert.equal(new URL(page.url()).pathname, '/');

    // The server agrees.
    await page.reload();
    await page.locator('article.post', { hasText: 'Liking is caring' }).getByRole('button', { name: 'Like · 0' }).waitFor();
    t.clean();
  });

  test('saving a post and a comment fills the saved list, in place and private', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'Worth keeping');
    await mark(page);

    const card = page.locator('article.post', { hasText: 'Worth keeping' });
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    await card.getByRole('button', { name: 'Saved', exact: true }).waitFor();
    await assertSameDocument(page);

    await card.locator('.post-time').click();
    await page.waitForURL(/\/posts\/\d+$/);
    await page.getByLabel('Add a comment').fill('The crucial reply');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const comment = page.locator('article.comment', { hasText: 'The crucial reply' });
    // The comment added without a reload has its own Save button.
    await comment.getByRole('button', { name: 'Save', exact: true }).click();
    await comment.getByRole('button', { name: 'Saved', exact: true }).waitFor();

    await page.locator('details.menu > summary').click();
    await page.getByRole('link', { name: 'Saved', exact: true }).click();
    await page.waitForURL('**/saved');
    const list = page.locator('#saved-list');
    assert.equal(await list.locator(':scope > article.post', { hasText: 'Worth keeping' }).count(), 1);
    await list.locator('.saved-comment', { hasText: 'The crucial reply' }).waitFor();

    // Unsaving on the list, with JavaScript, leaves it saved nowhere once reloaded.
    await list.locator(':scope > article.post').getByRole('button', { name: 'Saved', exact: true }).click();
    await list.locator(':scope > article.post').getByRole('button', { name: 'Save', exact: true }).waitFor();
    await page.reload();
    assert.equal(await page.locator('#saved-list > article.post').count(), 0);
    t.clean();
  });

  test('a comment is added on the permalink page without a reload', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'Comment on me');
    await page.locator('article.post', { hasText: 'Comment on me' }).locator('.post-time').click();
    await page.waitForURL(/\/posts\/\d+$/);
    const permalink = page.url();

    // An empty comment goes through the plain form, which shows the server's message.
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.locator('.field-error').waitFor();
    assert.equal(page.url(), `${permalink}/comments`);
    await mark(page);

    await page.getByLabel('Add a comment').fill('A **first** comment');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const comment = page.locator('article.comment', { hasText: 'A first comment' });
    await comment.waitFor();
    assert.equal(await comment.locator('strong').textContent(), 'first');
    assert.equal(await page.getByLabel('Add a comment').inputValue(), '');
    await page.locator('article.post').getByRole('link', { name: '1 comment' }).waitFor();
    assert.equal(await page.getByText('No comments yet').count(), 0);

    // The new comment's own like button is enhanced too.
    await comment.getByRole('button', { name: 'Like · 0' }).click();
    await comment.getByRole('button', { name: 'Liked · 1' }).waitFor();
    await assertSameDocument(page);
    assert.equal(page.url(), `${permalink}/comments`);
    assert.equal(await page.locator('.field-error').count(), 0);

    await page.goto(permalink);
    await page.locator('article.comment', { hasText: 'A first comment' }).getByRole('button', { name: 'Liked · 1' }).waitFor();
    t.clean();
  });

  test('following a tag switches the button without a reload', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'All about #gardening');
    await page.goto('/tags/gardening');
    await mark(page);

    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.getByRole('button', { name: 'Following · Unfollow' }).waitFor();
    await assertSameDocument(page);

    await page.reload();
    await page.getByRole('button', { name: 'Following · Unfollow' }).click();
    await page.getByRole('button', { name: 'Follow', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Follow', exact: true }).waitFor();
    t.clean();
  });

  test('a post made elsewhere shows as "1 new post", and clicking shows it', async () => {
    const first = await t.open();
    const second = await t.open();
    await signIn(first.page);
    await signIn(second.page);
    await post(first.page, 'An older post');

    const streaming = first.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/stream');
    await first.page.goto('/company');
    assert.equal((await streaming).status(), 200);
    await mark(first.page);

    await post(second.page, 'Fresh from the other window');
    const banner = first.page.getByRole('button', { name: '1 new post' });
    await banner.waitFor();
    await assertSameDocument(first.page);
    assert.equal(await first.page.getByText('Fresh from the other window').count(), 0);

    await banner.click();
    await first.page.locator('article.post', { hasText: 'Fresh from the other window' }).waitFor();
    assert.equal(new URL(first.page.url()).pathname, '/company');
    assert.equal(await first.page.getByRole('button', { name: /new post/ }).count(), 0);
    t.clean();
  });

  test('likes and comments made elsewhere update the counts on a feed page', async () => {
    const first = await t.open();
    const second = await t.open();
    await signIn(first.page);
    await signIn(second.page);
    await post(second.page, 'Count me in');

    const streaming = first.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/stream');
    await first.page.goto('/company');
    await streaming;
    await mark(first.page);
    const card = first.page.locator('article.post', { hasText: 'Count me in' });
    await card.getByRole('button', { name: 'Like · 0' }).waitFor();

    const other = second.page.locator('article.post', { hasText: 'Count me in' });
    await other.getByRole('button', { name: 'Like · 0' }).click();
    await other.getByRole('button', { name: 'Liked · 1' }).waitFor();
    await card.getByRole('button', { name: 'Like · 1' }).waitFor();

    await other.locator('.post-time').click();
    await second.page.getByLabel('Add a comment').fill('Counted');
    await second.page.getByRole('button', { name: 'Comment', exact: true }).click();
    await second.page.locator('article.comment', { hasText: 'Counted' }).waitFor();
    await card.getByRole('link', { name: '1 comment' }).waitFor();
    await assertSameDocument(first.page);
    t.clean();
  });

  test('relative times are refreshed every minute', async () => {
    const { page, context } = await t.open();
    await signIn(page);
    await context.clock.install();
    await post(page, 'Time flies');
    const time = page.locator('article.post', { hasText: 'Time flies' }).locator('time');
    assert.equal(await time.textContent(), 'just now');
    await context.clock.fastForward('05:30');
    await page.waitForFunction(() => document.querySelector('article.post time')?.textContent === '5 min ago');
    await context.clock.fastForward('02:00:00');
    await page.waitForFunction(() => document.querySelector('article.post time')?.textContent === '2 h ago');
    t.clean();
  });

  test('joining a public group switches the button to "Leave group" without a reload', async () => {
    const bob = { name: 'Bob Marley', email: 'bob@example.com', password: 'one love one heart' };
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, bob);
    const groupUrl = await createGroup(page, 'Gardeners', 'public');

    const other = await t.open();
    await signIn(other.page, bob);
    await other.page.goto(groupUrl);
    await mark(other.page);
    await other.page.getByRole('button', { name: 'Join group' }).click();
    await other.page.getByRole('button', { name: 'Leave group' }).waitFor();
    await assertSameDocument(other.page);

    await other.page.reload();
    await other.page.getByRole('button', { name: 'Leave group' }).waitFor();
    t.clean();
  });
});

describe('without JavaScript', () => {
  const t = useServer();

  test('posting, liking and commenting work through the plain forms', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    await post(page, 'Works without scripts');

    const card = page.locator('article.post', { hasText: 'Works without scripts' });
    await card.getByRole('button', { name: 'Like · 0' }).click();
    await page.waitForURL(/\/#post-\d+$/);
    await page.locator('article.post', { hasText: 'Works without scripts' }).getByRole('button', { name: 'Liked · 1' }).waitFor();

    await page.locator('article.post', { hasText: 'Works without scripts' }).locator('.post-time').click();
    await page.getByLabel('Add a comment').fill('Plain and simple');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.locator('article.comment', { hasText: 'Plain and simple' }).waitFor();
    t.clean();
  });

  test('files upload with a progress bar, ask for a description, and open in a lightbox', async () => {
    const { page } = await t.open();
    await signIn(page);
    await page.goto('/');
    await page.getByLabel('Share something').fill('The new logo, and the brief');
    await page.getByLabel('Attach files or images').setInputFiles([
      { name: 'logo.png', mimeType: 'image/png', buffer: RED_SQUARE },
      { name: 'brief.txt', mimeType: 'text/plain', buffer: Buffer.from('make it red') },
    ]);
    const uploads = page.locator('.file-picker li[data-uploaded]');
    await uploads.nth(1).waitFor();
    assert.equal(await page.locator('.file-picker progress').count(), 0);
    // One description per image; none for the text file.
    await page.getByLabel('Describe it for those who can’t see it').fill('A red square');
    // A screenshot pasted into the form uploads too; then it is removed again.
    await page.locator('#composer-body').evaluate((textarea, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, [...RED_SQUARE]);
    await uploads.nth(2).waitFor();
    await uploads.nth(2).getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');

    const card = page.locator('article.post', { hasText: 'The new logo' });
    const image = card.getByRole('img', { name: 'A red square' });
    await image.waitFor();
    assert.equal(await image.getAttribute('loading'), 'lazy');
    assert.equal(await card.locator('.attachment-image').count(), 1, 'the removed screenshot is not on the post');
    await card.getByRole('link', { name: 'brief.txt' }).waitFor();
    await image.click();
    const lightbox = page.locator('dialog.lightbox[open]');
    await lightbox.waitFor();
    assert.match(await lightbox.locator('img').getAttribute('src'), /size=medium/);
    await lightbox.getByRole('button', { name: 'Close' }).click();
    await lightbox.waitFor({ state: 'detached' }).catch(() => {});
    assert.equal(await page.locator('dialog.lightbox[open]').count(), 0);
    t.clean();
  });

  test('a file goes with the plain composer form, described, without JavaScript', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    await page.goto('/');
    await page.getByLabel('Share something').fill('Office floor plan');
    await page.getByLabel('Attach files or images').setInputFiles([
      { name: 'plan.png', mimeType: 'image/png', buffer: RED_SQUARE },
    ]);
    await page.getByLabel('Describe the images, for those who can\'t see them').fill('The third floor');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');
    const card = page.locator('article.post', { hasText: 'Office floor plan' });
    await card.getByRole('img', { name: 'The third floor' }).waitFor();
    t.clean();
  });

  test('making a poll in the composer, voting, and changing the vote', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    await page.goto('/');
    await page.getByLabel('Share something').fill('Team lunch: where?');
    await page.locator('details.composer-poll > summary').click();
    // A duplicate option is refused with the options kept as typed.
    await page.getByLabel('Options, one per line (2 to 10)').fill('Pizza\npizza');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.locator('.field-error', { hasText: 'twice' }).waitFor();
    assert.equal(await page.getByLabel('Options, one per line (2 to 10)').inputValue(), 'Pizza\npizza');
    await page.getByLabel('Options, one per line (2 to 10)').fill('Pizza\nSushi\nTacos');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');

    const card = page.locator('article.post', { hasText: 'Team lunch: where?' });
    await card.getByText('results after you vote').waitFor();
    await card.getByLabel('Sushi').check();
    await card.getByRole('button', { name: 'Vote', exact: true }).click();
    const voted = page.locator('article.post', { hasText: 'Team lunch: where?' });
    await voted.getByText('1 voted').waitFor();
    await voted.getByText('1 · 100 %').waitFor();
    await voted.getByLabel('Tacos').check();
    await voted.getByRole('button', { name: 'Change vote' }).click();
    const changed = page.locator('article.post', { hasText: 'Team lunch: where?' });
    await changed.locator('[data-option]', { hasText: 'Tacos' }).getByText('1 · 100 %').waitFor();
    await changed.locator('[data-option]', { hasText: 'Sushi' }).getByText('0 · 0 %').waitFor();
    t.clean();
  });

  test('a must-read announcement is pinned until its reader says she read it', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    await page.goto('/');
    await page.getByLabel('Share something').fill('Quarterly all-hands on Thursday');
    await page.getByLabel('Announce').selectOption('must_read');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');
    const pinned = page.locator('section.pinned');
    await pinned.getByText('Quarterly all-hands on Thursday').waitFor();
    await pinned.getByText('Must read').waitFor();
    await pinned.getByRole('button', { name: 'I have read this' }).click();
    await page.waitForURL('/');
    assert.equal(await page.locator('section.pinned').count(), 0);
    // Still in the feed, no longer pinned; its author sees who has read it.
    const card = page.locator('article.post', { hasText: 'Quarterly all-hands on Thursday' });
    await card.locator('.post-time').click();
    await page.getByRole('heading', { name: /Read by \d+ of \d+/ }).waitFor();
    t.clean();
  });

  test('asking a question, answering it and marking the best answer', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    await page.goto('/');
    await page.getByLabel('Share something').fill('Where is the staging database?');
    await page.getByLabel(/Ask as a question/).check();
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const card = page.locator('article.post', { hasText: 'Where is the staging database?' });
    await card.getByText('Question · unanswered').waitFor();

    await card.locator('.post-time').click();
    await page.getByRole('heading', { name: 'Answers' }).waitFor();
    for (const answer of ['Ask ops', 'It is db-stage-1']) {
      await page.getByLabel('Add a comment').fill(answer);
      await page.getByRole('button', { name: 'Comment', exact: true }).click();
      await page.locator('article.comment', { hasText: answer }).waitFor();
    }
    const permalink = new URL(page.url()).pathname.replace(/\/comments$/, '');
    await page.goto(permalink);
    await page.locator('article.comment', { hasText: 'It is db-stage-1' })
      .getByRole('button', { name: 'Mark as best answer' }).click();
    await page.waitForURL(`**${permalink}`);
    // Shown first, under its own heading, and highlighted in the thread.
    const first = page.locator('section', { has: page.getByRole('heading', { name: 'Best answer' }) });
    await first.locator('article.comment', { hasText: 'It is db-stage-1' }).waitFor();
    assert.equal(await page.locator('#comments article.comment.best-answer').count(), 1);
    await page.locator('article.post').getByText('Question · answered').waitFor();

    await page.goto('/company?show=unanswered');
    assert.equal(await page.getByText('Where is the staging database?').count(), 0);
    await page.goto('/company?show=questions');
    await page.getByText('Where is the staging database?').waitFor();
    t.clean();
  });
});
