// search.js must tokenize exactly as src/search/tokenize.rs: both are
// checked against tests/search_vectors.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, search } from './common.mjs';

const vectors = JSON.parse(await readFile(join(REPO, 'tests/search_vectors.json'), 'utf8'));
// content/synonyms.yaml, one `- a = b = c` group a line (its format is
// checked by `policypress check`; this reads it as search.js is given it).
const groups = (await readFile(join(REPO, 'content/synonyms.yaml'), 'utf8'))
  .split('\n')
  .map((line) => line.split('#')[0].trim())
  .filter((line) => line.startsWith('-'))
  .map((line) => line.slice(1).split('=').map((w) => w.trim()));
const table = search.synonymTable(groups);

test('the vector file covers at least 30 strings', () => {
  assert.ok(vectors.length >= 30);
});

for (const v of vectors) {
  test(`tokenize ${JSON.stringify(v.input)}`, () => {
    assert.deepEqual(search.tokenize(v.input), v.tokens);
    assert.deepEqual(search.queryTerms(v.input), v.query);
    assert.deepEqual(search.queryWords(v.input, table), v.words);
  });
}

test('highlighting folds width and case like the tokenizer', () => {
  const marked = search.highlight('通过ＡＰＰ查询清零规则', 'app 清零').filter((s) => s[1]).map((s) => s[0]);
  assert.deepEqual(marked, ['ＡＰＰ', '清零']);
});

test('a highlight never cuts a query word: 异地就医 marks 就医, never 地就医, in 本地就医', () => {
  const marked = search.highlight('本地就医不同于异地就医', '异地就医').filter((s) => s[1]).map((s) => s[0]);
  assert.deepEqual(marked, ['就医', '异地就医']);
  const words = search.queryWords('外地就医', table);
  const withSynonyms = search.highlight('异地就医要备案', words).filter((s) => s[1]).map((s) => s[0]);
  assert.deepEqual(withSynonyms, ['异地就医'], 'the site word the reader did not type is marked whole');
});

test('a snippet is the passage around the match, cut with …', () => {
  const text = '开头的话'.repeat(30) + '异地就医需要先备案' + '结尾'.repeat(40);
  const cut = search.snippet(text, search.queryWords('异地就医备案', table));
  assert.ok(cut.startsWith('…') && cut.endsWith('…'), cut);
  assert.ok(cut.includes('异地就医需要先备案'), cut);
  assert.ok(Array.from(cut).length <= 82);
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
