//! Recommendation dedup on a labeled set built from the five real pages
//! plus variants made from them: every variant merges, no two distinct
//! snippets merge, near-duplicate grouping is measured on labeled pairs, and
//! the store does not depend on import order.

use crate::common;

use std::collections::{BTreeMap, HashMap};
use std::fs;

use common::{import_into, raw_pages, snapshot};
use policypress::dedup::{DedupInput, Merged, Sighting, Snippet, group_near_duplicates, merge};
use policypress::import::page::parse_page;
use policypress::text::normalize_key;
use proptest::prelude::*;

/// The 100 snippets of the five pages as sightings on their page.
fn originals() -> Vec<Sighting> {
    raw_pages()
        .iter()
        .enumerate()
        .flat_map(|(page_id, path)| {
            let page = parse_page(&fs::read_to_string(path).unwrap()).unwrap();
            page.snippets.into_iter().map(move |s| Sighting {
                title: s.title,
                excerpt: s.excerpt,
                category: s.category,
                date: s.date,
                page: page_id as u32,
            })
        })
        .collect()
}

/// Spellings the source produces for the same snippet.
fn variants_of(s: &Sighting, n: usize) -> Vec<Sighting> {
    let chars: Vec<char> = s.excerpt.chars().collect();
    let cut = |len: usize| chars[..len.min(chars.len())].iter().collect::<String>();
    let spaced: String = s.title.chars().flat_map(|c| [c, ' ']).collect();
    let half_width = s.excerpt.replace('，', ",").replace('：', ":").replace('（', "(").replace('）', ")");
    let page = |k: usize| (1000 + n * 10 + k) as u32;
    let with = |title: String, excerpt: String, date: &str, k: usize| Sighting {
        title,
        excerpt,
        category: s.category.clone(),
        date: Some(date.parse().unwrap()),
        page: page(k),
    };
    vec![
        with(spaced, s.excerpt.clone(), "2025-04-20", 0),
        with(s.title.clone(), format!("{}…", cut(30)), "2025-04-20", 1),
        with(s.title.clone(), format!("{}...", cut(60)), "2025-03-01", 2),
        with(s.title.replace('?', "？"), cut(45), "2025-05-02", 3),
        with(s.title.clone(), half_width, "2024-12-31", 4),
        with(format!(" {} ", s.title), s.excerpt.clone(), "2025-04-20", 5),
    ]
}

fn record_of<'a>(records: &'a [Snippet], s: &Sighting) -> &'a Snippet {
    records
        .iter()
        .find(|r| {
            normalize_key(&r.title) == normalize_key(&s.title)
                && normalize_key(&r.excerpt).starts_with(&normalize_key(&s.excerpt))
        })
        .unwrap_or_else(|| panic!("no record for `{}`", s.title))
}

#[test]
fn every_variant_merges_and_no_distinct_snippets_do() {
    let originals = originals();
    assert_eq!(originals.len(), 100);
    let mut sightings = originals.clone();
    for (n, s) in originals.iter().enumerate() {
        sightings.extend(variants_of(s, n));
    }
    let Merged { snippets: records, stats, .. } = merge(sightings.iter().cloned().map(DedupInput::sighting));
    assert_eq!(records.len(), 100, "variants merged into their original, distinct snippets kept apart");
    assert_eq!(stats.variants_merged, 600);
    for s in &originals {
        let record = record_of(&records, s);
        assert_eq!(record.excerpt, s.excerpt, "the longest excerpt is kept");
        assert_eq!(record.seen_on.len(), 7);
        assert_eq!(record.first_seen.unwrap().to_string(), "2024-12-31");
        assert_eq!(record.last_seen.unwrap().to_string(), "2025-05-02");
    }
    let variant_pairs = originals.len() * 6;
    println!("variant pairs: {variant_pairs} merged of {variant_pairs} (recall 1.00, precision 1.00)");
}

/// Pairs of titles (among the real snippets or made from them) that ask the
/// same question or carry the same text.
const SAME: &[(&str, &str)] = &[
    ("没有工作怎么缴纳医保", "没有工作怎么交医保"),
    ("40岁做复合隆胸效果好吗", "40岁做复合隆胸效果好不好"),
    ("40岁做复合隆胸效果好吗", "40岁做复合隆胸效果怎么样"),
    ("40岁做复合隆胸效果好不好", "40岁做复合隆胸效果怎么样"),
    ("40岁做复合隆胸有什么危害", "40岁做复合隆胸的危害"),
    ("40岁做乳头缩小效果好吗", "40岁做乳头缩小效果好不好"),
    ("40岁做乳头缩小效果好吗", "40岁做乳头缩小效果怎么样"),
    ("40岁做乳头缩小效果好不好", "40岁做乳头缩小效果怎么样"),
    ("40岁做乳头缩小的危害", "40岁做乳头缩小有什么危害"),
    ("社保个人帐户里的钱可以取出来吗", "社保个人账户里的钱能取出来吗"),
    ("医保卡余额可以给家人缴纳医保吗", "医保卡里的余额能否帮家人交医保"),
    ("新农合住院报销封顶线是多少", "新农合住院最高能报多少钱"),
];

/// Pairs that share a subject but ask different things.
const DIFFERENT: &[(&str, &str)] = &[
    ("40岁做乳头缩小效果好吗", "40岁做乳头缩小的危害"),
    ("40岁做乳头缩小有什么副作用", "40岁做乳头缩小有什么危害"),
    ("40岁做复合隆胸效果好吗", "40岁做乳头缩小效果好吗"),
    ("北京医保回本地可以用吗", "北京医保怎么转回本地"),
    ("2025年辽宁鞍山出现尿中有糖去哪家医院好", "2025年辽宁鞍山出现尿中有蛋白去哪家医院好"),
    ("2025年辽宁鞍山出现尿中有血去哪家医院好", "2025年辽宁鞍山出现尿色异常去哪家医院好"),
    ("2025年河北秦皇岛治疗白带带血的医院有哪些", "2025年河北秦皇岛治疗血精的医院有哪些"),
    ("广州医保卡怎么私下提现", "广州医保卡提现电话"),
    ("绑定亲情医保卡怎么使用余额", "绑定亲情医保卡可以统筹报销吗"),
    ("灵活就业人员交多久医保可以买药", "灵活就业人员买医保可以报销多少"),
    ("深圳社保缴费比例2024最新标准", "深圳非深户二档社保缴纳比例"),
];

/// Snippets made from real ones: republished under another title with the
/// same text (lightly edited), which grouping must catch by excerpt.
fn republished(originals: &[Sighting]) -> Vec<Sighting> {
    let rewrite = |from: &str, to: &str, edit: fn(&str) -> String| {
        let s = originals.iter().find(|s| s.title == from).unwrap();
        Sighting { title: to.into(), excerpt: edit(&s.excerpt), category: s.category.clone(), date: s.date, page: 999 }
    };
    vec![
        rewrite("社保个人帐户里的钱可以取出来吗", "社保个人账户里的钱能取出来吗", |e| {
            e.replacen("可以", "能", 1)
        }),
        rewrite("医保卡余额可以给家人缴纳医保吗", "医保卡里的余额能否帮家人交医保", |e| format!("答：{e}")),
        rewrite("新农合住院报销封顶线是多少", "新农合住院最高能报多少钱", |e| {
            e.chars().skip(6).collect()
        }),
    ]
}

#[test]
fn near_duplicate_grouping_on_labeled_pairs() {
    let originals = originals();
    let mut sightings = originals.clone();
    sightings.extend(republished(&originals));
    let mut records = merge(sightings.into_iter().map(DedupInput::sighting)).snippets;
    group_near_duplicates(&mut records);
    let group: HashMap<String, String> =
        records.iter().map(|r| (normalize_key(&r.title), r.group.clone().unwrap())).collect();
    let grouped = |a: &str, b: &str| {
        let (ga, gb) = (&group[&normalize_key(a)], &group[&normalize_key(b)]);
        ga == gb
    };
    let true_positives = SAME.iter().filter(|(a, b)| grouped(a, b)).count();
    let false_positives: Vec<_> = DIFFERENT.iter().filter(|(a, b)| grouped(a, b)).collect();
    let recall = true_positives as f64 / SAME.len() as f64;
    let precision = true_positives as f64 / (true_positives + false_positives.len()) as f64;
    println!(
        "near-duplicate pairs: precision {precision:.2}, recall {recall:.2} ({true_positives}/{} same, {} of {} different wrongly grouped)",
        SAME.len(),
        false_positives.len(),
        DIFFERENT.len()
    );
    assert!(false_positives.is_empty(), "different questions grouped: {false_positives:?}");
    assert!(
        recall >= 0.8,
        "recall {recall:.2}: missed {:?}",
        SAME.iter().filter(|(a, b)| !grouped(a, b)).collect::<Vec<_>>()
    );

    // Every multi-member group is one labeled same-question family.
    let family = label_families();
    let mut members: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &records {
        members.entry(r.group.as_deref().unwrap()).or_default().push(&r.title);
    }
    for titles in members.values().filter(|t| t.len() > 1) {
        let families: Vec<Option<&usize>> = titles.iter().map(|t| family.get(&normalize_key(t))).collect();
        assert!(families.iter().all(|f| f.is_some() && *f == families[0]), "unlabeled group {titles:?}");
    }
}

/// Family number of each title in [`SAME`], pairs chained transitively.
fn label_families() -> HashMap<String, usize> {
    let mut family: HashMap<String, usize> = HashMap::new();
    for (i, &(a, b)) in SAME.iter().enumerate() {
        let (a, b) = (normalize_key(a), normalize_key(b));
        let id = family.get(&a).or_else(|| family.get(&b)).copied().unwrap_or(i);
        let old = [family.get(&a).copied(), family.get(&b).copied()];
        for v in family.values_mut() {
            if old.contains(&Some(*v)) {
                *v = id;
            }
        }
        family.insert(a, id);
        family.insert(b, id);
    }
    family
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Importing the pages one at a time in any order gives the same store
    /// as importing them together.
    #[test]
    fn import_order_does_not_change_the_store(order in Just((0..5).collect::<Vec<usize>>()).prop_shuffle()) {
        let pages = raw_pages();
        let together = tempfile::tempdir().unwrap();
        import_into(together.path(), &pages);
        let one_by_one = tempfile::tempdir().unwrap();
        for &i in &order {
            import_into(one_by_one.path(), &[pages[i].clone()]);
        }
        prop_assert_eq!(snapshot(&one_by_one.path().join("recommendations")), snapshot(&together.path().join("recommendations")));
    }
}
