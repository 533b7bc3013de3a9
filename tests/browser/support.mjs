// Starts an Agora server on a free port over a fresh data directory, and Debian's Chromium.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const agoraBin = process.env.AGORA_BIN
  ? path.resolve(process.env.AGORA_BIN)
  : path.resolve(here, '../../target/debug/agora');

const START_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 10_000;

/**
 * A free port, held until `release()`: whatever starts meanwhile on port 0 (a test's identity
 * provider) cannot be given it, as it could be once it is let go.
 */
export async function reservePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { port, release: () => new Promise((resolve) => server.close(resolve)) };
}

export async function freePort() {
  const { port, release } = await reservePort();
  await release();
  return port;
}

// Only the variables set here reach the server, so a developer's own AGORA_* settings
// (a PostgreSQL URL, a public URL) cannot change what the tests see.
function serverEnv(extra) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AGORA_')),
  );
  return { ...env, NO_COLOR: '1', ...extra };
}

// Runs the binary to completion, feeding `input` on standard input.
function run(args, env, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(agoraBin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`agora ${args.join(' ')} exited ${code}:\n${output}`)),
    );
    child.stdin.end(input);
  });
}

// With AGORA_BROWSER_POSTGRES_URL set (a server where databases may be created), each server
// gets a fresh PostgreSQL database instead of SQLite in its data directory.
const postgresURL = process.env.AGORA_BROWSER_POSTGRES_URL;

function psql(command) {
  const result = spawnSync('psql', [postgresURL, '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql ${command}: ${result.stderr || result.error}`);
}

/** A fresh PostgreSQL database and its dropper, or nothing when the tests run on SQLite. */
function freshDatabase() {
  if (!postgresURL) return { settings: {}, drop: () => {} };
  const name = `agora_browser_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(postgresURL);
  url.pathname = `/${name}`;
  return { settings: { AGORA_DATABASE_URL: url.toString() }, drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Starts `agora serve` over a new data directory (on `port`, or a free one); with `admin`,
 * creates that account first, and with `demo`, fills the instance with `agora demo`; `env`
 * adds AGORA_* settings. Resolves once /healthz answers, to { baseURL, dataDir, log(), stop() }.
 */
export async function startServer({ admin, demo = false, port: given, env: settings = {} } = {}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'agora-browser-'));
  const port = given ?? (await freePort());
  const baseURL = `http://127.0.0.1:${port}`;
  const database = freshDatabase();
  const env = serverEnv({
    AGORA_LISTEN: `127.0.0.1:${port}`,
    AGORA_DATA_DIR: dataDir,
    AGORA_HTTP__WORKERS: '1',
    ...database.settings,
    ...settings,
  });

  try {
    if (admin) {
      const { email, name, password } = admin;
      await run(['admin', 'create-user', '--email', email, '--name', name, '--kind', 'admin'], env, `${password}\n`);
    }
    if (demo) await run(['demo'], env, '');
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    database.drop();
    throw error;
  }

  const child = spawn(agoraBin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the output for failure messages; reading it also stops a full pipe from blocking the server.
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // A binary that cannot start reports 'error' and maybe never 'exit'.
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', (error) => resolve((output += `\n${error}`)));
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
    database.drop();
  };

  try {
    await waitForHealth(baseURL, exited, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseURL, dataDir, log: () => output, stop };
}

// Polls /healthz until it answers 200, the server exits, or the deadline passes.
async function waitForHealth(baseURL, exited, log) {
  const deadline = Date.now() + START_DEADLINE_MS;
  let gone = false;
  exited.then(() => (gone = true));
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const why = gone ? 'exited' : `did not answer /healthz within ${START_DEADLINE_MS} ms`;
  throw new Error(`agora serve (${agoraBin}) ${why}:\n${log()}`);
}

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Chromium asks for /favicon.ico on every page and logs its 404. Agora has no icon yet;
// remove this once it serves one.
const KNOWN_MISSING = ['/favicon.ico'];

/**
 * Opens a page in a fresh browser context (no cookies) and records what should never
 * happen: console errors, uncaught exceptions, and requests leaving `baseURL`. `options` go
 * to `browser.newContext` (for example `{ javaScriptEnabled: false }`).
 */
export async function openPage(browser, baseURL, options = {}) {
  const context = await browser.newContext({ ...options, baseURL });
  // Fail in seconds, not Playwright's default 30, when an element never shows up.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = { baseURL, consoleErrors: [], errorPages: new Set(), foreignRequests: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    problems.consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => problems.consoleErrors.push({ text: String(error), url: page.url() }));
  page.on('request', (request) => {
    if (!request.url().startsWith(`${baseURL}/`)) problems.foreignRequests.push(request.url());
  });
  // A form shown again with its errors answers 401 or 422 on purpose, a page the viewer may
  // not see answers 404, and Chromium logs "Failed to load resource" for them; that is the
  // status (which tests check), not a fault of the page.
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document' && response.status() >= 400) {
      problems.errorPages.add(response.url());
    }
  });
  return { page, context, problems };
}

/** Fails if the page logged console errors or requested anything outside the server. */
export function assertClean({ baseURL, consoleErrors, errorPages, foreignRequests }) {
  const expected = ({ text, url }) =>
    text.startsWith('Failed to load resource') &&
    (errorPages.has(url) || KNOWN_MISSING.some((p) => url === `${baseURL}${p}`));
  const errors = consoleErrors.filter((entry) => !expected(entry)).map(({ text, url }) => `${text} (${url})`);
  assert.deepEqual(errors, [], 'console errors');
  assert.deepEqual(foreignRequests, [], 'requests to other origins');
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page; resolves to its serious and critical violations, described. */
export async function axeViolations(page) {
  await page.evaluate(await axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export const admin = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse battery' };

/**
 * Registers hooks for a `describe` block: one Chromium for the block, and for each test its
 * own server and data directory (with `admin` created; `options` go to `startServer`). `t.open(options)` adds browser
 * contexts, all closed after the test; `t.clean()` checks them all for console errors and
 * foreign requests.
 */
export function useServer(options = {}) {
  const state = { opened: [] };
  before(async () => {
    state.browser = await launchChromium();
  });
  after(async () => {
    await state.browser?.close();
  });
  state.open = async (options) => {
    const opened = await openPage(state.browser, state.server.baseURL, options);
    state.opened.push(opened);
    return opened;
  };
  beforeEach(async () => {
    state.opened = [];
    // An open live stream counts as an in-flight request when the server stops; the
    // browser is gone by then, so there is nothing to wait for.
    state.server = await startServer({
      admin,
      ...options,
      env: { AGORA_HTTP__SHUTDOWN_TIMEOUT_SECS: '1', ...options.env },
    });
  });
  afterEach(async () => {
    for (const { context } of state.opened) await context.close();
    await state.server?.stop();
  });
  state.clean = () => state.opened.forEach(({ problems }) => assertClean(problems));
  return state;
}

// The emails the server wrote to its mail folder (no SMTP server is configured in these
// tests), as text: quoted-printable soft breaks and escapes undone.
async function writtenEmails(dataDir) {
  const mailDir = path.join(dataDir, 'mail');
  const files = (await readdir(mailDir).catch(() => [])).filter((f) => f.endsWith('.eml'));
  return Promise.all(
    files.map(async (file) =>
      (await readFile(path.join(mailDir, file), 'utf8'))
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
    ),
  );
}

// Polls the mail folder until `found` returns something for one of its emails.
async function waitForEmail(dataDir, found, what) {
  for (let tries = 0; tries < 100; tries += 1) {
    for (const text of await writtenEmails(dataDir)) {
      const result = found(text);
      if (result) return result;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no email ${what} in ${path.join(dataDir, 'mail')}`);
}

/** The first link to `linkPath` in an email the server wrote, waiting for it to be written. */
export async function emailedLink(dataDir, linkPath) {
  const pattern = new RegExp(`https?://\\S+${linkPath.replace(/[/.?]/g, '\\$&')}\\?token=[\\w.-]+`);
  return waitForEmail(dataDir, (text) => {
    const link = text.match(pattern);
    return link && new URL(link[0]);
  }, `with a ${linkPath} link`);
}

/** The text of the first email to `address` whose subject matches `subject`, waiting for it. */
export async function emailTo(dataDir, address, subject) {
  return waitForEmail(dataDir, (text) => {
    const to = text.match(/^To: (.*)$/m)?.[1] ?? '';
    const title = text.match(/^Subject: (.*)$/m)?.[1] ?? '';
    return to.includes(address) && subject.test(title) && text;
  }, `to ${address} about ${subject}`);
}

export async function signIn(page, { email, password } = admin) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('/');
}

/** Posts to the company feed from the home page's composer (a plain form either way). */
export async function post(page, text) {
  await page.goto('/');
  await page.getByLabel('Share something').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await page.waitForURL('/');
  await page.locator('article.post', { hasText: text }).waitFor();
}

/** Creates an employee account from the admin page (`page` signed in as the admin). */
export async function createUser(page, { name, email, password }) {
  await page.goto('/admin/users');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Initial password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('/admin/users');
}

/** Creates a group from the directory page; resolves to the group page's URL. */
export async function createGroup(page, name, visibility) {
  await page.goto('/groups');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Visibility').selectOption(visibility);
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.waitForURL(/\/groups\/\d+$/);
  return page.url();
}

// A marker on `window` survives only as long as the document does: no reload, no navigation.
export const mark = (page) => page.evaluate(() => (window.agoraTestMarker = 'still here'));
export const assertSameDocument = async (page) =>
  assert.equal(await page.evaluate(() => window.agoraTestMarker), 'still here', 'the page was reloaded');
