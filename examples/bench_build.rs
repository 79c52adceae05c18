//! Generates a large content tree and times `build` on it:
//! `cargo run --release --example bench_build -- [ARTICLES] [RECOMMENDATIONS] [DIR]`
//! (defaults 10000, 2000 and a temporary directory). Builds twice to show
//! the cost of a rebuild as well as a first build.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Instant;

use policypress::classify::Gazetteer;
use policypress::render::{BuildOptions, build};

const TOPICS: &[&str] =
    &["个人账户", "家庭共济", "参保缴费", "待遇报销", "异地就医", "灵活就业", "城乡居民医保", "查询与经办"];
const PHRASES: &[&str] = &[
    "职工医保个人账户的资金来源于个人缴费和单位缴费划入",
    "参保人可以通过国家医保服务平台APP办理异地就医备案",
    "城乡居民医保按年缴费，一般在每年的集中缴费期内完成",
    "家庭共济可以用个人账户为近亲属支付医疗费用",
    "住院费用在起付线以上、最高支付限额以下的部分按比例报销",
    "灵活就业人员可以以个人身份参加职工基本医疗保险",
];

/// A small deterministic generator, so every run builds the same tree.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let articles: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let recommendations: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let temp = tempfile::tempdir().expect("temporary directory");
    let root = args.get(3).map_or_else(|| temp.path().to_path_buf(), |d| Path::new(d).to_path_buf());

    let started = Instant::now();
    generate(&root, articles, recommendations);
    println!("generated {articles} articles and {recommendations} recommendations in {:.2?}", started.elapsed());

    let mut options = BuildOptions::new(&root);
    options.quiet = true;
    for run in ["first build", "second build"] {
        let started = Instant::now();
        match build(&options) {
            Ok(report) => println!(
                "{run}: {} pages ({} reused), {} files, {:.1} MB, {} search documents in {:.2?} (report: {:.2?})",
                report.pages,
                report.reused_pages,
                report.files,
                report.bytes as f64 / 1e6,
                report.search.documents,
                started.elapsed(),
                report.elapsed
            ),
            Err(err) => {
                eprintln!("{err}");
                std::process::exit(1);
            }
        }
    }
}

fn generate(root: &Path, articles: usize, recommendations: usize) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let content = root.join("content");
    fs::create_dir_all(content.join("articles")).expect("articles dir");
    fs::create_dir_all(content.join("recommendations")).expect("recommendations dir");
    fs::copy(manifest.join("content/topics.yaml"), content.join("topics.yaml")).expect("topics.yaml");
    fs::write(root.join("config.toml"), "base_url = \"https://example.org\"\n").expect("config.toml");

    let units: Vec<&str> = Gazetteer::embedded().units.iter().map(|u| u.path.as_str()).collect();
    let mut rng = Lcg(7);
    let pick_regions = |rng: &mut Lcg| -> Vec<&str> {
        match rng.next(4) {
            0 => Vec::new(),
            1 | 2 => vec![units[rng.next(units.len())]],
            _ => vec![units[rng.next(units.len())], units[rng.next(units.len())]],
        }
    };
    let date = |rng: &mut Lcg| format!("2025-{:02}-{:02}", 1 + rng.next(12), 1 + rng.next(28));
    let list = |items: &[String]| {
        items.iter().fold(String::new(), |mut s, i| {
            let _ = write!(s, "\n- {i}");
            s
        })
    };

    for i in 0..recommendations {
        let regions: Vec<String> = pick_regions(&mut rng).into_iter().map(String::from).collect();
        let topics = vec![TOPICS[rng.next(TOPICS.len())].to_string()];
        let mut front = format!(
            "title: 推荐内容第{i}条：{}\nslug: tui-jian-{i}\ndate: {}\noccurrences: 2\nseen_on:\n- wen-zhang-{}\n",
            PHRASES[rng.next(PHRASES.len())],
            date(&mut rng),
            rng.next(articles.max(1))
        );
        if i % 10 == 3 {
            let _ = writeln!(front, "group: tui-jian-{}", i - 1);
        }
        if i % 25 == 0 {
            let _ = writeln!(front, "article: wen-zhang-{}", rng.next(articles.max(1)));
        }
        if i % 20 == 7 {
            front.push_str("relevant: false\n");
        }
        let _ = write!(front, "regions:{}\ntopics:{}\n", list(&regions), list(&topics));
        let excerpt = PHRASES[rng.next(PHRASES.len())].repeat(3);
        fs::write(content.join(format!("recommendations/tui-jian-{i}.md")), format!("---\n{front}---\n{excerpt}\n"))
            .expect("recommendation");
    }
    for i in 0..articles {
        let regions: Vec<String> = pick_regions(&mut rng).into_iter().map(String::from).collect();
        let topics: Vec<String> = (0..1 + rng.next(2)).map(|_| TOPICS[rng.next(TOPICS.len())].to_string()).collect();
        let recs: Vec<String> =
            (0..6 + rng.next(4)).map(|_| format!("tui-jian-{}", rng.next(recommendations.max(1)))).collect();
        let front = format!(
            "title: 医保问题第{i}问：{}吗\nslug: wen-zhang-{i}\nanswer: {}。\ndate: {}\nregions:{}\ntopics:{}\nnotices:\n- medical\n- sourcing\nrecommendations:{}\n",
            PHRASES[rng.next(PHRASES.len())],
            PHRASES[rng.next(PHRASES.len())],
            date(&mut rng),
            list(&regions),
            list(&topics),
            if recommendations == 0 { String::new() } else { list(&recs) },
        );
        let mut body = String::new();
        for section in ["政策要点", "办理流程", "注意事项"] {
            let _ = write!(
                body,
                "## {section}\n\n{}。{}。\n\n",
                PHRASES[rng.next(PHRASES.len())],
                PHRASES[rng.next(PHRASES.len())]
            );
            for _ in 0..4 {
                let _ = writeln!(body, "- {}；", PHRASES[rng.next(PHRASES.len())]);
            }
            body.push('\n');
        }
        fs::write(content.join(format!("articles/wen-zhang-{i}.md")), format!("---\n{front}---\n{body}"))
            .expect("article");
    }
}
