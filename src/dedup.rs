//! Recommendation snippets: merging variants of the same snippet, grouping
//! near-duplicates, and recognising snippets that are one of our articles.
//!
//! Input: the distinct snippets already stored plus new [`Sighting`]s.
//! Output: [`Snippet`] records, one per distinct snippet, whose content is a
//! function of the set of sightings only — never of the order they came in.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use crate::model::Date;
use crate::slug::slugify;
use crate::text::{is_han, normalize_key};

/// Pages are numbered while snippets merge, so a snippet seen on 10,000
/// pages costs 4 bytes per page rather than a slug string.
pub type PageId = u32;

/// One snippet as printed on one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub title: String,
    pub excerpt: String,
    pub category: Option<String>,
    pub date: Option<Date>,
    /// The page that printed it.
    pub page: PageId,
}

/// A distinct snippet with everything learned from its sightings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub title: String,
    /// The longest excerpt seen; shorter ones were truncations of it.
    pub excerpt: String,
    pub category: Option<String>,
    pub first_seen: Option<Date>,
    pub last_seen: Option<Date>,
    pub seen_on: BTreeSet<PageId>,
    pub slug: String,
    pub group: Option<String>,
    pub article: Option<String>,
}

impl Snippet {
    fn from_sighting(s: Sighting) -> Snippet {
        Snippet {
            title: s.title,
            excerpt: s.excerpt,
            category: s.category,
            first_seen: s.date,
            last_seen: s.date,
            seen_on: BTreeSet::from([s.page]),
            slug: String::new(),
            group: None,
            article: None,
        }
    }

    fn title_key(&self) -> String {
        normalize_key(&self.title)
    }
}

/// One input to deduplication: a snippet as a page printed it, or a
/// distinct snippet stored by an earlier import.
#[derive(Debug, Clone)]
pub enum DedupInput {
    /// With its key, which callers compute in parallel.
    Sighting(Sighting, SnippetKey),
    Stored(Snippet),
}

impl DedupInput {
    pub fn sighting(sighting: Sighting) -> DedupInput {
        let key = SnippetKey::of(&sighting.title, &sighting.excerpt);
        DedupInput::Sighting(sighting, key)
    }
}

/// What exact repeats are folded by: the normalized title and excerpt.
/// Normalizing is most of the cost of adding a sighting, and unlike adding
/// it can run in parallel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetKey {
    title: String,
    excerpt: String,
}

impl SnippetKey {
    pub fn of(title: &str, excerpt: &str) -> SnippetKey {
        SnippetKey { title: normalize_key(title), excerpt: normalize_key(excerpt) }
    }
}

/// Counts for the import summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DedupStats {
    /// Sightings and stored records that went in.
    pub inputs: usize,
    pub distinct: usize,
    /// Inputs folded into a record that already had them in another spelling
    /// or truncation (`inputs - distinct`).
    pub variants_merged: usize,
    /// Groups with more than one member.
    pub near_duplicate_groups: usize,
    pub linked_to_articles: usize,
}

/// Collects sightings as pages stream in. Exact repeats (same normalized
/// title and excerpt) fold at once, so memory grows with distinct spellings,
/// not with sightings; prefix merging waits for [`SnippetTable::finish`],
/// where it can be done in an order that does not depend on arrival.
#[derive(Debug, Default)]
pub struct SnippetTable {
    index: HashMap<(String, String), u32>,
    candidates: Vec<Candidate>,
    inputs: usize,
}

#[derive(Debug)]
struct Candidate {
    title_key: String,
    excerpt_key: String,
    snippet: Snippet,
}

/// What deduplication returns: the distinct snippets and, for every id
/// [`SnippetTable::add`] returned, the index of the snippet it ended up in.
#[derive(Debug)]
pub struct Merged {
    pub snippets: Vec<Snippet>,
    pub record_of: Vec<u32>,
    pub stats: DedupStats,
}

impl SnippetTable {
    pub fn new() -> SnippetTable {
        SnippetTable::default()
    }

    /// Adds one input; returns its candidate id, which
    /// [`Merged::record_of`] maps to the snippet it ends up in.
    pub fn add(&mut self, input: DedupInput) -> u32 {
        let (snippet, key) = match input {
            DedupInput::Stored(snippet) => {
                let key = SnippetKey::of(&snippet.title, &snippet.excerpt);
                (snippet, key)
            }
            DedupInput::Sighting(sighting, key) => (Snippet::from_sighting(sighting), key),
        };
        self.inputs += 1;
        let key = (key.title, key.excerpt);
        if let Some(&id) = self.index.get(&key) {
            absorb(&mut self.candidates[id as usize].snippet, snippet, true);
            return id;
        }
        let id = self.candidates.len() as u32;
        self.index.insert(key.clone(), id);
        self.candidates.push(Candidate { title_key: key.0, excerpt_key: key.1, snippet });
        id
    }

    /// Merges truncations into the longest excerpt they start and gives
    /// every distinct snippet a stable slug.
    pub fn finish(self) -> Merged {
        let SnippetTable { candidates, inputs, .. } = self;
        let mut by_title: HashMap<&str, Vec<u32>> = HashMap::new();
        for (id, c) in candidates.iter().enumerate() {
            by_title.entry(c.title_key.as_str()).or_default().push(id as u32);
        }
        let mut groups: Vec<(&str, Vec<u32>)> = by_title.into_iter().collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
        // Each cluster: the representative candidate and its members.
        let clusters: Vec<(u32, Vec<u32>)> =
            groups.into_par_iter().flat_map_iter(|(_, ids)| cluster_same_title(&candidates, ids)).collect();
        let mut record_of = vec![0u32; candidates.len()];
        let mut records: Vec<(String, String, Snippet)> = Vec::with_capacity(clusters.len());
        let mut slots: Vec<Option<Snippet>> = candidates.iter().map(|_| None).collect();
        let mut keys: Vec<(String, String)> = Vec::with_capacity(candidates.len());
        for (id, c) in candidates.into_iter().enumerate() {
            slots[id] = Some(c.snippet);
            keys.push((c.title_key, c.excerpt_key));
        }
        for (index, (rep, members)) in clusters.into_iter().enumerate() {
            let mut record = slots[rep as usize].take().expect("each candidate is in one cluster");
            for &member in &members {
                record_of[member as usize] = index as u32;
                if member != rep {
                    absorb(
                        &mut record,
                        slots[member as usize].take().expect("each candidate is in one cluster"),
                        false,
                    );
                }
            }
            let (title_key, excerpt_key) = std::mem::take(&mut keys[rep as usize]);
            records.push((title_key, excerpt_key, record));
        }
        assign_slugs(&mut records);
        let snippets: Vec<Snippet> = records.into_iter().map(|(_, _, s)| s).collect();
        let distinct = snippets.len();
        let stats = DedupStats { inputs, distinct, variants_merged: inputs - distinct, ..DedupStats::default() };
        Merged { snippets, record_of, stats }
    }
}

/// Merges stored snippets and new sightings into distinct snippets with
/// stable slugs. Two inputs are one snippet when their normalized titles are
/// equal and one normalized excerpt is a prefix of the other.
pub fn merge(inputs: impl IntoIterator<Item = DedupInput>) -> Merged {
    let mut table = SnippetTable::new();
    for input in inputs {
        table.add(input);
    }
    table.finish()
}

/// Clusters the candidates sharing a title: longest excerpts first, each
/// shorter one joins the first cluster whose excerpt it starts. Returns
/// (representative, members) per cluster.
fn cluster_same_title(candidates: &[Candidate], mut ids: Vec<u32>) -> Vec<(u32, Vec<u32>)> {
    // Longest first, then a total order over content, so the representative
    // of each cluster does not depend on input order.
    ids.sort_by(|&a, &b| {
        let (a, b) = (&candidates[a as usize], &candidates[b as usize]);
        b.excerpt_key
            .len()
            .cmp(&a.excerpt_key.len())
            .then_with(|| a.excerpt_key.cmp(&b.excerpt_key))
            .then_with(|| spelling_rank(&a.snippet).cmp(&spelling_rank(&b.snippet)))
    });
    let mut clusters: Vec<(u32, Vec<u32>)> = Vec::new();
    for id in ids {
        let key = candidates[id as usize].excerpt_key.as_str();
        match clusters.iter_mut().find(|(rep, _)| candidates[*rep as usize].excerpt_key.starts_with(key)) {
            Some((_, members)) => members.push(id),
            None => clusters.push((id, vec![id])),
        }
    }
    clusters
}

/// Of spellings with equal keys, the tidiest (fewest ASCII punctuation
/// marks, i.e. full-width Chinese punctuation) wins, then the smallest text.
fn spelling_rank(s: &Snippet) -> (usize, &str, &str, Option<&str>) {
    (ascii_punctuation(&s.excerpt), s.excerpt.as_str(), s.title.as_str(), s.category.as_deref())
}

fn ascii_punctuation(text: &str) -> usize {
    text.chars().filter(char::is_ascii_punctuation).count()
}

/// Folds `other` into `record`. When their excerpts are the same text
/// (`same_text`), the better ranked spelling is kept, so the result does not
/// depend on which came first.
fn absorb(record: &mut Snippet, other: Snippet, same_text: bool) {
    record.first_seen = min_date(record.first_seen, other.first_seen);
    record.last_seen = record.last_seen.max(other.last_seen);
    let identical = other.excerpt == record.excerpt && other.title == record.title;
    if same_text && !identical && spelling_rank(&other) < spelling_rank(record) {
        record.title = other.title;
        record.excerpt = other.excerpt;
    }
    let mut seen_on = other.seen_on;
    if record.seen_on.len() < seen_on.len() {
        std::mem::swap(&mut record.seen_on, &mut seen_on);
    }
    record.seen_on.extend(seen_on);
    record.category = match (record.category.take(), other.category) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

fn min_date(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Slugs from the normalized title; when several snippets share one, the
/// smallest by content keeps it and the others get a content-hash suffix,
/// so the same snippet always gets the same slug.
fn assign_slugs(records: &mut [(String, String, Snippet)]) {
    let mut by_base: HashMap<String, Vec<usize>> = HashMap::new();
    let bases: Vec<String> = records.par_iter().map(|(title_key, _, _)| slugify(title_key)).collect();
    for (i, base) in bases.iter().enumerate() {
        by_base.entry(base.clone()).or_default().push(i);
    }
    for (base, mut members) in by_base {
        members.sort_by(|&a, &b| (&records[a].0, &records[a].1).cmp(&(&records[b].0, &records[b].1)));
        for (rank, &i) in members.iter().enumerate() {
            records[i].2.slug = if rank == 0 {
                base.clone()
            } else {
                format!("{base}-{}", short_hash(&format!("{}\u{0}{}", records[i].0, records[i].1)))
            };
        }
    }
}

fn short_hash(text: &str) -> String {
    format!("{:06x}", fnv1a_64(text.as_bytes()) & 0xFF_FFFF)
}

fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Rewrites a title into the question it asks: synonyms folded
/// (`缴纳` = `交`), question particles and fillers dropped (`效果好吗` =
/// `效果好不好` = `效果怎么样`). Content words stay, so `效果` and `危害`
/// remain different questions.
pub fn question_form(title: &str) -> String {
    const FOLDS: &[(&str, &str)] = &[
        ("缴", "交"),
        ("交纳", "交"),
        ("帐", "账"),
        ("怎样", "怎么"),
        ("如何", "怎么"),
        ("好不好", ""),
        ("怎么样", ""),
        ("有什么", ""),
        ("有哪些", ""),
        ("是不是", ""),
        ("能不能", "能"),
        ("可不可以", "可以"),
        ("好吗", ""),
        ("吗", ""),
        ("呢", ""),
        ("的", ""),
        ("?", ""),
    ];
    let mut text = normalize_key(title);
    for (from, to) in FOLDS {
        if text.contains(from) {
            text = text.replace(from, to);
        }
    }
    text
}

/// Excerpt shingles: character trigrams of the Han and alphanumeric text.
/// Trigrams (not bigrams) because excerpts on one subject share most
/// bigrams of the subject's vocabulary without sharing sentences.
fn excerpt_shingles(excerpt: &str) -> BTreeSet<u64> {
    let chars: Vec<char> = normalize_key(excerpt).chars().filter(|&c| is_han(c) || c.is_alphanumeric()).collect();
    chars.windows(3).map(hash_of).collect()
}

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Excerpts at least this similar (Jaccard over trigrams) are the same text.
/// Chosen on the seed pages: distinct snippets on one subject (the
/// `40岁做复合隆胸…` family, the `2025年辽宁鞍山出现…` template) share at most
/// 0.3 of their trigrams; re-published copies of one answer share over 0.7.
const EXCERPT_SAME_TEXT: f64 = 0.6;
/// MinHash signature length and LSH banding (20 bands × 3 rows): pairs at
/// the threshold collide in some band with probability 1-(1-0.6³)²⁰ ≈ 0.99,
/// pairs at 0.2 with about 0.15, so verification stays near-linear.
const MINHASH_BANDS: usize = 20;
const MINHASH_ROWS: usize = 3;
/// Excerpts shorter than this have too few shingles to compare reliably.
const MIN_SHINGLES: usize = 8;

fn minhash(shingles: &BTreeSet<u64>) -> Vec<u64> {
    (0..MINHASH_BANDS * MINHASH_ROWS)
        .map(|i| {
            let seed = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            shingles.iter().map(|&h| mix(h ^ seed)).min().unwrap_or(u64::MAX)
        })
        .collect()
}

/// splitmix64 finaliser: a cheap, well-distributed permutation of u64.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn jaccard(a: &BTreeSet<u64>, b: &BTreeSet<u64>) -> f64 {
    let shared = a.intersection(b).count();
    let union = a.len() + b.len() - shared;
    if union == 0 { 0.0 } else { shared as f64 / union as f64 }
}

/// Most group leaders remembered per LSH bucket: enough for real data,
/// and a bound that keeps a bucket of thousands of copies linear.
const LEADERS_PER_BUCKET: usize = 4;

/// Assigns `group` to every snippet: snippets asking the same question
/// ([`question_form`]) or carrying the same text (MinHash/LSH over excerpt
/// trigrams, verified by exact Jaccard) share a group named after its
/// leader, the smallest slug. Returns the number of groups with several
/// members.
///
/// Groups are stars, not connected components: a snippet joins a leader it
/// is itself similar to, never a leader merely similar to a member. Chains
/// (A like B, B like C, …) would otherwise glue a large corpus into one
/// group, and the site shows one recommendation per group.
pub fn group_near_duplicates(snippets: &mut [Snippet]) -> usize {
    // Work in slug order (without moving the snippets, whose positions
    // callers hold on to), so leaders are the smallest slugs.
    let mut order: Vec<usize> = (0..snippets.len()).collect();
    order.sort_by(|&a, &b| snippets[a].slug.cmp(&snippets[b].slug));
    let n = order.len();
    let questions: Vec<String> = order.par_iter().map(|&index| question_form(&snippets[index].title)).collect();
    let shingles: Vec<BTreeSet<u64>> =
        order.par_iter().map(|&index| excerpt_shingles(&snippets[index].excerpt)).collect();
    let signatures: Vec<Vec<u64>> = shingles.par_iter().map(minhash).collect();

    let mut leader_of: Vec<usize> = (0..n).collect();
    let mut question_leader: HashMap<&str, usize> = HashMap::new();
    let mut bucket_leaders: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for i in 0..n {
        let comparable = shingles[i].len() >= MIN_SHINGLES;
        let bands: Vec<(usize, u64)> = if comparable {
            (0..MINHASH_BANDS)
                .map(|band| (band, hash_of(&signatures[i][band * MINHASH_ROWS..(band + 1) * MINHASH_ROWS])))
                .collect()
        } else {
            Vec::new()
        };
        let by_question = question_leader.get(questions[i].as_str()).copied();
        let by_text = || {
            bands
                .iter()
                .filter_map(|key| bucket_leaders.get(key))
                .flatten()
                .copied()
                .filter(|&leader| jaccard(&shingles[leader], &shingles[i]) >= EXCERPT_SAME_TEXT)
                .min()
        };
        match by_question.or_else(by_text) {
            Some(leader) => leader_of[i] = leader,
            None => {
                question_leader.insert(questions[i].as_str(), i);
                for key in bands {
                    let leaders = bucket_leaders.entry(key).or_default();
                    if leaders.len() < LEADERS_PER_BUCKET {
                        leaders.push(i);
                    }
                }
            }
        }
    }

    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for &leader in &leader_of {
        *sizes.entry(leader).or_default() += 1;
    }
    let names: Vec<String> = leader_of.iter().map(|&leader| snippets[order[leader]].slug.clone()).collect();
    for (i, name) in names.into_iter().enumerate() {
        snippets[order[i]].group = Some(name);
    }
    sizes.values().filter(|&&size| size > 1).count()
}

/// What linking needs to know about one of our articles.
#[derive(Debug, Clone)]
pub struct ArticleText {
    pub slug: String,
    pub title: String,
    /// Answer and body as plain text.
    pub text: String,
}

/// The Han and alphanumeric characters of a text, which survive every
/// difference of punctuation, spacing and Markdown markup.
fn content_chars(text: &str) -> String {
    normalize_key(text).chars().filter(|&c| is_han(c) || c.is_alphanumeric()).collect()
}

/// How much of an excerpt must match an article's opening to be an excerpt
/// of it: enough to exclude two answers that merely open alike.
const LINK_PREFIX_CHARS: usize = 30;

/// Sets `article` on snippets that are one of our articles: same question
/// (normalized title) and the excerpt is the start of the article's text.
pub fn link_articles(snippets: &mut [Snippet], articles: &[ArticleText]) -> usize {
    let mut by_title: HashMap<String, Vec<&ArticleText>> = HashMap::new();
    for article in articles {
        by_title.entry(normalize_key(&article.title)).or_default().push(article);
    }
    // Only articles whose title some snippet shares need their text keyed.
    let linked: Vec<Option<String>> = snippets
        .par_iter()
        .map(|snippet| {
            let candidates = by_title.get(&snippet.title_key())?;
            let probe: String = content_chars(&snippet.excerpt).chars().take(LINK_PREFIX_CHARS).collect();
            if probe.is_empty() {
                return None;
            }
            candidates.iter().find(|a| content_chars(&a.text).starts_with(&probe)).map(|a| a.slug.clone())
        })
        .collect();
    let count = linked.iter().filter(|l| l.is_some()).count();
    for (snippet, article) in snippets.iter_mut().zip(linked) {
        snippet.article = article;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(title: &str, excerpt: &str, date: &str, page: PageId) -> Sighting {
        Sighting {
            title: title.into(),
            excerpt: excerpt.into(),
            category: Some("健康新闻".into()),
            date: Some(date.parse().unwrap()),
            page,
        }
    }

    #[test]
    fn variants_merge_keeping_the_longest_excerpt_and_date_range() {
        let Merged { snippets: out, stats, .. } = merge(
            [
                sighting("做 无 痛 人 流", "无痛人流手术费用约为", "2025-04-20", 0),
                sighting("做无痛人流", "无痛人流手术费用约为2000元…", "2025-03-28", 1),
                sighting("做无痛人流", "无痛人流手术", "2025-05-01", 2),
            ]
            .map(DedupInput::sighting),
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].excerpt, "无痛人流手术费用约为2000元…");
        assert_eq!(out[0].first_seen.unwrap().to_string(), "2025-03-28");
        assert_eq!(out[0].last_seen.unwrap().to_string(), "2025-05-01");
        assert_eq!(out[0].seen_on.len(), 3);
        assert_eq!(stats.variants_merged, 2);
    }

    #[test]
    fn same_title_different_text_stays_apart_with_distinct_slugs() {
        let out = merge(
            [sighting("医保", "甲乙丙", "2025-04-20", 0), sighting("医保", "丁戊己", "2025-04-20", 1)]
                .map(DedupInput::sighting),
        )
        .snippets;
        assert_eq!(out.len(), 2);
        assert_ne!(out[0].slug, out[1].slug);
    }

    #[test]
    fn question_forms_separate_different_questions() {
        assert_eq!(question_form("没有工作怎么缴纳医保"), question_form("没有工作怎么交医保"));
        assert_eq!(question_form("40岁做乳头缩小效果好吗"), question_form("40岁做乳头缩小效果好不好"));
        assert_ne!(question_form("40岁做乳头缩小效果好吗"), question_form("40岁做乳头缩小的危害"));
        assert_ne!(question_form("北京医保回本地可以用吗"), question_form("北京医保怎么转回本地"));
    }
}
