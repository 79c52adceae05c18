//! The search index over the fixture pages, and the throwaway sites the JS
//! tests run against until the real builder writes one.
//!
//! * `POLICYPRESS_WRITE_SITE=dir cargo test --test integration search_site::dev_site`
//!   writes a minimal site (index, search page, one page per document,
//!   search.js) following the DOM contract at the top of search.js.
//! * The 10,000-document synthetic site that measures the index is
//!   `cargo bench --bench search_synthetic`.

use crate::search_support;

use std::fs;
use std::path::{Path, PathBuf};

use policypress::search::{ClientData, IndexFiles, MemberBlocks, SearchDoc, TokenCache, write_index};
use search_support::{fixture_docs, synthetic_docs, write_pages};

/// The index of `docs` written into `dir` as a clean build does, with the
/// elasticlunr file and no token cache.
fn index(docs: &[SearchDoc], dir: &Path) -> IndexFiles {
    write_index(docs, dir, None, true, |_| None, &Default::default(), &TokenCache::disabled()).unwrap()
}

/// [`index`] as a rebuild writes it over the index in `previous`.
fn index_over(docs: &[SearchDoc], dir: &Path, previous: &Path) -> IndexFiles {
    write_index(docs, dir, Some(previous), true, |_| None, &Default::default(), &TokenCache::disabled()).unwrap()
}

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn index_is_byte_identical_whatever_the_input_order_and_on_rebuild() {
    let docs = fixture_docs();
    assert!(docs.len() > 60, "fixtures should yield articles and snippets, got {}", docs.len());
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let stats = index(&docs, a.path()).stats;
    let mut reversed = docs.clone();
    reversed.reverse();
    index(&reversed, b.path());
    assert_eq!(snapshot(a.path()), snapshot(b.path()));
    // A rebuild into the same directory leaves exactly one shard generation.
    index(&docs, a.path());
    assert_eq!(snapshot(a.path()), snapshot(b.path()));

    let on_disk: u64 = snapshot(a.path()).iter().map(|(_, bytes)| bytes.len() as u64).sum();
    assert_eq!(stats.index_bytes, on_disk);
    assert!(stats.monolithic_bytes > 0);
    let distinct_urls: std::collections::BTreeSet<_> = docs.iter().map(|d| &d.url).collect();
    assert_eq!(stats.documents, distinct_urls.len());
    println!(
        "fixture index: {} docs, {} files, {} bytes total, search_index.zh.json {} bytes",
        stats.documents, stats.shard_files, stats.index_bytes, stats.monolithic_bytes
    );
}

#[test]
fn a_changed_document_replaces_the_shard_generation() {
    let mut docs = fixture_docs();
    let dir = tempfile::tempdir().unwrap();
    index(&docs, dir.path());
    let before = fs::read_to_string(dir.path().join("search/manifest.json")).unwrap();
    docs[0].title.push_str("（更新）");
    index(&docs, dir.path());
    let after = fs::read_to_string(dir.path().join("search/manifest.json")).unwrap();
    assert_ne!(before, after);
    let manifest: serde_json::Value = serde_json::from_str(&after).unwrap();
    let mut named: Vec<&str> = [&manifest["chunks"]["dirs"], &manifest["fragments"]["dirs"]]
        .iter()
        .flat_map(|dirs| dirs.as_array().unwrap().iter().map(|d| d.as_str().unwrap()))
        .chain([manifest["facets"].as_str().unwrap()])
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut on_disk: Vec<String> = fs::read_dir(dir.path().join("search"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort_unstable();
    assert_eq!(on_disk, named, "stale shard groups must be removed");
}

#[test]
fn unchanged_shards_are_linked_from_the_previous_site() {
    use std::os::unix::fs::MetadataExt;
    let mut docs = fixture_docs();
    let (old, new, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    index(&docs, old.path());
    // One character of one body: field lengths, and so every other weight, stay.
    let doc = docs.iter_mut().find(|d| d.body.contains('医')).unwrap();
    doc.body = doc.body.replacen('医', "药", 1).into();
    let written = index_over(&docs, new.path(), old.path());
    index(&docs, clean.path());
    assert_eq!(snapshot(new.path()), snapshot(clean.path()), "linking changes no byte");

    let inodes = |dir: &Path| -> std::collections::BTreeSet<u64> {
        let files = walkdir::WalkDir::new(dir).into_iter().map(Result::unwrap).filter(|e| e.file_type().is_file());
        files.map(|e| e.metadata().unwrap().ino()).collect()
    };
    let shared = inodes(new.path()).intersection(&inodes(old.path())).count();
    assert!(shared * 4 > written.files.len() * 3, "{shared} of {} files shared", written.files.len());
    let mut listed = written.files.clone();
    listed.sort();
    let on_disk: Vec<String> =
        snapshot(new.path()).into_iter().map(|(rel, _)| rel.to_string_lossy().into_owned()).collect();
    assert_eq!(listed, on_disk, "the files reported are the files written");
}

#[test]
fn empty_site_gets_a_loadable_empty_index() {
    let dir = tempfile::tempdir().unwrap();
    let stats = index(&[], dir.path()).stats;
    assert_eq!(stats.documents, 0);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("search/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["docs"], 0);
    assert_eq!(manifest["buckets"], 1);
}

#[test]
fn dev_site() {
    let mut docs = fixture_docs();
    // A hostile contribution: the browser test checks it stays text.
    docs.push(SearchDoc {
        url: "recommendations/hostile/".into(),
        title: r#"<svg onload="confirm(9)">恶意标题测试</a><iframe srcdoc=prompt(7)>"#.into(),
        answer: String::new(),
        body: "恶意标题测试的正文<b onmouseover=prompt(8)>粗体</b>".into(),
        regions: Vec::new(),
        topics: vec!["<i>话题</i>".into()],
        kind: "recommendation".into(),
        summary: String::new(),
        date: "2025-01-01".into(),
        group: String::new(),
    });
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    index(&docs, &dir);
    write_pages(&docs, &dir, true);
    let search_page = fs::read_to_string(dir.join("search/index.html")).unwrap();
    assert!(search_page.contains(r#"data-root="../""#) && search_page.contains(r#"id="search-results""#));
    assert!(dir.join("search/manifest.json").is_file());
}

/// Queries of the exactness check, each with the terms a document must
/// hold to match it fully (the bigrams covering every character) and the
/// region it must be tagged within: a place the query names pre-selects its
/// region facet, and a document tagged there holds the place's name in its
/// regions field.
const EXACT_QUERIES: [(&str, &[&str], &str); 6] = [
    ("2025", &["2025"], ""),
    ("异地就医", &["异地", "就医"], ""),
    ("深圳 2025", &["2025"], "广东省/深圳市"),
    ("医保 报销", &["医保", "报销"], ""),
    ("个人账户", &["个人", "账户"], ""),
    ("缴费", &["缴费"], ""),
];

/// For each query of [`EXACT_QUERIES`], the number of `docs` holding all
/// its terms (within its region), counted with the Rust tokenizer.
fn true_counts(docs: &[SearchDoc]) -> serde_json::Map<String, serde_json::Value> {
    let token_sets: Vec<std::collections::HashSet<String>> = docs
        .iter()
        .map(|d| {
            let fields = [&d.title, &d.answer, &d.body.to_string()].map(|t| policypress::search::tokenize(t));
            let lists = d.regions.iter().chain(&d.topics).flat_map(|t| policypress::search::tokenize(t));
            fields.into_iter().flatten().chain(lists).collect()
        })
        .collect();
    EXACT_QUERIES
        .iter()
        .map(|(query, terms, region)| {
            let within = |d: &SearchDoc| region.is_empty() || d.regions.iter().any(|r| r.starts_with(region));
            let count = token_sets
                .iter()
                .zip(docs)
                .filter(|(set, doc)| terms.iter().all(|t| set.contains(*t)) && within(doc))
                .count();
            (query.to_string(), count.into())
        })
        .collect()
}

/// A 3,000-document site and, beside it, `truth.json`: for each query of
/// [`EXACT_QUERIES`] the number of documents holding all its terms, counted
/// with the Rust tokenizer. tests/js/engine.test.mjs checks that search.js
/// reports exactly these counts (`POLICYPRESS_WRITE_SITE=dir`).
#[test]
fn exact_site() {
    let docs = synthetic_docs(3_000);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    write_index(&docs, &dir, None, false, |_| None, &Default::default(), &TokenCache::disabled()).unwrap();
    let truth = true_counts(&docs);
    // A term above the weighted-postings limit is what lost documents before.
    assert!(truth["2025"].as_u64().unwrap() > 400, "{truth:?}");
    fs::write(dir.join("truth.json"), serde_json::to_vec(&truth).unwrap()).unwrap();
}

/// Membership blocks of the scale test: an eighth of a build's 8,192
/// documents, so that its sites are an eighth of the 9,000 and 18,000
/// documents that show the same of the default blocks, and index in an
/// eighth of the time.
const SCALE_BLOCK_DOCS: usize = 1_024;

/// Documents of two sites for the scale tests, the second twice the first
/// (both past one membership block), every tenth in a near-duplicate group
/// of twenty, so that groups grow in number with the site, as snippet
/// variants do.
fn scale_docs(count: usize) -> Vec<SearchDoc<'static>> {
    let mut docs = synthetic_docs(count);
    for (i, doc) in docs.iter_mut().enumerate().filter(|(i, _)| i % 10 == 0) {
        doc.group = format!("group-{}", i / 200);
    }
    docs
}

/// Largest file of each kind under `search/`: `p` (a common term's own
/// file), `m` (a block of its membership), `t` (a chunk), `f/index.json`
/// (without `extra`), `f/r`, `f/g`, the manifest.
fn largest_files(search: &Path) -> std::collections::BTreeMap<String, u64> {
    let mut largest = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(search).into_iter().map(Result::unwrap).filter(|e| e.file_type().is_file()) {
        let rel = entry.path().strip_prefix(search).unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = rel.split('/').collect();
        let kind = match parts[..] {
            [_, "p" | "m" | "t", _] => parts[1].to_string(),
            [_, "f", "index.json"] => "f/index.json".to_string(),
            [_, "f", "r" | "g", _] => format!("f/{}", parts[2]),
            ["manifest.json"] => "manifest".to_string(),
            _ => continue,
        };
        let mut size = entry.metadata().unwrap().len();
        if kind == "f/index.json" {
            // `extra` lists the documents tagged in several provinces, which
            // facet counts need for every result: it grows with them (77 of
            // these 1,125 documents, 1 of the 106k of examples/synth).
            let mut index: serde_json::Value = serde_json::from_slice(&fs::read(entry.path()).unwrap()).unwrap();
            index.as_object_mut().unwrap().remove("extra");
            size = serde_json::to_vec(&index).unwrap().len() as u64;
        }
        let at = largest.entry(kind).or_insert(0);
        *at = (*at).max(size);
    }
    largest
}

/// What a query reads must not grow with the site: no file it may fetch
/// holds per-document data for the whole site. Doubling the documents
/// leaves the largest file of each kind as it was, but for a common term's
/// own file, whose 400 weighted postings take a little more room as the
/// gaps between their documents widen (logarithmically). Before membership
/// blocks, a common term's file and the facet index (with every
/// near-duplicate group) doubled. The sites and blocks are an eighth of a
/// build's (see [`SCALE_BLOCK_DOCS`]). `POLICYPRESS_WRITE_SITE=dir` keeps
/// the sites as `dir/small` and `dir/large` (tests/js/engine.test.mjs
/// measures queries on them).
#[test]
fn doubling_the_site_leaves_every_file_a_query_reads_as_large_as_it_was() {
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    let client = ClientData { member_blocks: MemberBlocks::of(SCALE_BLOCK_DOCS), ..Default::default() };
    let mut sizes = Vec::new();
    for (name, count) in [("small", 1_125), ("large", 2_250)] {
        let out = dir.join(name);
        let docs = scale_docs(count);
        write_index(&docs, &out, None, false, |_| None, &client, &TokenCache::disabled()).unwrap();
        sizes.push(largest_files(&out.join("search")));
        fs::write(out.join("truth.json"), serde_json::to_vec(&true_counts(&docs)).unwrap()).unwrap();
    }
    let (small, large) = (&sizes[0], &sizes[1]);
    assert_eq!(small.keys().collect::<Vec<_>>(), ["f/g", "f/index.json", "f/r", "m", "manifest", "p", "t"]);
    for (kind, &before) in small {
        let after = large[kind];
        let allowed = match kind.as_str() {
            "p" => before * 13 / 10,
            // A range file names the group of each grouped document among
            // 256 numbers, as a delta and a group number (at most 2 + 3
            // digits): documents of one group share their facets and so
            // their numbers, and a larger site fills ranges up to that.
            "f/r" => 256 * 5 + 2,
            _ => before * 11 / 10 + 64,
        };
        assert!(after <= allowed, "largest {kind} file: {before} B at 1,125 documents, {after} B at 2,250");
    }
}

#[test]
fn the_single_file_index_maps_short_refs_to_urls_and_indexes_bodies_while_small() {
    let dir = tempfile::tempdir().unwrap();
    let docs = fixture_docs();
    let stats = index(&docs, dir.path()).stats;
    let text = fs::read(dir.path().join("search_index.zh.json")).unwrap();
    assert_eq!(stats.monolithic_bytes, text.len() as u64);
    assert!(stats.monolithic_bodies);
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(json["ref"], "id");
    let hits = json["index"]["body"]["root"]["账"]["户"]["docs"].as_object().unwrap();
    assert!(!hits.is_empty(), "bodies indexed");
    let mut urls: Vec<&str> = docs.iter().map(|d| d.url.as_str()).collect();
    urls.sort_unstable();
    for reference in hits.keys() {
        assert!(reference.len() <= 3, "short ref {reference}");
        let url = json["documentStore"]["docs"][reference]["url"].as_str().unwrap();
        assert!(urls.binary_search(&url).is_ok(), "{url}");
    }
    assert!(dir.path().join("search/manifest.json").is_file());
}

#[test]
fn the_elasticlunr_file_is_kept_when_nothing_it_covers_changed() {
    use std::os::unix::fs::MetadataExt;
    let mut docs: Vec<SearchDoc> = (0..1000)
        .map(|n| SearchDoc {
            url: format!("articles/{n}/"),
            title: format!("问题{n}"),
            answer: String::new(),
            body: "职工医保个人账户".into(),
            regions: vec![],
            topics: vec![],
            kind: "article".into(),
            summary: String::new(),
            date: String::new(),
            group: String::new(),
        })
        .collect();
    let old = tempfile::tempdir().unwrap();
    let first = index(&docs, old.path()).elasticlunr_digest;
    assert!(first.is_some());
    let inode = |dir: &Path| fs::metadata(dir.join("search_index.zh.json")).unwrap().ino();
    // What the build cache does: offer the old file when the digest matches.
    let offer = |from: &Path| {
        let from = from.join("search_index.zh.json");
        move |digest| (Some(digest) == first).then(|| from.clone())
    };

    // Nothing changed: kept.
    let (kept, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let second = write_index(
        &docs,
        kept.path(),
        Some(old.path()),
        true,
        offer(old.path()),
        &Default::default(),
        &TokenCache::disabled(),
    )
    .unwrap();
    let clean_stats = index(&docs, clean.path()).stats;
    assert_eq!(second.elasticlunr_digest, first);
    assert_eq!(inode(kept.path()), inode(old.path()), "kept, not rewritten");
    assert_eq!(second.stats, clean_stats, "a kept file reports its size and bodies as a written one");
    assert_eq!(snapshot(kept.path()), snapshot(clean.path()));

    // A title edit changes it.
    docs[3].title = "改过的问题".into();
    let (edited, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let third = write_index(
        &docs,
        edited.path(),
        Some(kept.path()),
        true,
        offer(kept.path()),
        &Default::default(),
        &TokenCache::disabled(),
    )
    .unwrap();
    index(&docs, clean.path());
    assert_ne!(third.elasticlunr_digest, first);
    assert_ne!(inode(edited.path()), inode(kept.path()));
    assert_eq!(snapshot(edited.path()), snapshot(clean.path()));
}

/// What a deploy uploads after an edit: the index files that are new or
/// changed. Files keep their path while their group is unchanged, so a
/// one-sentence edit uploads part of the index, not all of it. These
/// documents recombine the sentences of five pages, so nearly every chunk
/// holds a term of the edited one; on a 10k-page site of real-sized pages
/// an edit changes about one file in twenty (README, Benchmarks).
#[test]
fn a_one_sentence_edit_renames_few_index_files() {
    let mut docs = synthetic_docs(3_000);
    let (old, new, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    index(&docs, old.path());
    let article = docs.iter_mut().find(|d| d.kind == "article").unwrap();
    article.body = format!("{}。具体以当地医保经办机构公布为准", article.body).into();
    let written = index_over(&docs, new.path(), old.path());
    index(&docs, clean.path());
    assert_eq!(snapshot(new.path()), snapshot(clean.path()), "the same index as a clean build");

    // Paths and bytes: a deploy uploads a file that is new or changed.
    let before: std::collections::BTreeSet<(PathBuf, Vec<u8>)> = snapshot(old.path()).into_iter().collect();
    let after = snapshot(new.path());
    let uploaded: Vec<&PathBuf> = after.iter().filter(|file| !before.contains(*file)).map(|(rel, _)| rel).collect();
    assert!(
        uploaded.len() * 2 < after.len(),
        "{} of {} index files are new or changed: {:?}",
        uploaded.len(),
        after.len(),
        &uploaded[..uploaded.len().min(5)]
    );
    assert_eq!(after.len(), written.files.len());
}
