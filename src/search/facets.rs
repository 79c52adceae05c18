//! What the results page counts and filters by — each document's province,
//! city and topics — and its near-duplicate group, in a few kilobytes
//! however many documents a query matches.
//!
//! Documents are numbered in facet order ([`order_key`]: the province of
//! their first region, their set of topics, the city of their first region,
//! then URL), so one province's documents are one range of numbers, cut into
//! runs of one topic set, and the province's own file cuts the same range
//! into runs of one city. The client finds a document's facets from run
//! lengths, so the cost grows with the number of distinct (province, topic
//! set) and (province, city) runs, which the gazetteer and the topic list
//! bound, not with the number of documents. Counting the whole result set
//! then needs no byte per document.
//!
//! ```text
//! f/index.json  {"provinces": [name, …],   number 0 is "" (no region)
//!                "topics": [name, …],
//!                "sets": [[topic number, …], …],
//!                "runs": [[province, "set length set length …"], …],
//!                "extra": [[document, [province, …]], …],
//!                "grouped": "range range …"}
//! f/<p>.json    {"cities": [name, …],      number 0 is "" (the province itself)
//!                "runs": "city length city length …",
//!                "extra": [[document, [city, …]], …]}
//! f/r/<r>.json  "document group document group …"
//! f/g/<g>.json  "document document …"
//! ```
//!
//! `runs` covers every document in order; a province's file covers that
//! province's range. `extra` lists the documents tagged with several
//! provinces (or cities of `p`, or tagged in `p` but numbered in another
//! province's range), with all of them. Near-duplicate groups (of at least
//! two documents) are numbered in the order of their members; `f/r/<r>.json`
//! gives the group of each grouped document of range `r` (documents
//! `r·GROUP_RANGE_DOCS` onwards, [`GROUP_RANGE_DOCS`] of them; each document
//! as the delta from the previous one, the first from the range's start),
//! `grouped` the ranges that have such a file (as deltas), and
//! `f/g/<g>.json` the members of group `g` (as deltas). None of them is
//! read whole by a query: groups grow with the site (26 KB at 106k
//! documents), and a results page needs the groups of the results it shows.
//! Numbers inside strings are packed as the postings' deltas
//! ([`super::shards::DIGITS`], 5 bits a digit, plus 32 while more follow).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::json;

use super::SearchDoc;
use super::shards::push_delta;

/// Documents per file of `f/r/`: a results page looks up the groups of the
/// twenty-odd results it walks, each in the file of its range, so a file
/// holds a few hundred bytes however large the site.
pub const GROUP_RANGE_DOCS: u32 = 256;

/// Sort key of a document's number: province, topic set, city, then
/// near-duplicate group, so that a group whose members share their facets
/// is one run of numbers.
pub(super) fn order_key(doc: &SearchDoc) -> (String, Vec<String>, String, String) {
    let first = doc.regions.first().map_or("", String::as_str);
    (province(first).to_string(), topic_set(doc), city(first).to_string(), doc.group.clone())
}

fn province(path: &str) -> &str {
    path.split('/').next().unwrap_or("")
}

/// The second level of a path (`深圳市` of `广东省/深圳市/南山区`); empty for
/// a province.
fn city(path: &str) -> &str {
    path.split('/').nth(1).unwrap_or("")
}

fn topic_set(doc: &SearchDoc) -> Vec<String> {
    let mut topics = doc.topics.clone();
    topics.sort();
    topics.dedup();
    topics
}

/// Numbers of distinct names, `""` first.
fn numbering<'a>(names: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, u32> {
    let set: BTreeSet<&str> = names.chain([""]).collect();
    set.into_iter().enumerate().map(|(n, name)| (name, n as u32)).collect()
}

fn packed(numbers: &[u32]) -> String {
    let mut out = Vec::new();
    numbers.iter().for_each(|&n| push_delta(&mut out, n));
    String::from_utf8(out).expect("digits are ASCII")
}

/// Differences of ascending `numbers`, the first from 0.
fn deltas(numbers: &[u32]) -> Vec<u32> {
    let mut previous = 0;
    numbers
        .iter()
        .map(|&n| {
            let delta = n - previous;
            previous = n;
            delta
        })
        .collect()
}

/// Appends `(value, 1)` to run-length pairs, or lengthens the last run.
fn extend_runs(runs: &mut Vec<u32>, value: u32) {
    match runs.len() {
        n if n >= 2 && runs[n - 2] == value => runs[n - 1] += 1,
        _ => runs.extend([value, 1]),
    }
}

/// The files of the module doc, named relative to `f/`, for `docs` in
/// document-number order.
pub(super) fn files(docs: &[&SearchDoc]) -> Vec<(String, Vec<u8>)> {
    let provinces = numbering(docs.iter().flat_map(|d| d.regions.iter().map(|r| province(r))));
    let topics = numbering(docs.iter().flat_map(|d| d.topics.iter().map(String::as_str)));
    let sets: BTreeMap<Vec<u32>, u32> = {
        let all: BTreeSet<Vec<u32>> =
            docs.iter().map(|d| topic_set(d).iter().map(|t| topics[t.as_str()]).collect()).collect();
        all.into_iter().enumerate().map(|(n, set)| (set, n as u32)).collect()
    };
    let set_of = |d: &SearchDoc| -> u32 { sets[&topic_set(d).iter().map(|t| topics[t.as_str()]).collect::<Vec<_>>()] };
    let primary = |d: &SearchDoc| provinces[province(d.regions.first().map_or("", String::as_str))];

    let mut runs: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut ranges: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    let mut extra = Vec::new();
    // The documents tagged in each province, for its own file: collected
    // here, where scanning every document once per province made that file
    // the longest serial step of a rebuild.
    let mut tagged_in: Vec<Vec<usize>> = vec![Vec::new(); provinces.len()];
    for (n, doc) in docs.iter().enumerate() {
        let p = primary(doc);
        if runs.last().is_none_or(|(last, _)| *last != p) {
            runs.push((p, Vec::new()));
        }
        let pairs = &mut runs.last_mut().expect("pushed above").1;
        extend_runs(pairs, set_of(doc));
        ranges.entry(p).or_insert((n, n)).1 = n + 1;
        let tagged: BTreeSet<u32> = doc.regions.iter().map(|r| provinces[province(r)]).collect();
        tagged.iter().for_each(|&p| tagged_in[p as usize].push(n));
        if tagged.len() > 1 {
            extra.push(json!([n, tagged]));
        }
    }

    let mut groups: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (n, doc) in docs.iter().enumerate().filter(|(_, d)| !d.group.is_empty()) {
        groups.entry(doc.group.as_str()).or_default().push(n as u32);
    }
    let mut groups: Vec<Vec<u32>> = groups.into_values().filter(|docs| docs.len() > 1).collect();
    groups.sort();
    // (document, group number) of every grouped document, by document.
    let mut grouped: Vec<(u32, u32)> =
        groups.iter().enumerate().flat_map(|(g, docs)| docs.iter().map(move |&d| (d, g as u32))).collect();
    grouped.sort_unstable();
    let mut grouped_ranges = Vec::new();
    let mut range_files = Vec::new();
    for members in grouped.chunk_by(|a, b| a.0 / GROUP_RANGE_DOCS == b.0 / GROUP_RANGE_DOCS) {
        let range = members[0].0 / GROUP_RANGE_DOCS;
        let mut previous = range * GROUP_RANGE_DOCS;
        let mut numbers = Vec::new();
        for &(doc, group) in members {
            numbers.extend([doc - previous, group]);
            previous = doc;
        }
        grouped_ranges.push(range);
        range_files.push((format!("r/{range}.json"), json!(packed(&numbers)).to_string().into_bytes()));
    }
    let group_files = groups
        .iter()
        .enumerate()
        .map(|(g, docs)| (format!("g/{g}.json"), json!(packed(&deltas(docs))).to_string().into_bytes()));

    let index = json!({
        "provinces": provinces.keys().collect::<Vec<_>>(),
        "topics": topics.keys().filter(|t| !t.is_empty()).collect::<Vec<_>>(),
        "sets": sets.keys().map(|set| set.iter().map(|t| t - 1).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "runs": runs.iter().map(|(p, pairs)| json!([p, packed(pairs)])).collect::<Vec<_>>(),
        "extra": extra,
        "grouped": packed(&deltas(&grouped_ranges)),
    });
    let mut files = vec![("index.json".to_string(), index.to_string().into_bytes())];
    files.extend(range_files);
    files.extend(group_files);

    let province_files: Vec<(String, Vec<u8>)> = provinces
        .par_iter()
        .filter(|(name, _)| !name.is_empty())
        .map(|(&name, &p)| {
            let in_province = |r: &&String| province(r) == name;
            let tagged_docs = &tagged_in[p as usize];
            let cities = numbering(
                tagged_docs.iter().flat_map(|&n| docs[n].regions.iter().filter(in_province).map(|r| city(r))),
            );
            let (start, end) = ranges.get(&p).copied().unwrap_or((0, 0));
            let mut pairs = Vec::new();
            for doc in &docs[start..end] {
                extend_runs(&mut pairs, cities[city(&doc.regions[0])]);
            }
            let extra: Vec<_> = tagged_docs
                .iter()
                .filter_map(|&n| {
                    let tagged: BTreeSet<u32> =
                        docs[n].regions.iter().filter(in_province).map(|r| cities[city(r)]).collect();
                    let numbered_here = (start..end).contains(&n);
                    (tagged.len() > 1 || !numbered_here).then(|| json!([n, tagged]))
                })
                .collect();
            let file = json!({
                "cities": cities.keys().collect::<Vec<_>>(),
                "runs": packed(&pairs),
                "extra": extra,
            });
            (format!("{p}.json"), file.to_string().into_bytes())
        })
        .collect();
    files.extend(province_files);
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::shards::DIGITS;

    fn doc(url: &str, regions: &[&str], topics: &[&str], group: &str) -> SearchDoc<'static> {
        SearchDoc {
            url: url.into(),
            title: String::new(),
            answer: String::new(),
            body: "".into(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            kind: "article".into(),
            summary: String::new(),
            date: String::new(),
            group: group.into(),
        }
    }

    fn unpack(text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let (mut n, mut shift) = (0, 0);
        for c in text.bytes() {
            let digit = DIGITS.iter().position(|&d| d == c).unwrap() as u32;
            if digit >= 32 {
                n |= (digit - 32) << shift;
                shift += 5;
            } else {
                out.push(n | (digit << shift));
                (n, shift) = (0, 0);
            }
        }
        out
    }

    /// Province and topic names of every document, read back from the runs
    /// as `search.js` reads them.
    fn read_back(index: &serde_json::Value) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for run in index["runs"].as_array().unwrap() {
            let province = index["provinces"][run[0].as_u64().unwrap() as usize].as_str().unwrap().to_string();
            for pair in unpack(run[1].as_str().unwrap()).chunks(2) {
                let topics: Vec<String> = index["sets"][pair[0] as usize]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| index["topics"][t.as_u64().unwrap() as usize].as_str().unwrap().to_string())
                    .collect();
                out.extend((0..pair[1]).map(|_| (province.clone(), topics.clone())));
            }
        }
        out
    }

    #[test]
    fn every_document_reads_back_its_province_topics_and_city() {
        let docs = [
            doc("a/", &["广东省/深圳市/南山区"], &["生育保险"], ""),
            doc("b/", &[], &["异地就医"], ""),
            doc("c/", &["广东省"], &["生育保险", "参保缴费"], ""),
            doc("d/", &["广东省/广州市"], &["生育保险"], "g"),
            doc("e/", &["四川省/巴中市", "广东省/深圳市"], &[], ""),
            doc("f/", &["广东省/广州市"], &["生育保险"], "g"),
        ];
        let mut refs: Vec<&SearchDoc> = docs.iter().collect();
        refs.sort_by_cached_key(|d| (order_key(d), d.url.clone()));
        let files = files(&refs);
        let index: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        let read = read_back(&index);
        assert_eq!(read.len(), docs.len(), "the runs cover every document");
        for (n, d) in refs.iter().enumerate() {
            let first = d.regions.first().map_or("", |r| province(r));
            assert_eq!(read[n].0, first, "{}", d.url);
            assert_eq!(read[n].1, topic_set(d), "{}", d.url);
        }
        let e = refs.iter().position(|d| d.url == "e/").unwrap();
        assert_eq!(index["extra"], serde_json::json!([[e, [1, 2]]]), "both provinces of e/");
        // d/ and f/ are group 0; range 0 holds them and is listed.
        let d = refs.iter().position(|d| d.url == "d/").unwrap() as u32;
        let f = refs.iter().position(|d| d.url == "f/").unwrap() as u32;
        assert_eq!(unpack(index["grouped"].as_str().unwrap()), [0]);
        let file = |name: &str| -> Vec<u32> {
            let (_, bytes) = files.iter().find(|(n, _)| n == name).unwrap();
            unpack(serde_json::from_slice::<String>(bytes).unwrap().as_str())
        };
        assert_eq!(file("r/0.json"), [d, 0, f - d, 0], "each grouped document and its group");
        assert_eq!(file("g/0.json"), [d, f - d], "the group's members");

        let (name, bytes) =
            files.iter().find(|(_, bytes)| bytes.starts_with("{\"cities\":[\"\",\"广州市\"".as_bytes())).unwrap();
        let guangdong: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(
            name,
            &format!("{}.json", index["provinces"].as_array().unwrap().iter().position(|p| p == "广东省").unwrap())
        );
        assert_eq!(guangdong["cities"], serde_json::json!(["", "广州市", "深圳市"]));
        // e/ is numbered with 四川省 but is tagged 深圳市 too.
        assert_eq!(guangdong["extra"], serde_json::json!([[e, [2]]]));
        let cities: u32 = unpack(guangdong["runs"].as_str().unwrap()).chunks(2).map(|pair| pair[1]).sum();
        assert_eq!(cities, 4, "a run per document numbered in 广东省");
    }
}
