//! `check`'s guard against credentials committed in `config.toml`: deploy
//! reads them from the environment only, so anything key-like in the file
//! is a leak waiting to be pushed.

use crate::diagnostic::{Diagnostic, Severity};
use crate::i18n::Text;
use crate::text;

/// Prefixes of access key IDs: AWS (long-term and temporary), Aliyun,
/// Tencent Cloud. Each is followed by upper-case letters and digits (AWS)
/// or letters and digits (Aliyun, Tencent).
const KEY_ID_PREFIXES: [(&str, usize); 4] = [("AKIA", 16), ("ASIA", 16), ("LTAI", 12), ("AKID", 24)];

/// Names a value under which can only be a credential.
const SECRET_NAMES: [&str; 6] = ["secret", "access_key", "accesskey", "password", "token", "credential"];

/// One error per line of `config.toml` (`text`) that holds something
/// key-like: an access key ID, a long random-looking string, or any value
/// under a credential's name.
pub fn config_secrets(text: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split_once('#').map_or(line, |(code, _)| code);
        let named = code.split_once('=').and_then(|(name, value)| {
            let name = name.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
            let value = value.trim().trim_matches(['"', '\'']);
            let credential = SECRET_NAMES.iter().any(|s| name.contains(s)) && !value.is_empty();
            credential.then(|| (text!("secret-named", name = name.as_str()), value))
        });
        // A key in a comment leaks as surely as one in a value.
        let what = named.or_else(|| {
            line.split(|c: char| !c.is_ascii_alphanumeric() && !"+/=_-".contains(c))
                .find_map(|word| key_like(word).map(|what| (what, word)))
        });
        let what = what.map(|(what, at)| (what, line.find(at).map_or(1, |i| line[..i].chars().count() + 1)));
        if let Some((what, column)) = what {
            found.push(Diagnostic {
                file: "config.toml".into(),
                line: index + 1,
                column,
                severity: Severity::Error,
                message: what,
                fix: text!("secret-named.fix"),
                source: None,
            });
        }
    }
    found
}

fn key_like(word: &str) -> Option<Text> {
    for (prefix, min_rest) in KEY_ID_PREFIXES {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.len() >= min_rest
            && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Some(text!("secret-key-id", prefix = prefix));
        }
    }
    // Secret keys are 30–40 random characters: long, no separators, and a
    // mix of lower case, upper case and digits that words and URLs lack.
    let random_looking = word.len() >= 30
        && word.bytes().any(|b| b.is_ascii_lowercase())
        && word.bytes().any(|b| b.is_ascii_uppercase())
        && word.bytes().any(|b| b.is_ascii_digit());
    random_looking.then(|| text!("secret-random"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_secrets_and_credential_names_are_flagged_with_their_line() {
        let text = "title = \"医保\"\n\
                    [deploy.targets.oss]\n\
                    kind = \"oss\"\n\
                    bucket = \"LTAI5tQ8mXqW2vRtYp3nKdEf\"\n\
                    endpoint = \"https://oss-cn-hangzhou.aliyuncs.com\"\n\
                    secret_key = \"x\"\n\
                    region = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n\
                    # old key: AKIAIOSFODNN7EXAMPLE\n";
        let lines: Vec<usize> = config_secrets(text).iter().map(|d| d.line).collect();
        assert_eq!(lines, [4, 6, 7, 8]);
        assert_eq!(config_secrets(text)[0].column, 11);
    }

    #[test]
    fn ordinary_settings_are_not_flagged() {
        let config = include_str!("../config.toml");
        assert_eq!(config_secrets(config), []);
        let text = "bucket = \"policypress-site-1250000000\"\nprefix = \"site/\"\n# the key is in AWS_ACCESS_KEY_ID\n";
        assert_eq!(config_secrets(text), []);
    }
}
