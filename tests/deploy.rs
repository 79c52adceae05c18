//! `deploy` to an `fs` target (a directory): incremental uploads, deletes,
//! the delete cap, dry runs, resuming an interrupted deploy. The same code
//! runs against a real S3 server in `tests/deploy_s3.rs`.

use crate::deploy_support;

use std::fs;

use deploy_support::{Site, changed, files};
use policypress::deploy::{DeployError, PENDING_OBJECT};

const SHARE: &str = "[deploy.targets.share]\nkind = \"fs\"\ndir = \"../share\"\n";

fn site_with_share() -> Site {
    let site = Site::bundled(SHARE);
    fs::create_dir(site.dir.path().join("share")).unwrap();
    site
}

fn share(site: &Site) -> std::collections::BTreeMap<String, Vec<u8>> {
    files(&site.dir.path().join("share"))
}

#[test]
fn first_deploy_publishes_every_file_and_a_second_changes_nothing() {
    let site = site_with_share();
    let report = site.deploy().unwrap();
    let public = files(&site.public());
    assert_eq!(report.plan.uploads.len(), public.len());
    assert_eq!(report.plan.new_files(), public.len());
    assert!(public.len() > 100, "the bundled site has {} files", public.len());
    assert_eq!(share(&site), public);

    let again = site.deploy().unwrap();
    assert_eq!((again.plan.uploads.len(), again.plan.deletes.len()), (0, 0));
    assert_eq!(again.plan.unchanged, public.len());
}

#[test]
fn a_one_article_edit_uploads_only_the_changed_pages_and_search_files() {
    let site = site_with_share();
    site.deploy().unwrap();
    let before = files(&site.public());
    let slug = site.edit_article();
    let after = files(&site.public());
    let (expected_uploads, expected_deletes) = changed(&before, &after);

    let report = site.deploy().unwrap();
    let uploads: Vec<&str> = report.plan.uploads.iter().map(|u| u.path.as_str()).collect();
    let mut sorted = uploads.clone();
    sorted.sort();
    assert_eq!(sorted, expected_uploads);
    assert_eq!(report.plan.deletes, expected_deletes);
    assert!(uploads.contains(&format!("articles/{slug}/index.html").as_str()), "{uploads:?}");
    let pages = uploads.iter().filter(|p| p.ends_with(".html")).count();
    let search = uploads.iter().filter(|p| p.starts_with("search/")).count();
    println!(
        "one-article edit: {} of {} files uploaded ({pages} pages, {search} search files), {} deleted",
        uploads.len(),
        after.len(),
        report.plan.deletes.len()
    );
    // Every edit writes a new search generation (a fragment per document,
    // the facet files), about half of a small site's files; outside it,
    // only what changed goes up.
    let outside_search = uploads.len() - search;
    assert!(outside_search * 10 < after.len(), "{outside_search} files outside search/ uploaded of {}", after.len());
    // New search shards go up before any page, the search manifest last.
    let first_page = uploads.iter().position(|p| p.ends_with(".html")).unwrap();
    assert!(uploads[..first_page].iter().all(|p| !p.ends_with(".html")));
    assert_eq!(uploads.last(), Some(&"search/manifest.json"));
    assert_eq!(share(&site), after);
}

#[test]
fn a_removed_article_is_deleted_from_the_target() {
    let site = site_with_share();
    site.deploy().unwrap();
    let slug = site.remove_article();
    let page = format!("articles/{slug}/index.html");
    assert!(share(&site).contains_key(&page));

    let report = site.deploy().unwrap();
    assert!(report.plan.deletes.contains(&page), "{:?}", report.plan.deletes);
    assert!(!share(&site).contains_key(&page));
    assert_eq!(share(&site), files(&site.public()));
}

#[test]
fn past_max_deletes_the_deploy_stops_before_changing_anything() {
    let site = site_with_share();
    site.deploy().unwrap();
    site.remove_article();
    let held = share(&site);

    let mut options = site.options();
    options.max_deletes = Some(0);
    let err = policypress::deploy::deploy(&options).unwrap_err();
    assert!(matches!(err, DeployError::TooManyDeletes { cap: 0, .. }), "{err}");
    assert!(err.to_string().contains("--max-deletes"), "{err}");
    assert_eq!(share(&site), held, "the target changed");

    options.max_deletes = None;
    policypress::deploy::deploy(&options).unwrap();
    assert_eq!(share(&site), files(&site.public()));
}

#[test]
fn by_default_a_deploy_may_delete_a_tenth_of_the_target_and_no_more() {
    let site = site_with_share();
    site.deploy().unwrap();
    let held = share(&site).len();
    // The most strays a deploy may delete when they are among the files it
    // finds: a tenth of all of them, rounded up.
    let allowed = (1..).take_while(|&strays: &usize| strays <= (held + strays).div_ceil(10)).last().unwrap();
    let mut options = site.options();
    options.force = true;

    for i in 0..=allowed {
        fs::write(site.dir.path().join(format!("share/stray-{i}.html")), "left by another tool").unwrap();
    }
    let before = share(&site);
    let err = policypress::deploy::deploy(&options).unwrap_err();
    let cap = (held + allowed + 1).div_ceil(10);
    assert!(
        matches!(err, DeployError::TooManyDeletes { planned, cap: c, .. } if planned == allowed + 1 && c == cap),
        "{err}"
    );
    assert_eq!(share(&site), before, "the target changed");

    fs::remove_file(site.dir.path().join(format!("share/stray-{allowed}.html"))).unwrap();
    let report = policypress::deploy::deploy(&options).unwrap();
    assert_eq!(report.plan.deletes.len(), allowed);
    assert_eq!(share(&site), files(&site.public()));
}

#[test]
fn a_dry_run_prints_the_plan_and_changes_nothing() {
    let site = site_with_share();
    site.deploy().unwrap();
    site.edit_article();
    site.remove_article();
    let held = share(&site);
    let manifest = fs::read(site.dir.path().join("share/.policypress-deploy.json")).unwrap();

    let mut options = site.options();
    options.dry_run = true;
    let report = policypress::deploy::deploy(&options).unwrap();
    assert!(!report.plan.uploads.is_empty() && !report.plan.deletes.is_empty());
    assert!(report.summary().starts_with("would upload"), "{}", report.summary());
    assert_eq!(share(&site), held);
    assert_eq!(fs::read(site.dir.path().join("share/.policypress-deploy.json")).unwrap(), manifest);

    // The real deploy does what the dry run announced.
    let real = site.deploy().unwrap();
    assert_eq!(real.plan.uploads, report.plan.uploads);
    assert_eq!(real.plan.deletes, report.plan.deletes);
}

#[test]
fn an_interrupted_deploy_resumes_uploading_only_what_is_missing() {
    let site = site_with_share();
    // A file where the articles directory belongs: every upload under
    // articles/ fails, the others succeed, and the deploy stops part-way.
    let obstacle = site.dir.path().join("share/articles");
    fs::write(&obstacle, "not a directory").unwrap();
    let err = site.deploy().unwrap_err();
    assert!(err.to_string().contains("cannot upload articles/"), "{err}");
    assert!(site.dir.path().join("share").join(PENDING_OBJECT).exists());
    fs::remove_file(&obstacle).unwrap();
    let public = files(&site.public());
    let held = share(&site);
    let missing = public.iter().filter(|(k, v)| held.get(*k) != Some(*v)).count();
    assert!(missing > 0 && missing < public.len(), "{missing} of {} missing", public.len());

    let report = site.deploy().unwrap();
    assert!(report.resumed && report.verified, "{}", report.summary());
    assert_eq!(report.plan.uploads.len(), missing);
    assert_eq!(share(&site), public);
    assert!(!site.dir.path().join("share").join(PENDING_OBJECT).exists());
}

#[test]
fn force_verifies_against_the_target_and_repairs_what_was_changed_behind_its_back() {
    let site = site_with_share();
    site.deploy().unwrap();
    let share_dir = site.dir.path().join("share");
    fs::write(share_dir.join("index.html"), "tampered").unwrap();
    fs::write(share_dir.join("stray.html"), "left by another tool").unwrap();
    // The manifest still says all is well: a normal deploy trusts it.
    assert_eq!(site.deploy().unwrap().plan.uploads.len(), 0);

    let mut options = site.options();
    options.force = true;
    let report = policypress::deploy::deploy(&options).unwrap();
    let uploads: Vec<&str> = report.plan.uploads.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(uploads, ["index.html"]);
    assert_eq!(report.plan.deletes, ["stray.html"]);
    assert_eq!(share(&site), files(&site.public()));
}

#[test]
fn a_missing_target_directory_or_site_is_a_clear_error() {
    let site = Site::bundled(SHARE);
    let err = site.deploy().unwrap_err();
    assert!(err.to_string().contains("does not exist") && err.to_string().contains("share"), "{err}");

    fs::create_dir(site.dir.path().join("share")).unwrap();
    fs::remove_dir_all(site.public()).unwrap();
    let err = site.deploy().unwrap_err();
    assert!(err.to_string().contains("policypress build"), "{err}");
    assert!(share(&site).is_empty());
}

#[test]
fn check_flags_a_key_in_config_toml() {
    let site =
        Site::bundled("[deploy.targets.oss]\nkind = \"oss\"\nbucket = \"site\"\n# key LTAI5tQ8mXqW2vRtYp3nKdEf\n");
    let report = policypress::check::check(&site.root);
    let found: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(found.iter().any(|d| d.starts_with("config.toml:") && d.contains("access key ID")), "{found:#?}");
    assert!(report.has_errors());
}
