//! The `policypress` command line: parses arguments, calls the library,
//! prints results and sets the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use policypress::import::{self, ImportOptions, Level};
// tools branch: check, new, serve
use policypress::check;

#[derive(Parser)]
#[command(name = "policypress", version, about = "Static site generator for 医保 policy Q&A content")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Clean scraped pages into front-mattered Markdown under content/.
    Import {
        /// Scraped page files or directories of them.
        #[arg(required = true)]
        raw: Vec<PathBuf>,
        /// Content directory to write into.
        #[arg(long, default_value = "content")]
        content: PathBuf,
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
    // ---- tools branch: check, new, serve ----
    /// Validate config.toml, content/topics.yaml and every content file; writes nothing.
    Check {
        /// Site root (holding config.toml and content/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
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
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import { raw, content, force, report, quiet } => {
            let result = import::import(&ImportOptions { inputs: raw, content_dir: content, force })?;
            for message in &result.messages {
                if !quiet || message.level > Level::Note {
                    eprintln!("{message}");
                }
            }
            println!("{}", result.summary());
            if let Some(path) = report {
                std::fs::write(&path, serde_json::to_string_pretty(&result)? + "\n")
                    .map_err(|err| anyhow::anyhow!("{}: cannot write report: {err}", path.display()))?;
            }
            Ok(if result.rejected > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        // ---- tools branch: check, new, serve ----
        Command::Check { root, format } => {
            let report = check::check(&root);
            print!("{}", report.render(format));
            eprintln!("{}", report.summary());
            Ok(if report.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::New { title, regions, topics, root } => {
            let path = policypress::new::new_article(&root, &title, &regions, &topics)?;
            println!("{}", path.display());
            eprintln!("created; write the article, then run `policypress check` and `policypress serve`");
            Ok(ExitCode::SUCCESS)
        }
    }
}
