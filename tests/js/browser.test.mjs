// search.js in a real browser (Chromium via playwright-core) against a
// built site served from 127.0.0.1: acceptance queries, escaping, shared
// URLs, keyboard navigation; prints bytes fetched and latency per query.
//
//   POLICYPRESS_SITE=public node --test tests/js/browser.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPECTED, NO_SITE, SITE } from './common.mjs';
import { serve } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server, context, profile;

before(async () => {
  if (NO_SITE) return;
  const { chromium } = await import('playwright-core');
  server = await serve(SITE);
  profile = await mkdtemp(join(tmpdir(), 'policypress-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** Types `query` into the search box of `page` and waits for its results;
 *  returns the bytes the server sent meanwhile and the times taken. */
async function ask(page, query) {
  const sentBefore = server.stats.bytes;
  const started = Date.now();
  await page.fill('#q', query);
  const box = page.locator('#search-results');
  await page.waitForFunction((q) => document.getElementById('search-results')?.getAttribute('data-query') === q, query);
  return {
    bytes: server.stats.bytes - sentBefore,
    wallMs: Date.now() - started,
    engineMs: Number(await box.getAttribute('data-ms')),
  };
}

const firstTitle = (page) => page.locator('#search-results .search-result-link').first().textContent();

test('acceptance queries find their page first; cost per query', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  const loadBefore = server.stats.bytes;
  await page.goto(server.url + 'search/');
  const pageBytes = server.stats.bytes - loadBefore;
  const rows = [];
  for (const [query, title] of EXPECTED) {
    const cost = await ask(page, query);
    assert.equal(await firstTitle(page), title, `first result for ${query}`);
    rows.push({ query, ...cost });
  }
  // Typing one more character: the per-keystroke cost once chunks are cached.
  for (const query of ['巴中 缴费标', '巴中 缴费标准']) rows.push({ query, ...(await ask(page, query)) });
  const report = [`search page + search.js: ${pageBytes} B sent (gzip)`];
  report.push('query | bytes sent (gzip) | engine ms | wall ms (incl. 120 ms debounce)');
  for (const r of rows) report.push(`${r.query} | ${r.bytes} | ${r.engineMs} | ${r.wallMs}`);
  report.push(`first query, index load included: ${rows[0].engineMs} ms`);
  process.stderr.write(report.map((l) => `[search] ${l}\n`).join(''));
  await page.close();
});

test('a query that looks like markup is shown as text', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    return d.dismiss();
  });
  await page.goto(server.url + 'search/');
  const query = '<script>alert(1)</script><img src=x onerror=alert(2)>';
  await ask(page, query);
  assert.equal(await page.locator('#search-results script, #search-results img').count(), 0);
  assert.equal(await page.locator('#search-results .search-status q').textContent(), query);
  assert.equal(await page.locator('#search-results .search-empty').textContent(), '没有找到相关内容');
  assert.equal(dialogs, 0);
  await page.close();
});

test('the results URL can be shared and keyboard opens a result', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await page.goto(server.url + 'search/');
  await ask(page, '清零');
  assert.equal(new URL(page.url()).searchParams.get('q'), '清零');

  const shared = await context.newPage();
  await shared.goto(server.url + 'search/?q=' + encodeURIComponent('家人交医保'));
  await shared.waitForSelector('#search-results[data-query]');
  assert.equal(await shared.inputValue('#q'), '家人交医保');
  assert.equal(await firstTitle(shared), '自己医保余额可以给家人交医保吗');

  const second = await shared.locator('#search-results .search-result-link').nth(1).getAttribute('href');
  await shared.focus('#q');
  await shared.keyboard.press('ArrowDown');
  await shared.keyboard.press('ArrowDown');
  await shared.keyboard.press('Enter');
  await shared.waitForURL(second);
  await shared.close();
  await page.close();
});

test('Enter in the header box of another page opens the search page', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await page.goto(server.url);
  await page.fill('#q', '巴中 缴费标准');
  await page.waitForSelector('#search-dropdown .search-result-link');
  await page.press('#q', 'Enter');
  await page.waitForURL(/\/search\/\?q=/);
  await page.waitForSelector('#search-results[data-query]');
  assert.equal(await firstTitle(page), '巴中2025年医保缴费标准');
  await page.close();
});
