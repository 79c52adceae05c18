//! Region and topic classification.
//!
//! Regions come from the title and short answer only: scraped bodies name places as
//! examples (大庆医保, 灵璧医保 in an article about national policy) or in brand names
//! (长沙银行, 江苏医保云) far more often than they say where the article applies.
//! Topics weigh the title most, then the answer, then the body, which can only
//! rank topics the title or answer already suggests, or break a tie.

pub mod refresh;
mod topics;

pub use crate::taxonomy::{
    Gazetteer, Level, OffTopicRule, Topic, TopicVocabulary, Unit, client_places, gazetteer, query_places,
};

use crate::model::Disclaimer;

use crate::taxonomy::regions::RegionMatcher;
use topics::TopicMatcher;

/// What classification needs to know about an item.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyInput<'a> {
    pub title: &'a str,
    pub answer: Option<&'a str>,
    pub body: &'a str,
}

/// Regions (gazetteer paths such as `广东省/深圳市`), topic names, relevance
/// and the notice an item's page ends with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    pub relevant: bool,
    /// Why an item is not relevant: the name of the `topics.yaml` rule it
    /// matched, or [`OFF_TOPIC`].
    pub irrelevant_reason: Option<String>,
    pub disclaimer: Disclaimer,
}

/// The reason recorded for an item whose title and answer name nothing the site covers.
pub const OFF_TOPIC: &str = "标题和简要回答不涉及医保";

/// Most topics an item gets.
pub const MAX_TOPICS: usize = 3;

const TITLE_WEIGHT: usize = 3;
const ANSWER_WEIGHT: usize = 2;
/// Distinct keywords counted per field, so one keyword-stuffed field can't dominate.
const HITS_CAP: usize = 2;
/// A topic needs one title keyword, or the answer and the body together.
const THRESHOLD: usize = 3;

/// Words that make an item about medical insurance even when it hits no topic.
const DOMAIN_TERMS: &[&str] = &["医保", "社保", "医疗保险", "医疗保障", "新农合", "参保", "报销", "医院", "就医"];

/// Words that make an item about insurance policy rather than health: its
/// page gets the policy notice instead of the medical one.
const POLICY_TERMS: &[&str] = &[
    "医保",
    "社保",
    "医疗保险",
    "医疗保障",
    "生育保险",
    "新农合",
    "合作医疗",
    "参保",
    "报销",
    "缴费",
    "个人账户",
    "统筹",
    "共济",
    "备案",
    "异地就医",
    "医疗救助",
];

/// Classifies items against the embedded gazetteer and a topic vocabulary.
pub struct Classifier {
    vocabulary: TopicVocabulary,
    matcher: TopicMatcher,
}

impl Classifier {
    pub fn new(vocabulary: TopicVocabulary) -> Classifier {
        let matcher = TopicMatcher::new(&vocabulary);
        Classifier { vocabulary, matcher }
    }

    pub fn vocabulary(&self) -> &TopicVocabulary {
        &self.vocabulary
    }

    pub fn classify(&self, input: ClassifyInput<'_>) -> Classification {
        let gazetteer = Gazetteer::embedded();
        let answer = input.answer.unwrap_or("");
        let regions: Vec<String> = RegionMatcher::embedded()
            .regions(gazetteer, &[input.title, answer])
            .into_iter()
            .map(|unit| gazetteer.units[unit].path.clone())
            .collect();

        let about_policy = POLICY_TERMS.iter().any(|t| input.title.contains(t) || answer.contains(t));
        let disclaimer = if about_policy { Disclaimer::Policy } else { Disclaimer::Medical };
        let not_relevant = |reason: &str| Classification {
            regions: regions.clone(),
            topics: Vec::new(),
            relevant: false,
            irrelevant_reason: Some(reason.to_string()),
            disclaimer,
        };
        if let Some(rule) = self.vocabulary.off_topic.iter().find(|rule| rule.matches(input.title)) {
            return not_relevant(&rule.name);
        }
        let title = self.matcher.hits(input.title);
        let answer_hits = self.matcher.hits(answer);
        let lead_hit = title.iter().chain(&answer_hits).any(|&h| h > 0);
        let relevant = lead_hit || DOMAIN_TERMS.iter().any(|t| input.title.contains(t) || answer.contains(t));
        if !relevant {
            return not_relevant(OFF_TOPIC);
        }
        let body = self.matcher.hits(input.body);
        let mut scored: Vec<(usize, usize)> = (0..self.vocabulary.topics.len())
            .map(|t| {
                let score = TITLE_WEIGHT * title[t].min(HITS_CAP)
                    + ANSWER_WEIGHT * answer_hits[t].min(HITS_CAP)
                    + body[t].min(HITS_CAP);
                (t, score)
            })
            .filter(|&(_, score)| score > 0)
            .collect();
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let above = scored.iter().filter(|&&(_, score)| score >= THRESHOLD).count();
        // A relevant item whose title and answer hit nothing still gets its best body topic.
        let keep = if above == 0 { scored.len().min(1) } else { above.min(MAX_TOPICS) };
        let topics = scored[..keep].iter().map(|&(t, _)| self.vocabulary.topics[t].name.clone()).collect();
        Classification { regions, topics, relevant, irrelevant_reason: None, disclaimer }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn classifier() -> Classifier {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/topics.yaml");
        Classifier::new(TopicVocabulary::load(&path).expect("content/topics.yaml is valid"))
    }

    fn regions(title: &str) -> Vec<String> {
        classifier().classify(ClassifyInput { title, answer: None, body: "" }).regions
    }

    #[test]
    fn full_and_short_names_give_the_path_from_the_province() {
        assert_eq!(regions("深圳户籍老人可以买医保"), ["广东省/深圳市"]);
        assert_eq!(regions("深圳市社保缴费比例"), ["广东省/深圳市"]);
        assert_eq!(regions("巴中2025年医保缴费标准"), ["四川省/巴中市"]);
        assert_eq!(regions("北京无业人员怎么交医保"), ["北京市"]);
        assert_eq!(regions("北京市朝阳区医保中心电话"), ["北京市/朝阳区"]);
        assert_eq!(regions("湖北省仙桃市医保缴费"), ["湖北省/仙桃市"]);
    }

    #[test]
    fn a_province_followed_by_its_city_gives_only_the_city() {
        assert_eq!(regions("2025年辽宁鞍山出现胃胀气去哪家医院好"), ["辽宁省/鞍山市"]);
        assert_eq!(regions("2025年吉林四平做关节镜半月板修复术能走医保吗?"), ["吉林省/四平市"]);
        assert_eq!(regions("2025年海南文昌治疗腹泻伴腹痛的医院有哪些"), ["海南省/文昌市"]);
        assert_eq!(regions("山西居民医保生育报销比例"), ["山西省"]);
    }

    #[test]
    fn several_places_in_one_title_give_several_regions() {
        assert_eq!(regions("广州医保卡在东莞能用吗"), ["广东省/广州市", "广东省/东莞市"]);
        assert_eq!(regions("太原医保北京能用吗"), ["山西省/太原市", "北京市"]);
        assert_eq!(regions("安徽淮南和淮北哪个发展好"), ["安徽省/淮南市", "安徽省/淮北市"]);
        assert_eq!(regions("深圳医保和深圳市社保"), ["广东省/深圳市"]);
    }

    #[test]
    fn place_names_inside_ordinary_words_are_not_places() {
        assert_eq!(regions("中山大学附属医院医保报销"), Vec::<String>::new());
        assert_eq!(regions("长安汽车员工医保"), Vec::<String>::new());
        assert_eq!(regions("世界和平与医保改革"), Vec::<String>::new());
        assert_eq!(regions("和平年代的医保"), Vec::<String>::new());
        assert_eq!(regions("惠民医保双通报销比例"), Vec::<String>::new());
        assert_eq!(regions("城区医保和郊区医保有什么区别"), Vec::<String>::new());
        assert_eq!(regions("只能在医保定点药店消费"), Vec::<String>::new());
    }

    #[test]
    fn county_short_names_need_evidence() {
        // 灵璧 is 安徽省宿州市灵璧县; alone it could be any two characters.
        assert_eq!(regions("灵璧医保怎么交"), ["安徽省/宿州市/灵璧县"]);
        assert_eq!(regions("宿州灵璧怎么交"), ["安徽省/宿州市/灵璧县"]);
        assert_eq!(regions("灵璧怎么交"), Vec::<String>::new());
        assert_eq!(regions("天津和平医保中心"), ["天津市/和平区"]);
    }

    #[test]
    fn a_place_named_once_as_an_example_in_the_body_does_not_tag_the_item() {
        let c = classifier().classify(ClassifyInput {
            title: "职工医保个人账户余额怎么交医保",
            answer: None,
            body: "通过“国家医保服务平台”“地方医保APP”(如“大庆医保”“灵璧医保”等)绑定家庭成员。",
        });
        assert_eq!(c.regions, Vec::<String>::new());
    }

    #[test]
    fn shared_short_names_are_resolved_by_context() {
        // 吉林 is both the province and 吉林市; beside 四平 it is the province.
        assert_eq!(regions("吉林四平医保"), ["吉林省/四平市"]);
        assert_eq!(regions("吉林医保"), ["吉林省"]);
        // 朝阳 is 朝阳市 (辽宁) and districts of 北京 and 长春.
        assert_eq!(regions("北京朝阳医保"), ["北京市/朝阳区"]);
        assert_eq!(regions("朝阳医保"), ["辽宁省/朝阳市"]);
        // 海南 is the province and 青海's 海南藏族自治州.
        assert_eq!(regions("海南医保"), ["海南省"]);
        assert_eq!(regions("青海海南医保"), ["青海省/海南藏族自治州"]);
        // 临夏市 and 临夏县 share the short name: the city wins without context.
        assert_eq!(regions("临夏医保"), ["甘肃省/临夏回族自治州"]);
    }

    #[test]
    fn the_short_answer_counts_for_regions() {
        let c = classifier()
            .classify(ClassifyInput { title: "医保能在外地用吗", answer: Some("深圳可以"), body: "" });
        assert_eq!(c.regions, ["广东省/深圳市"]);
    }

    #[test]
    fn hospital_referral_ads_are_not_relevant_but_procedure_questions_are() {
        for title in [
            "2025年辽宁鞍山出现尿中有血去哪家医院好",
            "2025年河北秦皇岛治疗血精的医院有哪些",
            "2025年海南文昌治疗腹泻伴腹痛的医院有哪些",
        ] {
            let c = classifier().classify(ClassifyInput { title, answer: None, body: "鞍山市中心医院 地址" });
            assert!(!c.relevant, "{title}");
            assert_eq!(c.irrelevant_reason.as_deref(), Some("医院推荐广告"), "{title}");
            assert_eq!(c.disclaimer, Disclaimer::Medical, "{title}");
        }
        let c = classifier().classify(ClassifyInput {
            title: "2025年江西宜春做心脏支架手术能走医保吗？",
            answer: None,
            body: "",
        });
        assert!(c.relevant);
        assert_eq!(c.irrelevant_reason, None);
        assert_eq!(c.disclaimer, Disclaimer::Policy);
    }

    #[test]
    fn topics_come_from_the_title_first() {
        let c = classifier()
            .classify(ClassifyInput { title: "颈椎病挂什么科", answer: None, body: "骨科 医院" });
        assert_eq!(c.topics, ["就医指南"]);
        assert!(c.relevant);
        assert_eq!(c.disclaimer, Disclaimer::Medical);
        let c = classifier()
            .classify(ClassifyInput { title: "新农合医保 要异地备案吗", answer: None, body: "" });
        assert_eq!(c.topics, ["异地就医", "城乡居民医保"]);
    }

    #[test]
    fn at_most_three_topics() {
        let c = classifier().classify(ClassifyInput {
            title: "退休老人灵活就业异地备案生育报销个人账户余额给家人缴费",
            answer: None,
            body: "",
        });
        assert_eq!(c.topics.len(), MAX_TOPICS);
    }

    #[test]
    fn items_about_something_else_are_not_relevant() {
        for title in ["40岁做复合隆胸效果好吗", "淮南煤矿现状", "安徽淮南有没有汽车厂", "低组胺的蔬菜和食物"]
        {
            let c = classifier().classify(ClassifyInput { title, answer: None, body: "术后护理 医生" });
            assert!(!c.relevant, "{title}");
            assert!(c.topics.is_empty(), "{title}");
            assert_eq!(c.irrelevant_reason.as_deref(), Some(OFF_TOPIC), "{title}");
        }
    }

    #[test]
    fn odd_input_gets_a_valid_classification() {
        let classifier = classifier();
        for title in ["", "医", "市", "区县", "北京北京北京", "\u{0}\u{feff}深圳\r\n", "ａｐｐ查询"] {
            let c = classifier.classify(ClassifyInput { title, answer: Some(title), body: title });
            assert!(c.regions.iter().all(|r| Gazetteer::embedded().by_path(r).is_some()), "{title:?}: {c:?}");
            assert!(c.topics.iter().all(|t| classifier.vocabulary().by_name(t).is_some()), "{title:?}: {c:?}");
            assert!(c.topics.len() <= MAX_TOPICS, "{title:?}: {c:?}");
        }
        let empty = classifier.classify(ClassifyInput { title: "", answer: None, body: "" });
        assert!(empty.regions.is_empty() && empty.topics.is_empty(), "{empty:?}");
        let place = classifier.classify(ClassifyInput { title: "\u{0}\u{feff}深圳\r\n", answer: None, body: "" });
        assert_eq!(place.regions, ["广东省/深圳市"], "control characters around a place name");
    }
}
