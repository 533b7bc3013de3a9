// Search: the toolbar's typeahead (a combobox driven from the keyboard), the results page with
// its tabs, and the OpenSearch description browsers discover from every page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admin, createGroup, createUser, post, signIn, useServer } from '../support.mjs';

const bob = { name: 'Bob Marley', email: 'bob@example.com', password: 'one love one heart' };

// The index follows the database in the background: waits until the typeahead offers `title`.
async function indexed(page, q, title) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await page.request.get(`/api/v1/search/suggest?q=${encodeURIComponent(q)}`);
    assert.equal(response.status(), 200);
    const found = await response.json();
    const titles = Object.values(found).flat().map((hit) => hit.title);
    if (titles.includes(title)) return;
    assert.ok(Date.now() < deadline, `${q}: still ${titles}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Presses ↓ until the active option is `name`; fails after a few presses.
async function moveTo(page, box, name) {
  for (let i = 0; i < 12; i += 1) {
    await box.press('ArrowDown');
    const active = await box.getAttribute('aria-activedescendant');
    assert.ok(active, 'an option is active');
    const option = page.locator(`[id="${active}"]`);
    assert.equal(await option.getAttribute('aria-selected'), 'true');
    if ((await option.textContent()).startsWith(name)) return;
  }
  assert.fail(`${name} never became active`);
}

describe('search', () => {
  const t = useServer();

  test('the toolbar suggests people and groups as you type; arrows and Enter open one', async () => {
    const { page } = await t.open();
    await signIn(page);
    await createUser(page, bob);
    const group = await createGroup(page, 'Rocket Science', 'public');
    await indexed(page, 'bob', 'Bob Marley');
    await indexed(page, 'rocket', 'Rocket Science');

    await page.goto('/');
    const box = page.getByRole('combobox', { name: 'Search Agora' });
    assert.equal(await box.getAttribute('aria-expanded'), 'false');
    await box.pressSequentially('bob');
    const people = page.getByRole('group', { name: 'People' });
    await people.getByRole('option', { name: 'Bob Marley' }).waitFor();
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    const list = page.locator(`[id="${await box.getAttribute('aria-controls')}"]`);
    assert.equal(await list.getAttribute('role'), 'listbox');
    assert.equal(await box.getAttribute('aria-activedescendant'), null, 'nothing is chosen until ↓');
    await moveTo(page, box, 'Bob Marley');
    await box.press('Enter');
    await page.waitForURL(/\/people\/\d+$/);
    await page.getByRole('heading', { name: 'Bob Marley' }).waitFor();

    const toolbar = page.getByRole('combobox', { name: 'Search Agora' });
    await toolbar.pressSequentially('rock');
    await page.getByRole('group', { name: 'Groups' }).getByRole('option', { name: 'Rocket Science' }).waitFor();
    await toolbar.press('Escape');
    assert.equal(await toolbar.getAttribute('aria-expanded'), 'false', 'Escape closes the list');
    assert.equal(await page.getByRole('listbox').count(), 0);
    await toolbar.press('Backspace');
    await page.getByRole('group', { name: 'Groups' }).getByRole('option', { name: 'Rocket Science' }).waitFor();
    await moveTo(page, toolbar, 'Rocket Science');
    await toolbar.press('Enter');
    await page.waitForURL(group);
    t.clean();
  });

  test('Enter without a chosen suggestion searches; the results page has highlights and type tabs', async () => {
    const { page } = await t.open();
    await signIn(page);
    await post(page, 'The rocket launch is on Friday');
    await indexed(page, 'launch', admin.name);

    const box = page.getByRole('combobox', { name: 'Search Agora' });
    await box.pressSequentially('launch');
    await page.getByRole('group', { name: 'Posts' }).getByRole('option').first().waitFor();
    await box.press('Enter');
    await page.waitForURL('/search?q=launch');
    const result = page.locator('.search-results li', { hasText: 'rocket' });
    assert.equal(await result.locator('mark').textContent(), 'launch');
    assert.equal(await result.locator('.badge').textContent(), 'Post');
    assert.equal(await page.getByRole('combobox', { name: 'Search Agora' }).inputValue(), 'launch');
    assert.equal(await page.getByLabel('Search for').inputValue(), 'launch');

    const tabs = page.getByRole('navigation', { name: 'Result types' });
    assert.equal(await tabs.getByRole('link', { name: 'All' }).getAttribute('aria-current'), 'page');
    await tabs.getByRole('link', { name: 'People' }).click();
    await page.waitForURL('/search?q=launch&type=people');
    assert.equal(await tabs.getByRole('link', { name: 'People' }).getAttribute('aria-current'), 'page');
    await page.getByText('Nothing found for').waitFor();
    await tabs.getByRole('link', { name: 'Posts' }).click();
    await page.waitForURL('/search?q=launch&type=posts');
    await page.locator('.search-results mark', { hasText: 'launch' }).waitFor();

    await page.getByLabel('Search for').fill('"unclosed');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('a phrase is missing its closing').waitFor();
    assert.equal(await page.getByLabel('Search for').inputValue(), '"unclosed', 'what was typed stays');
    t.clean();
  });

  test('without JavaScript the toolbar form still searches', async () => {
    const { page } = await t.open({ javaScriptEnabled: false });
    await signIn(page);
    await post(page, 'Quarterly roadmap review');
    await page.goto('/');
    await page.getByLabel('Search Agora').fill('roadmap');
    await page.getByLabel('Search Agora').press('Enter');
    await page.waitForURL('/search?q=roadmap');
    // The index may take a moment; the page answers either way.
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();
    t.clean();
  });

  test('every page links the OpenSearch description, which is served and well-formed', async () => {
    const { page } = await t.open();
    await signIn(page);
    const link = page.locator('link[rel="search"]');
    assert.equal(await link.getAttribute('href'), '/opensearch.xml');
    assert.equal(await link.getAttribute('type'), 'application/opensearchdescription+xml');
    const response = await page.request.get('/opensearch.xml');
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'application/opensearchdescription+xml');
    const xml = await response.text();
    const urls = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      if (doc.querySelector('parsererror')) return null;
      return [...doc.getElementsByTagName('Url')].map((u) => [u.getAttribute('type'), u.getAttribute('template')]);
    }, xml);
    assert.ok(urls, `well-formed: ${xml}`);
    const base = t.server.baseURL;
    assert.deepEqual(urls.slice(0, 2), [
      ['text/html', `${base}/search?q={searchTerms}`],
      ['application/x-suggestions+json', `${base}/search/suggestions?q={searchTerms}`],
    ]);
    const suggestions = await page.request.get('/search/suggestions?q=ada');
    assert.equal(suggestions.headers()['content-type'], 'application/x-suggestions+json');
    assert.equal((await suggestions.json())[0], 'ada');
    t.clean();
  });
});
