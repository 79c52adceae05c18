// Shared by the Node tests: loads search.js as the module it becomes
// outside a browser, and locates the site under test.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const REPO = resolve(import.meta.dirname, '../..');
export const search = createRequire(import.meta.url)(join(REPO, 'themes/default/static/search.js'));

/** The built site the integration tests run against (`POLICYPRESS_SITE`),
 *  or null when it is not set; run.sh always sets it. */
export const SITE = process.env.POLICYPRESS_SITE ? resolve(process.env.POLICYPRESS_SITE) : null;
export const NO_SITE = SITE ? false : 'POLICYPRESS_SITE is not set (tests/js/run.sh sets it)';

/** Debian's Chromium, and the flags that keep it off the network (this
 *  machine's closed network refuses its background connections). */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The first results the acceptance criteria name, by query. */
export const EXPECTED = [
  ['个人账户充值', '医保个人账户怎么充值缴费'],
  ['家人交医保', '自己医保余额可以给家人交医保吗'],
  ['清零', '医保交完不用会清零吗'],
  ['巴中 缴费标准', '巴中2025年医保缴费标准'],
];

/** An engine reading `site` from disk, counting raw and gzip bytes of every
 *  file it fetches. */
export function diskEngine(site) {
  const root = 'http://site.invalid/';
  const counted = { raw: 0, gzip: 0, files: 0 };
  const engine = new search.Engine(root, async (url) => {
    const bytes = await readFile(join(site, decodeURIComponent(new URL(url).pathname)));
    counted.raw += bytes.length;
    counted.gzip += gzipSync(bytes).length;
    counted.files += 1;
    return JSON.parse(bytes.toString('utf8'));
  });
  return { engine, counted };
}
