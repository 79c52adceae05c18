// The query budget on a large site, in a real browser: a query typed on a
// cold page (nothing cached) downloads at most 100 KB of search data —
// search.js, the manifest, term chunks and result fragments — counted raw,
// as stored, without the gzip a host would add.
//
//   POLICYPRESS_LARGE_SITE=<site>/public node --test tests/js/scale.test.mjs
//
// scripts/bench.sh runs it on the 10k-page site it builds; without the
// variable it is skipped, since cargo test builds no site that large.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { serve } from './server.mjs';

const SITE = process.env.POLICYPRESS_LARGE_SITE ? resolve(process.env.POLICYPRESS_LARGE_SITE) : null;
const SKIP = SITE ? false : 'POLICYPRESS_LARGE_SITE is not set';
const BUDGET = 100 * 1024;
// Every query on the search page loads the facets (f/index.json, and a
// province's cities for a place in the query).
const QUERIES = ['异地就医备案', '个人账户充值', '家人交医保', '生育保险怎么报销', '缴费标准', '医', '深圳 2025', '广州 医保缴费'];
// Several common terms under chosen facets, opened cold from a shared link:
// a topic (spread over every province) and a province with a topic.
const LINKS = [
  ['医保报销比例', { topic: '待遇报销' }],
  ['职工医保缴费标准', { region: '广东省', topic: '参保缴费' }],
];

let server, browser;

before(async () => {
  if (SKIP) return;
  const { chromium } = await import('playwright-core');
  server = await serve(SITE, 0, { gzip: false });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const isSearchData = (url) => /\/search\.js$|\/search\/[^?]*\.json$/.test(new URL(url, 'http://x').pathname);

test('a cold query on a large site downloads at most 100 KB', { skip: SKIP }, async () => {
  const report = [];
  for (const query of QUERIES) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const before = server.stats.log.length;
    await page.goto(server.url + 'search/');
    await page.fill('#q', query);
    await page.waitForFunction((q) => document.getElementById('search-results')?.getAttribute('data-query') === q, query);
    const results = await page.locator('#search-results .search-result-link').count();
    assert.ok((await page.locator('#search-results .search-facets .facet-link').count()) > 0, `${query} shows facets`);
    const fetched = server.stats.log.slice(before).filter(([url]) => isSearchData(url));
    const bytes = fetched.reduce((sum, [, length]) => sum + length, 0);
    report.push(`${query} | ${fetched.length} files | ${(bytes / 1024).toFixed(1)} KB | ${results} results shown`);
    assert.ok(results > 0, `${query} finds something`);
    assert.ok(bytes <= BUDGET, `${query} fetched ${bytes} B, over the ${BUDGET} B budget`);
    await context.close();
  }
  for (const [query, facets] of LINKS) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const before = server.stats.log.length;
    const params = new URLSearchParams({ q: query, ...facets });
    await page.goto(server.url + 'search/?' + params);
    await page.waitForFunction((q) => document.getElementById('search-results')?.getAttribute('data-query') === q, query);
    const results = await page.locator('#search-results .search-result-link').count();
    const chosen = await page.locator('#search-results .facet-chosen').innerText();
    for (const name of Object.values(facets)) assert.ok(chosen.includes(name), `${query} shows ${name} chosen: ${chosen}`);
    const fetched = server.stats.log.slice(before).filter(([url]) => isSearchData(url));
    const bytes = fetched.reduce((sum, [, length]) => sum + length, 0);
    const label = `${query} ${Object.values(facets).join('+')}`;
    report.push(`${label} | ${fetched.length} files | ${(bytes / 1024).toFixed(1)} KB | ${results} results shown`);
    assert.ok(results > 0, `${label} finds something`);
    assert.ok(bytes <= BUDGET, `${label} fetched ${bytes} B, over the ${BUDGET} B budget`);
    await context.close();
  }
  process.stderr.write(report.map((line) => `[scale] ${line}\n`).join(''));
});
