// Managing a webhook in the browser: adding one (its secret shown once), seeing its deliveries
// arrive in the log, sending one again, rotating the secret and turning it off.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import { post, signIn, useServer } from '../support.mjs';

/** A receiver on this machine (allow-listed below, as an intranet host): it keeps the ids. */
async function startReceiver() {
  const ids = [];
  const server = http.createServer((request, response) => {
    ids.push(request.headers['webhook-id']);
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, ids, port: server.address().port };
}

const receiver = await startReceiver();
after(() => receiver.server.close());

describe('webhooks', () => {
  const t = useServer({ env: { AGORA_LINKS__ALLOW: `127.0.0.1:${receiver.port}` } });

  test('an admin adds a webhook, sees its deliveries, sends one again and rotates its secret', async () => {
    const { page } = await t.open();
    await signIn(page);
    await page.goto('/admin/users');
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL('/webhooks');
    await page.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${receiver.port}/hook`);
    await page.getByLabel('Description').fill('Ops channel');
    await page.getByLabel('post.created').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.locator('#webhook-secret').innerText();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    const hookUrl = await page.evaluate(() => document.querySelector('form[action$="/secret"]').getAttribute('action').replace('/secret', ''));

    await page.goto('/');
    await post(page, 'Deploy finished');
    await page.goto(hookUrl);
    const delivered = page.locator('li.delivery-delivered');
    for (let i = 0; i < 100 && (await delivered.count()) === 0; i++) {
      await page.waitForTimeout(100);
      await page.reload();
    }
    assert.equal(await delivered.count(), 1);
    assert.match(await delivered.first().innerText(), /post\.created[\s\S]*HTTP 204/);
    assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is shown once');

    await delivered.first().getByRole('button', { name: 'Send again' }).click();
    for (let i = 0; i < 100 && (await delivered.count()) < 2; i++) {
      await page.waitForTimeout(100);
      await page.reload();
    }
    assert.equal(await delivered.count(), 2);
    assert.equal(receiver.ids.length, 2);
    assert.equal(receiver.ids[0], receiver.ids[1], 'a redelivery keeps its webhook-id');

    await page.getByRole('button', { name: 'New secret' }).click();
    const rotated = await page.locator('#webhook-secret').innerText();
    assert.notEqual(rotated, secret);
    assert.match(await page.locator('body').innerText(), /previous secret also signs until/);

    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.locator('.webhook-state', { hasText: 'Off: turned off by an admin' }).waitFor();
    await page.getByRole('button', { name: 'Turn on' }).waitFor();
    t.clean();
  });
});
