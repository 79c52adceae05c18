// Regenerates docs/screenshots/ from a built site in headless Chromium:
// home, article and excerpt at 1280 px, the article on a 390 px phone, and
// the search page (with a place in the query: facets) at both widths.
//
//   cargo run --release -- build --out /tmp/site/public
//   node scripts/screenshots.mjs /tmp/site/public
//
// Needs `tests/js/run.sh` to have installed playwright-core (or `npm ci` in
// tests/js), Debian's chromium and fonts-noto-cjk.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '../tests/js/server.mjs';

const REPO = resolve(import.meta.dirname, '..');
const require = createRequire(join(REPO, 'tests/js/package.json'));
const { chromium } = require('playwright-core');

const site = process.argv[2];
if (!site) {
  console.error('usage: node scripts/screenshots.mjs <built site directory>');
  process.exit(2);
}
const ARTICLE = 'articles/zi-ji-yi-bao-yu-e-ke-yi-gei-jia-ren-jiao-yi-bao-ma/';
const EXCERPT = 'recommendations/guang-zhou-yi-bao-ka-zai-dong-guan-neng-yong-ma/';
const SEARCH = 'search/?q=' + encodeURIComponent('异地就医');
// A place in the query: its region facet pre-selected, the cities open.
const PLACE = 'search/?q=' + encodeURIComponent('广州 医保卡');
const SHOTS = [
  { file: 'home.png', path: '', width: 1280, height: 900 },
  { file: 'article.png', path: ARTICLE, width: 1280, height: 900 },
  { file: 'excerpt.png', path: EXCERPT, width: 1280, height: 900 },
  { file: 'phone.png', path: ARTICLE, width: 390, height: 844, mobile: true },
  { file: 'search.png', path: SEARCH, width: 1280, height: 1100, results: true },
  { file: 'search-phone.png', path: SEARCH, width: 390, height: 1400, mobile: true, results: true },
  { file: 'search-place.png', path: PLACE, width: 1280, height: 1100, results: true },
  { file: 'search-place-phone.png', path: PLACE, width: 390, height: 1400, mobile: true, results: true },
];

const server = await serve(site);
const profile = await mkdtemp(join(tmpdir(), 'policypress-shots-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  colorScheme: 'light',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const shot of SHOTS) {
    const page = await context.newPage();
    await page.setViewportSize({ width: shot.width, height: shot.height });
    const response = await page.goto(server.url + shot.path);
    if (!response.ok()) throw new Error(`${shot.path}: HTTP ${response.status()}`);
    if (shot.results) await page.waitForSelector('#search-results[data-query]');
    await page.screenshot({ path: join(REPO, 'docs/screenshots', shot.file) });
    console.log(`docs/screenshots/${shot.file}  ${shot.width}×${shot.height}  /${shot.path}`);
    await page.close();
  }
} finally {
  await context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
