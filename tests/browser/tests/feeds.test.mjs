// Settings → Feeds: making a feed token shows feed addresses that a feed reader (no cookies)
// can read, and revoking it shuts them all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post, signIn, useServer } from '../support.mjs';

describe('the feed settings page', () => {
  const t = useServer();

  test('shows working feed addresses, and revoking the token shuts them', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'Quarterly canaryfeed update');
    const alternate = page.locator('link[rel="alternate"][type="application/atom+xml"]');
    assert.equal(await alternate.getAttribute('href'), '/feeds/home.atom');

    await page.goto('/settings/feeds');
    await page.getByText('You have no feed token yet.').waitFor();
    await page.getByRole('button', { name: 'Create feed addresses' }).click();
    await page.waitForURL('/settings/feeds?done=reset');
    const home = await page.locator('a.feed-url[data-feed="home"]').getAttribute('href');
    assert.match(home, /\/feeds\/home\.atom\?token=agora_feed_/);

    // A feed reader has only the address: no cookie, no header.
    const feed = await fetch(home);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type'), /^application\/atom\+xml/);
    const xml = await feed.text();
    assert.match(xml, /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/);
    assert.match(xml, /<title>Quarterly canaryfeed update<\/title>/);

    await page.getByRole('button', { name: 'Revoke feed token' }).click();
    await page.waitForURL('/settings/feeds?done=revoked');
    await page.getByRole('status').getByText('no feed address works any more').waitFor();
    assert.equal((await fetch(home)).status, 401);
    t.clean();
  });
});
