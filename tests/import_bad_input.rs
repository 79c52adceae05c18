//! Bad input to `import`: every kind gets a one-line message naming the
//! file, good files in the same run are still imported, the exit code says
//! whether anything was rejected, and nothing panics.

use crate::common;

use std::ffi::OsStr;
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
    run_command(&[OsStr::new("import"), raw.as_os_str(), OsStr::new("--content"), content.as_os_str()])
}

fn run_command(args: &[&OsStr]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_policypress")).args(args).env("LC_ALL", "C").output().unwrap();
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

#[test]
fn a_title_only_page_is_rejected_so_import_and_check_agree() {
    let raw = raw_dir(&[
        ("title-only.txt", "只有一个标题的页面\n".as_bytes().to_vec()),
        (
            "title-and-block.txt",
            "只有标题和推荐\n相关推荐\n\n甲标题\n\n甲摘要\n\n健康新闻 2025-04-20\n".as_bytes().to_vec(),
        ),
    ]);
    let site = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), &site.path().join("content"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    for name in ["title-only.txt", "title-and-block.txt"] {
        assert!(message_for(&run.stderr, name).contains("rejected: page has a title but no body or short answer"));
    }
    assert!(run.stdout.contains("2 rejected"), "{}", run.stdout);
    good_page_imported(&site.path().join("content"));
    assert_eq!(fs::read_dir(site.path().join("content/articles")).unwrap().count(), 1);
    let check = run_command(&[OsStr::new("check"), OsStr::new("--root"), site.path().as_os_str()]);
    assert_eq!(check.code, 0, "what import writes passes check:\n{}{}", check.stdout, check.stderr);
}

#[test]
fn utf16_pages_with_a_byte_order_mark_are_decoded() {
    let utf16 = |page: &Path, little: bool| -> Vec<u8> {
        let text = fs::read_to_string(page).unwrap();
        let bom: [u8; 2] = if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] };
        let units = text.encode_utf16().flat_map(|u| if little { u.to_le_bytes() } else { u.to_be_bytes() });
        bom.into_iter().chain(units).collect()
    };
    let raw = raw_dir(&[("le.txt", utf16(&raw_pages()[0], true)), ("be.txt", utf16(&raw_pages()[1], false))]);
    let content = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), content.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(message_for(&run.stderr, "le.txt").contains("decoded as UTF-16LE"));
    assert!(message_for(&run.stderr, "be.txt").contains("decoded as UTF-16BE"));
    let article = |slug: &str| fs::read_to_string(content.path().join(format!("articles/{slug}.md"))).unwrap();
    assert!(article("yi-bao-ge-ren-zhang-hu-zen-me-chong-zhi-jiao-fei").contains("医保个人账户不能直接充值缴费"));
    assert!(
        article("yi-bao-ka-li-mian-ge-ren-zhang-hu-yu-e-shi-gan-ma-de")
            .contains("title: 医保卡里面个人账户余额是干嘛的")
    );
}

#[test]
fn links_in_the_input_are_followed_and_bad_ones_named_and_counted() {
    let outside = tempfile::tempdir().unwrap();
    fs::copy(&raw_pages()[0], outside.path().join("page.txt")).unwrap();
    fs::create_dir(outside.path().join("more")).unwrap();
    fs::copy(&raw_pages()[1], outside.path().join("more/page.txt")).unwrap();
    let raw = raw_dir(&[]);
    std::os::unix::fs::symlink(outside.path().join("page.txt"), raw.path().join("to-file.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("more"), raw.path().join("to-dir")).unwrap();
    std::os::unix::fs::symlink(raw.path(), raw.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("gone.txt"), raw.path().join("dangling.txt")).unwrap();
    let content = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), content.path());
    assert_eq!(run.code, 1, "a loop and a dangling link are rejected\n{}", run.stderr);
    assert!(message_for(&run.stderr, "loop").contains("rejected: symbolic link loops back to"));
    assert!(message_for(&run.stderr, "dangling.txt").contains("rejected: dangling symbolic link to"));
    assert!(run.stdout.contains("imported 3 pages (2 rejected"), "{}", run.stdout);
    good_page_imported(content.path());
    assert!(content.path().join("articles/yi-bao-ge-ren-zhang-hu-zen-me-chong-zhi-jiao-fei.md").exists());
    assert!(content.path().join("articles/yi-bao-ka-li-mian-ge-ren-zhang-hu-yu-e-shi-gan-ma-de.md").exists());
}

#[test]
fn a_missing_input_is_counted_and_fails_the_run() {
    let missing = tempfile::tempdir().unwrap().path().join("nonexistent");
    let content = tempfile::tempdir().unwrap();
    let run = run_import(&missing, content.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(message_for(&run.stderr, "nonexistent").contains("rejected: no such file or directory"));
    assert!(run.stdout.contains("(1 rejected"), "{}", run.stdout);
}

#[test]
fn the_content_folder_and_non_page_files_inside_an_input_are_skipped() {
    let raw = raw_dir(&[("notes.md", b"# notes\n".to_vec()), ("config.toml", b"title = \"x\"\n".to_vec())]);
    let content = raw.path().join("content");
    for _ in 0..2 {
        let run = run_import(raw.path(), &content);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(message_for(&run.stderr, "notes.md").contains("note: a .md file is not a scraped page; skipped"));
        assert!(message_for(&run.stderr, "config.toml").contains("not a scraped page"));
        assert!(run.stdout.contains("imported 1 pages (0 rejected"), "{}", run.stdout);
    }
    let articles: Vec<_> = fs::read_dir(content.join("articles")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(articles, ["yi-bao-jiao-wan-bu-yong-hui-qing-ling-ma.md"], "topics.yaml is no page");
    let run = run_import(raw.path(), &content);
    assert!(message_for(&run.stderr, "content").contains("note: the --content directory; skipped"), "{}", run.stderr);
}

#[test]
fn a_failed_import_leaves_content_as_it_was() {
    // Root may write anywhere: a file where a directory belongs makes the
    // write fail for every user.
    for blocked in ["articles", "recommendations"] {
        let site = tempfile::tempdir().unwrap();
        let content = site.path().join("content");
        fs::create_dir(&content).unwrap();
        fs::write(content.join("topics.yaml"), policypress::taxonomy::BUNDLED_TOPICS).unwrap();
        fs::write(content.join(blocked), b"not a directory\n").unwrap();
        let before = common::snapshot(site.path());
        let run = run_import(&common::fixtures_raw(), &content);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(&format!("content/{blocked}/")), "the error names the file: {}", run.stderr);
        assert_eq!(common::snapshot(site.path()), before, "nothing written when {blocked}/ cannot be");
    }
}

#[test]
fn control_characters_in_names_are_escaped_in_every_message() {
    let raw = raw_dir(&[("evil\nrejected: forged.txt", Vec::new()), ("\u{1b}[2Jred.txt", Vec::new())]);
    let site = tempfile::tempdir().unwrap();
    let content = site.path().join("content");
    let import = run_import(raw.path(), &content);
    fs::write(content.join("articles/bad\nerror: forged\u{1b}[31m.md"), "---\ntitle: [\n---\n").unwrap();
    let check = run_command(&[OsStr::new("check"), OsStr::new("--root"), site.path().as_os_str()]);
    let build = run_command(&[OsStr::new("build"), OsStr::new("--root"), site.path().as_os_str()]);
    for (command, output, forged) in [
        ("import", &import, "rejected: forged"),
        ("check", &check, "error: forged"),
        ("build", &build, "error: forged"),
    ] {
        let printed = format!("{}{}", output.stdout, output.stderr);
        assert_eq!(output.code, 1, "{command}: {printed}");
        assert!(!printed.contains('\u{1b}'), "{command} printed an ESC: {printed:?}");
        assert!(!printed.lines().any(|l| l.starts_with(forged)), "{command} printed a forged line: {printed}");
        assert!(printed.contains(&format!("\\n{forged}")), "{command} shows the newline escaped: {printed}");
    }
}

#[test]
fn a_page_listing_thousands_of_snippets_keeps_the_first_five_hundred() {
    let mut page = String::from("推荐很多的页面\n\n正文。\n相关推荐\n");
    for i in 0..2000 {
        page.push_str(&format!("\n同一个标题\n\n摘要第{i}条\n\n健康新闻 2025-04-20\n"));
    }
    let raw = raw_dir(&[("many.txt", page.into_bytes())]);
    let content = tempfile::tempdir().unwrap();
    let run = run_import(raw.path(), content.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(message_for(&run.stderr, "many.txt").contains("lists 2000 recommendation snippets; kept the first 500"));
    let recommendations = fs::read_dir(content.path().join("recommendations")).unwrap().count();
    assert_eq!(recommendations, 500 + 20, "the good page lists 20: {}", run.stdout);
}

#[test]
fn import_takes_the_site_root_as_every_command_does() {
    let site = tempfile::tempdir().unwrap();
    let run = run_command(&[
        OsStr::new("import"),
        common::fixtures_raw().as_os_str(),
        OsStr::new("--root"),
        site.path().as_os_str(),
        OsStr::new("--quiet"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    good_page_imported(&site.path().join("content"));
    assert!(
        site.path().join(".policypress-cache/front-matter").read_dir().is_ok_and(|mut d| d.next().is_some()),
        "the build's cache is primed"
    );
    let classify =
        run_command(&[OsStr::new("classify"), OsStr::new("--root"), site.path().as_os_str(), OsStr::new("--check")]);
    assert_eq!(classify.code, 0, "{}", classify.stderr);
}
