// search.js in a real browser (Chromium via playwright-core) against a
// built site served from 127.0.0.1: acceptance queries, escaping, shared
// URLs, keyboard navigation; prints bytes fetched and latency per query.
// The tests after those run on the bundled site built with the default
// theme (POLICYPRESS_BUNDLED_SITE, else built here by `cargo run`): the
// header dropdown as an overlay, the results page, synonyms, axe-core.
//
//   POLICYPRESS_SITE=public node --test tests/js/browser.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGS, CHROMIUM, EXPECTED, NO_SITE, REPO, SITE } from './common.mjs';
import { serve } from './server.mjs';


let server, context, profile, bundled, bundledDir;

before(async () => {
  if (NO_SITE) return;
  const { chromium } = await import('playwright-core');
  server = await serve(SITE);
  bundledDir = process.env.POLICYPRESS_BUNDLED_SITE;
  if (!bundledDir) {
    bundledDir = await mkdtemp(join(tmpdir(), 'policypress-bundled-'));
    execFileSync('cargo', ['run', '-q', '--', 'build', '--root', REPO, '--out', join(bundledDir, 'public'), '--quiet'], {
      cwd: REPO,
      stdio: 'ignore',
    });
    bundledDir = join(bundledDir, 'public');
  }
  bundled = await serve(bundledDir);
  profile = await mkdtemp(join(tmpdir(), 'policypress-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await context?.close();
  await server?.close();
  await bundled?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  if (bundledDir && !process.env.POLICYPRESS_BUNDLED_SITE) await rm(join(bundledDir, '..'), { recursive: true, force: true });
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
  assert.equal(await page.locator('#search-results .search-query q').textContent(), query);
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

// ---- On the bundled site, with the default theme.

/** The first article page of the bundled site. */
async function articleUrl(page) {
  await page.goto(bundled.url + 'articles/');
  return page.locator('main a[href*="articles/"]').last().getAttribute('href').then((href) => new URL(href, page.url()).href);
}

/** Opens the search page for `params` and waits for its results. */
async function results(page, params) {
  await page.goto(bundled.url + 'search/?' + new URLSearchParams(params));
  await page.waitForSelector('#search-results[data-query]');
}

const titles = (page) => page.locator('#search-results .search-result-link').allTextContents();

for (const width of [1280, 390]) {
  test(`at ${width} px the header dropdown overlays the page: the h1 moves 0 px, Escape closes it`, { skip: NO_SITE }, async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 800 });
    await page.goto(await articleUrl(page));
    const h1Before = await page.locator('h1').boundingBox();
    await page.fill('#q', '异地就医');
    const dropdown = page.locator('#search-dropdown');
    await dropdown.locator('.search-result-link').first().waitFor();
    assert.deepEqual(await page.locator('h1').boundingBox(), h1Before, 'typing moves nothing');
    const style = await dropdown.evaluate((el) => {
      const s = getComputedStyle(el);
      return { position: s.position, background: s.backgroundColor, overflow: s.overflowY, shadow: s.boxShadow };
    });
    assert.equal(style.position, 'absolute');
    assert.notEqual(style.background, 'rgba(0, 0, 0, 0)', 'the dropdown has a background');
    assert.equal(style.overflow, 'auto');
    assert.notEqual(style.shadow, 'none');
    const box = await dropdown.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= width, 'the dropdown stays on screen');
    await page.keyboard.press('ArrowDown');
    const active = await dropdown.locator('.search-result.active').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(active, 'rgba(0, 0, 0, 0)', 'the arrow-key item is highlighted');
    await page.addScriptTag({ content: await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') });
    const serious = await page.evaluate(async () => {
      const found = await window.axe.run(document, { resultTypes: ['violations'] });
      return found.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    assert.deepEqual(serious, [], 'axe-core with the dropdown open');
    await page.keyboard.press('Escape');
    assert.equal(await dropdown.isHidden(), true, 'Escape closes');
    await page.fill('#q', '异地就医 备案');
    await dropdown.locator('.search-result-link').first().waitFor();
    await page.mouse.click(5, h1Before.y + h1Before.height + 200);
    assert.equal(await dropdown.isHidden(), true, 'a click outside closes');
    await page.close();
  });
}

test('the home page has one search box, with the dropdown', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await page.goto(bundled.url);
  assert.equal(await page.locator('input[type="search"]').count(), 1);
  const h1Before = await page.locator('h1').boundingBox();
  await page.locator('input[type="search"]').fill('家人交医保');
  await page.locator('#search-dropdown .search-result-link').first().waitFor();
  assert.deepEqual(await page.locator('h1').boundingBox(), h1Before);
  await page.close();
});

test('results continue past 20 and the URL keeps the page, through a reload', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '医保' });
  const status = await page.locator('#search-status').textContent();
  const total = Number(status.match(/共 (\d+) 条/)[1]);
  assert.ok(total > 20, status);
  const first = await titles(page);
  assert.equal(first.length, 20);
  await page.locator('.search-pager a[rel="next"]').click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('page') === '2');
  await page.waitForFunction(() => document.querySelector('#search-results ol')?.start === 21);
  const second = await titles(page);
  assert.equal(second.length, Math.min(20, total - 20));
  assert.equal(second.filter((t) => first.includes(t)).length, 0, 'page 2 shows other results');
  await page.reload();
  await page.waitForSelector('#search-results[data-query]');
  assert.deepEqual(await titles(page), second, 'a reload shows the same page');
  assert.equal(await page.locator('#search-status').getAttribute('aria-live'), 'polite');
  assert.equal(await page.locator('#search-results [aria-live], #search-results [role="listbox"], #search-results [role="option"]').count(), 0, 'the list is plain links, outside the live region');
  await page.close();
});

test('results are cards with a 文章/摘录 label, a date and a snippet', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '个人账户' });
  const cards = page.locator('#search-results .search-result');
  assert.ok((await cards.count()) > 1);
  const kinds = await page.locator('#search-results .search-kind').allTextContents();
  assert.ok(kinds.every((k) => k === '文章' || k === '摘录'), kinds.join());
  assert.ok(kinds.includes('文章') && kinds.includes('摘录'));
  const dates = await page.locator('#search-results .search-meta time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
  assert.ok(dates.length > 0 && dates.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)), dates.join());
  const snippets = await page.locator('#search-results .search-summary').evaluateAll((ps) => ps.map((p) => p.querySelector('mark') !== null));
  assert.ok(snippets.filter(Boolean).length >= snippets.length * 0.8, 'snippets show the match');
  await page.close();
});

test('partial matches come after a 部分匹配 divider, only when full matches are few', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '广州医保卡 东莞 电话' });
  const divider = page.locator('#search-results .search-divider');
  assert.equal(await divider.textContent(), '部分匹配');
  const full = await page.locator('#search-results ol.search-results:not(.search-partial) .search-result').count();
  assert.ok(full < 10, `${full} full matches`);
  assert.ok((await page.locator('#search-results ol.search-partial .search-result').count()) > 0);
  await results(page, { q: '医保' });
  assert.equal(await page.locator('#search-results .search-divider').count(), 0, 'many full matches: no partial ones');
  await page.close();
});

test('a highlight never cuts a query term', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '异地就医' });
  const marks = await page.locator('#search-results mark').allTextContents();
  assert.ok(marks.length > 0);
  const allowed = ['异地就医', '异地', '就医', '外地', '外省', '省外', '外地看病', '外地就医'];
  assert.deepEqual(marks.filter((m) => !allowed.includes(m)), [], 'no fragment such as 地就医');
  await page.close();
});

test('synonyms: 医保钱能取出来吗 finds 广州医保卡的钱可以提现吗', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '医保钱能取出来吗' });
  assert.ok((await titles(page)).includes('广州医保卡的钱可以提现吗'), (await titles(page)).join(' | '));
  await results(page, { q: '无业 交医保' });
  assert.ok((await titles(page)).some((t) => t.includes('没有工作')), (await titles(page)).join(' | '));
  await page.close();
});

test('an empty query offers popular searches and topics; a fruitless one suggests a wider one', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await page.goto(bundled.url + 'search/');
  await page.waitForSelector('#search-results .search-popular a');
  const popular = await page.locator('#search-results .search-popular a').allTextContents();
  assert.ok(popular.length >= 3, popular.join());
  await page.locator('#search-results .search-popular a').first().click();
  await page.waitForSelector('#search-results[data-query]');
  assert.equal(await page.inputValue('#q'), popular[0]);
  await results(page, { q: '医保 火星' });
  assert.equal(await page.locator('#search-results .search-empty').count(), 1);
  const hints = await page.locator('#search-results .search-suggest a').allTextContents();
  assert.ok(hints.some((h) => h.includes('去掉“火星”')), hints.join());
  assert.ok(hints.some((h) => h.startsWith('看看话题：')), `the nearest topic: ${hints.join()}`);
  await page.close();
});

test('hostile titles, snippets and chips stay text', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    return d.dismiss();
  });
  await page.goto(server.url + 'search/?q=' + encodeURIComponent('恶意标题测试'));
  await page.waitForSelector('#search-results[data-query]');
  const link = page.locator('#search-results .search-result-link').first();
  assert.equal(await link.textContent(), '<svg onload="confirm(9)">恶意标题测试</a><iframe srcdoc=prompt(7)>');
  assert.equal(await page.locator('#search-results svg, #search-results iframe, #search-results b, #search-results i').count(), 0);
  assert.equal(await page.locator('#search-results .chip-topic').textContent(), '<i>话题</i>');
  assert.equal(dialogs, 0);
  await page.close();
});

test('hostile queries stay text on the real results page', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    return d.dismiss();
  });
  await results(page, { q: '"><img src=x onerror=alert(1)> 医保' });
  assert.equal(await page.locator('#search-results img, #search-results script').count(), 0);
  assert.equal(dialogs, 0);
  await page.close();
});

test('axe-core: no serious or critical violation on the search page with results and facets open', { skip: NO_SITE }, async () => {
  const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  for (const [width, query] of [[1280, '广州 医保卡'], [390, '广州 医保卡'], [1280, '异地就医'], [390, '异地就医']]) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await results(page, { q: query });
    await page.locator('.search-facets details').evaluateAll((groups) => groups.forEach((d) => (d.open = true)));
    if (query === '异地就医') {
      // No place in the query: open a province's cities with its button.
      await page.locator('.search-facets button.facet-expand').first().click();
      await page.waitForSelector('.search-facets button.facet-expand[aria-expanded="true"]');
    }
    assert.ok((await page.locator('.search-facets .facet-sub .facet-link').count()) > 0, 'a province shows its cities');
    await page.addScriptTag({ content: axe });
    const violations = await page.evaluate(async () => {
      const found = await window.axe.run(document, { resultTypes: ['violations'] });
      return found.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations, [], `${query} at ${width} px`);
    await page.close();
  }
});

// ---- Facets, places in the query and near-duplicates, on the bundled site.

/** [label, count] of the facet links of `list` (a locator). */
async function facetCounts(list) {
  return list.locator(':scope > .facet-item > .facet-link').evaluateAll((links) =>
    links.map((a) => [a.firstChild.textContent.trim(), Number(a.querySelector('.facet-count').textContent)])
  );
}

const shownCount = async (page) => Number((await page.locator('#search-status').textContent()).match(/共 (\d+) 条/)[1]);

test('region facet counts the whole result set; choosing a province includes its cities', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '医保卡' });
  const total = await shownCount(page);
  assert.ok(total > 20, 'more results than one page shows');
  const provinces = await facetCounts(page.locator('.search-facets .facet-list').first());
  const guangdong = provinces.find(([name]) => name === '广东省');
  assert.ok(guangdong, provinces.join(' '));
  assert.ok(provinces.every(([, n]) => n <= total));
  await page.locator('.search-facets a.facet-link', { hasText: '广东省' }).first().click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('region') === '广东省');
  await page.waitForFunction((n) => document.getElementById('search-status').textContent.includes(`共 ${n} 条`), guangdong[1]);
  // The province's results include those tagged only with one of its cities.
  const cities = await facetCounts(page.locator('.search-facets .facet-sub'));
  assert.ok(cities.length > 0 && cities.some(([name]) => name === '广州市'), cities.join(' '));
  const chips = await page.locator('#search-results .chip-region').allTextContents();
  assert.ok(chips.includes('广州市'), chips.join());
  await page.locator('.search-facets .facet-sub a.facet-link', { hasText: '广州市' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('region') === '广东省/广州市');
  const guangzhou = cities.find(([name]) => name === '广州市')[1];
  await page.waitForFunction((n) => document.getElementById('search-status').textContent.includes(`共 ${n} 条`), guangzhou);
  assert.ok(guangzhou < guangdong[1]);
  await page.close();
});

test('a place in the query ranks that place first and pre-selects it; the reader can clear it by keyboard', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '广州 医保卡' });
  const clear = page.locator('.search-facets .facet-clear');
  assert.match(await clear.textContent(), /广州市/);
  assert.equal(new URL(page.url()).searchParams.get('region'), null, 'pre-selected, not written into the URL');
  const within = await shownCount(page);
  await clear.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('region') === '');
  await page.waitForFunction(() => !document.querySelector('.search-facets .facet-clear'));
  assert.ok((await shownCount(page)) >= within);
  // Cleared: every result, 广州 first, then 广东省 alone, then nowhere, then elsewhere.
  const places = await page.locator('#search-results ol:not(.search-partial) .search-result').evaluateAll((cards) =>
    cards.map((c) => Array.from(c.querySelectorAll('.chip-region')).map((chip) => chip.textContent))
  );
  const rank = (chips) => (chips.includes('广州市') ? 0 : chips.includes('广东省') ? 1 : chips.length === 0 ? 2 : 3);
  const ranks = places.map(rank);
  assert.ok(ranks[0] === 0, JSON.stringify(places.slice(0, 5)));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), JSON.stringify(places));
  await page.close();
});

test('facet state lives in the URL: it survives a reload, and Back restores the page before', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '医保' });
  const before = await titles(page);
  const topics = await facetCounts(page.locator('.search-facets .facet-list').last());
  const [topic, count] = topics[topics.length - 1];
  await page.locator('.search-facets .facet-list').last().locator('a.facet-link', { hasText: topic }).click();
  await page.waitForFunction((t) => new URL(location.href).searchParams.get('topic') === t, topic);
  await page.waitForFunction((n) => document.getElementById('search-status').textContent.includes(`共 ${n} 条`), count);
  const chosen = await titles(page);
  await page.reload();
  await page.waitForSelector('#search-results[data-query]');
  assert.deepEqual(await titles(page), chosen, 'a reload shows the same results');
  assert.equal(await page.locator('.search-facets a[aria-current="true"]').first().textContent().then((t) => t.startsWith(topic)), true);
  assert.match(await page.locator('.search-facets .facet-clear').textContent(), new RegExp(topic));
  await page.goBack();
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('topic'));
  await page.waitForFunction((n) => document.querySelectorAll('#search-results .search-result-link').length === n, before.length);
  assert.deepEqual(await titles(page), before);
  await page.close();
});

test('near-duplicates show as one entry with “N 篇相似”, which expands', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  await results(page, { q: '没有工作 医保' });
  const all = await titles(page);
  const twins = all.filter((t) => t === '没有工作怎么缴纳医保' || t === '没有工作怎么交医保');
  assert.equal(twins.length, 1, all.join(' | '));
  const entry = page.locator('#search-results .search-result', { hasText: twins[0] });
  const summary = entry.locator('.search-similar summary');
  assert.equal(await summary.textContent(), '1 篇相似');
  await summary.focus();
  await page.keyboard.press('Enter');
  const other = twins[0] === '没有工作怎么缴纳医保' ? '没有工作怎么交医保' : '没有工作怎么缴纳医保';
  assert.equal(await entry.locator('.search-similar-list a').textContent(), other);
  assert.ok(await entry.locator('.search-similar-list a').isVisible());
  await page.close();
});

test('hostile place and topic names in facets stay text', { skip: NO_SITE }, async () => {
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    return d.dismiss();
  });
  await page.goto(server.url + 'search/?q=' + encodeURIComponent('恶意标题测试') + '&topic=' + encodeURIComponent('<i>话题</i>'));
  await page.waitForSelector('#search-results[data-query]');
  assert.match(await page.locator('.search-facets .facet-clear').textContent(), /<i>话题<\/i>/);
  assert.equal(await page.locator('.search-facets i, .search-facets script, .search-facets img').count(), 0);
  assert.equal(dialogs, 0);
  await page.close();
});
