// Relevance of search.js over the bundled content: the reader questions of
// tests/search_relevance.json, each with the titles judged relevant.
// Reports MRR@10 (reciprocal rank of the first relevant result) and
// recall@10 (share of relevant titles in the top 10), and guards them
// against regressions. Needs the bundled site built with the default theme
// (POLICYPRESS_BUNDLED_SITE, else built here by `cargo run`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, diskEngine } from './common.mjs';

// Just under the figures in README's Search section: a ranking change that
// loses answers fails here.
const RELEVANCE_FLOOR = { mrr: 0.8, recall: 0.8 };

test('reader questions find their answers: MRR@10 and recall@10', async () => {
  const set = JSON.parse(await readFile(join(REPO, 'tests/search_relevance.json'), 'utf8'));
  assert.ok(set.queries.length >= 30);
  let site = process.env.POLICYPRESS_BUNDLED_SITE;
  const temp = site ? null : mkdtempSync(join(tmpdir(), 'policypress-relevance-'));
  try {
    if (!site) {
      site = join(temp, 'public');
      execFileSync('cargo', ['run', '-q', '--', 'build', '--root', REPO, '--out', site, '--quiet'], { cwd: REPO, stdio: 'ignore' });
    }
    const { engine } = diskEngine(site);
    let reciprocal = 0;
    let recall = 0;
    const misses = [];
    for (const { q, relevant } of set.queries) {
      const found = await engine.search(q, 10, 0);
      const titles = found.results.map((r) => r.title);
      const rank = titles.findIndex((t) => relevant.includes(t));
      reciprocal += rank < 0 ? 0 : 1 / (rank + 1);
      recall += relevant.filter((t) => titles.includes(t)).length / relevant.length;
      if (rank !== 0) misses.push(`${q} → ${rank < 0 ? 'none in top 10' : 'first relevant at ' + (rank + 1)}`);
    }
    const mrr = reciprocal / set.queries.length;
    const recallAt10 = recall / set.queries.length;
    process.stderr.write(`[relevance] ${set.queries.length} queries: MRR@10 ${mrr.toFixed(3)}, recall@10 ${recallAt10.toFixed(3)}\n`);
    for (const m of misses) process.stderr.write(`[relevance]   ${m}\n`);
    assert.ok(mrr >= RELEVANCE_FLOOR.mrr, `MRR@10 ${mrr}`);
    assert.ok(recallAt10 >= RELEVANCE_FLOOR.recall, `recall@10 ${recallAt10}`);
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
});
