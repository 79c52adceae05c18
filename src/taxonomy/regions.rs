//! Finds the places a title (and short answer) is about, as gazetteer units.
//!
//! One leftmost-longest automaton holds every full and short name plus a guard list
//! of ordinary words that contain place names (中山大学, 长安汽车): a guard word is
//! matched like a place and then ignored, so the place inside it never matches.
//! Short names that are also everyday words (2-character county names such as 和平,
//! a few prefecture names such as 安康) count only with evidence around them.
//!
//! Policy texts also name places by group (京津冀, 长三角, 川渝) and by
//! one-character abbreviation in compounds (沪籍, 京籍, 粤港澳): each is one
//! more pattern of the same automaton, expanding to its provinces (or, for
//! 珠三角, its cities), so a group inside a longer word loses to that word
//! as any name does (长三角形 is guarded).

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
    "长沙银行",
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
    // Geometry, not the Yangtze or Pearl River deltas.
    "长三角形",
    "珠三角形",
    "三角形",
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

/// Region groups and abbreviation compounds, with the gazetteer paths they
/// stand for.
const GROUPS: &[(&str, &[&str])] = &[
    ("京津冀", &["北京市", "天津市", "河北省"]),
    ("长三角", &["上海市", "江苏省", "浙江省", "安徽省"]),
    (
        "珠三角",
        &[
            "广东省/广州市",
            "广东省/深圳市",
            "广东省/珠海市",
            "广东省/佛山市",
            "广东省/惠州市",
            "广东省/东莞市",
            "广东省/中山市",
            "广东省/江门市",
            "广东省/肇庆市",
        ],
    ),
    ("粤港澳大湾区", &["广东省", "香港特别行政区", "澳门特别行政区"]),
    ("粤港澳", &["广东省", "香港特别行政区", "澳门特别行政区"]),
    ("大湾区", &["广东省", "香港特别行政区", "澳门特别行政区"]),
    ("川渝", &["四川省", "重庆市"]),
    ("东北三省", &["辽宁省", "吉林省", "黑龙江省"]),
    ("江浙沪", &["江苏省", "浙江省", "上海市"]),
    ("沪籍", &["上海市"]),
    ("京籍", &["北京市"]),
    ("津籍", &["天津市"]),
    ("渝籍", &["重庆市"]),
    ("粤籍", &["广东省"]),
    ("川籍", &["四川省"]),
    ("鄂籍", &["湖北省"]),
    ("湘籍", &["湖南省"]),
    ("浙籍", &["浙江省"]),
    ("苏籍", &["江苏省"]),
    ("闽籍", &["福建省"]),
    ("鲁籍", &["山东省"]),
    ("豫籍", &["河南省"]),
    ("冀籍", &["河北省"]),
    ("晋籍", &["山西省"]),
    ("皖籍", &["安徽省"]),
    ("赣籍", &["江西省"]),
    ("沪户", &["上海市"]),
    ("京户", &["北京市"]),
    ("深户", &["广东省/深圳市"]),
];

/// Words that, right after a weak name, show it is meant as a place (灵璧医保, 和平户口,
/// 昆山灵活就业).
pub(crate) const PLACE_CONTEXT: &[&str] = &[
    "医保",
    "社保",
    "灵活就业",
    "缴费",
    "缴纳",
    "报销",
    "生育",
    "异地",
    "公积金",
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
    /// A region group: every unit it names.
    Group(Vec<usize>),
}

pub(crate) struct RegionMatcher {
    automaton: AhoCorasick,
    patterns: Vec<&'static str>,
    entries: Vec<Entry>,
    /// Pattern ids by their first two characters, longest first: the
    /// [`RegionMatcher::scan`] a query is read with, and the table the
    /// browser gets ([`client_places`]).
    by_bigram: HashMap<&'static str, Vec<usize>>,
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
                (Entry::Guard | Entry::Group(_), Some(_)) => {}
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
        for &(group, _) in GROUPS {
            add(group, None);
        }
        for &(group, paths) in GROUPS {
            let units = paths.iter().filter_map(|p| gazetteer.by_path(p).map(|u| gazetteer.index_of(u))).collect();
            entries[index[group]] = Entry::Group(units);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("gazetteer names build an automaton");
        let mut by_bigram: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (id, pattern) in patterns.iter().enumerate() {
            by_bigram.entry(first_two(pattern)).or_default().push(id);
        }
        for ids in by_bigram.values_mut() {
            ids.sort_by(|&a, &b| patterns[b].len().cmp(&patterns[a].len()).then(patterns[a].cmp(patterns[b])));
        }
        RegionMatcher { automaton, patterns, entries, by_bigram }
    }

    /// Units named in `texts` (title, then short answer), most specific first-mentioned
    /// order, without a unit whose descendant is also named.
    pub(crate) fn regions(&self, gazetteer: &Gazetteer, texts: &[&str]) -> Vec<usize> {
        let mut mentions: Vec<Mention> = Vec::new();
        let mut chosen: Vec<usize> = Vec::new();
        for text in texts {
            let found = self.automaton.find_iter(text).map(|m| (m.pattern().as_usize(), m.start(), m.end()));
            self.collect(gazetteer, text, found, &mut mentions, &mut chosen);
        }
        self.resolved(gazetteer, &mentions, chosen)
    }

    /// Units named in a search query, read as [`RegionMatcher::regions`]
    /// reads a title, except that a name counts only where `known` accepts
    /// its first two characters: the browser knows the names of the query
    /// terms whose chunks it fetched, and nothing else.
    pub(crate) fn query_places(&self, gazetteer: &Gazetteer, query: &str, known: impl Fn(&str) -> bool) -> Vec<usize> {
        let mut mentions: Vec<Mention> = Vec::new();
        let mut chosen: Vec<usize> = Vec::new();
        let found = self.scan(query, known);
        self.collect(gazetteer, query, found.into_iter(), &mut mentions, &mut chosen);
        self.resolved(gazetteer, &mentions, chosen)
    }

    /// Leftmost-longest matches found from the first two characters of each
    /// position, as `search.js` finds them: the same matches as the
    /// automaton's when `known` accepts everything, because every pattern
    /// has at least two characters.
    fn scan(&self, text: &str, known: impl Fn(&str) -> bool) -> Vec<(usize, usize, usize)> {
        let starts: Vec<usize> = text.char_indices().map(|(at, _)| at).chain([text.len()]).collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i + 2 < starts.len() {
            let (start, bigram) = (starts[i], &text[starts[i]..starts[i + 2]]);
            let hit = if known(bigram) { self.by_bigram.get(bigram) } else { None }
                .and_then(|ids| ids.iter().copied().find(|&id| text[start..].starts_with(self.patterns[id])));
            match hit {
                Some(id) => {
                    let end = start + self.patterns[id].len();
                    found.push((id, start, end));
                    i = starts.partition_point(|&at| at < end);
                }
                None => i += 1,
            }
        }
        found
    }

    /// The browser's copy of the patterns, by their first two characters,
    /// each list longest first, as JSON: `["中山大学","x"]` a guard,
    /// `["京津冀","g",[paths]]` a group, `["深圳","p",[[path,level,flags]]]`
    /// a place name with its candidates (level 0 province, 1 prefecture,
    /// 2 county; flags 1 weak, 2 parent only). Sorted by key.
    pub(crate) fn client_table(&self, gazetteer: &Gazetteer) -> Vec<(&'static str, String)> {
        let mut table: Vec<(&'static str, String)> = self
            .by_bigram
            .iter()
            .map(|(&bigram, ids)| {
                let entries: Vec<serde_json::Value> = ids
                    .iter()
                    .map(|&id| {
                        let pattern = self.patterns[id];
                        match &self.entries[id] {
                            Entry::Guard => serde_json::json!([pattern, "x"]),
                            Entry::Group(units) => {
                                let paths: Vec<&str> =
                                    units.iter().map(|&u| gazetteer.units[u].path.as_str()).collect();
                                serde_json::json!([pattern, "g", paths])
                            }
                            Entry::Place(candidates) => {
                                let candidates: Vec<serde_json::Value> = candidates
                                    .iter()
                                    .map(|c| {
                                        let unit = &gazetteer.units[c.unit];
                                        let flags = u8::from(c.weak) | (u8::from(c.parent_only) << 1);
                                        serde_json::json!([unit.path, unit.level as u8, flags])
                                    })
                                    .collect();
                                serde_json::json!([pattern, "p", candidates])
                            }
                        }
                    })
                    .collect();
                (bigram, serde_json::Value::Array(entries).to_string())
            })
            .collect();
        table.sort_unstable();
        table
    }

    fn resolved(&self, gazetteer: &Gazetteer, mentions: &[Mention], mut chosen: Vec<usize>) -> Vec<usize> {
        for (m, mention) in mentions.iter().enumerate() {
            if let Some(unit) = resolve(gazetteer, mentions, m, mention)
                && !chosen.contains(&unit)
            {
                chosen.push(unit);
            }
        }
        chosen.iter().copied().filter(|&u| !chosen.iter().any(|&other| gazetteer.is_ancestor(u, other))).collect()
    }

    /// Pushes the places named in `text` onto `mentions`, and the units of
    /// region groups straight onto `chosen`.
    fn collect(
        &self,
        gazetteer: &Gazetteer,
        text: &str,
        found: impl Iterator<Item = (usize, usize, usize)>,
        mentions: &mut Vec<Mention>,
        chosen: &mut Vec<usize>,
    ) {
        let first = mentions.len();
        for (pattern, start, end) in found {
            let candidates = match &self.entries[pattern] {
                Entry::Place(candidates) => candidates,
                Entry::Group(units) => {
                    chosen.extend(units.iter().filter(|u| !chosen.contains(u)).copied().collect::<Vec<_>>());
                    continue;
                }
                Entry::Guard => continue,
            };
            let previous = mentions[first..].last().filter(|p| text[p.end..start].trim().is_empty());
            let after = &text[end..];
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
                mentions.push(Mention { end, candidates: kept });
            }
        }
    }
}

/// The first two characters of a pattern (every pattern has at least two).
fn first_two(pattern: &str) -> &str {
    let end = pattern.char_indices().nth(2).map_or(pattern.len(), |(at, _)| at);
    &pattern[..end]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(title: &str) -> Vec<String> {
        let gazetteer = Gazetteer::embedded();
        RegionMatcher::embedded()
            .regions(gazetteer, &[title])
            .into_iter()
            .map(|u| gazetteer.units[u].path.clone())
            .collect()
    }

    #[test]
    fn region_groups_expand_to_their_provinces() {
        assert_eq!(regions("京津冀医保互认"), ["北京市", "天津市", "河北省"]);
        assert_eq!(regions("长三角异地就医直接结算"), ["上海市", "江苏省", "浙江省", "安徽省"]);
        assert_eq!(regions("川渝医保通办"), ["四川省", "重庆市"]);
        assert_eq!(regions("东北三省医保缴费标准"), ["辽宁省", "吉林省", "黑龙江省"]);
        assert_eq!(regions("粤港澳大湾区医保"), ["广东省", "香港特别行政区", "澳门特别行政区"]);
        assert_eq!(regions("珠三角医保").len(), 9);
        assert!(regions("珠三角医保").iter().all(|p| p.starts_with("广东省/")));
    }

    #[test]
    fn one_character_abbreviations_count_in_compounds() {
        assert_eq!(regions("沪籍老人医保"), ["上海市"]);
        assert_eq!(regions("非京籍怎么交医保"), ["北京市"]);
        assert_eq!(regions("深户和非深户社保比例"), ["广东省/深圳市"]);
        // A place named fully beside its abbreviation is one region.
        assert_eq!(regions("上海沪籍医保"), ["上海市"]);
    }

    #[test]
    fn groups_never_fire_inside_unrelated_words() {
        assert_eq!(regions("长三角形的面积怎么算"), Vec::<String>::new());
        assert_eq!(regions("等腰三角形医保"), Vec::<String>::new());
        assert_eq!(regions("书籍报销"), Vec::<String>::new());
        // Still the precision cases of the place names themselves.
        assert_eq!(regions("中山大学附属医院医保报销"), Vec::<String>::new());
        assert_eq!(regions("长安汽车员工医保"), Vec::<String>::new());
    }

    #[test]
    fn county_level_cities_count_before_a_policy_word() {
        assert_eq!(regions("昆山灵活就业医保"), ["江苏省/苏州市/昆山市"]);
        assert_eq!(regions("晋江社保缴费"), ["福建省/泉州市/晋江市"]);
        assert_eq!(regions("义乌缴费标准"), ["浙江省/金华市/义乌市"]);
        assert_eq!(regions("昆山怎么样"), Vec::<String>::new());
    }

    #[test]
    fn brand_names_are_not_places() {
        assert_eq!(regions("长沙银行社保卡激活"), Vec::<String>::new());
        assert_eq!(regions("长沙医保缴费"), ["湖南省/长沙市"]);
    }

    #[test]
    fn abbreviation_compounds_never_fire_inside_unrelated_words() {
        // 籍 and 户 compounds: 书籍, 户籍 and 账户 hold no abbreviation.
        assert_eq!(regions("国籍和户籍不同怎么参保"), Vec::<String>::new());
        assert_eq!(regions("医保账户京户"), ["北京市"]);
        assert_eq!(regions("津贴怎么领"), Vec::<String>::new());
    }

    fn query(text: &str) -> Vec<String> {
        let gazetteer = Gazetteer::embedded();
        RegionMatcher::embedded()
            .query_places(gazetteer, text, |_| true)
            .into_iter()
            .map(|u| gazetteer.units[u].path.clone())
            .collect()
    }

    /// The browser reads a query from the patterns' first two characters
    /// instead of the automaton: with every bigram known the two agree.
    #[test]
    fn the_bigram_scan_finds_what_the_automaton_finds() {
        for text in [
            "京津冀医保互认",
            "深圳 生育津贴",
            "中山大学附属医院医保报销",
            "昆山灵活就业医保",
            "沪籍老人医保",
            "广东省深圳市南山区社保",
            "吉林四平医保",
            "长三角形的面积怎么算",
            "长沙银行社保卡激活",
            "义乌缴费标准",
            "医保定点医院",
        ] {
            assert_eq!(query(text), regions(text), "{text}");
        }
    }

    #[test]
    fn a_name_whose_first_bigram_the_client_lacks_is_not_read() {
        let gazetteer = Gazetteer::embedded();
        let found = RegionMatcher::embedded().query_places(gazetteer, "深圳 生育津贴", |b| b != "深圳");
        assert!(found.is_empty());
    }
}
