// The search engine of search.js over a built site's shards, without a
// browser, and the stock elasticlunr.js loading search_index.zh.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EXPECTED, NO_SITE, REPO, SITE, diskEngine, search } from './common.mjs';

test('counts are exact on a 3,000-document site: every document with every term is found', async () => {
  // tests/search_site.rs `exact_site` writes the index and the true counts,
  // taken with the Rust tokenizer over the documents themselves.
  const dir = mkdtempSync(join(tmpdir(), 'policypress-exact-'));
  try {
    execFileSync('cargo', ['test', '-q', '--test', 'integration', 'search_site::exact_site'], {
      cwd: REPO,
      env: { ...process.env, POLICYPRESS_WRITE_SITE: dir },
      stdio: 'ignore',
    });
    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8'));
    const { engine } = diskEngine(dir);
    for (const [query, count] of Object.entries(truth)) {
      const found = await engine.search(query, 20, 0);
      assert.equal(found.total, count, `${query}: shown count against documents containing it`);
      const all = await engine.search(query, 100000, 0);
      assert.equal(all.results.filter((r) => r.matchedAll).length, count, `${query}: every full match is listed`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a query on a site twice as large fetches no more, and finds every match across membership blocks', async () => {
  // tests/search_site.rs writes a 1,125- and a 2,250-document site (two
  // and three membership blocks of 1,024 documents) with the true counts
  // beside each.
  const dir = mkdtempSync(join(tmpdir(), 'policypress-scale-'));
  try {
    execFileSync(
      'cargo',
      ['test', '-q', '--test', 'integration', 'search_site::doubling_the_site_leaves_every_file_a_query_reads_as_large_as_it_was'],
      { cwd: REPO, env: { ...process.env, POLICYPRESS_WRITE_SITE: dir }, stdio: 'ignore' }
    );
    const fetched = {};
    for (const name of ['small', 'large']) {
      const site = join(dir, name);
      const truth = JSON.parse(await readFile(join(site, 'truth.json'), 'utf8'));
      fetched[name] = 0;
      for (const query of ['医保 报销', '个人账户', '异地就医']) {
        // A budget of one block, as a site too large for every block has.
        const { engine, counted } = diskEngine(site);
        const found = await engine.search(query, 20, 0, {}, 1);
        fetched[name] += counted.raw;
        assert.equal(found.results.length, 20, `${name} ${query}: a full first page`);
        if (name === 'large') {
          assert.ok(found.approximate, `${query}: the blocks not read are estimated`);
          const error = Math.abs(found.total - truth[query]) / truth[query];
          assert.ok(error < 0.2, `${query}: estimate ${found.total} against ${truth[query]} documents`);
        }
        // With the default budget every block of these sites is read.
        const all = await diskEngine(site).engine.search(query, 100000, 0);
        assert.ok(!all.approximate);
        assert.equal(all.total, truth[query], `${name} ${query}: exact count`);
        const listed = all.results.filter((r) => r.matchedAll).reduce((n, r) => n + 1 + r.similar.length, 0);
        assert.equal(listed, truth[query], `${name} ${query}: every match is listed, or listed as similar to one`);
      }
    }
    assert.ok(fetched.large <= fetched.small * 1.1, `bytes fetched: ${fetched.small} at 1,125 documents, ${fetched.large} at 2,250`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [query, title] of EXPECTED) {
  test(`“${query}” finds “${title}” first`, { skip: NO_SITE }, async () => {
    const { engine } = diskEngine(SITE);
    const found = await engine.search(query, 10);
    assert.equal(found.results[0]?.title, title, JSON.stringify(found.results.map((r) => r.title)));
    assert.ok(found.results[0].matchedAll);
  });
}

test('documents matching every term rank before partial matches', { skip: NO_SITE }, async () => {
  const { engine } = diskEngine(SITE);
  const found = await engine.search('巴中 缴费标准', 50);
  const flags = found.results.map((r) => r.matchedAll);
  assert.deepEqual(flags, [...flags].sort((a, b) => b - a));
});

test('a query of punctuation only, or of unknown words, finds nothing', { skip: NO_SITE }, async () => {
  const { engine } = diskEngine(SITE);
  assert.equal((await engine.search('？！…', 10)).total, 0);
  assert.equal((await engine.search('<script>alert(1)</script>', 10)).total, 0);
  assert.equal((await engine.search('constructor __proto__', 10)).total, 0);
});

test('stock elasticlunr.js loads search_index.zh.json, finds a pre-tokenized query and maps the hit to its URL', { skip: NO_SITE }, async () => {
  const text = await readFile(join(SITE, 'search_index.zh.json'), 'utf8');
  const elasticlunr = createRequire(import.meta.url)('elasticlunr');
  const json = JSON.parse(text);
  assert.deepEqual(json.pipeline, []);
  const index = elasticlunr.Index.load(json);
  const query = search.tokenize('个人账户充值').join(' ');
  const hits = index.search(query, json.searchOptions);
  assert.ok(hits.length > 0);
  assert.ok(hits[0].ref.length <= 4, `refs are short ids, not URLs: ${hits[0].ref}`);
  const top = index.documentStore.getDoc(hits[0].ref);
  assert.match(top.url, /^(articles|recommendations)\/[^/]+\/$/, 'the store maps a ref to the page URL');
  assert.equal(top.body, undefined, 'bodies stay out of the document store');
  const page = await readFile(join(SITE, top.url, 'index.html'), 'utf8');
  assert.ok(page.includes(top.title), `${top.url} is the page titled ${top.title}`);
  // Where bodies would make the file too large it covers titles, answers,
  // regions and topics only, so another page may win; the query's words are
  // in the title.
  if (json.bodies) assert.equal(top.title, '医保个人账户怎么充值缴费');
  else assert.ok(['个人', '账户', '充值'].some((w) => top.title.includes(w)), top.title);
});

test('places in a query are read as src/classify/regions.rs reads them (tests/search_vectors.json)', { skip: NO_SITE }, async () => {
  const vectors = JSON.parse(await readFile(join(REPO, 'tests/search_vectors.json'), 'utf8'));
  const { engine } = diskEngine(SITE);
  const named = vectors.filter((v) => v.places.length > 0);
  assert.ok(named.length >= 8, 'the vectors name places');
  for (const v of vectors) {
    const found = await engine.rank(v.input);
    assert.deepEqual(found.places, v.places, `places named in ${JSON.stringify(v.input)}`);
  }
});
