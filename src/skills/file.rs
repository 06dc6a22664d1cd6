//! SKILL.md files: where they live, and the header that tells jaunt's
//! own (regenerated when the library's version changes) from the user's
//! (never touched).

use std::path::{Path, PathBuf};

/// PEP 503 normalization: lowercase, runs of `-`, `_` and `.` become one
/// `-`. Distribution names are compared, and skill directories named, this
/// way so that `Python_Dateutil` and `python-dateutil` are one library.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// `.agents/skills/<normalized-dist>/SKILL.md` under the project root.
pub fn skill_path(root: &Path, dist: &str) -> PathBuf {
    root.join(".agents/skills")
        .join(normalize(dist))
        .join("SKILL.md")
}

/// The first line of a SKILL.md jaunt wrote.
pub fn header(dist: &str, version: &str) -> String {
    format!("<!-- jaunt:skill=pypi dist={dist} version={version} -->")
}

/// What a jaunt header records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub dist: String,
    pub version: String,
}

/// The header of a SKILL.md, or `None` when its first line is not one
/// (the file is the user's).
pub fn parse_header(text: &str) -> Option<Header> {
    let first = text.lines().next()?.trim();
    let fields = first
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .split_whitespace()
        .collect::<Vec<_>>();
    let [tag, dist, version] = fields.as_slice() else {
        return None;
    };
    if *tag != "jaunt:skill=pypi" {
        return None;
    }
    Some(Header {
        dist: dist.strip_prefix("dist=")?.to_string(),
        version: version.strip_prefix("version=")?.to_string(),
    })
}

/// The text after the header line, for showing a jaunt skill to the
/// model without jaunt's bookkeeping.
pub fn body(text: &str) -> &str {
    match parse_header(text) {
        Some(_) => text.split_once('\n').map_or("", |(_, rest)| rest),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize("Python_Dateutil"), "python-dateutil");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("a-_.b__c"), "a-b-c");
        assert_eq!(normalize("six"), "six");
        assert_eq!(
            skill_path(Path::new("/p"), "Foo.Bar"),
            Path::new("/p/.agents/skills/foo-bar/SKILL.md")
        );
    }

    #[test]
    fn header_round_trips_and_rejects_others() {
        let h = header("python-dateutil", "2.9.0.post0");
        let text = format!("{h}\n# dateutil\nbody\n");
        assert_eq!(
            parse_header(&text),
            Some(Header {
                dist: "python-dateutil".into(),
                version: "2.9.0.post0".into()
            })
        );
        assert_eq!(body(&text), "# dateutil\nbody\n");
        for user in [
            "# my notes\n",
            "",
            "<!-- a comment -->\n",
            "<!-- jaunt:skill=conda dist=a version=1 -->\n",
            "<!-- jaunt:skill=pypi dist=a -->\n",
            "text\n<!-- jaunt:skill=pypi dist=a version=1 -->\n",
        ] {
            assert_eq!(parse_header(user), None, "{user:?}");
            assert_eq!(body(user), user);
        }
    }
}
