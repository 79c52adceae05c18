//! Deterministic synthetic corpus in the exact format of the scraped pages,
//! for benchmarks and scale tests:
//!
//! `cargo run --release --example synth -- --pages 10000 --out /tmp/raw10k --seed 1`
//!
//! Pages recombine the sections, sentences and snippets of the five real
//! pages; titles name real places from the gazetteer; recommendation blocks
//! draw from one shared pool with random variants (spacing, truncation,
//! half-width punctuation, other dates), so dedup and classification have
//! real work to do.

use std::fs;
use std::path::PathBuf;

use policypress::classify::Gazetteer;
use policypress::classify::gazetteer::Level;
use policypress::import::page::{ScrapedPage, SnippetSeen, is_section_heading, parse_page};

const SEED_PAGES: [&str; 5] = [
    include_str!("../tests/fixtures/raw/000_35b84e67eec9569a.txt"),
    include_str!("../tests/fixtures/raw/001_0e1a0bd0f159a52c.txt"),
    include_str!("../tests/fixtures/raw/002_76edd9cb14ded361.txt"),
    include_str!("../tests/fixtures/raw/003_97ba0e02d4ec5194.txt"),
    include_str!("../tests/fixtures/raw/004_720ebc8095f3fcf4.txt"),
];

const TITLE_TEMPLATES: &[&str] = &[
    "{}医保个人账户怎么充值缴费",
    "{}医保卡里面个人账户余额是干嘛的",
    "{}职工医保个人账户余额怎么交医保",
    "{}医保交完不用会清零吗",
    "{}自己医保余额可以给家人交医保吗",
    "{}异地就医备案怎么办理",
    "{}灵活就业人员医保缴费标准",
    "{}新农合报销比例是多少",
    "{}生育保险怎么报销",
    "{}退休人员医保待遇有哪些",
    "{}医保电子凭证怎么激活",
    "{}大病保险怎么申请",
    "{}城乡居民医保什么时候交",
    "{}家庭共济怎么绑定",
    "{}看病去哪家医院好",
    "2025年{}医保缴费标准",
    "{}医保断缴了怎么补缴",
    "{}医保卡丢了怎么补办",
];

const ANSWERS: &[&str] = &["可以", "不可以", "登录医保平台或APP查询", "门诊、药店自付及部分住院费用", "需要先备案"];
const SOURCING: &str = "本信息整理自互联网公开渠道,仅供参考,可能存在不准确或滞后之处。为确保准确性,请务必通过当地医保局官网、国家医保服务平台或医院官方渠道核实最新政策与就诊要求。如发现内容有误,欢迎联系反馈至:,我们将及时核查并更新。";
const MEDICAL: &str = "提示:本内容不能代替面诊,如有不适请尽快就医。";
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// splitmix64: tiny, deterministic across platforms.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

struct Args {
    pages: usize,
    out: PathBuf,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { pages: 1000, out: PathBuf::from("synth-raw"), seed: 1 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--pages" => args.pages = value.parse().map_err(|_| format!("--pages: `{value}` is not a number"))?,
            "--out" => args.out = PathBuf::from(value),
            "--seed" => args.seed = value.parse().map_err(|_| format!("--seed: `{value}` is not a number"))?,
            _ => return Err(format!("unknown argument {flag}; use --pages N --out DIR --seed S")),
        }
    }
    Ok(args)
}

/// Opening paragraphs and `一、` sections (heading plus non-blank lines)
/// of the seed pages.
fn seed_parts(pages: &[ScrapedPage]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut intros = Vec::new();
    let mut sections = Vec::new();
    for page in pages {
        let mut current: Vec<String> = Vec::new();
        let mut has_intro = false;
        for line in page.body_lines.iter().filter(|l| !l.trim().is_empty()) {
            let trimmed = line.trim();
            if is_section_heading(trimmed) && !trimmed.starts_with(['(', '（']) {
                if current.len() > 1 {
                    sections.push(std::mem::take(&mut current));
                }
                current = vec![line.clone()];
            } else if current.is_empty() && !has_intro && !line.starts_with(' ') {
                intros.push(line.clone());
                has_intro = true;
            } else {
                current.push(line.clone());
            }
        }
        if current.len() > 1 {
            sections.push(current);
        }
    }
    (intros, sections)
}

fn place_names(gazetteer: &Gazetteer) -> Vec<String> {
    gazetteer
        .units
        .iter()
        .filter(|u| u.level != Level::County || u.short.chars().count() >= 2)
        .map(|u| if u.level == Level::County { u.name.clone() } else { u.short.clone() })
        .collect()
}

fn snippet_pool(seeds: &[SnippetSeen], places: &[String], size: usize, rng: &mut Rng) -> Vec<SnippetSeen> {
    let mut pool: Vec<SnippetSeen> = seeds.to_vec();
    while pool.len() < size {
        let base = rng.pick(seeds);
        let place = rng.pick(places);
        let template = rng.pick(TITLE_TEMPLATES);
        pool.push(SnippetSeen {
            title: template.replace("{}", place),
            excerpt: format!("{place}参保人员可参考以下说明：{}", base.excerpt),
            category: base.category.clone(),
            date: base.date,
        });
    }
    pool
}

fn variant(snippet: &SnippetSeen, rng: &mut Rng) -> SnippetSeen {
    let mut v = snippet.clone();
    match rng.below(6) {
        0 => v.title = snippet.title.chars().map(|c| format!("{c} ")).collect::<String>().trim_end().to_string(),
        1 => {
            let chars: Vec<char> = snippet.excerpt.chars().collect();
            let keep = 20 + rng.below(chars.len().saturating_sub(20).max(1));
            v.excerpt = chars[..keep.min(chars.len())].iter().collect();
        }
        2 => v.excerpt = snippet.excerpt.replace('，', ",").replace('：', ":"),
        3 => v.date = format!("2025-0{}-{:02}", 1 + rng.below(9), 1 + rng.below(28)).parse().ok(),
        _ => {}
    }
    v
}

fn render_page(
    title: &str,
    answer: Option<&str>,
    intro: &str,
    sections: &[&Vec<String>],
    snippets: &[SnippetSeen],
    rng: &mut Rng,
) -> String {
    let mut out = format!("{title}\n\n");
    if rng.below(4) == 0 {
        out.push_str(SOURCING);
        out.push_str("\n\n");
    }
    if let Some(answer) = answer {
        out.push_str(answer);
        out.push_str("\n\n");
    }
    out.push_str(intro);
    out.push_str("\n\n");
    for (i, section) in sections.iter().enumerate() {
        for (j, line) in section.iter().enumerate() {
            let line = if j == 0 {
                format!("{}、{}", NUMERALS[i % 10], line.split_once('、').map_or(line.as_str(), |p| p.1))
            } else {
                line.clone()
            };
            out.push_str(&line);
            out.push_str("\n\n");
        }
    }
    out.push_str(MEDICAL);
    out.push('\n');
    if rng.below(3) == 0 {
        out.push_str("大家都在搜\n");
    }
    out.push_str("相关推荐\n\n");
    for s in snippets {
        let date = s.date.map(|d| d.to_string()).unwrap_or_else(|| "2025-04-20".into());
        let category = s.category.as_deref().unwrap_or("健康新闻");
        out.push_str(&format!("{}\n\n{}\n\n{category} {date}\n\n", s.title, s.excerpt));
    }
    if rng.below(2) == 0 {
        out.push_str("首页 顶部\n");
    }
    out
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let seeds: Vec<ScrapedPage> = SEED_PAGES.iter().map(|text| parse_page(text).expect("seed pages parse")).collect();
    let (intros, sections) = seed_parts(&seeds);
    let seed_snippets: Vec<SnippetSeen> = seeds.iter().flat_map(|p| p.snippets.clone()).collect();
    let places = place_names(Gazetteer::embedded());
    let mut rng = Rng(args.seed);
    let pool = snippet_pool(&seed_snippets, &places, 2000 + args.pages / 10, &mut rng);
    if let Err(err) = fs::create_dir_all(&args.out) {
        eprintln!("error: {}: {err}", args.out.display());
        std::process::exit(1);
    }
    for i in 0..args.pages {
        let place = rng.pick(&places).clone();
        let title = rng.pick(TITLE_TEMPLATES).replace("{}", &place);
        let answer = (rng.below(2) == 0).then(|| *rng.pick(ANSWERS));
        let count = 2 + rng.below(4);
        let chosen: Vec<&Vec<String>> = (0..count).map(|_| rng.pick(&sections)).collect();
        let snippets: Vec<SnippetSeen> = (0..20).map(|_| variant(rng.pick(&pool), &mut rng)).collect();
        let intro = rng.pick(&intros).clone();
        let page = render_page(&title, answer, &intro, &chosen, &snippets, &mut rng);
        let path = args.out.join(format!("{i:06}_{:016x}.txt", rng.next()));
        if let Err(err) = fs::write(&path, page) {
            eprintln!("error: {}: {err}", path.display());
            std::process::exit(1);
        }
    }
    println!("wrote {} pages to {}", args.pages, args.out.display());
}
