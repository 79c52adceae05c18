//! Minification of pages and theme assets with `minify-html`. CSS and JS
//! files go through it wrapped in `<style>`/`<script>`, the only entry
//! points it offers for them; anything it cannot handle is kept as it was.

use std::sync::OnceLock;

use minify_html::Cfg;

fn config() -> &'static Cfg {
    static CONFIG: OnceLock<Cfg> = OnceLock::new();
    CONFIG.get_or_init(|| Cfg { minify_css: true, minify_js: true, ..Cfg::default() })
}

pub fn html(page: &[u8]) -> Vec<u8> {
    minify_html::minify(page, config())
}

/// A theme static file, minified when it is CSS or JS.
pub fn asset(path: &str, bytes: Vec<u8>) -> Vec<u8> {
    let (open, close) = if path.ends_with(".css") {
        ("<style>", "</style>")
    } else if path.ends_with(".js") {
        ("<script>", "</script>")
    } else {
        return bytes;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else { return bytes };
    // Text that could end the wrapper early would be cut, not minified.
    if text.to_ascii_lowercase().contains(&close[..close.len() - 1]) || text.contains("<!--") {
        return bytes;
    }
    let wrapped = format!("{open}{text}{close}");
    let out = minify_html::minify(wrapped.as_bytes(), config());
    match out.strip_prefix(open.as_bytes()).and_then(|rest| rest.strip_suffix(close.as_bytes())) {
        Some(inner) if !inner.is_empty() || text.trim().is_empty() => inner.to_vec(),
        _ => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_and_js_shrink_and_other_files_pass_through() {
        let css = asset("style.css", b"body {\n  color : red ;\n}\n".to_vec());
        assert_eq!(String::from_utf8(css).unwrap(), "body{color:red}");
        let js = asset("a.js", b"function add ( a , b ) {\n  return a + b ;\n}\nwindow.add = add;\n".to_vec());
        assert!(js.len() < 60, "{}", String::from_utf8_lossy(&js));
        let svg = b"<svg>  </svg>".to_vec();
        assert_eq!(asset("favicon.svg", svg.clone()), svg);
        let tricky = b"var s = '</script>';".to_vec();
        assert_eq!(asset("a.js", tricky.clone()), tricky);
    }
}
