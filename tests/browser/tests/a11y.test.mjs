// axe-core on the main pages of a demo instance, light and dark, at desktop and phone widths:
// no serious or critical violation. Screenshots of each land in test-results/screenshots/
// (kept out of git) for a human to look at.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { axeViolations as violations, signIn, useServer } from '../support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '../test-results/screenshots');
const maya = { email: 'maya@example.com', password: 'agora-demo-password' };
const WIDTHS = [1280, 390];

// The main pages of a signed-in employee, found by following links as a user would.
async function mainPages(page) {
  await page.goto('/groups');
  const group = await page.locator('main a[href^="/groups/"]').first().getAttribute('href');
  await page.goto('/company');
  const postLink = await page.locator('article.post .post-time').first().getAttribute('href');
  const person = await page.locator('article.post a.person').first().getAttribute('href');
  const tag = await page.locator('article.post a[href^="/tags/"]').first().getAttribute('href');
  return {
    home: '/',
    company: '/company',
    groups: '/groups',
    group,
    post: postLink,
    person,
    tag,
    saved: '/saved',
    settings: '/settings',
    security: '/settings/security',
    people: '/people',
    'people-in-department': '/people?department=Engineering',
    tags: '/tags',
    'groups-found': '/groups?q=eng',
    search: '/search?q=launch',
    'search-posts': '/search?q=launch&type=posts',
    'search-start': '/search',
  };
}

describe('accessibility and screenshots', () => {
  const t = useServer({ demo: true });

  test('the main pages have no serious or critical axe violations, light and dark, desktop and phone', async () => {
    await mkdir(shots, { recursive: true });
    const signedOut = await t.open();
    const found = {};
    for (const width of WIDTHS) {
      await signedOut.page.setViewportSize({ width, height: 900 });
      await signedOut.page.goto('/sign-in');
      found[`sign-in@${width}`] = await violations(signedOut.page);
      await signedOut.page.screenshot({ path: path.join(shots, `sign-in-${width}.png`), fullPage: true });
    }

    for (const colorScheme of ['light', 'dark']) {
      const { page } = await t.open({ colorScheme });
      await signIn(page, maya);
      const pages = await mainPages(page);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        for (const [name, url] of Object.entries(pages)) {
          const response = await page.goto(url);
          assert.equal(response.status(), 200, `${name}: ${url}`);
          found[`${name}@${width} ${colorScheme}`] = await violations(page);
          await page.screenshot({ path: path.join(shots, `${name}-${width}-${colorScheme}.png`), fullPage: true });
        }
        // An error page is a page too: in the layout, with the toolbar and a way on.
        const missing = await page.goto('/groups/999999');
        assert.equal(missing.status(), 404);
        assert.ok(await page.locator('header.toolbar nav.toolbar-nav').isVisible(), 'the toolbar on a 404');
        found[`not-found@${width} ${colorScheme}`] = await violations(page);
        await page.screenshot({ path: path.join(shots, `not-found-${width}-${colorScheme}.png`), fullPage: true });
      }
    }
    const failing = Object.entries(found).filter(([, list]) => list.length > 0);
    assert.deepEqual(failing, [], 'axe violations');
    t.clean();
  });

  test('the admin pages pass axe too', async () => {
    const { page } = await t.open();
    await signIn(page);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const name of ['users', 'scim']) {
        await page.goto(`/admin/${name}`);
        assert.deepEqual(await violations(page), [], name);
        await page.screenshot({ path: path.join(shots, `admin-${name}-${width}.png`), fullPage: true });
      }
    }
    t.clean();
  });
});
