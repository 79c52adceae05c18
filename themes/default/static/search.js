/*
 * policypress search client: plain JS, no third-party code.
 *
 * DOM contract with the theme templates ({root} is the relative path from the
 * page to the site root, e.g. `../../`, or `./` on the home page):
 *
 *   html[lang="zh-CN"][data-root="{root}"]
 *   form.site-search[role="search"][action="{root}search/"]  (every page header)
 *     > input#q[type="search"][name="q"]
 *   div#search-results[aria-live="polite"]                (search/ page only)
 *   script[src="{root}search.js"][defer]                  (every page)
 *
 * (Written as selectors: a closing tag in this file would keep the build
 * from minifying it.)
 *
 * The site root is taken from `data-root` on this <script> tag, else on
 * <html>, else the directory this file was loaded from; every URL (index
 * files, result links) is resolved against it, so the site works under any
 * base path.
 *
 * On the search page the header box drives the results list: it is filled
 * from `?q=`, searches as you type (debounced) and keeps `?q=` current with
 * history.replaceState so the URL can be shared. On other pages typing
 * shows a short dropdown; Enter without a highlighted result submits the
 * form to search/. ArrowUp/ArrowDown move through results, Enter opens one.
 *
 * Results are built with createElement/textContent only: no string from the
 * index or the query ever reaches innerHTML. Classes for the theme's CSS:
 * .search-dropdown (the box under the header input, toggled with `hidden`),
 * .search-status (the query and count), .search-empty, .search-error,
 * ol.search-results > li.search-result.search-{article|recommendation}
 * (.active when chosen by keyboard) > a.search-result-link, p.search-summary,
 * ul.search-chips > li.chip.chip-region / li.chip.chip-topic; matches are
 * <mark>; .search-more links the dropdown to the full results.
 *
 * The index (written by src/search/shards.rs) is loaded lazily on first
 * focus or input: search/manifest.json, then one term chunk per query term
 * and the metadata fragments of the results shown.
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
      if (m.version !== 2) throw new Error('unsupported search index version ' + m.version);
      self.manifest = m;
      return m;
    });
  };

  Engine.prototype.postings = function (term) {
    var m = this.manifest;
    var bucket = fnv1a(term) % m.buckets;
    return this.get('search/' + m.base + 't/' + bucket + '.json').then(function (chunk) {
      return Object.prototype.hasOwnProperty.call(chunk, term) ? chunk[term] : null;
    });
  };

  Engine.prototype.docs = function (numbers) {
    var m = this.manifest;
    var self = this;
    return Promise.all(
      numbers.map(function (n) {
        var fragment = Math.floor(n / m.fragment);
        return self.get('search/' + m.base + 'd/' + fragment + '.json').then(function (rows) {
          var row = rows[n - fragment * m.fragment];
          return { url: row[0], title: row[1], summary: row[2], kind: row[3], regions: row[4], topics: row[5] };
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

  // Long pasted queries are cut to this many terms (a bitmask per document
  // records which terms it matched).
  var MAX_TERMS = 30;

  /** The terms of `query` (as queryTerms) and, for each, the query
   *  characters it covers: a bigram covers its two characters. */
  function queryPlan(query) {
    var terms = [];
    var covers = [];
    var slots = 0;
    runs(query).forEach(function (run) {
      var add = function (term, from, to) {
        var at = terms.indexOf(term);
        if (at < 0) {
          if (terms.length === MAX_TERMS) return;
          at = terms.push(term) - 1;
          covers.push([]);
        }
        for (var s = from; s < to; s++) covers[at].push(slots + s);
      };
      if (!run.han || run.chars.length === 1) add(run.chars.join(''), 0, 1);
      else for (var i = 0; i + 1 < run.chars.length; i++) add(run.chars[i] + run.chars[i + 1], i, i + 2);
      slots += run.han ? run.chars.length : 1;
    });
    return { terms: terms, covers: covers, slots: slots };
  }

  /**
   * Ranked matches of `query`. A document "matches all" when the terms it
   * contains cover every query character, so `个人账户充值` fully matches
   * a page with `个人账户` and `充值` apart although it lacks the junction
   * bigram `户充`; terms too common to narrow anything (marked `cut` in
   * the chunk) count as present everywhere. Order: characters covered,
   * then BM25 score with field boosts, then document number, so results
   * are stable. Documents covering under half the characters are dropped.
   * Resolves to {total, hits: [{doc, score, matchedAll}]}.
   */
  Engine.prototype.rank = function (query) {
    var self = this;
    var plan = queryPlan(query);
    if (plan.terms.length === 0) return Promise.resolve({ total: 0, hits: [] });
    return (this.manifest ? Promise.resolve(this.manifest) : this.load()).then(function (m) {
      return Promise.all(plan.terms.map(function (t) { return self.postings(t); })).then(function (lists) {
        var scores = new Map();
        var masks = new Map();
        var everywhere = 0;
        lists.forEach(function (entry, t) {
          if (!entry) return;
          var df = entry[0], packed = entry[2];
          if (entry[1]) everywhere |= 1 << t;
          var idf = Math.log(1 + (m.docs - df + 0.5) / (df + 0.5));
          var doc = 0, i = 0;
          while (i < packed.length) {
            // Packed as shards.rs documents: delta in 5-bit groups (+32 while
            // more follow), field mask, one weight per field in the mask.
            var digit = DIGIT[packed.charCodeAt(i++)], delta = 0, shift = 1;
            while (digit >= 32) {
              delta += (digit - 32) * shift;
              shift *= 32;
              digit = DIGIT[packed.charCodeAt(i++)];
            }
            doc += delta + digit * shift;
            var mask = DIGIT[packed.charCodeAt(i++)];
            var s = 0;
            for (var f = 0; f < m.fields.length; f++) {
              if (mask & (1 << f)) s += m.boosts[f] * DIGIT[packed.charCodeAt(i++)];
            }
            scores.set(doc, (scores.get(doc) || 0) + (idf * s) / m.scale);
            masks.set(doc, (masks.get(doc) || 0) | (1 << t));
          }
        });
        var coverage = new Map();
        var covered = function (mask) {
          mask |= everywhere;
          if (!coverage.has(mask)) {
            var seen = new Set();
            plan.covers.forEach(function (slots, t) {
              if (mask & (1 << t)) slots.forEach(function (s) { seen.add(s); });
            });
            coverage.set(mask, seen.size);
          }
          return coverage.get(mask);
        };
        var hits = [];
        scores.forEach(function (score, doc) {
          var n = covered(masks.get(doc));
          if (n * 2 >= plan.slots) hits.push({ doc: doc, score: score, covered: n, matchedAll: n === plan.slots });
        });
        hits.sort(function (a, b) {
          return b.covered - a.covered || b.score - a.score || a.doc - b.doc;
        });
        return { total: hits.length, hits: hits };
      });
    });
  };

  /** The first `limit` results of `query` with their metadata. */
  Engine.prototype.search = function (query, limit) {
    var self = this;
    return this.rank(query).then(function (ranked) {
      var top = ranked.hits.slice(0, limit);
      return self.docs(top.map(function (h) { return h.doc; })).then(function (docs) {
        return {
          total: ranked.total,
          results: top.map(function (h, i) {
            return Object.assign({ score: h.score, matchedAll: h.matchedAll }, docs[i]);
          }),
        };
      });
    });
  };

  // ---- Highlighting.

  /** [text, isMatch] segments of `text` marking every occurrence of the
   *  query's Han bigrams/characters and words, compared after folding. */
  function highlight(text, query) {
    var chars = Array.from(String(text));
    var folded = chars.map(function (c) { return String.fromCodePoint(fold(c.codePointAt(0))); });
    var marks = new Array(chars.length).fill(false);
    var needles = queryTerms(query).map(function (t) { return Array.from(t); });
    needles.forEach(function (needle) {
      for (var i = 0; i + needle.length <= folded.length; i++) {
        var hit = true;
        for (var j = 0; j < needle.length && hit; j++) hit = folded[i + j] === needle[j];
        if (hit) for (var k = 0; k < needle.length; k++) marks[i + k] = true;
      }
    });
    var segments = [];
    chars.forEach(function (c, i) {
      var last = segments[segments.length - 1];
      if (last && last[1] === marks[i]) last[0] += c;
      else segments.push([c, marks[i]]);
    });
    return segments;
  }

  var api = { tokenize: tokenize, queryTerms: queryTerms, fnv1a: fnv1a, highlight: highlight, Engine: Engine };

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

  function appendHighlighted(parent, text, query) {
    highlight(text, query).forEach(function (seg) {
      parent.appendChild(seg[1] ? el('mark', '', seg[0]) : document.createTextNode(seg[0]));
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

  function start() {
    var input = document.getElementById('q');
    if (!input) return;
    var form = input.form;
    var root = siteRoot();
    var engine = new Engine(root, fetchJson);
    var page = document.getElementById('search-results');
    var box = page || el('div', 'search-dropdown');
    if (!page) {
      box.hidden = true;
      box.id = 'search-dropdown';
      input.setAttribute('aria-controls', box.id);
      input.setAttribute('autocomplete', 'off');
      input.insertAdjacentElement('afterend', box);
    }
    var active = -1;
    var sequence = 0;
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

    function links() {
      return Array.prototype.slice.call(box.querySelectorAll('a.search-result-link'));
    }

    function setActive(index) {
      var all = links();
      if (all.length === 0) return;
      active = (index + all.length) % all.length;
      all.forEach(function (a, i) {
        a.parentNode.classList.toggle('active', i === active);
        a.setAttribute('aria-selected', i === active ? 'true' : 'false');
      });
      all[active].scrollIntoView({ block: 'nearest' });
    }

    function render(query, found, ms) {
      box.textContent = '';
      active = -1;
      if (!query.trim()) {
        if (!page) box.hidden = true;
        return;
      }
      var status = el('p', 'search-status');
      status.appendChild(el('q', '', query));
      status.appendChild(document.createTextNode(found.total ? ' 共 ' + found.total + ' 条结果' : ''));
      if (page) box.appendChild(status);
      if (found.results.length === 0) {
        box.appendChild(el('p', 'search-empty', EMPTY));
      } else {
        var list = el('ol', 'search-results');
        list.setAttribute('role', 'listbox');
        found.results.forEach(function (r) {
          var item = el('li', 'search-result search-' + r.kind);
          var link = el('a', 'search-result-link');
          link.href = new URL(r.url, root).href;
          link.setAttribute('role', 'option');
          appendHighlighted(link, r.title, query);
          item.appendChild(link);
          var summary = el('p', 'search-summary');
          appendHighlighted(summary, r.summary, query);
          item.appendChild(summary);
          var chips = el('ul', 'search-chips');
          r.regions.forEach(function (region) {
            chips.appendChild(el('li', 'chip chip-region', region.split('/').pop()));
          });
          r.topics.forEach(function (topic) {
            chips.appendChild(el('li', 'chip chip-topic', topic));
          });
          if (chips.childNodes.length) item.appendChild(chips);
          list.appendChild(item);
        });
        box.appendChild(list);
        if (!page && found.total > found.results.length) {
          var more = el('a', 'search-more', '查看全部 ' + found.total + ' 条结果');
          more.href = new URL('search/?q=' + encodeURIComponent(query), root).href;
          box.appendChild(more);
        }
      }
      if (!page) box.hidden = false;
      box.setAttribute('data-query', query);
      box.setAttribute('data-ms', String(Math.round(ms)));
    }

    function run() {
      var query = input.value;
      var mine = ++sequence;
      var started = performance.now();
      if (page) {
        var url = new URL(location.href);
        if (query) url.searchParams.set('q', query);
        else url.searchParams.delete('q');
        history.replaceState(history.state, '', url.href);
      }
      if (!query.trim()) {
        render(query, { total: 0, results: [] }, 0);
        return;
      }
      ensureLoaded()
        .then(function () {
          return engine.search(query, page ? PAGE_RESULTS : DROPDOWN_RESULTS);
        })
        .then(function (found) {
          if (mine === sequence) render(query, found, performance.now() - started);
        })
        .catch(function () {
          if (mine !== sequence) return;
          box.textContent = '';
          box.appendChild(el('p', 'search-error', '搜索暂时不可用，请稍后再试'));
          if (!page) box.hidden = false;
        });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    }

    input.addEventListener('focus', function () {
      ensureLoaded().catch(function () {});
    });
    input.addEventListener('input', schedule);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setActive(active + (event.key === 'ArrowDown' ? 1 : -1));
      } else if (event.key === 'Enter' && active >= 0 && links()[active]) {
        event.preventDefault();
        location.href = links()[active].href;
      } else if (event.key === 'Escape' && !page) {
        box.hidden = true;
      }
    });
    if (!page) {
      document.addEventListener('click', function (event) {
        if (!box.contains(event.target) && event.target !== input) box.hidden = true;
      });
    }
    if (page && form) {
      // Already on the results page: search in place instead of reloading.
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        clearTimeout(timer);
        run();
      });
    }

    if (page) {
      var initial = new URL(location.href).searchParams.get('q');
      if (initial) {
        input.value = initial;
        run();
      }
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
