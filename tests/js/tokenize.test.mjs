// search.js must tokenize exactly as src/search/tokenize.rs: both are
// checked against tests/search_vectors.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, search } from './common.mjs';

const vectors = JSON.parse(await readFile(join(REPO, 'tests/search_vectors.json'), 'utf8'));

test('the vector file covers at least 30 strings', () => {
  assert.ok(vectors.length >= 30);
});

for (const v of vectors) {
  test(`tokenize ${JSON.stringify(v.input)}`, () => {
    assert.deepEqual(search.tokenize(v.input), v.tokens);
    assert.deepEqual(search.queryTerms(v.input), v.query);
  });
}

test('highlighting folds width and case like the tokenizer', () => {
  const marked = search.highlight('通过ＡＰＰ查询清零规则', 'app 清零').filter((s) => s[1]).map((s) => s[0]);
  assert.deepEqual(marked, ['ＡＰＰ', '清零']);
});

test('highlighting keeps markup-like text as plain segments', () => {
  const text = search.highlight('<script>alert(1)</script>', '<script>').map((s) => s[0]).join('');
  assert.equal(text, '<script>alert(1)</script>');
});

test('term hashes match shards.rs, which picks the chunk a term lives in', () => {
  assert.equal(search.fnv1a('医保'), 875918835);
  assert.equal(search.fnv1a('app'), 527074092);
  assert.equal(search.fnv1a('𠀀'), 1207520421);
  assert.equal(search.fnv1a(''), 2166136261);
});
