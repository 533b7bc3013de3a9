// Links in the browser: a link's preview appearing live on the feed, and sharing a post with
// a comment through the composer.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import { assertSameDocument, mark, post, signIn, useServer } from '../support.mjs';

/** A page with Open Graph tags, on this machine (allow-listed below, as an intranet host).
 * Under `/held/` it answers only once `release()` has been called. */
async function startSite() {
  let release;
  const released = new Promise((resolve) => (release = resolve));
  const server = http.createServer(async (request, response) => {
    if (request.url.startsWith('/held/')) await released;
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<html><head><meta property="og:title" content="Roadmap for the spring">
      <meta property="og:description" content="Three launches and a party"></head><body></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port, release };
}

const site = await startSite();
after(() => {
  site.release();
  site.server.close();
});

describe('links', () => {
  const t = useServer({ env: { AGORA_LINKS__ALLOW: `127.0.0.1:${site.port}` } });

  test("a link's preview appears on the feed without a reload", async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, `Have a look: http://127.0.0.1:${site.port}/roadmap`);
    await mark(page);
    const card = page.locator('article.post', { hasText: 'Have a look' });
    await card.locator('.link-preview', { hasText: 'Roadmap for the spring' }).waitFor({ timeout: 15000 });
    assert.match(await card.locator('.link-preview').innerText(), /Three launches and a party/);
    await assertSameDocument(page);
    // The author may take it away.
    await card.getByRole('button', { name: 'Remove preview' }).click();
    await page.waitForURL('/');
    assert.equal(await page.locator('article.post', { hasText: 'Have a look' }).locator('.link-preview').count(), 0);
    t.clean();
  });

  test("a preview fetched after the page's render but before its stream opens still appears", async () => {
    const { page } = await t.open();
    await signIn(page);
    await page.goto('/');
    const text = `Before the stream: http://127.0.0.1:${site.port}/held/roadmap`;
    // The page after posting is rendered while the site holds its answer, so without the
    // preview; its stream waits until the preview is stored (and its event broadcast), so
    // the event falls between the render and the stream's opening.
    const stored = async () => {
      const feed = await (await page.request.get('/api/v1/feeds/home')).json();
      return feed.items.find((item) => item.body === text)?.previews?.length > 0;
    };
    await page.route('**/api/v1/stream*', async (route) => {
      site.release();
      const deadline = Date.now() + 15_000;
      while (!(await stored()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await route.continue();
    });
    await page.getByLabel('Share something').fill(text);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');
    await mark(page);
    const card = page.locator('article.post', { hasText: 'Before the stream' });
    await card.locator('.link-preview', { hasText: 'Roadmap for the spring' }).waitFor({ timeout: 15000 });
    await assertSameDocument(page);
    t.clean();
  });

  test('sharing a post with a comment shows the original inside the share', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'The original announcement');
    const original = page.locator('article.post', { hasText: 'The original announcement' });
    await original.getByRole('link', { name: 'Share' }).click();
    await page.waitForURL(/\/posts\/new\?share=\d+$/);
    assert.match(await page.locator('.shared-post').innerText(), /The original announcement/);
    await page.getByLabel('Share something').fill('Everyone should read this');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL('/');
    const share = page.locator('article.post', { hasText: 'Everyone should read this' });
    await share.locator('.shared-post', { hasText: 'The original announcement' }).waitFor();
    await page.locator('article.post', { hasText: 'The original announcement' }).last().getByRole('link', { name: 'Share · 1' }).waitFor();
    t.clean();
  });
});
