//! Bad input to `import`: every kind gets a one-line message naming the
//! file, good files in the same run are still imported, the exit code says
//! whether anything was rejected, and nothing panics.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::raw_pages;

struct Run {
    code: i32,
    stderr: String,
    stdout: String,
}

fn run_import(raw: &Path, content: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_policypress"))
        .arg("import")
        .arg(raw)
        .arg("--content")
        .arg(content)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// A directory with one good page plus `extra` files.
fn raw_dir(extra: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(&raw_pages()[3], dir.path().join("good.txt")).unwrap();
    for (name, bytes) in extra {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// All message lines about `file`, joined.
fn message_for(stderr: &str, file: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(file)).collect();
    assert!(!lines.is_empty(), "no message for {file} in:\n{stderr}");
    lines.join("\n")
}

fn good_page_imported(content: &Path) {
    assert!(content.join("articles/yi-bao-jiao-wan-bu-yong-hui-qing-ling-ma.md").exists(), "good page not imported");
}

#[test]
fn rejected_files_are_named_and_the_rest_imported() {
    let mut big = vec![b'a'; 50 * 1024 * 1024];
    big[0] = b'T';
    let raw = raw_dir(&[
        ("empty.txt", Vec::new()),
        ("binary.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec()),
        ("huge.txt", big),
    ]);
    let content = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), content.path());
    assert_eq!(run.code, 1, "a rejected file makes the exit code 1\n{}", run.stderr);
    assert!(message_for(&run.stderr, "empty.txt").contains("rejected: empty file"));
    assert!(message_for(&run.stderr, "binary.png").contains("rejected: binary file"));
    assert!(message_for(&run.stderr, "huge.txt").contains("larger than"));
    assert!(run.stdout.contains("3 rejected"), "{}", run.stdout);
    good_page_imported(content.path());
}

#[test]
fn encodings_and_line_endings_are_handled_and_reported() {
    let page = fs::read_to_string(&raw_pages()[0]).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&page);
    assert!(!unmappable);
    let raw = raw_dir(&[
        ("gbk.txt", gbk.into_owned()),
        ("bom.txt", [b"\xEF\xBB\xBF".as_slice(), fs::read(&raw_pages()[1]).unwrap().as_slice()].concat()),
        ("crlf.txt", fs::read_to_string(&raw_pages()[2]).unwrap().replace('\n', "\r\n").into_bytes()),
    ]);
    let content = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), content.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(message_for(&run.stderr, "gbk.txt").contains("GB18030"));
    assert!(message_for(&run.stderr, "bom.txt").contains("BOM"));
    assert!(message_for(&run.stderr, "crlf.txt").contains("CRLF"));
    let articles = fs::read_dir(content.path().join("articles")).unwrap().count();
    assert_eq!(articles, 4, "GBK, BOM and CRLF pages import like UTF-8 ones");
    let gbk_article =
        fs::read_to_string(content.path().join("articles/yi-bao-ge-ren-zhang-hu-zen-me-chong-zhi-jiao-fei.md"))
            .unwrap();
    assert!(gbk_article.contains("医保个人账户不能直接充值缴费"));
    assert!(!gbk_article.contains('\r'));
}

#[test]
fn odd_pages_import_with_a_warning() {
    let raw = raw_dir(&[
        (
            "no-block.txt",
            "异地就医备案怎么办\n\n可以线上办理\n\n登录国家医保服务平台APP办理备案。\n".as_bytes().to_vec(),
        ),
        ("title-only.txt", "只有一个标题的页面\n".as_bytes().to_vec()),
        (
            "truncated.txt",
            "截断的页面\n\n正文。\n相关推荐\n\n甲标题\n\n甲摘要\n\n健康新闻 2025-04-20\n\n乙标题\n\n乙摘要被截"
                .as_bytes()
                .to_vec(),
        ),
    ]);
    let content = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), content.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(message_for(&run.stderr, "no-block.txt").contains("no 相关推荐 block"));
    assert!(message_for(&run.stderr, "title-only.txt").contains("only a title"));
    let truncated = fs::read_to_string(content.path().join("recommendations/yi-biao-ti.md")).unwrap();
    assert!(truncated.contains("乙摘要被截"), "a snippet cut off before its date line is kept");
    good_page_imported(content.path());
}

#[test]
fn hostile_titles_stay_text_and_inside_content() {
    let raw = raw_dir(&[
        ("traversal.txt", "../../etc/passwd 医保\n\n正文。\n".as_bytes().to_vec()),
        ("script.txt", "<script>alert(1)</script>医保\n\n正文<img src=x onerror=alert(1)>。\n".as_bytes().to_vec()),
    ]);
    let outer = tempfile::tempdir().unwrap();
    let content = outer.path().join("content");
    let run = run_import(raw.path(), &content);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(message_for(&run.stderr, "traversal.txt").contains("path characters"));
    let files: Vec<String> = walkdir::WalkDir::new(outer.path())
        .into_iter()
        .map(|e| e.unwrap().path().strip_prefix(outer.path()).unwrap().display().to_string())
        .collect();
    // Titles name files in content/ only; beside it is the build cache.
    let inside = |f: &String| f.is_empty() || f.starts_with("content") || f.starts_with(".policypress-cache");
    assert!(files.iter().all(inside), "{files:?}");
    let script = fs::read_to_string(content.join("articles/script-alert-1-script-yi-bao.md")).unwrap();
    assert!(
        script.contains("正文\\<img src=x onerror=alert(1)\\>"),
        "raw HTML in a body is escaped Markdown:\n{script}"
    );
    assert!(content.join("articles/etc-passwd-yi-bao.md").exists());
}
