// The reader's site in Chromium at a desktop and a phone width: axe-core
// finds no serious or critical accessibility violation on each kind of
// page, nothing scrolls sideways on a phone, and the page furniture of
// issue 12 (table of contents, regions filter, region marker) works.
//
//   POLICYPRESS_SITE=public node --test tests/js/site.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGS, CHROMIUM, NO_SITE, SITE } from './common.mjs';
import { serve } from './server.mjs';

const WIDTHS = [1280, 390];
// run.sh's default site holds only what the search tests need; these tests
// need a whole build, as `.ci/run` gives them (POLICYPRESS_SITE=public).
const SKIP =
  NO_SITE || (existsSync(join(SITE, 'style.css')) && existsSync(join(SITE, 'regions/index.html')) ? false : 'POLICYPRESS_SITE is not a full site build');

let server, context, profile, axeSource, pages;

/** The first page of each kind the site has, found on disk so the test
 *  runs against any built site. */
async function pagesOf(site) {
  const first = async (dir) => {
    const names = (await readdir(join(site, dir)).catch(() => [])).filter((n) => n !== 'page').sort();
    for (const name of names) {
      if ((await stat(join(site, dir, name, 'index.html')).catch(() => null))?.isFile()) return `${dir}/${name}/`;
    }
    return null;
  };
  // An article with a table of contents when there is one, for the TOC test.
  let article = null;
  for (const name of (await readdir(join(site, 'articles'))).filter((n) => n !== 'page' && !n.endsWith('.html')).sort()) {
    const html = await readFile(join(site, 'articles', name, 'index.html'), 'utf8').catch(() => '');
    const hasToc = /id="?toc"?[ >]/.test(html);
    if (!article || hasToc) article = `articles/${name}/`;
    if (hasToc) break;
  }
  return {
    home: '',
    article,
    excerpt: await first('recommendations'),
    regions: 'regions/',
    region: await first('regions'),
    topic: await first('topics'),
    articles: 'articles/',
    notFound: '404.html',
  };
}

before(async () => {
  if (SKIP) return;
  const require = createRequire(import.meta.url);
  axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const { chromium } = await import('playwright-core');
  pages = await pagesOf(SITE);
  server = await serve(SITE);
  profile = await mkdtemp(join(tmpdir(), 'policypress-site-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function open(path, width) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const response = await page.goto(server.url + path);
  assert.ok(response.ok(), `${path}: HTTP ${response.status()}`);
  return page;
}

for (const width of WIDTHS) {
  test(`axe-core: no serious or critical violations at ${width} px`, { skip: SKIP }, async () => {
    const problems = [];
    for (const [kind, path] of Object.entries(pages)) {
      assert.ok(path !== null, `the site has no ${kind} page`);
      const page = await open(path, width);
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
      for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        problems.push(`${kind} /${path}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
      await page.close();
    }
    assert.deepEqual(problems, []);
  });
}

test('nothing scrolls sideways on a 390 px phone', { skip: SKIP }, async () => {
  const wide = [];
  for (const [kind, path] of Object.entries(pages)) {
    const page = await open(path, 390);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    if (scroll > client) wide.push(`${kind} /${path}: ${scroll} px wide in a ${client} px viewport`);
    await page.close();
  }
  assert.deepEqual(wide, []);
});

test('main content is padded away from the header and the footer', { skip: SKIP }, async () => {
  const page = await open(pages.article, 1280);
  const padding = await page.evaluate(() => {
    const style = getComputedStyle(document.querySelector('main'));
    return [parseFloat(style.paddingTop), parseFloat(style.paddingBottom)];
  });
  assert.ok(padding[0] >= 16 && padding[1] >= 16, `main padding ${padding}`);
  await page.close();
});

test('the table of contents is open on a desktop, folded on a phone, and has a focus ring', { skip: SKIP }, async (t) => {
  const desktop = await open(pages.article, 1280);
  if ((await desktop.locator('#toc').count()) === 0) {
    await desktop.close();
    return t.skip('no article with three or more headings');
  }
  assert.equal(await desktop.locator('.toc-wide').isVisible(), true);
  assert.equal(await desktop.locator('#toc').isVisible(), false);
  await desktop.close();
  const phone = await open(pages.article, 390);
  assert.equal(await phone.locator('.toc-wide').isVisible(), false);
  assert.equal(await phone.locator('#toc').evaluate((d) => d.open), false);
  await phone.keyboard.press('Tab');
  for (let i = 0; i < 60 && !(await phone.locator('#toc summary').evaluate((s) => s === document.activeElement)); i++) {
    await phone.keyboard.press('Tab');
  }
  const outline = await phone.locator('#toc summary').evaluate((s) => getComputedStyle(s).outlineStyle);
  assert.notEqual(outline, 'none', 'keyboard focus on the summary shows a ring');
  await phone.keyboard.press('Enter');
  assert.equal(await phone.locator('#toc').evaluate((d) => d.open), true);
  await phone.close();
});

test('the region marker is an inline image screen readers skip, not emoji text', { skip: SKIP }, async () => {
  const page = await open(pages.excerpt, 1280);
  const pins = await page.locator('.pin').evaluateAll((els) => els.map((e) => [e.tagName, e.getAttribute('aria-hidden')]));
  assert.ok(pins.length > 0);
  for (const [tag, hidden] of pins) assert.deepEqual([tag.toLowerCase(), hidden], ['svg', 'true']);
  const content = await page.evaluate(() =>
    Array.from(document.querySelectorAll('*')).map((e) => getComputedStyle(e, '::before').content).filter((c) => c.includes('📍')),
  );
  assert.deepEqual(content, []);
  await page.close();
});

test('the regions index filters provinces and cities as the reader types', { skip: SKIP }, async () => {
  const page = await open(pages.regions, 1280);
  const provinces = page.locator('.region-province');
  const total = await provinces.count();
  assert.ok(total > 0);
  const firstCity = await page.locator('.region-children > li > a').first().textContent().catch(() => null);
  const query = firstCity ?? (await page.locator('.region-name a').first().textContent());
  await page.fill('#region-filter', query);
  const visible = await provinces.evaluateAll((els) => els.filter((e) => !e.hidden).length);
  assert.ok(visible >= 1 && visible < total || total === 1, `${visible} of ${total} provinces shown for ${query}`);
  if (firstCity) {
    const opened = await page.locator('.region-province:not([hidden]) details[open]').count();
    assert.ok(opened >= 1, 'the province holding the city is unfolded');
  }
  await page.fill('#region-filter', '');
  assert.equal(await provinces.evaluateAll((els) => els.filter((e) => !e.hidden).length), total);
  await page.close();
});
