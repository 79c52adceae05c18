//! Finds the places a title (and short answer) is about, as gazetteer units.
//!
//! One leftmost-longest automaton holds every full and short name plus a guard list
//! of ordinary words that contain place names (中山大学, 长安汽车): a guard word is
//! matched like a place and then ignored, so the place inside it never matches.
//! Short names that are also everyday words (2-character county names such as 和平,
//! a few prefecture names such as 安康) count only with evidence around them.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::gazetteer::{Gazetteer, Level};

/// Ordinary words and proper names that contain a place name but are not about it.
const GUARDS: &[&str] = &[
    "中山大学",
    "中山医院",
    "中山装",
    "中山公园",
    "中山路",
    "中山陵",
    "中山眼科",
    "长安汽车",
    "长安街",
    "长安福特",
    "北京时间",
    "北京烤鸭",
    "大同小异",
    "世界大同",
    "和平精英",
    "世界和平",
    "平安",
    "普洱茶",
    "大理石",
    "阿里巴巴",
    "阿里健康",
    "阿里云",
    "北海道",
    "哈密瓜",
    "和田玉",
    "三明治",
    "玉树临风",
    "长治久安",
    "东方红",
    "东方明珠",
    "东方医院",
    "新华社",
    "新华书店",
    "新华医院",
    "瑞金医院",
    "朝阳医院",
    "和平医院",
    "光明日报",
    "惠民保",
    "惠民医保",
    "香港脚",
    "四川话",
    "广东话",
    // 医保定点 reads 保定 across a word boundary.
    "保定点",
    "保定期",
    "保定额",
];

/// Prefecture short names that are also everyday words (安康 "well-being", 白银
/// "silver", 来宾 "guests"); like county short names they need evidence.
const WEAK_PREFECTURES: &[&str] = &[
    "来宾", "安康", "白银", "大同", "阿里", "兴安", "玉树", "普洱", "大理", "三明", "北海", "长治", "黄山", "白山",
    "红河", "文山", "中山", "日照", "和田", "海东", "海西", "海北", "黄南", "山南", "果洛", "德宏", "迪庆", "怒江",
];

/// Words that, right after a weak name, show it is meant as a place (灵璧医保, 和平户口).
const PLACE_CONTEXT: &[&str] = &[
    "医保",
    "社保",
    "户口",
    "户籍",
    "医院",
    "市民",
    "参保",
    "新农合",
    "农合",
    "居民医保",
    "职工医保",
    "城乡居民",
    "人社",
    "地区",
    "本地",
];

#[derive(Debug, Clone, Copy)]
struct Candidate {
    unit: usize,
    /// Needs a parent named just before it or a context word just after it.
    weak: bool,
    /// Needs a parent named just before it: generic full names such as 城区, 东区.
    parent_only: bool,
}

enum Entry {
    Guard,
    Place(Vec<Candidate>),
}

pub(crate) struct RegionMatcher {
    automaton: AhoCorasick,
    entries: Vec<Entry>,
}

/// A place name found in one text, with the candidates that survived the evidence test.
struct Mention {
    /// Byte offset just past the name, to see whether the next name follows it.
    end: usize,
    candidates: Vec<Candidate>,
}

impl RegionMatcher {
    pub(crate) fn embedded() -> &'static RegionMatcher {
        static MATCHER: OnceLock<RegionMatcher> = OnceLock::new();
        MATCHER.get_or_init(|| RegionMatcher::new(Gazetteer::embedded()))
    }

    fn new(gazetteer: &'static Gazetteer) -> RegionMatcher {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        let mut add = |pattern: &'static str, entry: Option<Candidate>| {
            let id = *index.entry(pattern).or_insert_with(|| {
                patterns.push(pattern);
                entries.push(Entry::Place(Vec::new()));
                entries.len() - 1
            });
            match (&mut entries[id], entry) {
                (Entry::Place(candidates), Some(candidate)) => candidates.push(candidate),
                (slot, None) => *slot = Entry::Guard,
                (Entry::Guard, Some(_)) => {}
            }
        };
        for (unit, u) in gazetteer.units.iter().enumerate() {
            let (name, short) = (u.name.as_str(), u.short.as_str());
            let generic = u.level == Level::County && name.chars().count() <= 2;
            add(name, Some(Candidate { unit, weak: generic, parent_only: generic }));
            if short != name && short.chars().count() >= 2 {
                let weak = match u.level {
                    Level::Province => false,
                    Level::Prefecture => WEAK_PREFECTURES.contains(&short),
                    Level::County => short.chars().count() <= 2,
                };
                add(short, Some(Candidate { unit, weak, parent_only: false }));
            }
        }
        for guard in GUARDS {
            add(guard, None);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("gazetteer names build an automaton");
        RegionMatcher { automaton, entries }
    }

    /// Units named in `texts` (title, then short answer), most specific first-mentioned
    /// order, without a unit whose descendant is also named.
    pub(crate) fn regions(&self, gazetteer: &Gazetteer, texts: &[&str]) -> Vec<usize> {
        let mut mentions: Vec<Mention> = Vec::new();
        for text in texts {
            self.collect(gazetteer, text, &mut mentions);
        }
        let mut chosen: Vec<usize> = Vec::new();
        for (m, mention) in mentions.iter().enumerate() {
            if let Some(unit) = resolve(gazetteer, &mentions, m, mention)
                && !chosen.contains(&unit)
            {
                chosen.push(unit);
            }
        }
        chosen.iter().copied().filter(|&u| !chosen.iter().any(|&other| gazetteer.is_ancestor(u, other))).collect()
    }

    fn collect(&self, gazetteer: &Gazetteer, text: &str, mentions: &mut Vec<Mention>) {
        let first = mentions.len();
        for found in self.automaton.find_iter(text) {
            let Entry::Place(candidates) = &self.entries[found.pattern().as_usize()] else { continue };
            let previous = mentions[first..].last().filter(|p| text[p.end..found.start()].trim().is_empty());
            let after = &text[found.end()..];
            let followed_by_context = PLACE_CONTEXT.iter().any(|w| after.starts_with(w));
            let kept: Vec<Candidate> = candidates
                .iter()
                .copied()
                .filter(|c| {
                    let after_parent =
                        previous.is_some_and(|p| p.candidates.iter().any(|pc| gazetteer.is_ancestor(pc.unit, c.unit)));
                    !c.weak || after_parent || (!c.parent_only && followed_by_context)
                })
                .collect();
            if !kept.is_empty() {
                mentions.push(Mention { end: found.end(), candidates: kept });
            }
        }
    }
}

/// Picks one unit for a mention: a candidate related to a place named elsewhere in
/// the item (吉林 beside 四平 is the province), else the only candidate, else the
/// only one of the highest level (海南 is the province, not 海南藏族自治州).
fn resolve(gazetteer: &Gazetteer, mentions: &[Mention], m: usize, mention: &Mention) -> Option<usize> {
    let related = |c: &Candidate| {
        mentions.iter().enumerate().filter(|&(o, _)| o != m).any(|(_, other)| {
            other
                .candidates
                .iter()
                .any(|oc| gazetteer.is_ancestor(oc.unit, c.unit) || gazetteer.is_ancestor(c.unit, oc.unit))
        })
    };
    let supported: Vec<usize> = mention.candidates.iter().filter(|c| related(c)).map(|c| c.unit).collect();
    let pool: Vec<usize> =
        if supported.is_empty() { mention.candidates.iter().map(|c| c.unit).collect() } else { supported };
    let top = pool.iter().map(|&u| gazetteer.units[u].level).min()?;
    let mut at_top = pool.iter().copied().filter(|&u| gazetteer.units[u].level == top);
    let unit = at_top.next()?;
    at_top.next().is_none().then_some(unit)
}
