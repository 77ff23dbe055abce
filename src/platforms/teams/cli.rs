//! Teams as one of the program's platforms: its route (with `TEAMS_APP_ID` set), its
//! outbound port (with `TEAMS_APP_PASSWORD` too), `checkout-bot teams package`, and
//! `--teams` on `orgs set-approval-channel`, all in the one `Platform` value.

use std::sync::Arc;

use async_trait::async_trait;

use super::PLATFORM;
use super::config::TeamsConfig;
use super::connector::{Connector, ServiceUrls, Tokens};
use super::http::Endpoint;
use super::outbound::TeamsNotifier;
use super::verify::Keys;
use crate::bot::Bot;
use crate::metrics::Metrics;
use crate::platforms::Platform;
use crate::services::outbound::Outbound;
use crate::store::Store;

/// Teams, configured from the environment.
pub fn platform() -> anyhow::Result<Box<dyn Platform>> {
    Ok(Box::new(TeamsPlatform::new(TeamsConfig::from_env()?)))
}

/// Teams with `config`. The service URLs learned by the endpoint are the only ones the
/// connector sends to, so both share them.
pub struct TeamsPlatform {
    config: TeamsConfig,
    urls: Arc<ServiceUrls>,
}

impl TeamsPlatform {
    pub fn new(config: TeamsConfig) -> Self {
        TeamsPlatform {
            config,
            urls: Arc::new(ServiceUrls::default()),
        }
    }
}

#[async_trait]
impl Platform for TeamsPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    /// A Teams person belongs to a tenant, which must be named.
    fn default_workspace(&self) -> Option<&'static str> {
        None
    }

    fn outbound(&self, outbound: Outbound) -> anyhow::Result<Outbound> {
        let (Some(id), Some(password)) = (&self.config.app_id, &self.config.app_password) else {
            return Ok(outbound);
        };
        let tokens = Tokens::new(&self.config.token_url(), id, password);
        let connector = Arc::new(Connector::new(tokens, self.urls.clone()));
        Ok(outbound.with_notifier(Arc::new(TeamsNotifier::new(connector))))
    }

    fn routes(&self, bot: Arc<Bot>, metrics: Arc<Metrics>) -> anyhow::Result<Option<axum::Router>> {
        let Some(app_id) = &self.config.app_id else {
            return Ok(None);
        };
        if self.config.app_password.is_none() {
            tracing::warn!(
                "TEAMS_APP_ID is set without TEAMS_APP_PASSWORD: Teams activities are read, and nothing can answer them"
            );
        }
        Ok(Some(
            Endpoint {
                bot,
                keys: Arc::new(Keys::new(&self.config.openid_metadata)),
                app_id: app_id.clone(),
                urls: self.urls.clone(),
                metrics,
            }
            .router(),
        ))
    }

    fn command(&self) -> clap::Command {
        clap::Command::new(PLATFORM)
            .about("Microsoft Teams: build the app package to upload (Teams itself is served by `serve`).")
            .subcommand_required(true)
            .subcommand(
                clap::Command::new("package")
                    .about("Write the Teams app package (manifest.json and the two icons) as a zip, for TEAMS_APP_ID.")
                    .arg(
                        clap::Arg::new("out")
                            .long("out")
                            .value_name("FILE")
                            .required(true)
                            .value_parser(clap::value_parser!(std::path::PathBuf))
                            .help("Where to write the zip, such as app.zip"),
                    )
                    .arg(
                        clap::Arg::new("host")
                            .long("host")
                            .value_name("HOST")
                            .help("The host that serves `checkout-bot serve` (default: PUBLIC_URL's)"),
                    ),
            )
    }

    fn needs_bot(&self, _matches: &clap::ArgMatches) -> bool {
        false
    }

    async fn run(&self, matches: &clap::ArgMatches, _bot: Option<Arc<Bot>>) -> anyhow::Result<()> {
        let Some(("package", sub)) = matches.subcommand() else {
            anyhow::bail!("say what to do: checkout-bot teams package --out app.zip");
        };
        let Some(app_id) = &self.config.app_id else {
            anyhow::bail!(
                "TEAMS_APP_ID is not set: the package names the Azure Bot's Microsoft App ID"
            );
        };
        let out = sub
            .get_one::<std::path::PathBuf>("out")
            .ok_or_else(|| anyhow::anyhow!("--out FILE is needed"))?;
        let host = match sub.get_one::<String>("host") {
            Some(h) => h.clone(),
            None => {
                let public = crate::config::Config::from_env()?.public_url;
                url::Url::parse(&public)?
                    .host_str()
                    .map(str::to_string)
                    .ok_or_else(|| anyhow::anyhow!("PUBLIC_URL has no host; give --host"))?
            }
        };
        let bytes = super::package::zip(app_id, &host)?;
        std::fs::write(out, &bytes)?;
        println!(
            "wrote {} ({} bytes): upload it in Teams, Apps, Manage your apps, Upload an app",
            out.display(),
            bytes.len()
        );
        Ok(())
    }

    fn approval_channel_arg(&self) -> clap::Arg {
        clap::Arg::new(PLATFORM)
            .long(PLATFORM)
            .value_name("CONVERSATION_ID")
            .help("Post the organization's approval requests in this Teams conversation (approvals in Teams are not built yet).")
    }

    async fn set_approval_channel(
        &self,
        _store: &Store,
        _org: &str,
        matches: &clap::ArgMatches,
    ) -> anyhow::Result<bool> {
        if matches.get_one::<String>(PLATFORM).is_some() {
            anyhow::bail!(
                "approval requests in Teams are not built yet: use --discord or --slack for now"
            );
        }
        Ok(false)
    }
}
