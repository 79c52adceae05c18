//! Paths as the command line prints them: relative to the current directory
//! for people (so they open from the terminal), relative to the repository
//! root in GitHub annotations (so they land on the right file).

use std::path::Path;
use std::process::Output;

/// A repository `repo/` whose site lives in `repo/site/`, with an article
/// whose `titel` typo is an error at line 2.
fn repository_with_site_in_subfolder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("repo/site");
    std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
    std::fs::create_dir_all(site.join("content/articles")).unwrap();
    std::fs::write(site.join("config.toml"), "title = \"测试站\"\n").unwrap();
    std::fs::write(site.join("content/articles/x.md"), "---\ntitel: 医保卡怎么激活\nslug: x\n---\n正文。\n").unwrap();
    dir
}

/// Runs policypress in `dir` with the environment of an English terminal
/// outside GitHub Actions, plus `env`.
fn policypress_in(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_policypress"));
    command.args(args).current_dir(dir).env_remove("GITHUB_WORKSPACE").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    command.env("LANG", "C");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn human_paths_are_relative_to_the_current_directory() {
    let dir = repository_with_site_in_subfolder();
    let site = dir.path().join("repo/site");
    for (cwd, shown) in [
        (site.clone(), "content/articles/x.md"),
        (site.join("content/articles"), "x.md"),
        (site.join("content/recommendations"), "../articles/x.md"),
        (dir.path().join("repo"), "site/content/articles/x.md"),
    ] {
        std::fs::create_dir_all(&cwd).unwrap();
        let root = if cwd.starts_with(&site) { None } else { Some("site") };
        let args: Vec<&str> = ["check"].into_iter().chain(root.map(|r| ["--root", r]).into_iter().flatten()).collect();
        let output = policypress_in(&cwd, &args, &[]);
        assert_eq!(output.status.code(), Some(1));
        let expected = format!("{shown}:2:1: error: unknown field `titel`\n");
        assert!(stdout(&output).contains(&expected), "from {}: {}", cwd.display(), stdout(&output));
    }
}

#[test]
fn json_paths_are_relative_to_the_current_directory() {
    let dir = repository_with_site_in_subfolder();
    let output = policypress_in(&dir.path().join("repo/site/content/articles"), &["check", "--format", "json"], &[]);
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files: Vec<&str> = parsed.as_array().unwrap().iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["x.md", "x.md"], "missing `title` and unknown `titel`");
}

#[test]
fn annotations_are_relative_to_the_repository_root() {
    let dir = repository_with_site_in_subfolder();
    let site = dir.path().join("repo/site");
    let annotation = "::error file=site/content/articles/x.md,line=2,col=1,";
    for cwd in [site.clone(), site.join("content/articles")] {
        let output = policypress_in(&cwd, &["check", "--format", "github"], &[]);
        assert!(stdout(&output).contains(annotation), "from {}: {}", cwd.display(), stdout(&output));
    }
    // A checkout without `.git` (actions/checkout without git installed):
    // the workspace is the repository root.
    std::fs::remove_dir(dir.path().join("repo/.git")).unwrap();
    let workspace = dir.path().join("repo");
    let output = policypress_in(&site, &["check", "--format", "github"], &[("GITHUB_WORKSPACE", &workspace)]);
    assert!(stdout(&output).contains(annotation), "{}", stdout(&output));
    // Outside any repository and workspace, the path opens from here.
    let output = policypress_in(&site, &["check", "--format", "github"], &[]);
    assert!(stdout(&output).contains("::error file=content/articles/x.md,line=2,col=1,"), "{}", stdout(&output));
}

#[test]
fn build_errors_and_stray_file_warnings_are_relative_to_the_current_directory() {
    let dir = repository_with_site_in_subfolder();
    let site = dir.path().join("repo/site");
    let articles = site.join("content/articles");
    let out = dir.path().join("public");
    let out = out.to_str().unwrap();
    let failed = policypress_in(&articles, &["build", "--quiet", "--out", out], &[]);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success());
    assert!(stderr.contains("\nx.md:2:1: error: unknown field `titel`\n"), "{stderr}");

    std::fs::write(articles.join("x.md"), "---\ntitle: 医保卡怎么激活\nslug: x\n---\n正文。\n").unwrap();
    std::fs::write(articles.join("y.markdown"), "---\ntitle: 医保卡丢了怎么办\nslug: y\n---\n正文。\n").unwrap();
    let built = policypress_in(&articles, &["build", "--quiet", "--out", out], &[]);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "a stray file does not fail the build: {stderr}");
    assert!(
        stderr.contains("warning: y.markdown:1:1: `y.markdown` is never published")
            && stderr.contains("rename it to `y.md`"),
        "{stderr}"
    );
}

#[test]
fn new_prints_the_path_relative_to_the_current_directory() {
    let dir = repository_with_site_in_subfolder();
    let articles = dir.path().join("repo/site/content/articles");
    let slug = policypress::slug::slugify("医保卡丢了怎么办");
    let made = policypress_in(&articles, &["new", "医保卡丢了怎么办"], &[]);
    assert_eq!(stdout(&made), format!("{slug}.md\n"), "{}", String::from_utf8_lossy(&made.stderr));
    let again = policypress_in(&dir.path().join("repo"), &["new", "医保卡丢了怎么办", "--root", "site"], &[]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains(&format!("site/content/articles/{slug}.md already exists")), "{stderr}");
}

#[test]
fn a_root_holding_no_site_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let output = policypress_in(empty.path(), &["check", "--root", "."], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains(". holds neither config.toml nor content/"), "{stderr}");
}
