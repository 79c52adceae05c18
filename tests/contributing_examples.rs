//! The output CONTRIBUTING.md quotes is what policypress prints now: each
//! example between `<!-- example: NAME -->` and `<!-- /example -->` is run
//! on a scratch site with deliberate mistakes and compared. After a change
//! to a message, regenerate them all with
//!
//! ```sh
//! UPDATE_CONTRIBUTING=1 cargo test --test integration contributing_examples
//! ```

use std::path::Path;

const REGENERATE: &str = "UPDATE_CONTRIBUTING=1 cargo test --test integration contributing_examples";

/// An example CONTRIBUTING.md quotes: the command as shown, and the
/// directory of the scratch site it runs in. They run in this order, on
/// one site; `new` runs last, so that the `check` examples show the
/// site's mistakes rather than every line of a fresh skeleton.
struct Example {
    name: &'static str,
    dir: &'static str,
    command: &'static str,
}

const EXAMPLES: &[Example] = &[
    Example { name: "check-errors", dir: ".", command: "policypress check" },
    Example { name: "check-from-subdirectory", dir: "content/articles", command: "policypress check" },
    Example { name: "check-github", dir: ".", command: "policypress check --format github" },
    Example {
        name: "new",
        dir: ".",
        command: "policypress new \"深圳异地就医怎么备案\" --region 广东省/深圳市 --topic 异地就医",
    },
];

/// The scratch site: a repository root (`.git`) holding a site whose
/// articles have the mistakes editors make.
const SITE: &[(&str, &str)] = &[
    ("config.toml", "title = \"医保问答\"\n"),
    (
        "content/articles/yi-bao-ka-zen-me-ji-huo.md",
        "---\ntitel: 医保卡怎么激活\nslug: yi-bao-ka-zen-me-ji-huo\ndate: 2025-04-20\ntopics: [个人账户]\n---\n带身份证到社保卡服务网点激活。\n",
    ),
    (
        "content/articles/ge-ren-zhang-hu-neng-gei-jia-ren-yong-ma.md",
        "---\ntitle: 个人账户能给家人用吗\nslug: ge-ren-zhang-hu-neng-gei-jia-ren-yong-ma\ndate: 2025-04-20\ntopics: [个人账户, 家庭共济]\n---\n可以，办理家庭共济后，家人看病也能用。异地看病先[备案](/articles/yi-di-jiu-yi-bei-an/)。\n",
    ),
    (
        "content/articles/yi-di-jiu-yi-bei-an.markdown",
        "---\ntitle: 异地就医怎么备案\nslug: yi-di-jiu-yi-bei-an\ndate: 2025-04-20\ntopics: [异地就医]\n---\n在国家医保服务平台 App 上办理。\n",
    ),
];

/// `command` split into words, double quotes removed.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => words.push(std::mem::take(&mut word)),
            c => word.push(c),
        }
    }
    words.push(word);
    words
}

/// What an editor sees: the command, then what it prints, in the locale
/// CONTRIBUTING.md is written for; each line after `indent` (a block
/// inside a list item is indented with it).
fn run(site: &Path, example: &Example, indent: &str) -> String {
    let words = words(example.command);
    assert_eq!(words[0], "policypress");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_policypress"))
        .args(&words[1..])
        .current_dir(site.join(example.dir))
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANGUAGE")
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .unwrap();
    let cd = if example.dir == "." { String::new() } else { format!("cd {} && ", example.dir) };
    let block = format!(
        "```text\n$ {cd}{}\n{}{}```\n",
        example.command,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    block.lines().map(|line| format!("{indent}{line}\n")).collect::<String>() + indent
}

/// The text between an example's markers, where it sits in `doc`, and the
/// indentation of the opening marker.
fn quoted<'a>(doc: &'a str, name: &str) -> Option<(usize, &'a str, &'a str)> {
    let marker = format!("<!-- example: {name} -->\n");
    let at = doc.find(&marker)?;
    let line_start = doc[..at].rfind('\n').map_or(0, |i| i + 1);
    let start = at + marker.len();
    let end = start + doc[start..].find("<!-- /example -->")?;
    Some((start, &doc[start..end], &doc[line_start..at]))
}

#[test]
fn contributing_quotes_what_policypress_prints() {
    let scratch = tempfile::tempdir().unwrap();
    let site = scratch.path();
    std::fs::create_dir(site.join(".git")).unwrap();
    for (path, text) in SITE {
        let path = site.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let contributing = Path::new(env!("CARGO_MANIFEST_DIR")).join("CONTRIBUTING.md");
    let mut doc = std::fs::read_to_string(&contributing).unwrap();
    let update = std::env::var_os("UPDATE_CONTRIBUTING").is_some();
    let mut stale = Vec::new();
    for example in EXAMPLES {
        let Some((at, quoted, indent)) = quoted(&doc, example.name) else {
            panic!("CONTRIBUTING.md has no `<!-- example: {} -->` … `<!-- /example -->`", example.name);
        };
        let printed = run(site, example, indent);
        if quoted != printed {
            stale.push(format!("`{}`: CONTRIBUTING.md quotes\n{quoted}\npolicypress prints\n{printed}", example.name));
            doc.replace_range(at..at + quoted.len(), &printed);
        }
    }
    let names: Vec<&str> = doc.match_indices("<!-- example: ").map(|(i, _)| &doc[i + 14..]).collect();
    for name in names {
        let name = name.split(" -->").next().unwrap_or_default();
        assert!(EXAMPLES.iter().any(|e| e.name == name), "CONTRIBUTING.md quotes `{name}`, which no example runs");
    }
    if update {
        std::fs::write(&contributing, doc).unwrap();
    } else {
        assert!(stale.is_empty(), "{}\nRegenerate CONTRIBUTING.md's examples with\n  {REGENERATE}", stale.join("\n"));
    }
}
