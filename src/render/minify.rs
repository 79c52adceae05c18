//! Minification, done once when the theme loads rather than on every page.
//!
//! Templates: what a page minifier used to remove from every page came from
//! the templates (the text they insert is escaped, and rendered Markdown
//! only adds a newline per block), so minifying the template text gives
//! nearly the same pages for none of the per-page cost. Whitespace between
//! tags goes where a browser would not render it, quotes go from static
//! attribute values; tera tags, `<pre>`, `<textarea>`, `<script>`, `<style>`
//! and comments are kept byte for byte.
//!
//! Stylesheets lose comments and spaces; scripts lose their comment lines,
//! blank lines and indentation, nothing within a line of code (a JavaScript
//! minifier would be the largest dependency of the build). That keeps
//! search.js, which every cold query downloads, within the query budget
//! while its source stays commented.

/// Elements displayed as blocks by default: whitespace next to their tags
/// starts or ends a line, where browsers drop it.
const BLOCK_ELEMENTS: &[&str] = &[
    "!doctype",
    "address",
    "article",
    "aside",
    "base",
    "blockquote",
    "body",
    "br",
    "caption",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "li",
    "link",
    "main",
    "meta",
    "nav",
    "ol",
    "p",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// Elements whose content is copied verbatim, up to their end tag.
const VERBATIM_ELEMENTS: &[&str] = &["pre", "script", "style", "textarea"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text between the other tokens.
    Text,
    /// An HTML tag of a block element.
    BlockTag,
    /// Any other HTML tag.
    Tag,
    /// A tera expression or statement: it may render as text on the line
    /// of the whitespace next to it, or, for a branch or loop, put
    /// something else there than what follows it in the template.
    Inline,
    /// Content kept byte for byte: of `<pre>` and the like, `{% raw %}`
    /// blocks, and whatever follows something unclosed.
    Verbatim,
    /// Tera and HTML comments: they render nothing, so whitespace next to
    /// them is judged by what lies beyond.
    Silent,
}

struct Token<'a> {
    kind: Kind,
    text: &'a str,
}

/// The template with whitespace and attribute quotes removed where that
/// cannot change what a browser shows or what tera does.
pub fn template(text: &str) -> String {
    let tokens = tokenize(text);
    let mut out = String::with_capacity(text.len());
    for (n, token) in tokens.iter().enumerate() {
        match token.kind {
            Kind::Text => {
                let block_before =
                    tokens[..n].iter().rev().find(|t| t.kind != Kind::Silent).map(|t| t.kind) == Some(Kind::BlockTag);
                let block_after =
                    tokens[n + 1..].iter().find(|t| t.kind != Kind::Silent).map(|t| t.kind) == Some(Kind::BlockTag);
                push_text(&mut out, token.text, block_before, block_after);
            }
            Kind::BlockTag | Kind::Tag => push_tag(&mut out, token.text),
            Kind::Inline | Kind::Verbatim | Kind::Silent => out.push_str(token.text),
        }
    }
    out
}

/// Text with its whitespace runs collapsed to one space, and dropped at
/// either end that touches a block element.
fn push_text(out: &mut String, text: &str, block_before: bool, block_after: bool) {
    let words: Vec<&str> = text.split(is_html_space).filter(|w| !w.is_empty()).collect();
    let leading = text.starts_with(is_html_space);
    let trailing = text.ends_with(is_html_space);
    if words.is_empty() {
        if leading && !block_before && !block_after {
            out.push(' ');
        }
        return;
    }
    if leading && !block_before {
        out.push(' ');
    }
    out.push_str(&words.join(" "));
    if trailing && !block_after {
        out.push(' ');
    }
}

fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// The tag with quotes removed from attribute values that need none:
/// static (no tera syntax), non-empty, free of characters that end an
/// unquoted value, and followed by a space or the tag's end, so nothing a
/// template appends can run into the value.
fn push_tag(out: &mut String, tag: &str) {
    let bytes = tag.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = tera_tag_len(&tag[i..]) {
            i += len;
            continue;
        }
        let quote = bytes[i];
        if (quote == b'"' || quote == b'\'') && i > 0 && bytes[i - 1] == b'=' {
            let Some(len) = tag[i + 1..].find(quote as char) else { break };
            let value = &tag[i + 1..i + 1 + len];
            let end = i + 1 + len;
            let next = bytes.get(end + 1).copied();
            let followed_well = matches!(next, Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>'));
            if followed_well && !value.is_empty() && !value.contains(unsafe_unquoted) {
                out.push_str(&tag[copied..i]);
                out.push_str(value);
                copied = end + 1;
            }
            i = end + 1;
            continue;
        }
        i += 1;
    }
    out.push_str(&tag[copied..]);
}

fn unsafe_unquoted(c: char) -> bool {
    is_html_space(c) || matches!(c, '"' | '\'' | '=' | '<' | '>' | '`' | '{' | '}')
}

/// Length of the tera tag `{{ … }}`, `{% … %}` or `{# … #}` at the start of
/// `text`, string literals inside it skipped; `None` when `text` does not
/// start with one or it is never closed.
fn tera_tag_len(text: &str) -> Option<usize> {
    let close = match text.get(..2)? {
        "{{" => "}}",
        "{%" => "%}",
        "{#" => "#}",
        _ => return None,
    };
    let bytes = text.as_bytes();
    let mut i = 2;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'' | b'`') if close != "#}" => {
                i += 1 + text[i + 1..].find(quote as char)? + 1;
            }
            _ if text[i..].starts_with(close) => return Some(i + 2),
            _ => i += 1,
        }
    }
    None
}

/// Splits a template into tokens; text that cannot be read as HTML (an
/// unclosed tag, tera tag or comment) ends the token list as verbatim text.
fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let found: Option<Vec<(Kind, usize)>> = match bytes[i] {
            b'{' if matches!(bytes.get(i + 1), Some(b'{' | b'%' | b'#')) => {
                tera_tag_len(&text[i..]).map(|len| match bytes[i + 1] {
                    b'{' => vec![(Kind::Inline, len)],
                    _ if is_statement(&text[i..i + len], "raw") => {
                        vec![(Kind::Verbatim, raw_block_len(&text[i..]).unwrap_or(len))]
                    }
                    b'#' => vec![(Kind::Silent, len)],
                    _ => vec![(Kind::Inline, len)],
                })
            }
            b'<' if text[i..].starts_with("<!--") => text[i..].find("-->").map(|end| vec![(Kind::Silent, end + 3)]),
            b'<' if starts_tag(&text[i + 1..]) => html_tag_len(&text[i..]).map(|len| {
                let name = tag_name(&text[i..i + len]);
                let kind = if BLOCK_ELEMENTS.contains(&name.as_str()) { Kind::BlockTag } else { Kind::Tag };
                let opening = !text[i + 1..].starts_with('/');
                if opening && VERBATIM_ELEMENTS.contains(&name.as_str()) {
                    let content = &text[i + len..];
                    let end = content.to_ascii_lowercase().find(&format!("</{name}")).unwrap_or(content.len());
                    vec![(kind, len), (Kind::Verbatim, end)]
                } else {
                    vec![(kind, len)]
                }
            }),
            _ => {
                i += 1;
                continue;
            }
        };
        if text_start < i {
            tokens.push(Token { kind: Kind::Text, text: &text[text_start..i] });
        }
        let Some(found) = found else {
            tokens.push(Token { kind: Kind::Verbatim, text: &text[i..] });
            return tokens;
        };
        for (kind, len) in found {
            tokens.push(Token { kind, text: &text[i..i + len] });
            i += len;
        }
        text_start = i;
    }
    if text_start < text.len() {
        tokens.push(Token { kind: Kind::Text, text: &text[text_start..] });
    }
    tokens
}

/// Whether `tag` is `{% word … %}` (with or without whitespace control).
fn is_statement(tag: &str, word: &str) -> bool {
    tag.strip_prefix("{%").map(|rest| rest.trim_start_matches('-').trim_start()).is_some_and(|rest| {
        rest.strip_prefix(word).is_some_and(|after| after.starts_with(|c: char| !c.is_alphanumeric() && c != '_'))
    })
}

/// Length of `{% raw %}…{% endraw %}` at the start of `text`.
fn raw_block_len(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find("{%") {
        let start = from + at;
        let len = tera_tag_len(&text[start..])?;
        if is_statement(&text[start..start + len], "endraw") {
            return Some(start + len);
        }
        from = start + len;
    }
    None
}

fn starts_tag(after_lt: &str) -> bool {
    let after_slash = after_lt.strip_prefix('/').unwrap_or(after_lt);
    after_lt.starts_with('!') || after_slash.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Length of the HTML tag at the start of `text`, through its `>`; quoted
/// attribute values and tera tags inside it may contain `>`.
fn html_tag_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if let Some(len) = tera_tag_len(&text[i..]) {
            i += len;
            continue;
        }
        match bytes[i] {
            b'>' => return Some(i + 1),
            quote @ (b'"' | b'\'') if bytes[i - 1] == b'=' => i += 1 + text[i + 1..].find(quote as char)? + 1,
            _ => i += 1,
        }
    }
    None
}

/// Lower-case element name of a tag (`!doctype` for the doctype).
fn tag_name(tag: &str) -> String {
    let rest = tag.trim_start_matches('<').trim_start_matches('/');
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '!' || c == '-')).unwrap_or(rest.len());
    rest[..end].to_ascii_lowercase()
}

/// A theme static file, minified when it is a stylesheet or a script.
pub fn asset(path: &str, bytes: Vec<u8>) -> Vec<u8> {
    let minify = if path.ends_with(".css") {
        css
    } else if path.ends_with(".js") {
        script
    } else {
        return bytes;
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => minify(text).map_or(bytes, String::into_bytes),
        Err(_) => bytes,
    }
}

/// A script without its blank lines, indentation and whole-line comments
/// (`// …`, and `/* … */` starting a line and ending one). Lines of code are
/// kept byte for byte apart from indentation, and line breaks stay, so
/// automatic semicolon insertion reads it as before. `None`, to copy it as
/// it is, for a script where indentation or a line can be part of a string:
/// a template literal (a backtick in code) or a line continued by `\`.
fn script(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let code = line.trim();
        if code.is_empty() || code.starts_with("//") {
            continue;
        }
        if let Some(comment) = code.strip_prefix("/*") {
            let mut rest = comment.to_string();
            while !rest.contains("*/") {
                rest = lines.next()?.to_string();
            }
            let after = &rest[rest.find("*/")? + 2..];
            if after.trim().is_empty() {
                continue;
            }
            return None;
        }
        if code.contains('`') || code.ends_with('\\') {
            return None;
        }
        out.push_str(code);
        out.push('\n');
    }
    Some(out)
}

/// CSS without comments and without the spaces around `{ } ; , >` and
/// after `:`; strings are kept as they are. `None` for CSS with an
/// unclosed comment or string, which is better left alone.
fn css(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut pending_space = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '/' if text[at..].starts_with("/*") => {
                let end = text[at + 2..].find("*/")? + at + 4;
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
                pending_space = pending_space || !out.is_empty();
            }
            c if c.is_whitespace() => pending_space = !out.is_empty(),
            '"' | '\'' => {
                if std::mem::take(&mut pending_space) && !out.ends_with(CSS_TIGHT) {
                    out.push(' ');
                }
                let end = text[at + 1..].find(c)? + at + 2;
                out.push_str(&text[at..end]);
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
            }
            _ => {
                let tight = CSS_TIGHT.contains(&c) && c != ':';
                if std::mem::take(&mut pending_space) && !tight && !out.ends_with(CSS_TIGHT) {
                    out.push(' ');
                }
                if c == '}' && out.ends_with(';') {
                    out.pop();
                }
                out.push(c);
            }
        }
    }
    Some(out)
}

/// Characters spaces around which mean nothing in CSS (for `:`, only the
/// space after it: `a :hover` and `a:hover` are different selectors).
const CSS_TIGHT: &[char] = &['{', '}', ';', ',', '>', ':'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_between_blocks_goes_and_inline_spaces_stay() {
        let template = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<body>\n<ul class=\"cards\">\n{% for i in items %}<li>\n<a href=\"{{ i.url }}\">{{ i.title }}</a> <span class=\"count\">{{ i.n }}</span>\n</li>\n{% endfor %}</ul>\n<p>共 {{ total }} 条\n  第 {{ page }} 页</p>\n</body>\n</html>\n";
        assert_eq!(
            template_of(template),
            "<!DOCTYPE html><html lang=zh-CN><body><ul class=cards>{% for i in items %}<li><a href=\"{{ i.url }}\">{{ i.title }}</a> <span class=count>{{ i.n }}</span></li>{% endfor %}</ul><p>共 {{ total }} 条 第 {{ page }} 页</p></body></html>"
        );
    }

    #[test]
    fn whitespace_before_a_branch_stays_whatever_the_branch_starts_with() {
        let text = "<p>共 {{ n }} 条\n{% if more %}<div>多</div>{% else %}<span>完</span>{% endif %}</p>";
        assert_eq!(
            template_of(text),
            "<p>共 {{ n }} 条 {% if more %}<div>多</div>{% else %}<span>完</span>{% endif %}</p>"
        );
        assert_eq!(template_of("<b>a</b>\n{# note #}\n<div>"), "<b>a</b> {# note #}<div>");
    }

    fn template_of(text: &str) -> String {
        let minified = template(text);
        tera::Template::new("t", None, &minified).expect("the minified template parses");
        minified
    }

    #[test]
    fn tera_tags_preformatted_text_and_scripts_are_kept_byte_for_byte() {
        for kept in [
            "<pre>\n  a   b\n</pre>",
            "<textarea>\n x </textarea>",
            "<script>\nvar a = \"<b>  </b>\";\n</script>",
            "<style>\n a  b { }\n</style>",
            "{% raw %}<p>\n  {{ x }}  </p>{% endraw %}",
            "{{ \"a   }} b\" }}",
            "<!--  a\n  b -->",
        ] {
            let padded = format!("<div>{kept}</div>");
            assert_eq!(template(&padded), padded, "{kept}");
        }
    }

    #[test]
    fn quotes_stay_where_a_value_could_change() {
        for kept in [
            "<a href=\"{{ root }}x/\">",
            "<a title=\"a b\">",
            "<a class=\"x\"{{ more }}>",
            "<meta content=\"x\"/>",
            "<a title=\"\">",
            "<h{{ level }} class=\"t\">",
            "<a href=\"x/\"{% if c %} class=\"current\"{% endif %}>",
        ] {
            let expected = kept.replace("class=\"t\"", "class=t");
            assert_eq!(template(kept), expected, "{kept}");
        }
    }

    #[test]
    fn text_that_is_not_html_or_tera_is_left_alone() {
        for text in ["a < b\n\n c", "<p>{{ unclosed", "<a href=\"x", "1 {2} 3"] {
            assert_eq!(
                template(text).split_whitespace().collect::<String>(),
                text.split_whitespace().collect::<String>()
            );
        }
        assert_eq!(template("<p>{{ unclosed\n\n x"), "<p>{{ unclosed\n\n x");
    }

    #[test]
    fn css_loses_comments_and_spaces_but_not_strings() {
        let css = asset(
            "style.css",
            b"/* theme */\nbody {\n  color: red ;\n  font-family: \"Segoe UI\",  sans-serif;\n}\na :hover, b > c { content: \" ( \"; }\n".to_vec(),
        );
        assert_eq!(
            String::from_utf8(css).unwrap(),
            "body{color:red;font-family:\"Segoe UI\",sans-serif}a :hover,b>c{content:\" ( \"}"
        );
        let unclosed = b"a { /* b }".to_vec();
        assert_eq!(asset("a.css", unclosed.clone()), unclosed);
    }

    #[test]
    fn scripts_lose_comment_lines_and_indentation_only() {
        let js = b"/*\n * About.\n */\n(function () {\n  // why\n\n  var a = '/* x */ // y'; // kept\n  return a\n    * 2;\n})();\n";
        let out = String::from_utf8(asset("a.js", js.to_vec())).unwrap();
        assert_eq!(out, "(function () {\nvar a = '/* x */ // y'; // kept\nreturn a\n* 2;\n})();\n");
        for kept in [&b"var t = `a\n  // b`;\n"[..], b"/* a */ var b;\n", b"var s = 'a\\\n  b';\n", b"/* open\n"] {
            assert_eq!(asset("a.js", kept.to_vec()), kept, "{}", String::from_utf8_lossy(kept));
        }
    }
}
