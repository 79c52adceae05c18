// Bytes one query downloads from a built site, cold (nothing cached) and
// with search.js included, read from disk through search.js's own engine.
//
//   node tests/js/measure.mjs <site-dir> [query ...]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { diskEngine } from './common.mjs';

const site = process.argv[2] || process.env.POLICYPRESS_SITE || 'public';
const queries = process.argv.slice(3);
if (queries.length === 0) queries.push('个人账户充值', '家人交医保', '清零', '巴中 缴费标准', '异地就医备案', '医', 'app');

// The site's own copy: the build minifies it.
const script = await readFile(join(site, 'search.js'));
const scriptGzip = gzipSync(script).length;
console.log(`search.js: ${script.length} B raw, ${scriptGzip} B gzip`);
console.log('query\tfiles\traw KB\tgzip KB\t(incl. search.js)\tresults\tms');
for (const query of queries) {
  const { engine, counted } = diskEngine(site);
  const started = performance.now();
  const found = await engine.search(query, 10);
  const ms = performance.now() - started;
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(
    `${query}\t${counted.files}\t${kb(counted.raw + script.length)}\t${kb(counted.gzip + scriptGzip)}\t\t${found.total}\t${ms.toFixed(0)}`
  );
}
