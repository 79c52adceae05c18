//! The `policypress` command line: parses arguments, calls the library,
//! prints results and sets the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Rendering and minifying allocate millions of short strings; mimalloc
/// makes a 10k-article build about a third faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use policypress::check;
use policypress::content::ContentError;
use policypress::diagnostic::Severity;
use policypress::i18n::{self, Lang};
use policypress::import::{self, ImportOptions};
use policypress::layout::SiteLayout;
use policypress::new::NewError;
use policypress::path_display::PathBase;
use policypress::render::{self, BuildOptions};
use policypress::text;
use policypress::text::{display_path, escape_controls};

/// Escapes control characters within each line of a message whose line
/// breaks are its own.
fn escape_lines(message: &str) -> String {
    message.split('\n').map(|line| escape_controls(line).into_owned()).collect::<Vec<_>>().join("\n")
}

#[derive(Parser)]
#[command(name = "policypress", version, about = "Static site generator for 医保 policy Q&A content")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Language of messages: zh or en (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, global = true)]
    lang: Option<Lang>,
}

#[derive(Subcommand)]
enum Command {
    /// Clean scraped pages into front-mattered Markdown under content/.
    Import {
        /// Scraped page files or directories of them.
        #[arg(required = true)]
        raw: Vec<PathBuf>,
        /// Site root whose content/ is written into.
        #[arg(long)]
        root: Option<PathBuf>,
        /// A content directory to write into instead of <root>/content (its
        /// parent is taken as the site root).
        #[arg(long, conflicts_with = "root")]
        content: Option<PathBuf>,
        /// Overwrite generated files even where a person edited them.
        #[arg(long)]
        force: bool,
        /// Also write the summary as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Print only problems and the summary.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Recompute regions and topics of generated content after the gazetteer
    /// or content/topics.yaml changed.
    Classify {
        /// Site root holding content/.
        #[arg(long)]
        root: Option<PathBuf>,
        /// The content directory, instead of <root>/content.
        #[arg(long, conflicts_with = "root")]
        content: Option<PathBuf>,
        /// Change nothing; exit 1 if anything would change (for CI).
        #[arg(long)]
        check: bool,
    },
    /// Render content/ into a static site.
    Build {
        /// Site root holding config.toml, content/, themes/, static/.
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output directory (default: <root>/public).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override base_url from config.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Write readable, unminified output.
        #[arg(long)]
        no_minify: bool,
        /// Ignore the build cache: render every page and replace the whole
        /// output directory, removing files that other tools put there.
        #[arg(long)]
        fresh: bool,
        /// No progress bar or summary.
        #[arg(long, short)]
        quiet: bool,
        /// Also build articles marked `draft: true` (serve always does).
        #[arg(long)]
        drafts: bool,
    },
    /// Validate config.toml, content/topics.yaml and every content file; writes nothing.
    Check {
        /// Site root (holding config.toml and content/).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output: human, github (workflow annotations) or json.
        #[arg(long, default_value = "human")]
        format: check::Format,
    },
    /// Start a new article: content/articles/<slug>.md with front matter and a skeleton.
    New {
        /// The question the article answers, e.g. "深圳医保怎么办理异地就医备案".
        title: String,
        /// Gazetteer path, e.g. 广东省/深圳市; repeatable.
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Topic name from content/topics.yaml; repeatable.
        #[arg(long = "topic")]
        topics: Vec<String>,
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Publish public/ to a [deploy.targets.NAME] in config.toml, uploading only what changed.
    Deploy {
        /// Site root holding config.toml and public/.
        #[arg(long)]
        root: Option<PathBuf>,
        /// Target name (default: deploy.default_target, or the only target).
        #[arg(long)]
        target: Option<String>,
        /// Print the plan (uploads, deletes, bytes); change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Compare with the target's listing instead of trusting its manifest.
        #[arg(long)]
        force: bool,
        /// Stop if the deploy would delete more files than this
        /// (default: 1,000 or 10% of the target's files, whichever is smaller).
        #[arg(long)]
        max_deletes: Option<usize>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Build into a temporary directory, serve it, rebuild and reload pages on every change.
    Serve {
        #[arg(long)]
        root: Option<PathBuf>,
        /// Address to listen on; anything but loopback exposes the preview to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port; 0 picks a free one.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
}

/// The site named by `--root`, or by `--content` (which names its content
/// directory, as earlier versions of `import` and `classify` took), or else
/// the one this directory is in.
fn layout(root: Option<PathBuf>, content: Option<PathBuf>) -> anyhow::Result<SiteLayout> {
    match content {
        Some(content) => Ok(SiteLayout::around_content(content)),
        None => site_root(root).map(SiteLayout::new),
    }
}

/// `--root` when given, else the nearest directory from here upward that
/// holds config.toml; a command run outside any site says so instead of
/// working on whatever folder it was run in.
fn site_root(root: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(root) = root {
        let layout = SiteLayout::new(&root);
        if !layout.config_file().is_file() && !layout.content().is_dir() {
            return Err(not_a_site(&root));
        }
        return Ok(root);
    }
    let here = std::env::current_dir()?;
    match policypress::layout::find_root(&here) {
        Some(found) if found == here => Ok(PathBuf::from(".")),
        Some(found) => Ok(found),
        None => Err(anyhow::anyhow!(
            "{}",
            text!("not-a-site", config = policypress::layout::CONFIG_FILE, dir = display_path(&here))
        )),
    }
}

/// `--root` named a directory with neither config.toml nor content/: a
/// typo, or a command meant for another directory, not an empty site.
fn not_a_site(root: &std::path::Path) -> anyhow::Error {
    anyhow::anyhow!("{}", text!("root-not-a-site", config = policypress::layout::CONFIG_FILE, dir = display_path(root)))
}

/// A failed build's content errors, their files shown from `base`.
fn shown_build_error(err: render::BuildError, base: &PathBase) -> render::BuildError {
    match err {
        render::BuildError::Content(errors) => render::BuildError::Content(
            errors.into_iter().map(|err| ContentError { path: base.show(&err.path), ..err }).collect(),
        ),
        other => other,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    i18n::set_lang(cli.lang.unwrap_or_else(Lang::from_env));
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            // Typed errors escape the paths and text they quote; this
            // catches whatever else reaches the terminal, one message per line.
            eprintln!("{}: {}", Severity::Error.label(), escape_lines(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import { raw, root, content, force, report, quiet } => {
            // `--root DIR` may name a site yet to be, and outside any site
            // import starts one here: content/ is created.
            let layout = match root {
                Some(root) => SiteLayout::new(root),
                None => layout(None, content).unwrap_or_else(|_| SiteLayout::new(".")),
            };
            let result = import::import(&ImportOptions { inputs: raw, layout, force })?;
            for message in &result.messages {
                if !quiet || message.severity > Severity::Note {
                    eprintln!("{message}");
                }
            }
            println!("{}", result.summary());
            if let Some(path) = report {
                std::fs::write(&path, serde_json::to_string_pretty(&result)? + "\n")
                    .map_err(|err| anyhow::anyhow!("{}: cannot write report: {err}", display_path(&path)))?;
            }
            Ok(if result.rejected > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Classify { root, content, check } => {
            let report = policypress::classify::refresh::refresh(&layout(root, content)?, check)?;
            for err in &report.errors {
                eprintln!("{err}\n  {}: {}", text!("fix-label"), escape_controls(&err.fix.to_string()));
            }
            let verb = if check { "would change" } else { "changed" };
            for change in &report.changes {
                println!("{verb}: {change}");
            }
            for change in &report.kept_hand_edits {
                println!("kept hand edit: {change}");
            }
            println!(
                "classified {} files: {} {verb}, {} hand-edited left alone, {} unreadable",
                report.checked,
                report.changes.len(),
                report.kept_hand_edits.len(),
                report.errors.len()
            );
            let failed = !report.errors.is_empty() || (check && !report.changes.is_empty());
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Build { root, out, base_url, no_minify, fresh, quiet, drafts } => {
            let root = site_root(root)?;
            let base = PathBase::current_dir();
            let report = render::build(&BuildOptions { root, out, base_url, no_minify, fresh, quiet, drafts })
                .map_err(|err| shown_build_error(err, &base))?;
            for warning in &report.warnings {
                eprintln!("warning: {}", escape_controls(warning));
            }
            for stray in &report.stray_files {
                let stray = ContentError { path: base.show(&stray.path), ..stray.clone() };
                let (warning, fix) = (Severity::Warning.label(), text!("fix-label"));
                eprintln!("{warning}: {stray}\n  {fix}: {}", escape_controls(&stray.fix.to_string()));
            }
            if !quiet {
                println!(
                    "built {} pages ({} articles, {} recommendations, {} search documents) into {}: {} files, {:.1} MB in {:.2?}",
                    report.pages,
                    report.articles,
                    report.recommendations,
                    report.search.documents,
                    display_path(&base.show(&report.out_dir)),
                    report.files,
                    report.bytes as f64 / 1e6,
                    report.elapsed
                );
                if report.search.monolithic_bytes > 0 {
                    println!(
                        "{}: {:.1} MB, {}",
                        policypress::search::MONOLITHIC_FILE,
                        report.search.monolithic_bytes as f64 / 1e6,
                        if report.search.monolithic_bodies {
                            "bodies indexed"
                        } else {
                            "titles, answers, regions and topics only: with bodies it would pass 25 MiB"
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { root, format } => {
            let root = site_root(root)?;
            let mut report = check::check(&root);
            // People open the file from their terminal; GitHub matches
            // annotations against the repository's files.
            let base = match format {
                check::Format::Human | check::Format::Json => PathBase::current_dir(),
                check::Format::Github => PathBase::repository(&root),
            };
            for diagnostic in &mut report.diagnostics {
                diagnostic.file = base.show(&root.join(&diagnostic.file));
            }
            print!("{}", report.render(format, i18n::lang()));
            eprintln!("{}", report.summary());
            Ok(if report.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::New { title, regions, topics, root } => {
            let root = site_root(root)?;
            let base = PathBase::current_dir();
            let path = policypress::new::new_article(&root, &title, &regions, &topics).map_err(|err| match err {
                NewError::Exists(path) => NewError::Exists(base.show(&path)),
                other => other,
            })?;
            println!("{}", display_path(&base.show(&path)));
            eprintln!("{}", text!("new-created"));
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "deploy")]
        Command::Deploy { root, target, dry_run, force, max_deletes, quiet } => {
            let root = site_root(root)?;
            deploy(&policypress::deploy::DeployOptions { root, target, dry_run, force, max_deletes, quiet })
        }
        // Built without the `deploy` feature: say how to get a binary that
        // deploys, rather than hiding the command.
        #[cfg(not(feature = "deploy"))]
        Command::Deploy { .. } => Err(anyhow::anyhow!("{}", text!("deploy-not-built"))),
        Command::Serve { root, bind, port, open } => {
            let root = site_root(root)?;
            policypress::serve::serve(&policypress::serve::ServeOptions { root, bind, port, open })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(feature = "deploy")]
fn deploy(options: &policypress::deploy::DeployOptions) -> anyhow::Result<ExitCode> {
    let report = policypress::deploy::deploy(options)?;
    if options.dry_run {
        for upload in &report.plan.uploads {
            println!("upload {}{}", upload.path, if upload.new { " (new)" } else { "" });
        }
        for path in &report.plan.deletes {
            println!("delete {path}");
        }
    }
    println!("{}: {}", report.target, report.summary());
    Ok(ExitCode::SUCCESS)
}
