//! Who may receive the user's credentials (the remote store's token, a
//! model provider's API key).
//!
//! A server the user chose (their own environment, or a host their
//! user-level configuration allows) receives them; a server the repository
//! chose (`jaunt.toml`, `pyproject.toml`, `.env`) does not, unless the user
//! allowed its host (loopback included), as Cargo ties credentials to
//! registries the user configured. Credentials travel only over `https://`,
//! or to loopback.
//! docs/security.md has the threat model.

use serde::Deserialize;
use std::path::PathBuf;

/// The user's own settings: `$JAUNT_CONFIG_HOME/config.toml`, else
/// `<user config dir>/jaunt/config.toml`. A repository cannot change them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    #[serde(default)]
    pub credentials: CredentialsConfig,
    #[serde(default)]
    pub store: UserStoreConfig,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserStoreConfig {
    /// Public keys (`ed25519:<hex>`, from `jaunt store keygen`) whose
    /// signed action entries this user accepts from the remote store.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// Hosts (`name` or `name:port`) that may receive credentials even when
    /// a repository names them.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

impl UserConfig {
    pub fn path() -> Option<PathBuf> {
        match std::env::var_os("JAUNT_CONFIG_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => Some(PathBuf::from(dir).join("config.toml")),
            None => dirs::config_dir().map(|d| d.join("jaunt").join("config.toml")),
        }
    }

    /// The user's configuration; none (or one that does not parse) allows
    /// nothing beyond the defaults.
    pub fn load() -> UserConfig {
        UserConfig::path()
            .and_then(|p| crate::fsutil::read_regular_string(&p).ok())
            .and_then(|text| toml_edit::de::from_str(&text).ok())
            .unwrap_or_default()
    }

    fn allows(&self, host: &str, port: Option<u16>) -> bool {
        self.credentials.allowed_hosts.iter().any(|allowed| {
            allowed.eq_ignore_ascii_case(host)
                || port.is_some_and(|p| allowed.eq_ignore_ascii_case(&format!("{host}:{p}")))
        })
    }
}

/// Who chose a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChosenBy {
    /// The user's own environment.
    User,
    /// The repository: its configuration file or its `.env`.
    Repository,
}

/// Whether credentials may go to `url`; the reason when not.
pub fn may_send(url: &reqwest::Url, chosen: ChosenBy, user: &UserConfig) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    let loopback = is_loopback(host);
    if url.scheme() != "https" && !loopback {
        return Err(format!(
            "{} is not https:// and not on this machine",
            url.scheme()
        ));
    }
    // Even on this machine: a repository must not be able to point the
    // user's token at a port some other local program listens on.
    if chosen == ChosenBy::Repository && !user.allows(host, url.port_or_known_default()) {
        return Err(format!(
            "the repository chose {host}, and your configuration does not allow it"
        ));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).unwrap()
    }

    #[test]
    fn the_users_servers_get_credentials_over_https_or_loopback() {
        let none = UserConfig::default();
        assert!(may_send(&url("https://cache.example.com"), ChosenBy::User, &none).is_ok());
        assert!(may_send(&url("http://127.0.0.1:8080"), ChosenBy::User, &none).is_ok());
        assert!(may_send(&url("http://[::1]:8080"), ChosenBy::User, &none).is_ok());
        assert!(may_send(&url("http://localhost"), ChosenBy::User, &none).is_ok());
        let plain = may_send(&url("http://cache.example.com"), ChosenBy::User, &none);
        assert!(plain.unwrap_err().contains("not https"));
    }

    #[test]
    fn a_repositorys_server_needs_the_users_allowance() {
        let none = UserConfig::default();
        let evil = url("https://evil.example.com/cache");
        assert!(may_send(&evil, ChosenBy::Repository, &none).is_err());
        let local = url("http://127.0.0.1:9000");
        assert!(may_send(&local, ChosenBy::Repository, &none).is_err());
        let allowed: UserConfig = toml_edit::de::from_str(
            "[credentials]\nallowed_hosts = [\"evil.example.com\", \"cache.example.com:8443\"]\n",
        )
        .unwrap();
        assert!(may_send(&evil, ChosenBy::Repository, &allowed).is_ok());
        assert!(
            may_send(
                &url("https://cache.example.com:8443"),
                ChosenBy::Repository,
                &allowed
            )
            .is_ok()
        );
        assert!(
            may_send(
                &url("https://cache.example.com"),
                ChosenBy::Repository,
                &allowed
            )
            .is_err()
        );
        // Even an allowed host gets nothing over plain http.
        assert!(
            may_send(
                &url("http://evil.example.com"),
                ChosenBy::Repository,
                &allowed
            )
            .is_err()
        );
    }
}
