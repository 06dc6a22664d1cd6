//! What planning and applying share: the lockfile, the store, the
//! generator's identity, and the plan built from them.

use crate::config::Config;
use crate::credentials::{self, ChosenBy, UserConfig};
use crate::error::{Diagnostic, JauntError, Result};
use crate::generate::{self, Prompts};
use crate::lock::{LockGenerator, Lockfile};
use crate::names::SpecKind;
use crate::ops::project::Project;
use crate::plan::{KeyContext, Plan, Planner};
use crate::stamp::Began;
use crate::store::remote::Http;
use crate::store::remote::{DEFAULT_TOKEN_ENV, REMOTE_ENV};
use crate::store::s3::{self, S3};
use crate::store::trust::Trust;
use crate::store::{Remote, RemoteTier, Store, TieredStore};
use crate::stubcache::StubCache;
use std::path::PathBuf;
use std::sync::OnceLock;

pub struct Session {
    /// Where hand-edited generated files are kept before jaunt replaces or
    /// deletes them (`.jaunt/edited/`).
    pub edits: PathBuf,
    pub lock: Option<Lockfile>,
    pub store: TieredStore,
    pub prompts: Prompts,
    pub generator: LockGenerator,
    /// Library skills, resolved once: `apply` sets them after writing the
    /// missing ones; other commands read the SKILL.md files present.
    pub skills: OnceLock<crate::skills::Skills>,
    /// What the stubs read before said, by stat.
    pub stubs: StubCache,
}

/// The store directory: `JAUNT_STORE`, else `[store] path` (relative to
/// the project root), else the per-user cache directory.
pub fn store_root(config: &Config) -> PathBuf {
    if std::env::var_os("JAUNT_STORE").is_some_and(|v| !v.is_empty()) {
        return Store::default_root();
    }
    match &config.store.path {
        Some(p) => config.root.join(p),
        None => Store::default_root(),
    }
}

/// How a command may use the remote store.
#[derive(Clone, Copy, Debug, Default)]
pub struct StoreUse {
    /// `--no-remote`: the local store only.
    pub no_remote: bool,
    /// `--locked`: the remote may only supply artifacts the lockfile pins.
    pub locked: bool,
}

/// The remote store's URL: `JAUNT_REMOTE_STORE`, else `[store] remote`.
pub fn remote_url(config: &Config) -> Option<String> {
    remote_choice(config).map(|(url, _)| url)
}

/// The remote store's URL and who chose it: the user's environment, or the
/// repository (`[store] remote`, or the variable set by its `.env`).
fn remote_choice(config: &Config) -> Option<(String, ChosenBy)> {
    match std::env::var(REMOTE_ENV).ok().filter(|v| !v.is_empty()) {
        Some(url) if config.from_dotenv.contains(REMOTE_ENV) => Some((url, ChosenBy::Repository)),
        Some(url) => Some((url, ChosenBy::User)),
        None => config
            .store
            .remote
            .clone()
            .map(|url| (url, ChosenBy::Repository)),
    }
}

/// The local store and, unless `how.no_remote`, the configured remote.
pub fn open_store(config: &Config, lock: Option<&Lockfile>, how: StoreUse) -> Result<TieredStore> {
    let local =
        Store::open(store_root(config)).with_max_artifact_bytes(config.store.max_artifact_bytes);
    let Some((url, chosen)) = remote_choice(config).filter(|_| !how.no_remote) else {
        return Ok(TieredStore::new(local, None));
    };
    let remote = match crate::store::s3::Location::parse(&url) {
        Some(location) => open_s3(config, location, chosen)?,
        None => open_http(config, &url, chosen)?,
    }
    .with_max_body(
        config
            .store
            .max_artifact_bytes
            .saturating_add(crate::store::remote::FRAME_SLACK),
    );
    let pinned = how.locked.then(|| {
        lock.iter()
            .flat_map(|l| l.modules.iter().map(|m| m.artifact))
            .collect()
    });
    Ok(TieredStore::new(
        local,
        Some(RemoteTier::new(
            remote,
            config.store.remote_write,
            pinned,
            Trust::load(),
            lock.iter()
                .flat_map(|l| l.modules.iter().map(|m| (m.inputs, m.artifact)))
                .collect(),
        )),
    ))
}

/// A bad remote URL or endpoint is a configuration error.
fn bad_remote(message: String) -> JauntError {
    Diagnostic::config(message)
        .hint(format!(
            "fix [store] remote in jaunt.toml or ${REMOTE_ENV}, or pass --no-remote"
        ))
        .into()
}

/// Warns that the user's credentials stay home, and how to send them.
fn withheld(what: &str, remote: &str, why: &str) {
    crate::store::warn(&format!(
        "not sending {what} to the remote store {remote}: {why}\n  hint: to send them, allow the host under [credentials] allowed_hosts in {} (and use https://)",
        UserConfig::path().map_or_else(
            || "your jaunt config.toml".into(),
            |p| p.display().to_string()
        )
    ));
}

fn open_http(config: &Config, url: &str, chosen: ChosenBy) -> Result<Remote> {
    let token_env = config
        .store
        .remote_token_env
        .as_deref()
        .unwrap_or(DEFAULT_TOKEN_ENV);
    let mut http = Http::new(url, token_env).map_err(bad_remote)?;
    if let Some(parsed) = http.parsed_url()
        && let Err(why) = credentials::may_send(&parsed, chosen, &UserConfig::load())
        && http.without_token()
    {
        withheld(&format!("${token_env}"), http.url(), &why);
    }
    Ok(Remote::http(http))
}

/// An `s3://` remote. The endpoint is `$AWS_ENDPOINT_URL_S3` or
/// `$AWS_ENDPOINT_URL`, else `[store] s3_endpoint`, else AWS's; the region
/// `$AWS_REGION` (or `$AWS_DEFAULT_REGION`), else us-east-1. The user's AWS
/// credentials sign requests to a bucket and endpoint the repository chose
/// only where the user allowed that host, as an HTTP remote's token.
fn open_s3(
    config: &Config,
    location: std::result::Result<s3::Location, String>,
    chosen: ChosenBy,
) -> Result<Remote> {
    let location = location.map_err(bad_remote)?;
    let from_env = |names: &[&str]| {
        names.iter().find_map(|name| {
            let value = std::env::var(name).ok().filter(|v| !v.is_empty())?;
            let by = if config.from_dotenv.contains(*name) {
                ChosenBy::Repository
            } else {
                ChosenBy::User
            };
            Some((value, by))
        })
    };
    let endpoint = from_env(&s3::ENDPOINT_ENVS).or_else(|| {
        config
            .store
            .s3_endpoint
            .clone()
            .map(|e| (e, ChosenBy::Repository))
    });
    let region = from_env(&s3::REGION_ENVS)
        .map_or_else(|| s3::DEFAULT_REGION.to_string(), |(region, _)| region);
    let bucket = S3::new(
        location,
        endpoint.as_ref().map(|(e, _)| e.as_str()),
        &region,
        config.store.s3_path_style,
    )
    .map_err(|e| {
        JauntError::from(Diagnostic::config(e).hint(format!(
            "fix ${} or [store] s3_endpoint, or pass --no-remote",
            s3::ENDPOINT_ENVS[1]
        )))
    })?;
    let chosen = match endpoint {
        Some((_, ChosenBy::Repository)) => ChosenBy::Repository,
        _ => chosen,
    };
    let from_repository: Vec<&str> = s3::CREDENTIAL_ENVS
        .into_iter()
        .filter(|name| config.from_dotenv.contains(*name))
        .collect();
    if !from_repository.is_empty() {
        crate::store::warn(&format!(
            "ignoring {} from the repository's .env: AWS credentials come only from your own environment and AWS files\n  hint: export them in your shell, or use a profile of ~/.aws/credentials",
            from_repository.join(", ")
        ));
    }
    let aws = s3::AwsCredentials::load(|name| {
        (!config.from_dotenv.contains(name))
            .then(|| std::env::var(name).ok())
            .flatten()
            .filter(|v| !v.is_empty())
    });
    if aws.is_some()
        && let Err(why) = credentials::may_send(bucket.request_url(), chosen, &UserConfig::load())
    {
        withheld("your AWS credentials", &bucket.shown(), &why);
        return Ok(Remote::s3(bucket.withholding_credentials()));
    }
    Ok(Remote::s3(bucket.with_credentials(aws)))
}

/// The lockfile, read (or its sidecar decoded) on a thread of its own while
/// the project loads: a cold read parses megabytes of TOML on one core.
pub struct LockRead(std::thread::JoinHandle<Result<Option<Lockfile>>>);

impl LockRead {
    pub fn start(config: &Config) -> LockRead {
        let (lock, state) = (config.lock_path(), config.state_dir());
        LockRead(std::thread::spawn(move || {
            crate::lockcache::load(&lock, &state)
        }))
    }

    /// What the read gave, once it is done.
    pub fn wait(self) -> Result<Option<Lockfile>> {
        self.0
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// The generator's identity, as the lockfile records it.
pub fn generator(config: &Config, prompts: &Prompts) -> LockGenerator {
    LockGenerator {
        backend: config.llm.provider.as_str().to_owned(),
        model: config.llm.model.clone(),
        fingerprint: generate::fingerprint(config, prompts),
    }
}

impl Session {
    pub fn open(config: &Config) -> Result<Session> {
        Session::open_with(config, StoreUse::default())
    }

    pub fn open_with(config: &Config, store_use: StoreUse) -> Result<Session> {
        let lock = crate::lockcache::load(&config.lock_path(), &config.state_dir());
        Session::open_read(config, store_use, lock)
    }

    /// [`Session::open_with`] over a lockfile already read ([`LockRead`]).
    pub fn open_read(
        config: &Config,
        store_use: StoreUse,
        lock: Result<Option<Lockfile>>,
    ) -> Result<Session> {
        let lock = lock?;
        if let Some(lock) = &lock {
            lock.check_outputs(&config.paths.generated_dir)
                .map_err(|d| d.at(config.lock_path(), None))?;
        }
        let prompts = Prompts::load(config)?;
        let generator = generator(config, &prompts);
        let store = open_store(config, lock.as_ref(), store_use)?;
        Ok(Session {
            edits: config.state_dir().join("edited"),
            lock,
            store,
            prompts,
            generator,
            skills: OnceLock::new(),
            stubs: StubCache::load(&config.state_dir(), Began::now()),
        })
    }

    pub fn key_context<'a>(&'a self, project: &'a Project, kind: SpecKind) -> KeyContext<'a> {
        KeyContext {
            kind,
            graph: project.graph(kind),
            fingerprint: self.generator.fingerprint,
            generated_dir: &project.config.paths.generated_dir,
            skills: self.skills(project),
            dependency_context: project.config.build.dependency_context,
            emit_stubs: project.config.build.emit_stubs && kind == SpecKind::Build,
        }
    }

    /// The library skills: those `apply` set, else the SKILL.md files present.
    pub fn skills(&self, project: &Project) -> &crate::skills::Skills {
        self.skills
            .get_or_init(|| crate::skills::resolve(&project.config, &project.discovery))
    }

    /// The planner over this session's lockfile and store.
    pub fn planner<'a>(&'a self, project: &'a Project, targeted: bool) -> Planner<'a> {
        Planner {
            root: &project.config.root,
            lock: self.lock.as_ref(),
            store: &self.store,
            generator: &self.generator,
            targeted,
            stubs: &self.stubs,
        }
    }

    /// Plans the given kinds' modules, then orphan removals.
    pub fn plan(&self, project: &Project, kinds: &[SpecKind], targeted: bool) -> Plan {
        let planner = self.planner(project, targeted);
        let mut plan = Plan::default();
        let contexts: Vec<KeyContext<'_>> = kinds
            .iter()
            .map(|k| self.key_context(project, *k))
            .collect();
        for ctx in &contexts {
            planner.plan_kind(ctx, &mut plan);
        }
        let refs: Vec<&KeyContext<'_>> = contexts.iter().collect();
        planner.plan_removals(&refs, &mut plan);
        self.stubs.save(targeted);
        plan
    }
}
