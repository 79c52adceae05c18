/*
 * policypress search client: plain JS, no third-party code.
 *
 * DOM contract with the theme templates ({root} is the relative path from the
 * page to the site root, e.g. `../../`, or `./` on the home page):
 *
 *   html[lang="zh-CN"][data-root="{root}"]
 *   form[role="search"][action="{root}search/"]      (the header, or the home page's own)
 *     > input[type="search"][name="q"]               (#q in the header)
 *   p#search-status[role="status"]                   (search/ page only: the count)
 *   div#search-results                               (search/ page only)
 *   script[src="{root}search.js"][defer]             (every page)
 *
 * (Written as selectors: a closing tag in this file would keep the build
 * from minifying it.)
 *
 * The site root is taken from `data-root` on this <script> tag, else on
 * <html>, else the directory this file was loaded from; every URL (index
 * files, result links) is resolved against it, so the site works under any
 * base path.
 *
 * On the search page the box drives the results: it is filled from `?q=`,
 * `?region=`, `?topic=` and `?page=`, searches as you type (debounced) and
 * keeps the URL current (history.replaceState while typing, pushState when
 * paging or choosing a facet) so a result list can be shared and Back
 * works. Beside the results, aside.search-facets counts the whole result
 * set by province (a button lists a province's cities) and by topic; a
 * place named in the query is chosen until the reader clears it
 * (a.facet-clear; `region=` empty in the URL), and ranks first either way.
 * Near-duplicates are one result with details.search-similar
 * ("N 篇相似"). Only the count goes to the polite
 * live region; the results are a plain ordered list of links, 20 a page,
 * full matches first and, when there are fewer than ten of them, partial
 * matches under a 部分匹配 heading. An empty query lists the popular
 * searches and topics of the manifest; a fruitless one suggests dropping a
 * word or a topic. On other pages typing opens a dropdown overlay of the
 * top 8 (same ranking); ArrowUp/ArrowDown highlight a result, Enter opens
 * it or, with none highlighted, the full results; Escape, a click outside
 * or leaving the form closes it.
 *
 * Results are built with createElement/textContent only: no string from the
 * index or the query ever reaches innerHTML. Classes for the theme's CSS:
 * .search-dropdown (toggled with `hidden`), .search-query, .search-empty,
 * .search-suggest, .search-error, .search-divider, .search-pager,
 * .search-popular, ol.search-results > li.search-result.search-{article|
 * recommendation} (.active when chosen by keyboard) > a.search-result-link,
 * p.search-meta > span.search-kind + time, p.search-summary (the snippet),
 * ul.search-chips > li.chip.chip-region / li.chip.chip-topic; matches are
 * <mark>; .search-more links the dropdown to the full results.
 *
 * The index (written by src/search/shards.rs) is loaded lazily on first
 * focus or input: search/manifest.json (with the synonym groups), then one
 * term chunk per query term (and the own file of a common term, with the
 * blocks of its membership the query evaluates; the chunks also carry the
 * place names starting with the term), the facet index f/index.json (and
 * f/<province>.json for cities), the near-duplicate groups of the results
 * walked (f/r/, f/g/), and the metadata fragments of the results shown.
 *
 * In Node (tests) the file exports the tokenizer and the engine instead of
 * touching a document.
 */
(function () {
  'use strict';

  // ---- Tokenizer: a copy of src/search/tokenize.rs, checked against
  // ---- tests/search_vectors.json by tests/js/tokenize.test.mjs.

  // Han as explicit code point ranges (not \p{Script=Han}, whose coverage
  // depends on the browser's Unicode version). Same table as HAN_RANGES.
  var HAN_RANGES = [
    [0x3007, 0x3007],
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
    [0x20000, 0x3134f],
  ];

  function isHan(cp) {
    for (var i = 0; i < HAN_RANGES.length; i++) {
      if (cp >= HAN_RANGES[i][0] && cp <= HAN_RANGES[i][1]) return true;
    }
    return false;
  }

  /** Full-width ASCII → ASCII, ideographic space → space, A-Z → a-z; one
   *  code point in, one out, so folded offsets equal original offsets. */
  function fold(cp) {
    if (cp >= 0xff01 && cp <= 0xff5e) cp -= 0xfee0;
    else if (cp === 0x3000) cp = 0x20;
    if (cp >= 0x41 && cp <= 0x5a) cp += 0x20;
    return cp;
  }

  var OTHER = 0;
  var HAN = 1;
  var WORD = 2;

  function classOf(cp) {
    if (isHan(cp)) return HAN;
    if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) return WORD;
    return OTHER;
  }

  /** Maximal runs of folded characters of one class: [{han, chars}]. */
  function runs(text) {
    var out = [];
    var previous = OTHER;
    for (var ch of String(text)) {
      var c = String.fromCodePoint(fold(ch.codePointAt(0)));
      var current = classOf(c.codePointAt(0));
      if (current !== OTHER) {
        if (current === previous) out[out.length - 1].chars.push(c);
        else out.push({ han: current === HAN, chars: [c] });
      }
      previous = current;
    }
    return out;
  }

  /** Index tokens: each Han character and adjacent pair, whole ASCII
   *  letter/digit runs; everything else separates. */
  function tokenize(text) {
    var tokens = [];
    runs(text).forEach(function (run) {
      if (!run.han) {
        tokens.push(run.chars.join(''));
        return;
      }
      for (var i = 0; i < run.chars.length; i++) {
        tokens.push(run.chars[i]);
        if (i + 1 < run.chars.length) tokens.push(run.chars[i] + run.chars[i + 1]);
      }
    });
    return tokens;
  }

  /** Distinct lookup terms: a Han run of two or more characters by its
   *  bigrams only (they imply its characters), anything else as itself. */
  function queryTerms(query) {
    var terms = [];
    runs(query).forEach(function (run) {
      var candidates = [];
      if (!run.han || run.chars.length === 1) candidates.push(run.chars.join(''));
      else for (var i = 0; i + 1 < run.chars.length; i++) candidates.push(run.chars[i] + run.chars[i + 1]);
      candidates.forEach(function (t) {
        if (terms.indexOf(t) < 0) terms.push(t);
      });
    });
    return terms;
  }

  /** 32-bit FNV-1a over UTF-8, as shards.rs `fnv1a`: picks a term's chunk. */
  function fnv1a(text) {
    var bytes = new TextEncoder().encode(text);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  // ---- Query words: synonyms and question words. A copy of `query_words`
  // ---- in src/search/tokenize.rs, pinned by tests/search_vectors.json.

  // Words of a natural question that say nothing about the subject: a
  // document need not contain them (医保钱能取出来吗 asks about 医保, 钱,
  // 取出来). Same list as QUESTION_WORDS.
  var QUESTION_WORDS = [
    '吗', '呢', '吧', '啊', '呀', '能', '能否', '可以', '可不可以', '怎么', '怎么样', '怎样', '怎么办', '如何', '是否', '是不是',
    '什么', '为什么', '有什么', '有没有', '有哪些', '哪些', '哪里', '的', '了', '请问', '一下',
  ];

  /** Synonym lookup: folded word → its group (an array of words). */
  function synonymTable(groups) {
    var table = new Map();
    (groups || []).forEach(function (group) {
      var folded = group.map(function (w) { return runs(w).map(function (r) { return r.chars.join(''); }).join(''); });
      folded.forEach(function (w) { if (w && !table.has(w)) table.set(w, folded); });
    });
    return table;
  }

  /**
   * The words a query asks for, in order: each is the list of its
   * alternatives, the reader's word first ([['医保', '医疗保险', …], ['钱'],
   * …]). A Han run is read left to right taking the longest synonym or
   * question word that starts at each character; question words are left
   * out unless nothing else is left, and the characters between known
   * words form one word of their own. An ASCII run is one word.
   */
  function queryWords(query, table) {
    var words = [];
    var dropped = [];
    var longest = 1;
    table.forEach(function (_, w) { longest = Math.max(longest, Array.from(w).length); });
    QUESTION_WORDS.forEach(function (w) { longest = Math.max(longest, w.length); });
    runs(query).forEach(function (run) {
      var text = run.chars.join('');
      if (!run.han) {
        words.push(table.has(text) ? [text].concat(table.get(text).filter(function (w) { return w !== text; })) : [text]);
        return;
      }
      var plain = '';
      var flush = function () {
        if (plain) words.push([plain]);
        plain = '';
      };
      for (var i = 0; i < run.chars.length; ) {
        var found = null;
        for (var n = Math.min(longest, run.chars.length - i); n >= 1 && !found; n--) {
          var candidate = run.chars.slice(i, i + n).join('');
          if (table.has(candidate)) found = { word: candidate, synonym: true };
          else if (QUESTION_WORDS.indexOf(candidate) >= 0) found = { word: candidate, synonym: false };
        }
        if (!found) {
          plain += run.chars[i];
          i += 1;
          continue;
        }
        flush();
        if (found.synonym) {
          words.push([found.word].concat(table.get(found.word).filter(function (w) { return w !== found.word; })));
        } else {
          dropped.push([found.word]);
        }
        i += Array.from(found.word).length;
      }
      flush();
    });
    return words.length ? words : dropped;
  }

  // Score share of a term that only a synonym brought into the query.
  var SYNONYM_WEIGHT = 0.5;

  // Long pasted queries are cut to this many terms (a bitmask per document
  // records which terms it matched).
  var MAX_TERMS = 30;

  /** The terms a word is looked up by: a Han word of two or more
   *  characters by its bigrams, anything else as itself. */
  function bigramsOf(word) {
    var chars = Array.from(word);
    if (chars.length < 2 || !isHan(chars[0].codePointAt(0))) return [word];
    var out = [];
    for (var i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    return out;
  }

  // ---- Places in a query: a copy of `RegionMatcher::query_places` in
  // ---- src/classify/regions.rs, pinned by tests/search_vectors.json.

  function isAncestor(a, b) {
    return b.length > a.length && b.charAt(a.length) === '/' && b.slice(0, a.length) === a;
  }

  /**
   * Gazetteer paths of the places `text` names, read left to right taking
   * at each character the longest pattern of `lookup(bigram)` (the chunk's
   * `@` entry for the two characters there: [pattern, 'x'] a guard word,
   * [pattern, 'g', paths] a region group, [pattern, 'p', [[path, level,
   * flags]]] a place name; flags 1 weak, 2 parent only) that the text
   * continues with. A weak name counts after its parent or before one of
   * `context` (医保, 社保 …); an ambiguous name resolves to the candidate
   * related to another place named, else the one highest level one. Returns
   * {places, spans: [start, end, paths]}, the characters that named each.
   */
  function readPlaces(text, lookup, context) {
    var chars = Array.from(String(text));
    var mentions = [];
    var chosen = [];
    var spans = [];
    var add = function (path) {
      if (chosen.indexOf(path) < 0) chosen.push(path);
    };
    for (var i = 0; i + 1 < chars.length; ) {
      var entries = lookup(chars[i] + chars[i + 1]);
      var hit = null;
      for (var e = 0; entries && e < entries.length && !hit; e++) {
        var pattern = Array.from(entries[e][0]);
        if (chars.slice(i, i + pattern.length).join('') === entries[e][0]) hit = entries[e];
      }
      if (!hit) {
        i += 1;
        continue;
      }
      var start = i;
      var end = i + Array.from(hit[0]).length;
      i = end;
      if (hit[1] === 'g') {
        hit[2].forEach(add);
        spans.push([start, end, hit[2]]);
        continue;
      }
      if (hit[1] !== 'p') continue;
      var last = mentions[mentions.length - 1];
      var previous = last && chars.slice(last.end, start).join('').trim() === '' ? last : null;
      var after = chars.slice(end).join('');
      var followed = context.some(function (w) { return after.slice(0, w.length) === w; });
      var kept = hit[2].filter(function (c) {
        var afterParent = previous && previous.candidates.some(function (pc) { return isAncestor(pc[0], c[0]); });
        return !(c[2] & 1) || afterParent || (!(c[2] & 2) && followed);
      });
      if (kept.length) mentions.push({ start: start, end: end, candidates: kept });
    }
    mentions.forEach(function (mention, m) {
      var related = function (c) {
        return mentions.some(function (other, o) {
          return o !== m && other.candidates.some(function (oc) { return isAncestor(oc[0], c[0]) || isAncestor(c[0], oc[0]); });
        });
      };
      var supported = mention.candidates.filter(related);
      var pool = supported.length ? supported : mention.candidates;
      var top = Math.min.apply(null, pool.map(function (c) { return c[1]; }));
      var atTop = pool.filter(function (c) { return c[1] === top; });
      if (atTop.length !== 1) return;
      add(atTop[0][0]);
      spans.push([mention.start, mention.end, [atTop[0][0]]]);
    });
    var places = chosen.filter(function (u) { return !chosen.some(function (o) { return isAncestor(u, o); }); });
    return { places: places, spans: spans };
  }

  /**
   * What the engine looks up for `words` (queryWords): `terms`, and
   * `needs`, one per query character of a plain word and one per synonym
   * word, each a list of alternatives, each alternative a bitmask of terms
   * that together satisfy it. A plain word of two or more characters is
   * searched by its bigrams, a character being satisfied by either bigram
   * that covers it, so 个人账户充值 matches 个人账户 and 充值 apart; a
   * synonym word is satisfied by any of its words, each by all its bigrams.
   */
  function queryPlan(words) {
    var terms = [];
    var needs = [];
    // 1 for a term of a word the reader typed, SYNONYM_WEIGHT for one only
    // a synonym brought in: the reader's own word ranks first.
    var weights = [];
    var typed = true;
    var termOf = function (term) {
      var at = terms.indexOf(term);
      if (at < 0) {
        if (terms.length === MAX_TERMS) return -1;
        at = terms.push(term) - 1;
        weights.push(SYNONYM_WEIGHT);
      }
      if (typed) weights[at] = 1;
      return at;
    };
    words.forEach(function (alternatives) {
      if (alternatives.length > 1) {
        var options = [];
        alternatives.forEach(function (word, a) {
          typed = a === 0;
          var mask = 0;
          var ok = true;
          bigramsOf(word).forEach(function (t) {
            var at = termOf(t);
            if (at < 0) ok = false;
            else mask |= 1 << at;
          });
          if (ok) options.push(mask);
        });
        typed = true;
        if (options.length) needs.push(options);
        return;
      }
      var chars = Array.from(alternatives[0]);
      if (chars.length < 2 || !isHan(chars[0].codePointAt(0))) {
        var at = termOf(alternatives[0]);
        if (at >= 0) needs.push([1 << at]);
        return;
      }
      var pairs = bigramsOf(alternatives[0]).map(termOf);
      chars.forEach(function (_, c) {
        var options = [];
        if (c > 0 && pairs[c - 1] >= 0) options.push(1 << pairs[c - 1]);
        if (c < pairs.length && pairs[c] >= 0) options.push(1 << pairs[c]);
        if (options.length) needs.push(options);
      });
    });
    return { terms: terms, needs: needs, weights: weights };
  }

  // ---- Engine: BM25 over the shards.

  /**
   * `rootUrl` is the site root (absolute URL string); `fetchJson(url)`
   * returns a promise of the parsed JSON.
   */
  function Engine(rootUrl, fetchJson) {
    this.root = rootUrl;
    this.fetchJson = fetchJson;
    this.cache = new Map();
    this.manifest = null;
    this.synonyms = new Map();
    this.ranked = null;
    this.budgets = new Map();
  }

  Engine.prototype.get = function (path) {
    var url = new URL(path, this.root).href;
    var cached = this.cache.get(url);
    if (cached) return cached;
    var self = this;
    var pending = this.fetchJson(url).catch(function (err) {
      // Forget failures so that the next keystroke retries.
      self.cache.delete(url);
      throw err;
    });
    this.cache.set(url, pending);
    return pending;
  };

  Engine.prototype.load = function () {
    var self = this;
    return this.get('search/manifest.json').then(function (m) {
      if (m.version !== 6) throw new Error('unsupported search index version ' + m.version);
      self.manifest = m;
      self.synonyms = synonymTable(m.synonyms);
      return m;
    });
  };

  Engine.prototype.words = function (query) {
    return queryWords(query, this.synonyms);
  };

  /** The directory of group `dirs` that holds file number `n`: files are
   *  grouped `per` to a directory named by the group's content. */
  function groupDir(group, n) {
    return 'search/' + group.dirs[Math.floor(n / group.per)] + '/';
  }

  /** The chunk a term lives in. */
  Engine.prototype.chunk = function (term) {
    var m = this.manifest;
    var bucket = fnv1a(term) % m.buckets;
    return this.get(groupDir(m.chunks, bucket) + 't/' + bucket + '.json');
  };

  /** A term's `[df, postings, members]`; a common term's entry is a file
   *  of its own, which its chunk names by number. `members` is a string, or
   *  `[count, bytes, …]` per block of `manifest.block` documents when the
   *  term's membership is cut into blocks (see `memberBlock`). Resolves to
   *  {entry, dir, name}, `name` the own file's (null for an entry in the
   *  chunk), or null for a term not in the index. */
  Engine.prototype.postings = function (term) {
    var m = this.manifest;
    var self = this;
    return this.chunk(term).then(function (chunk) {
      if (!Object.prototype.hasOwnProperty.call(chunk, term)) return null;
      var entry = chunk[term];
      if (typeof entry[1] !== 'number') return { entry: entry, dir: null, name: null };
      var bucket = fnv1a(term) % m.buckets;
      var dir = groupDir(m.chunks, bucket);
      var name = bucket + '.' + entry[1];
      return self.get(dir + 'p/' + name + '.json').then(function (own) {
        return { entry: own, dir: dir, name: name };
      });
    });
  };

  /** Block `b` of a term's cut membership (a membership string numbered
   *  from the block's first document); '' for an empty block, without a
   *  request. */
  Engine.prototype.memberBlock = function (list, b) {
    if (list.entry[2][2 * b] === 0) return Promise.resolve('');
    return this.get(list.dir + 'm/' + list.name + '.' + b + '.json');
  };

  Engine.prototype.docs = function (numbers) {
    var m = this.manifest;
    var self = this;
    return Promise.all(
      numbers.map(function (n) {
        var fragment = Math.floor(n / m.fragment);
        return self.get(groupDir(m.fragments, fragment) + 'd/' + fragment + '.json').then(function (rows) {
          var row = rows[n - fragment * m.fragment];
          return { url: row[0], title: row[1], kind: row[2], date: row[3], regions: row[4], topics: row[5], text: row[6] };
        });
      })
    );
  };

  // Value of each character code of the packed postings' base64url digits.
  var DIGIT = (function () {
    var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    var values = new Uint8Array(128);
    for (var d = 0; d < alphabet.length; d++) values[alphabet.charCodeAt(d)] = d;
    return values;
  })();

  /** Calls `visit(doc)` for every document of a membership string (`b`
   *  bitmap or `d` deltas, as shards.rs writes them), numbered from
   *  `first`. */
  function eachMember(text, visit, first) {
    first = first || 0;
    if (text.charAt(0) === 'b') {
      for (var k = 1; k < text.length; k++) {
        var bits = DIGIT[text.charCodeAt(k)];
        for (var b = 0; bits; b++, bits >>= 1) if (bits & 1) visit(first + (k - 1) * 6 + b);
      }
    } else if (text.charAt(0) === 'd') {
      var deltas = new NumberReader(text, 1), doc = first;
      while (deltas.more()) visit((doc += deltas.next()));
    }
  }

  // Partial matches are listed only when fewer full matches than this exist.
  var FEW_FULL = 10;

  /**
   * Ranked matches of `query`, computed over every document that contains
   * any query term (no posting is ever left out, so counts are exact).
   * A place the query names (readPlaces, from the chunks its terms are in)
   * stays a word to match, met by the text or by a region tag within the
   * place, so 沪籍 医保 finds pages tagged 上海市 that never write 沪籍.
   * A document is a full match when it satisfies every need of the plan;
   * full matches come first: those with every term in the title, then by
   * BM25 score with field boosts, then by document number so that results
   * are stable. Documents satisfying at least half the needs are partial
   * matches, listed after the full ones only when there are fewer than ten
   * of those.
   * `budget` bounds the bytes of membership blocks read (see `score`);
   * blocks holding documents of `region` (or, when it is undefined, of the
   * places the query names) are read first.
   * Resolves to {words, places, full, partial, approximate, unread, hits:
   * [{doc, score, full, title, met}]}, `unread` the blocks not read, each
   * with `more`, an estimate of its full matches not listed (see `score`).
   */
  Engine.prototype.rank = function (query, budget, region) {
    var self = this;
    budget = budget || MEMBER_BUDGET;
    return (this.manifest ? Promise.resolve(this.manifest) : this.load()).then(function (m) {
      var words = self.words(query);
      var plan = queryPlan(words);
      if (plan.needs.length === 0) {
        return { words: words, places: [], full: 0, partial: 0, approximate: false, unread: [], hits: [] };
      }
      return Promise.all(plan.terms.map(function (t) { return self.chunk(t); })).then(function (chunks) {
        var found = readPlaces(
          query,
          function (bigram) {
            var chunk = chunks[plan.terms.indexOf(bigram)];
            return chunk && Object.prototype.hasOwnProperty.call(chunk, '@' + bigram) ? chunk['@' + bigram] : null;
          },
          m.placeContext || []
        );
        var preferred = region === undefined ? found.places.map(facetPath) : region ? [region] : [];
        if (!found.places.length) {
          return self.preferredBlocks(preferred).then(function (prefer) {
            return self.score(plan, null, 0, budget, prefer);
          }).then(finish);
        }
        // A place word is also met by the tag: a page tagged 上海市 meets
        // 沪籍, one tagged 深圳市 meets 深圳 however it names the city.
        var chars = Array.from(query);
        var tagged = [];
        found.spans.forEach(function (span) {
          var bits = 0;
          bigramsOf(chars.slice(span[0], span[1]).join('')).forEach(function (t) {
            var at = plan.terms.indexOf(t);
            if (at >= 0) bits |= 1 << at;
          });
          if (bits) tagged.push({ paths: span[2].map(facetPath), bits: bits });
        });
        var paths = [].concat.apply([], tagged.map(function (t) { return t.paths; }));
        var tagBits = tagged.reduce(function (bits, t) { return bits | t.bits; }, 0);
        return self.regions(paths).then(function (regions) {
          var tags = function (doc) {
            var bits = 0;
            tagged.forEach(function (t) {
              if (t.paths.some(function (path) { return regions.within(doc, path, false); })) bits |= t.bits;
            });
            return bits;
          };
          return self.preferredBlocks(preferred.concat(paths)).then(function (prefer) {
            return self.score(plan, tags, tagBits, budget, prefer);
          }).then(finish);
        });
        function finish(ranked) {
          ranked.words = words;
          ranked.places = found.places;
          return ranked;
        }
      });
    });
  };

  // Bytes of membership blocks a query reads at first. A 10k-page site's
  // query reads all its blocks within it (exact counts); past that, the
  // blocks most likely to hold the best results, the rest estimated.
  var MEMBER_BUDGET = 12 * 1024;

  /** Calls `visit(doc, mask, i)` for every posting of a packed postings
   *  string (shards.rs: delta in 5-bit groups, +32 while more follow; the
   *  field mask; one weight per field in the mask, read by `visit` from
   *  `i`, which it returns past them). */
  function eachPosting(packed, visit) {
    var reader = new NumberReader(packed, 0), doc = 0;
    while (reader.more()) {
      doc += reader.next();
      var mask = DIGIT[packed.charCodeAt(reader.i++)];
      reader.i = visit(doc, mask, reader.i);
    }
  }

  /**
   * Every document matching `plan` at least in half its needs, scored;
   * `tags(doc)`, if given, adds the term bits (among `tagBits`) a
   * document's region tags stand for.
   *
   * A common term's membership may be cut into blocks of `manifest.block`
   * documents. Blocks where such a term has no document cost nothing; of
   * the others, those most likely to hold the best results (documents in
   * the weighted postings of every term, then the most possible matches)
   * are read while their bytes stay within `budget`. Documents of the
   * blocks read are evaluated exactly; of the others, only those the
   * weighted postings show to hold every term are listed, and `full` and
   * `partial` are then estimates (`approximate`): the exact counts of the
   * blocks read, plus, for each other block, its possible matches (the
   * fewest documents of a needed term there) scaled by the share that
   * matched in the blocks read.
   */
  Engine.prototype.score = function (plan, tags, tagBits, budget, prefer) {
    var m = this.manifest;
    var self = this;
    return Promise.all(plan.terms.map(function (t) { return self.postings(t); })).then(function (lists) {
      var blocks = Math.max(1, Math.ceil(m.docs / m.block));
      var blockOf = function (doc) { return Math.floor(doc / m.block); };
      var scores = new Float64Array(m.docs);
      var masks = new Uint32Array(m.docs);
      var titles = new Uint32Array(m.docs);
      var touched = [];
      var lowest = Math.min.apply(null, m.boosts) / m.scale;
      var idfs = [];
      var cut = [];
      // Documents of each term per block: what bounds the matches of a
      // block that is not read.
      var counts = lists.map(function () { return new Float64Array(blocks); });
      lists.forEach(function (list, t) {
        if (!list) return;
        var entry = list.entry;
        var df = entry[0], members = entry[2];
        var bit = 1 << t;
        var idf = (idfs[t] = plan.weights[t] * Math.log(1 + (m.docs - df + 0.5) / (df + 0.5)));
        eachPosting(entry[1], function (doc, mask, i) {
          var s = 0;
          for (var f = 0; f < m.fields.length; f++) {
            if (mask & (1 << f)) s += m.boosts[f] * DIGIT[entry[1].charCodeAt(i++)];
          }
          if (masks[doc] === 0) touched.push(doc);
          scores[doc] += (idf * s) / m.scale;
          masks[doc] |= bit;
          if (mask & 1) titles[doc] |= bit;
          if (!members) counts[t][blockOf(doc)] += 1;
          return i;
        });
        if (Array.isArray(members)) {
          cut.push(t);
          for (var b = 0; b < blocks; b++) counts[t][b] = members[2 * b] || 0;
        } else if (members) {
          eachMember(members, function (d) {
            counts[t][blockOf(d)] += 1;
            present(d, t);
          });
        }
      });
      // Documents past the weighted postings: present, with the lowest
      // weight (a term this common has a small IDF anyway).
      function present(d, t) {
        var bit = 1 << t;
        if (masks[d] & bit) return;
        if (masks[d] === 0) touched.push(d);
        masks[d] |= bit;
        scores[d] += idfs[t] * lowest;
      }
      var met = new Map();
      var needsMet = function (mask) {
        var n = met.get(mask);
        if (n === undefined) {
          n = 0;
          plan.needs.forEach(function (options) {
            if (options.some(function (o) { return (mask & o) === o; })) n += 1;
          });
          met.set(mask, n);
        }
        return n;
      };
      var all = plan.needs.length;
      var tagsOf = tags || function () { return 0; };
      // The most full matches block `b` can hold.
      var bound = function (b) {
        var most = Math.min(m.block, m.docs - b * m.block);
        plan.needs.forEach(function (options) {
          var n = 0;
          options.forEach(function (o) {
            if (o & (tagBits || 0)) n = Infinity;
            var least = Infinity;
            for (var t = 0; t < lists.length; t++) if (o & (1 << t)) least = Math.min(least, counts[t][b]);
            n += least;
          });
          most = Math.min(most, n);
        });
        return most;
      };
      var read = new Uint8Array(blocks);
      var wanted = [];
      var sure = new Float64Array(blocks);
      if (cut.length) {
        touched.forEach(function (doc) {
          if (needsMet(masks[doc] | tagsOf(doc)) === all) sure[blockOf(doc)] += 1;
        });
      }
      for (var b = 0; b < blocks; b++) {
        var cost = cut.reduce(function (sum, t) { return counts[t][b] ? sum + lists[t].entry[2][2 * b + 1] : sum; }, 0);
        if (cost === 0) read[b] = 1;
        else wanted.push({ block: b, cost: cost, preferred: prefer.has(b) ? 1 : 0, sure: sure[b], bound: bound(b) });
      }
      wanted.sort(function (x, y) {
        return y.preferred - x.preferred || y.sure - x.sure || y.bound - x.bound || x.block - y.block;
      });
      var spent = 0;
      var chosen = wanted.filter(function (w, i) {
        if (i > 0 && spent + w.cost > budget) return false;
        spent += w.cost;
        read[w.block] = 1;
        return true;
      });
      var fetches = [];
      chosen.forEach(function (w) {
        cut.forEach(function (t) {
          fetches.push(
            self.memberBlock(lists[t], w.block).then(function (text) {
              eachMember(text, function (d) { present(d, t); }, w.block * m.block);
            })
          );
        });
      });
      return Promise.all(fetches).then(function () {
        if (tags) touched.forEach(function (doc) { masks[doc] |= tags(doc); });
        var full = [];
        var partial = [];
        touched.forEach(function (doc) {
          var n = needsMet(masks[doc]);
          var hit = { doc: doc, score: scores[doc], met: n, full: n === all, title: needsMet(titles[doc]) === all };
          if (hit.full) full.push(hit);
          else if (read[blockOf(doc)] && all > 1 && n * 2 >= all) partial.push(hit);
        });
        full.sort(function (a, b) {
          return b.title - a.title || b.score - a.score || a.doc - b.doc;
        });
        partial.sort(function (a, b) {
          return b.met - a.met || b.score - a.score || a.doc - b.doc;
        });
        // Each block not read may hold its possible matches times the
        // share of possible matches that matched in the blocks read; the
        // documents already listed there count in `sure`.
        var possibleRead = 0, fullRead = 0;
        for (var b = 0; b < blocks; b++) if (read[b]) possibleRead += bound(b);
        full.forEach(function (h) { if (read[blockOf(h.doc)]) fullRead += 1; });
        var share = possibleRead ? fullRead / possibleRead : 0;
        var unread = wanted.slice(chosen.length).map(function (w) {
          return { block: w.block, more: Math.max(0, share * w.bound - w.sure) };
        });
        var estimated = full.length + unread.reduce(function (sum, u) { return sum + u.more; }, 0);
        var shownPartial = estimated < FEW_FULL ? partial : [];
        return {
          full: full.length,
          partial: shownPartial.length,
          approximate: unread.length > 0,
          unread: unread,
          hits: full.concat(shownPartial),
        };
      });
    });
  };

  /** Numbers packed as postings' deltas (5 bits a digit, +32 while more follow). */
  function unpackNumbers(text) {
    var reader = new NumberReader(text, 0), out = [];
    while (reader.more()) out.push(reader.next());
    return out;
  }

  /** Reads the numbers packed in `text` from position `i` on, as shards.rs
   *  `push_delta` writes them: 5-bit groups, lowest first, each digit plus
   *  32 while more groups follow. One reader per string, so the postings'
   *  hot loop allocates nothing per number. */
  function NumberReader(text, i) {
    this.text = text;
    this.i = i;
  }
  NumberReader.prototype.more = function () {
    return this.i < this.text.length;
  };
  NumberReader.prototype.next = function () {
    var digit = DIGIT[this.text.charCodeAt(this.i++)], n = 0, shift = 1;
    while (digit >= 32) {
      n += (digit - 32) * shift;
      shift *= 32;
      digit = DIGIT[this.text.charCodeAt(this.i++)];
    }
    return n + digit * shift;
  };

  /** The run holding `doc`, of runs starting at `starts` (ascending). */
  function runAt(starts, doc) {
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= doc) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Run-length pairs (value, length) from `at` on: {starts, values}. */
  function spreadRuns(pairs, at, starts, values) {
    for (var i = 0; i + 1 < pairs.length; i += 2) {
      starts.push(at);
      values.push(pairs[i]);
      at += pairs[i + 1];
    }
    return at;
  }

  /** The facet index (src/search/facets.rs): each document's provinces
   *  and topics from run lengths, and the ranges with grouped documents. */
  Engine.prototype.facets = function () {
    var m = this.manifest;
    return this.get('search/' + m.facets + '/f/index.json').then(function (raw) {
      if (raw.decoded) return raw.decoded;
      var starts = [], provinces = [], sets = [], ranges = new Map(), at = 0;
      raw.runs.forEach(function (run) {
        var begin = at;
        var pairs = unpackNumbers(run[1]);
        var before = starts.length;
        at = spreadRuns(pairs, at, starts, sets);
        for (var i = before; i < starts.length; i++) provinces.push(run[0]);
        ranges.set(run[0], [begin, at]);
      });
      var extra = new Map(raw.extra.map(function (e) { return [e[0], e[1]]; }));
      var grouped = new Set();
      unpackNumbers(raw.grouped).reduce(function (range, delta) {
        grouped.add(range + delta);
        return range + delta;
      }, 0);
      raw.decoded = {
        provinces: raw.provinces,
        topics: raw.topics,
        ranges: ranges,
        grouped: grouped,
        extraOf: function (p) {
          var docs = [];
          extra.forEach(function (provinces, doc) { if (provinces.indexOf(p) >= 0) docs.push(doc); });
          return docs;
        },
        provincesOf: function (doc) {
          return extra.get(doc) || [provinces[runAt(starts, doc)]];
        },
        topicsOf: function (doc) {
          return raw.sets[sets[runAt(starts, doc)]];
        },
      };
      return raw.decoded;
    });
  };

  /** Resolves to the set of membership blocks holding documents tagged in
   *  the provinces of `paths`: the province's range of document numbers,
   *  and those numbered elsewhere but tagged there too. */
  Engine.prototype.preferredBlocks = function (paths) {
    var self = this;
    if (!paths.length) return Promise.resolve(new Set());
    return this.facets().then(function (f) {
      var blocks = new Set();
      var size = self.manifest.block;
      paths.forEach(function (path) {
        var p = f.provinces.indexOf(path.split('/')[0]);
        var range = f.ranges.get(p);
        if (!range || p <= 0) return;
        for (var b = Math.floor(range[0] / size); b * size < range[1]; b++) blocks.add(b);
        f.extraOf(p).forEach(function (doc) { blocks.add(Math.floor(doc / size)); });
      });
      return blocks;
    });
  };

  /** Resolves to a Map from each of `docs` that is in a near-duplicate
   *  group to the group's number, reading the range files (f/r/) they
   *  fall in. */
  Engine.prototype.groupsOf = function (docs) {
    var self = this;
    var size = this.manifest.groupRange;
    return this.facets().then(function (f) {
      var ranges = [];
      docs.forEach(function (doc) {
        var r = Math.floor(doc / size);
        if (f.grouped.has(r) && ranges.indexOf(r) < 0) ranges.push(r);
      });
      return Promise.all(
        ranges.map(function (r) { return self.get('search/' + self.manifest.facets + '/f/r/' + r + '.json'); })
      ).then(function (files) {
        var groupOf = new Map();
        files.forEach(function (packed, i) {
          var numbers = unpackNumbers(packed);
          var doc = ranges[i] * size;
          for (var k = 0; k + 1 < numbers.length; k += 2) {
            doc += numbers[k];
            groupOf.set(doc, numbers[k + 1]);
          }
        });
        return groupOf;
      });
    });
  };

  /** Resolves to the members of near-duplicate group `g`, ascending. */
  Engine.prototype.groupMembers = function (g) {
    return this.get('search/' + this.manifest.facets + '/f/g/' + g + '.json').then(function (packed) {
      var doc = 0;
      return unpackNumbers(packed).map(function (delta) { return (doc += delta); });
    });
  };

  /** The cities of province number `p`: {names, citiesOf(doc)}, city 0
   *  standing for the province itself. */
  Engine.prototype.cities = function (p) {
    var self = this;
    return this.facets().then(function (f) {
      return self.get('search/' + self.manifest.facets + '/f/' + p + '.json').then(function (raw) {
        if (raw.decoded) return raw.decoded;
        var range = f.ranges.get(p) || [0, 0];
        var starts = [], cities = [];
        spreadRuns(unpackNumbers(raw.runs), range[0], starts, cities);
        var extra = new Map(raw.extra.map(function (e) { return [e[0], e[1]]; }));
        raw.decoded = {
          names: raw.cities,
          citiesOf: function (doc) {
            if (extra.has(doc)) return extra.get(doc);
            return doc >= range[0] && doc < range[1] ? [cities[runAt(starts, doc)]] : [];
          },
        };
        return raw.decoded;
      });
    });
  };

  /** What telling whether a document is tagged within one of `paths` (or
   *  their provinces) needs: {within(doc, path, provinceOnly), cityFiles}.
   *  `provinceOnly` asks for a tag of the province itself. */
  Engine.prototype.regions = function (paths) {
    var self = this;
    return this.facets().then(function (f) {
      var names = [];
      paths.forEach(function (path) {
        var name = path.split('/')[0];
        if (f.provinces.indexOf(name) > 0 && names.indexOf(name) < 0) names.push(name);
      });
      return Promise.all(names.map(function (name) { return self.cities(f.provinces.indexOf(name)); })).then(function (files) {
        var cityFiles = new Map(names.map(function (name, i) { return [name, files[i]]; }));
        var within = function (doc, path, provinceOnly) {
          var parts = path.split('/');
          var p = f.provinces.indexOf(parts[0]);
          if (p <= 0 || f.provincesOf(doc).indexOf(p) < 0) return false;
          if (parts.length < 2 && !provinceOnly) return true;
          var file = cityFiles.get(parts[0]);
          var c = provinceOnly ? 0 : file.names.indexOf(parts[1]);
          return c >= 0 && file.citiesOf(doc).indexOf(c) >= 0;
        };
        return { within: within, cityFiles: cityFiles };
      });
    });
  };

  /** `path` cut to the levels the facet shows: province and city. */
  function facetPath(path) {
    return path.split('/').slice(0, 2).join('/');
  }

  /** [name, count] of the counted entries with a count, largest first. */
  function countList(names, counts, first) {
    var out = [];
    counts.forEach(function (n, i) {
      if (n > 0 && i >= first) out.push([names[i], n]);
    });
    return out.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); });
  }

  /**
   * Results `offset` .. `offset + limit` of `query` with their metadata and
   * highlight words, after the facets: `filters.region` (a province or
   * province/city; undefined for the place the query names, if exactly one,
   * '' or null for none), `filters.topic`, and `filters.expand`, provinces
   * whose city counts are wanted. A place in the query ranks first the
   * results tagged there, then those tagged with its province alone, then
   * those tagged nowhere (national rules), then the rest. Results of one
   * near-duplicate group are one entry, `similar` holding the numbers of
   * the others (for `docs`, when the reader asks).
   * Counts: `total` and `partial` documents, `entries` after collapsing;
   * `facets` counts the whole result set by province, city (of expanded
   * provinces and the chosen one) and topic, each under the other facet.
   * On a site too large to evaluate whole within the byte budget (see
   * `score`), `approximate` is set: `total`, `partial` and `entries` are
   * estimates, and the facet counts those of the documents evaluated
   * (lower bounds). Each further page may read as many bytes again, and
   * does until it has the results it shows, so every match is reached by
   * paging. `more` tells whether results follow the page.
   */
  Engine.prototype.search = function (query, limit, offset, filters, budget) {
    var self = this;
    offset = offset || 0;
    filters = filters || {};
    var page = Math.floor(offset / Math.max(1, limit));
    // A page seen before keeps the blocks a later page read, so that going
    // back never shows fewer results than were found.
    budget = Math.max(budget || MEMBER_BUDGET * (1 + page), this.budgets.get(query) || 0);
    this.budgets.set(query, budget);
    return Promise.all([this.rank(query, budget, filters.region), this.load().then(function () { return self.facets(); })]).then(function (both) {
      var found = both[0], f = both[1];
      var targets = found.places.map(facetPath);
      var auto = targets.length === 1 ? targets[0] : null;
      var region = filters.region === undefined ? auto : filters.region || null;
      var provinceOf = function (path) { return path.split('/')[0]; };
      var wanted = targets.concat(region ? [region] : [], filters.expand || []);
      return self.regions(wanted).then(function (regions) {
        var cityFiles = regions.cityFiles;
        var within = regions.within;
        var tier = function (doc) {
          var best = f.provincesOf(doc)[0] === 0 ? 2 : 3;
          targets.forEach(function (t) {
            if (within(doc, t, false)) best = 0;
            else if (t.indexOf('/') > 0 && within(doc, provinceOf(t), true)) best = Math.min(best, 1);
          });
          return best;
        };
        var hits = found.hits;
        if (targets.length) {
          hits.forEach(function (h) { h.tier = tier(h.doc); });
          var full = hits.filter(function (h) { return h.full; });
          var partial = hits.filter(function (h) { return !h.full; });
          full.sort(function (a, b) { return a.tier - b.tier || b.title - a.title || b.score - a.score || a.doc - b.doc; });
          partial.sort(function (a, b) { return b.met - a.met || a.tier - b.tier || b.score - a.score || a.doc - b.doc; });
          hits = full.concat(partial);
        }
        var topic = filters.topic ? f.topics.indexOf(filters.topic) : -1;
        var inTopic = function (h) { return !filters.topic || f.topicsOf(h.doc).indexOf(topic) >= 0; };
        var inRegion = function (h) { return !region || within(h.doc, region, false); };
        var provinceCounts = f.provinces.map(function () { return 0; });
        var topicCounts = f.topics.map(function () { return 0; });
        var cityCounts = new Map();
        cityFiles.forEach(function (file, name) { cityCounts.set(name, file.names.map(function () { return 0; })); });
        var kept = [];
        hits.forEach(function (h) {
          var topicOk = inTopic(h), regionOk = inRegion(h);
          if (topicOk) {
            f.provincesOf(h.doc).forEach(function (p) {
              provinceCounts[p] += 1;
              var counts = cityCounts.get(f.provinces[p]);
              if (counts) cityFiles.get(f.provinces[p]).citiesOf(h.doc).forEach(function (c) { counts[c] += 1; });
            });
          }
          if (regionOk) f.topicsOf(h.doc).forEach(function (t) { topicCounts[t] += 1; });
          if (topicOk && regionOk) kept.push(h);
        });
        // Results of one near-duplicate group are one entry, the first in
        // rank order; walking the results in order up to the page's end
        // reads the groups of those walked only.
        var entries = [];
        var byGroup = new Map();
        var keptAt = new Map(kept.map(function (h, i) { return [h.doc, i]; }));
        var walked = 0;
        var walk = function () {
          var need = offset + limit - entries.length;
          if (need <= 0 || walked >= kept.length) return Promise.resolve();
          var batch = kept.slice(walked, walked + need);
          walked += batch.length;
          return self.groupsOf(batch.map(function (h) { return h.doc; })).then(function (groupOf) {
            var fresh = [];
            batch.forEach(function (h) {
              var g = groupOf.get(h.doc);
              if (g !== undefined && byGroup.has(g)) return;
              var entry = { hit: h, similar: [], group: g };
              entries.push(entry);
              if (g !== undefined) {
                byGroup.set(g, entry);
                fresh.push(entry);
              }
            });
            return Promise.all(
              fresh.map(function (entry) {
                return self.groupMembers(entry.group).then(function (members) {
                  members.forEach(function (doc) {
                    var at = keptAt.get(doc);
                    if (at !== undefined && doc !== entry.hit.doc) entry.similar.push(kept[at]);
                  });
                  entry.similar.sort(function (x, y) { return keptAt.get(x.doc) - keptAt.get(y.doc); });
                });
              })
            ).then(walk);
          });
        };
        return walk().then(function () {
          // Results not walked yet that belong to a group met are not
          // entries; of the others, the share of the walked ones is.
          var later = 0;
          entries.forEach(function (e) {
            e.similar.forEach(function (h) { if (keptAt.get(h.doc) >= walked) later += 1; });
          });
          var entryCount = entries.length + Math.round((kept.length - walked - later) * (walked ? entries.length / walked : 1));
          var keptFull = kept.filter(function (h) { return h.full; }).length;
          var total = keptFull, partial = kept.length - keptFull;
          // Full matches the blocks not read may add: within the chosen
          // region's range only, and at the topic's share of the matches
          // found.
          var size = self.manifest.block;
          var range = region ? f.ranges.get(f.provinces.indexOf(provinceOf(region))) || [0, 0] : [0, self.manifest.docs];
          var topicShare = 1;
          if (filters.topic) {
            var fullFound = hits.filter(function (h) { return h.full; });
            topicShare = fullFound.length ? fullFound.filter(inTopic).length / fullFound.length : 1;
          }
          var more = 0;
          found.unread.forEach(function (u) {
            var start = u.block * size, end = Math.min(start + size, self.manifest.docs);
            var overlap = Math.max(0, Math.min(end, range[1]) - Math.max(start, range[0]));
            more += (u.more * overlap * topicShare) / (end - start);
          });
          more = Math.round(more);
          var approximate = more > 0;
          if (approximate) {
            partial = keptFull ? Math.round((partial * (keptFull + more)) / keptFull) : partial;
            entryCount = keptFull ? Math.round((entryCount * (keptFull + more)) / keptFull) : entryCount + more;
            total = keptFull + more;
          }
          if (approximate && entries.length < offset + limit && budget < MEMBER_BUDGET * 2 * (1 + page)) {
            // The blocks read hold too few results for this page: read
            // more, once; past that the page shows what was found.
            return self.search(query, limit, offset, filters, budget * 2);
          }
          var top = entries.slice(offset, offset + limit);
          return self.docs(top.map(function (e) { return e.hit.doc; })).then(function (docs) {
            var cities = {};
            cityCounts.forEach(function (counts, name) { cities[name] = countList(cityFiles.get(name).names, counts, 1); });
            return {
              total: total,
              partial: partial,
              entries: Math.max(entryCount, entries.length),
              entriesExact: !approximate && walked === kept.length,
              approximate: approximate,
              more: entries.length > offset + limit || walked < kept.length || approximate,
              words: found.words,
              places: found.places,
              region: region,
              auto: auto,
              topic: filters.topic || null,
              offset: offset,
              facets: { provinces: countList(f.provinces, provinceCounts, 1), cities: cities, topics: countList(f.topics, topicCounts, 0) },
              results: top.map(function (e, i) {
                return Object.assign({ score: e.hit.score, matchedAll: e.hit.full }, docs[i], {
                  similar: e.similar.map(function (h) { return h.doc; }),
                });
              }),
            };
          });
        });
      });
    });
  };

  // ---- Highlighting and snippets.

  /** What may be marked for `words` (queryWords): each word and synonym
   *  whole, and, of a plain Han word, any run of its two-character pieces
   *  from the left (异地就医 → 异地就医, 异地, 就医, never 地就医), an odd
   *  last character joining the last piece. Longest first. */
  function needles(words) {
    var out = [];
    var add = function (w) {
      if (w && out.indexOf(w) < 0) out.push(w);
    };
    words.forEach(function (alternatives) {
      alternatives.forEach(add);
      var chars = Array.from(alternatives[0]);
      if (alternatives.length > 1 || chars.length < 4 || !isHan(chars[0].codePointAt(0))) return;
      var pieces = [];
      for (var i = 0; i < chars.length; i += 2) pieces.push(chars.slice(i, i + 2).join(''));
      if (Array.from(pieces[pieces.length - 1]).length === 1) pieces[pieces.length - 2] += pieces.pop();
      for (var a = 0; a < pieces.length; a++) {
        for (var b = a + 1; b <= pieces.length; b++) add(pieces.slice(a, b).join(''));
      }
    });
    return out
      .map(function (w) { return Array.from(w); })
      .sort(function (x, y) { return y.length - x.length; });
  }

  /** [start, end) character ranges of `text` to mark: at each position the
   *  longest needle that starts there, compared after folding. */
  function matches(chars, list) {
    var folded = chars.map(function (c) { return String.fromCodePoint(fold(c.codePointAt(0))); });
    var ranges = [];
    for (var i = 0; i < folded.length; ) {
      var found = 0;
      for (var n = 0; n < list.length && !found; n++) {
        var needle = list[n];
        if (i + needle.length > folded.length) continue;
        var hit = true;
        for (var j = 0; j < needle.length && hit; j++) hit = folded[i + j] === needle[j];
        // An ASCII word matches only as a whole word, as it was indexed.
        if (hit && classOf(needle[0].codePointAt(0)) === WORD) {
          var before = i > 0 ? classOf(folded[i - 1].codePointAt(0)) : OTHER;
          var after = i + needle.length < folded.length ? classOf(folded[i + needle.length].codePointAt(0)) : OTHER;
          hit = before !== WORD && after !== WORD;
        }
        if (hit) found = needle.length;
      }
      if (found) {
        ranges.push([i, i + found]);
        i += found;
      } else {
        i += 1;
      }
    }
    return ranges;
  }

  /** [text, isMatch] segments of `text` for the query words `words` (or a
   *  query string, read without synonyms). */
  function highlight(text, words) {
    if (typeof words === 'string') words = queryWords(words, new Map());
    var chars = Array.from(String(text));
    var segments = [];
    var at = 0;
    matches(chars, needles(words)).forEach(function (r) {
      if (r[0] > at) segments.push([chars.slice(at, r[0]).join(''), false]);
      segments.push([chars.slice(r[0], r[1]).join(''), true]);
      at = r[1];
    });
    if (at < chars.length) segments.push([chars.slice(at).join(''), false]);
    return segments;
  }

  // Characters of a snippet.
  var SNIPPET_CHARS = 80;

  /** The passage of about 80 characters of `text` holding the most
   *  distinct query words (the earliest such), with … where it is cut. */
  function snippet(text, words) {
    var chars = Array.from(String(text));
    if (chars.length <= SNIPPET_CHARS) return chars.join('');
    var ranges = matches(chars, needles(words));
    var best = 0, bestCount = 0;
    ranges.forEach(function (r) {
      var start = Math.max(0, Math.min(r[0] - 10, chars.length - SNIPPET_CHARS));
      var seen = new Set();
      ranges.forEach(function (o) {
        if (o[0] >= start && o[1] <= start + SNIPPET_CHARS) seen.add(chars.slice(o[0], o[1]).join(''));
      });
      if (seen.size > bestCount) {
        bestCount = seen.size;
        best = start;
      }
    });
    var cut = chars.slice(best, best + SNIPPET_CHARS).join('');
    return (best > 0 ? '…' : '') + cut + (best + SNIPPET_CHARS < chars.length ? '…' : '');
  }

  var api = {
    tokenize: tokenize,
    queryTerms: queryTerms,
    queryWords: queryWords,
    readPlaces: readPlaces,
    synonymTable: synonymTable,
    fnv1a: fnv1a,
    highlight: highlight,
    snippet: snippet,
    Engine: Engine,
  };

  if (typeof document === 'undefined') {
    if (typeof module === 'object' && module.exports) module.exports = api;
    return;
  }

  // ---- Browser UI.

  // Captured now: document.currentScript is null once this script has run.
  var thisScript = document.currentScript;
  var EMPTY = '没有找到相关内容';
  var DEBOUNCE_MS = 120;
  var PAGE_RESULTS = 20;
  var DROPDOWN_RESULTS = 8;
  var KIND_LABELS = { article: '文章', recommendation: '摘录' };

  function siteRoot() {
    var script = thisScript;
    var declared = (script && script.getAttribute('data-root')) || document.documentElement.getAttribute('data-root');
    if (declared !== null && declared !== undefined) return new URL(declared, document.baseURI).href;
    if (script && script.src) return new URL('.', script.src).href;
    return new URL('/', document.baseURI).href;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function appendHighlighted(parent, text, words) {
    highlight(text, words).forEach(function (seg) {
      parent.appendChild(seg[1] ? el('mark', '', seg[0]) : document.createTextNode(seg[0]));
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

  /** The topic whose name shares the most characters with `query`. */
  function nearestTopic(query, topics) {
    var best = null, bestShared = 0;
    (topics || []).forEach(function (topic) {
      var shared = Array.from(new Set(Array.from(topic[0]))).filter(function (c) { return query.indexOf(c) >= 0; }).length;
      if (shared > bestShared) {
        bestShared = shared;
        best = topic;
      }
    });
    return best;
  }

  function start() {
    var input = document.getElementById('q') || document.querySelector('form[role="search"] input[type="search"]');
    if (!input) return;
    var form = input.form;
    var root = siteRoot();
    var engine = new Engine(root, fetchJson);
    var page = document.getElementById('search-results');
    var status = document.getElementById('search-status');
    var box = page || el('div', 'search-dropdown');
    if (!page) {
      box.hidden = true;
      box.id = 'search-dropdown';
      input.setAttribute('aria-controls', box.id);
      input.setAttribute('autocomplete', 'off');
      if (form) form.classList.add('has-dropdown');
      input.insertAdjacentElement('afterend', box);
    }
    var active = -1;
    var sequence = 0;
    // Facet choices of the results page, as in the URL: `region` undefined
    // until the reader chooses (the query's place applies), '' for none.
    var filters = { region: undefined, topic: '', expand: [] };
    var timer = 0;
    var loading = null;

    function ensureLoaded() {
      if (!loading) {
        loading = engine.load().catch(function (err) {
          loading = null;
          throw err;
        });
      }
      return loading;
    }

    function setOpen(open) {
      if (page) return;
      box.hidden = !open;
      if (!open) active = -1;
    }

    function links() {
      return Array.prototype.slice.call(box.querySelectorAll('a.search-result-link'));
    }

    function setActive(index) {
      var all = links();
      if (all.length === 0) return;
      active = (index + all.length) % all.length;
      all.forEach(function (a, i) {
        a.parentNode.classList.toggle('active', i === active);
      });
      all[active].scrollIntoView({ block: 'nearest' });
    }

    /** The results page for `query`, page `number`, with `choice`
     *  ({region, topic}; a missing region leaves the query's place to apply). */
    function pageUrl(query, number, choice) {
      var url = new URL('search/', root);
      url.searchParams.set('q', query);
      if (choice && choice.region !== undefined) url.searchParams.set('region', choice.region);
      if (choice && choice.topic) url.searchParams.set('topic', choice.topic);
      if (number > 1) url.searchParams.set('page', String(number));
      return url.href;
    }

    function card(r, words) {
      var item = el('li', 'search-result search-' + r.kind);
      var link = el('a', 'search-result-link');
      link.href = new URL(r.url, root).href;
      appendHighlighted(link, r.title, words);
      item.appendChild(link);
      var meta = el('p', 'search-meta');
      meta.appendChild(el('span', 'search-kind kind-' + r.kind, KIND_LABELS[r.kind] || r.kind));
      if (r.date) {
        var time = el('time', '', r.date);
        time.setAttribute('datetime', r.date);
        meta.appendChild(time);
      }
      item.appendChild(meta);
      if (!page) return item;
      var summary = el('p', 'search-summary');
      appendHighlighted(summary, snippet(r.text, words), words);
      item.appendChild(summary);
      var chips = el('ul', 'search-chips');
      r.regions.forEach(function (region) {
        chips.appendChild(el('li', 'chip chip-region', region.split('/').pop()));
      });
      r.topics.forEach(function (topic) {
        chips.appendChild(el('li', 'chip chip-topic', topic));
      });
      if (chips.childNodes.length) item.appendChild(chips);
      if (r.similar && r.similar.length) {
        var similar = el('details', 'search-similar');
        similar.appendChild(el('summary', '', r.similar.length + ' 篇相似'));
        var others = el('ul', 'search-similar-list');
        similar.appendChild(others);
        // Their titles are fetched when the reader opens the list.
        similar.addEventListener('toggle', function () {
          if (!similar.open || others.childNodes.length) return;
          engine.docs(r.similar).then(function (docs) {
            docs.forEach(function (s) {
              var a = el('a', '', s.title);
              a.href = new URL(s.url, root).href;
              others.appendChild(el('li')).appendChild(a);
            });
          });
        });
        item.appendChild(similar);
      }
      return item;
    }

    /** The facet panel: chosen filters with a clear link each, then counts
     *  by province (a button shows its cities) and by topic. */
    function facetPanel(query, found) {
      var panel = el('aside', 'search-facets');
      panel.setAttribute('aria-label', '筛选结果');
      var choice = { region: found.region || '', topic: found.topic || '' };
      var link = function (label, count, to, current) {
        var a = el('a', 'facet-link', label);
        a.href = pageUrl(query, 1, to);
        if (current) a.setAttribute('aria-current', 'true');
        if (count !== null) {
          // Counts of an estimated result set are those of the documents
          // evaluated: at least that many.
          var n = el('span', 'facet-count', found.approximate ? count + '+' : String(count));
          n.setAttribute('aria-label', (found.approximate ? '至少 ' : '') + count + ' 条');
          a.appendChild(document.createTextNode(' '));
          a.appendChild(n);
        }
        return a;
      };
      if (found.region || found.topic) {
        var chosen = el('ul', 'facet-chosen');
        chosen.setAttribute('aria-label', '已选条件');
        if (found.region) {
          var name = found.region.split('/').pop();
          var label = '地区：' + name;
          if (found.region === found.auto && filters.region === undefined) {
            // A county (昆山市) filters by its city, the finest facet level.
            var named = found.places[0].split('/').pop();
            label = '搜索词中的地点：' + named + (named === name ? '' : '（' + name + '）');
          }
          var clear = link(label, null, { region: '', topic: choice.topic }, false);
          clear.className = 'facet-clear';
          clear.setAttribute('aria-label', '清除' + label);
          clear.appendChild(el('span', 'facet-clear-x', '×')).setAttribute('aria-hidden', 'true');
          chosen.appendChild(el('li')).appendChild(clear);
        }
        if (found.topic) {
          var clearTopic = link('话题：' + found.topic, null, { region: choice.region, topic: '' }, false);
          clearTopic.className = 'facet-clear';
          clearTopic.setAttribute('aria-label', '清除话题：' + found.topic);
          clearTopic.appendChild(el('span', 'facet-clear-x', '×')).setAttribute('aria-hidden', 'true');
          chosen.appendChild(el('li')).appendChild(clearTopic);
        }
        panel.appendChild(chosen);
      }
      // A phone shows a facet's list once its title is tapped, unless a
      // choice is made (or a province opened) in it, so the results stay
      // near the top.
      var narrow = window.matchMedia && window.matchMedia('(max-width: 51.99rem)').matches;
      var section = function (title, chosenHere, list) {
        var group = el('details', 'facet-group');
        group.open = !narrow || chosenHere;
        group.appendChild(el('summary', 'facet-title', title));
        group.appendChild(list);
        panel.appendChild(group);
      };
      if (found.facets.provinces.length) {
        var provinces = el('ul', 'facet-list');
        found.facets.provinces.forEach(function (entry, i) {
          var item = el('li', 'facet-item');
          var chosenHere = found.region && found.region.split('/')[0] === entry[0];
          item.appendChild(link(entry[0], entry[1], { region: entry[0], topic: choice.topic }, found.region === entry[0]));
          var cities = found.facets.cities[entry[0]];
          // The chosen province always shows its cities; others on request.
          var open = (filters.expand.indexOf(entry[0]) >= 0 || chosenHere) && cities;
          var listId = 'facet-cities-' + i;
          if (!chosenHere) {
            var toggle = el('button', 'facet-expand', open ? '收起' : '展开');
            toggle.type = 'button';
            toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
            toggle.setAttribute('aria-label', (open ? '收起' : '展开') + entry[0] + '的城市');
            toggle.setAttribute('data-province', entry[0]);
            if (open) toggle.setAttribute('aria-controls', listId);
            item.appendChild(toggle);
          }
          if (open && cities) {
            var sub = el('ul', 'facet-sub');
            sub.id = listId;
            cities.forEach(function (city) {
              var path = entry[0] + '/' + city[0];
              sub.appendChild(el('li', 'facet-item')).appendChild(link(city[0], city[1], { region: path, topic: choice.topic }, found.region === path));
            });
            item.appendChild(sub);
          }
          provinces.appendChild(item);
        });
        section('地区', !!found.region || filters.expand.length > 0, provinces);
      }
      if (found.facets.topics.length) {
        var topics = el('ul', 'facet-list');
        found.facets.topics.forEach(function (entry) {
          topics.appendChild(el('li', 'facet-item')).appendChild(link(entry[0], entry[1], { region: choice.region, topic: entry[0] }, found.topic === entry[0]));
        });
        section('话题', !!found.topic, topics);
      }
      return panel;
    }

    /** An empty query on the search page: popular searches and topics. */
    function renderLanding() {
      ensureLoaded()
        .then(function (m) {
          if (input.value.trim()) return;
          box.textContent = '';
          if (m.popular && m.popular.length) {
            box.appendChild(el('h2', 'search-landing-title', '大家都在搜'));
            var popular = el('ul', 'search-popular');
            m.popular.forEach(function (q) {
              var a = el('a', '', q);
              a.href = pageUrl(q, 1);
              popular.appendChild(el('li')).appendChild(a);
            });
            box.appendChild(popular);
          }
          if (m.topics && m.topics.length) {
            box.appendChild(el('h2', 'search-landing-title', '按话题浏览'));
            var topics = el('ul', 'search-popular');
            m.topics.forEach(function (t) {
              var a = el('a', '', t[0]);
              a.href = new URL(t[1], root).href;
              topics.appendChild(el('li')).appendChild(a);
            });
            box.appendChild(topics);
          }
        })
        .catch(function () {});
    }

    /** No result: ways to widen the query. */
    function suggestions(query, words) {
      var list = el('ul', 'search-suggest');
      if (words.length > 1) {
        words.forEach(function (alternatives, i) {
          var rest = words.filter(function (_, j) { return j !== i; }).map(function (w) { return w[0]; }).join(' ');
          var a = el('a', '', '去掉“' + alternatives[0] + '”再搜：' + rest);
          a.href = pageUrl(rest, 1);
          list.appendChild(el('li')).appendChild(a);
        });
      }
      var topic = nearestTopic(query, engine.manifest && engine.manifest.topics);
      if (topic) {
        var a = el('a', '', '看看话题：' + topic[0]);
        a.href = new URL(topic[1], root).href;
        list.appendChild(el('li')).appendChild(a);
      }
      return list;
    }

    function renderPage(query, found, number) {
      // On a site too large to count within the byte budget, counts are
      // estimates and say so; the pager goes on while results may follow.
      var about = found.approximate ? '约' : '';
      // Collapsed results are counted exactly only once every result was
      // walked; otherwise the number of pages is an estimate too.
      var aboutPages = found.entriesExact ? '' : '约';
      var pages = Math.max(1, Math.ceil(found.entries / PAGE_RESULTS), found.more ? number + 1 : number);
      var count = found.total ? '共' + about + ' ' + found.total + ' 条结果' : found.partial ? '没有完全匹配的结果' : EMPTY;
      if (found.partial) count += '，另有' + about + ' ' + found.partial + ' 条部分匹配';
      if (status) status.textContent = count;
      var heading = el('p', 'search-query');
      heading.appendChild(document.createTextNode('搜索 '));
      heading.appendChild(el('q', '', query));
      if (pages > 1) heading.appendChild(document.createTextNode(' · 第 ' + number + ' / ' + aboutPages + pages + ' 页'));
      box.appendChild(heading);
      var layout = el('div', 'search-layout');
      var main = el('div', 'search-main');
      if (found.facets.provinces.length || found.facets.topics.length || found.region || found.topic) {
        layout.appendChild(facetPanel(query, found));
      }
      layout.appendChild(main);
      box.appendChild(layout);
      if (found.results.length === 0) {
        main.appendChild(el('p', 'search-empty', EMPTY));
        main.appendChild(suggestions(query, found.words));
        return;
      }
      var list = null;
      found.results.forEach(function (r, i) {
        if (!list || (list.matchedAll && !r.matchedAll)) {
          if (!r.matchedAll) main.appendChild(el('h2', 'search-divider', '部分匹配'));
          list = el('ol', 'search-results' + (r.matchedAll ? '' : ' search-partial'));
          list.matchedAll = r.matchedAll;
          list.start = found.offset + i + 1;
          main.appendChild(list);
        }
        list.appendChild(card(r, found.words));
      });
      if (pages > 1) {
        var nav = el('nav', 'search-pager');
        nav.setAttribute('aria-label', '搜索结果分页');
        var step = function (label, to, rel) {
          if (to < 1 || to > pages) return;
          var a = el('a', 'search-page-link', label);
          a.href = pageUrl(query, to, filters);
          a.rel = rel;
          nav.appendChild(a);
        };
        step('上一页', number - 1, 'prev');
        nav.appendChild(el('span', 'search-page-at', '第 ' + number + ' / ' + aboutPages + pages + ' 页'));
        step('下一页', number + 1, 'next');
        main.appendChild(nav);
      }
    }

    function renderDropdown(query, found) {
      if (found.results.length === 0) {
        box.appendChild(el('p', 'search-empty', EMPTY));
      } else {
        var list = el('ul', 'search-results');
        found.results.forEach(function (r) {
          list.appendChild(card(r, found.words));
        });
        box.appendChild(list);
      }
      var more = el('a', 'search-more', found.total + found.partial > found.results.length ? '查看全部' + (found.approximate ? '约 ' : ' ') + found.total + ' 条结果' : '在搜索页查看');
      more.href = pageUrl(query, 1);
      box.appendChild(more);
      setOpen(true);
    }

    function render(query, found, number, ms) {
      box.textContent = '';
      active = -1;
      if (!query.trim()) {
        setOpen(false);
        if (page) {
          if (status) status.textContent = '';
          renderLanding();
        }
        return;
      }
      if (page) renderPage(query, found, number);
      else renderDropdown(query, found);
      box.setAttribute('data-query', query);
      box.setAttribute('data-ms', String(Math.round(ms)));
    }

    /** Searches for the box's text; `number` is the results page; `done`
     *  runs once its results are shown. */
    function run(number, done) {
      var query = input.value;
      var mine = ++sequence;
      var started = performance.now();
      number = number || 1;
      if (!query.trim()) {
        render(query, null, 1, 0);
        return;
      }
      ensureLoaded()
        .then(function () {
          return page
            ? engine.search(query, PAGE_RESULTS, (number - 1) * PAGE_RESULTS, filters)
            : engine.search(query, DROPDOWN_RESULTS, 0, { region: null });
        })
        .then(function (found) {
          if (mine !== sequence) return;
          render(query, found, number, performance.now() - started);
          if (done) done();
        })
        .catch(function () {
          if (mine !== sequence) return;
          box.textContent = '';
          box.appendChild(el('p', 'search-error', '搜索暂时不可用，请稍后再试'));
          setOpen(true);
        });
    }

    /** Puts the query and results page into the address bar; a new query
     *  starts without facet choices. */
    function remember(number, push) {
      var url = new URL(location.href);
      if (input.value) url.searchParams.set('q', input.value);
      else url.searchParams.delete('q');
      filters = { region: undefined, topic: '', expand: [] };
      url.searchParams.delete('region');
      url.searchParams.delete('topic');
      if (number > 1) url.searchParams.set('page', String(number));
      else url.searchParams.delete('page');
      if (push) history.pushState(null, '', url.href);
      else history.replaceState(history.state, '', url.href);
    }

    function fromUrl() {
      var params = new URL(location.href).searchParams;
      input.value = params.get('q') || '';
      var region = params.get('region');
      filters = { region: region === null ? undefined : region, topic: params.get('topic') || '', expand: filters.expand };
      var number = parseInt(params.get('page') || '1', 10);
      run(number > 0 ? number : 1);
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (page) remember(1, false);
        run(1);
      }, DEBOUNCE_MS);
    }

    input.addEventListener('focus', function () {
      ensureLoaded().catch(function () {});
      if (!page && box.childNodes.length && input.value.trim()) setOpen(true);
    });
    input.addEventListener('input', schedule);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        if (!page && box.hidden && box.childNodes.length) setOpen(true);
        setActive(active + (event.key === 'ArrowDown' ? 1 : -1));
      } else if (event.key === 'Enter' && active >= 0 && links()[active]) {
        event.preventDefault();
        location.href = links()[active].href;
      } else if (event.key === 'Escape' && !page && !box.hidden) {
        event.preventDefault();
        setOpen(false);
      }
    });
    if (!page) {
      document.addEventListener('click', function (event) {
        if (!box.contains(event.target) && event.target !== input) setOpen(false);
      });
      (form || input).addEventListener('focusout', function (event) {
        var next = event.relatedTarget;
        if (!next || !(form || input).contains(next)) setOpen(false);
      });
      box.addEventListener('keydown', function (event) {
        if (event.key === 'Escape') {
          setOpen(false);
          input.focus();
        }
      });
    }
    if (page) {
      if (form) {
        // Already on the results page: search in place instead of reloading.
        form.addEventListener('submit', function (event) {
          event.preventDefault();
          clearTimeout(timer);
          remember(1, false);
          run(1);
        });
      }
      box.addEventListener('click', function (event) {
        var toggle = event.target.closest && event.target.closest('button.facet-expand');
        if (toggle) {
          var province = toggle.getAttribute('data-province');
          var at = filters.expand.indexOf(province);
          if (at >= 0) filters.expand.splice(at, 1);
          else filters.expand.push(province);
          var params = new URL(location.href).searchParams;
          run(parseInt(params.get('page') || '1', 10) || 1, function () {
            var again = box.querySelector('button.facet-expand[data-province="' + CSS.escape(province) + '"]');
            if (again) again.focus();
          });
          return;
        }
        var link = event.target.closest && event.target.closest('a.search-page-link, .search-popular a, .search-suggest a, .search-facets a');
        if (!link || new URL(link.href).pathname !== location.pathname) return;
        event.preventDefault();
        history.pushState(null, '', link.href);
        fromUrl();
        window.scrollTo(0, 0);
      });
      window.addEventListener('popstate', fromUrl);
      fromUrl();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
