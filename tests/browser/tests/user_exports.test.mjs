// Taking one's data away in the browser: asking for an export from the settings page, seeing
// it become ready without reloading (the page keeps an eye on it), and downloading the ZIP,
// which nobody else's browser can.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { post, signIn, useServer } from '../support.mjs';

describe('exports of one\'s data', () => {
  const t = useServer();

  test('she asks for an export in her settings, sees it ready and downloads it', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'Notes worth keeping');
    await page.goto('/settings');
    const section = page.locator('#your-data');
    await section.getByRole('button', { name: 'Request an export' }).click();
    await page.waitForURL(/\/settings\?export=requested/);
    await page.getByText('Your export is being made').waitFor();

    // Ready soon after, shown in place by the page itself.
    const link = page.locator('#your-data').getByRole('link', { name: /^Download/ });
    await link.waitFor({ timeout: 30_000 });
    assert.match(await page.locator('#your-data').innerText(), /Ready/);
    const href = await link.getAttribute('href');
    assert.match(href, /^\/exports\/\d+\/download$/);

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), /^agora-export-.+\.zip$/);
    const bytes = await readFile(await download.path());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a ZIP');
    assert.ok(bytes.includes(Buffer.from('outbox.json')), 'with its outbox');

    // Another browser, signed in as nobody, finds nothing there.
    const { page: stranger } = await t.open();
    const response = await stranger.goto(href);
    assert.equal(response.status(), 404);
    t.clean();
  });
});
