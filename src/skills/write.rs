//! Writing missing or outdated skills: the README from the package index,
//! then one model call per library, a few at a time.

use super::file;
use crate::config::Config;
use crate::generate::{self, Budget, Generator, SkillRequest, Usage};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const SYSTEM: &str = include_str!("system.md");
const PROMPT: &str = include_str!("prompt.md");

/// READMEs past this many characters are cut: the head holds the API
/// overview, and the prompt must stay affordable.
const MAX_README_CHARS: usize = 60_000;

/// How long one index request may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// One skill to write.
pub struct Job {
    pub dist: String,
    pub version: String,
    pub path: PathBuf,
}

/// Model calls spent writing skills, for the apply report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    pub calls: u64,
    pub usage: Usage,
}

/// Writes every job's SKILL.md, at most `[skills] max_concurrency` at a
/// time, while `budget` allows model calls. Failures are warnings: a
/// library without a skill is still usable.
pub fn run(
    config: &Config,
    jobs: &[Job],
    budget: Option<&Budget>,
    warn: &(dyn Fn(&str) + Sync),
) -> Spent {
    let spent = Mutex::new(Spent::default());
    if jobs.is_empty() {
        return Spent::default();
    }
    let generator = match generate::backend_from_config(config) {
        Ok(g) => g,
        Err(e) => {
            warn(&format!("library skills not written: {e}"));
            return Spent::default();
        }
    };
    let client = match reqwest::blocking::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .user_agent(concat!("jaunt/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            warn(&format!("library skills not written: HTTP client: {e}"));
            return Spent::default();
        }
    };
    let index_url = config.skills.index_url.trim_end_matches('/');
    let next = AtomicUsize::new(0);
    let workers = config.skills.max_concurrency.clamp(1, jobs.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let result = match budget.filter(|b| !b.allows_a_call()) {
                        Some(b) => Err(format!("not written: {}", b.reached())),
                        None => {
                            write_one(&client, generator.as_ref(), index_url, job, budget, &spent)
                        }
                    };
                    if let Err(e) = result {
                        warn(&format!(
                            "no library skill for {} {}: {e}",
                            job.dist, job.version
                        ));
                    }
                }
            });
        }
    });
    spent.into_inner().unwrap_or_else(|e| e.into_inner())
}

fn write_one(
    client: &reqwest::blocking::Client,
    generator: &dyn Generator,
    index_url: &str,
    job: &Job,
    budget: Option<&Budget>,
    spent: &Mutex<Spent>,
) -> Result<(), String> {
    let readme = fetch_readme(client, index_url, &job.dist, &job.version)?;
    let prompt = PROMPT
        .replace("{{dist}}", &job.dist)
        .replace("{{version}}", &job.version)
        .replace("{{readme}}", &readme);
    let request = SkillRequest {
        dist: job.dist.clone(),
        version: job.version.clone(),
        readme,
        system: SYSTEM.to_string(),
        prompt,
    };
    let answer = generator.write_skill(&request);
    {
        let mut s = spent.lock().unwrap_or_else(|e| e.into_inner());
        s.calls += 1;
        if let Ok(out) = &answer {
            s.usage += out.usage.unwrap_or_default();
        }
    }
    if let (Some(budget), Ok(out)) = (budget, &answer) {
        budget.charge(out.usage.unwrap_or_default());
    }
    let out = answer.map_err(|e| e.to_string())?;
    let text = format!(
        "{}\n{}\n",
        file::header(&job.dist, &job.version),
        clean(&out.source).trim()
    );
    crate::fsutil::write_atomic(&job.path, text.as_bytes())
        .map_err(|e| format!("writing {}: {e}", job.path.display()))
}

/// The README (`info.description`) of one release, from the PyPI JSON API.
fn fetch_readme(
    client: &reqwest::blocking::Client,
    index_url: &str,
    dist: &str,
    version: &str,
) -> Result<String, String> {
    let url = format!("{index_url}/{dist}/{version}/json");
    let response = client
        .get(&url)
        .send()
        .map_err(|e| format!("fetching {url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("fetching {url}: HTTP {status}"));
    }
    let json: serde_json::Value = response.json().map_err(|e| format!("reading {url}: {e}"))?;
    let readme = json["info"]["description"]
        .as_str()
        .unwrap_or_default()
        .trim();
    if readme.is_empty() {
        return Err(format!("{url} has no README (`info.description`)"));
    }
    Ok(match readme.char_indices().nth(MAX_README_CHARS) {
        Some((cut, _)) => format!("{}\n[README truncated]", &readme[..cut]),
        None => readme.to_string(),
    })
}

/// The model's answer without a fence around all of it or an echoed
/// header; fences inside (code examples) stay.
fn clean(answer: &str) -> String {
    let unfenced = if answer.trim_start().starts_with("```") {
        generate::strip_fences(answer)
    } else {
        answer.to_string()
    };
    file::body(unfenced.trim_start()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_unwrapped_but_inner_fences_kept() {
        assert_eq!(
            clean("# six\n```python\nimport six\n```\n"),
            "# six\n```python\nimport six\n```\n"
        );
        assert_eq!(clean("```markdown\n# six\n```\n"), "# six\n");
        assert_eq!(
            clean("<!-- jaunt:skill=pypi dist=six version=1 -->\n# six\n"),
            "# six\n"
        );
    }
}
