//! Teams as one of the program's platforms: its route (with `TEAMS_APP_ID` set), its
//! outbound port (with `TEAMS_APP_PASSWORD` too), `checkout-bot teams package`, and
//! `--teams` on `orgs set-approval-channel`, all in the one `Platform` value.

use std::sync::Arc;

use async_trait::async_trait;

use super::PLATFORM;
use super::config::TeamsConfig;
use super::connector::{Connector, Tokens};
use super::directory::Directory;
use super::http::Endpoint;
use super::outbound::{TeamsNotifier, TeamsReplies};
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

/// Teams with `config`. What the endpoint learns from verified activities (service
/// URLs, user ids) is where the connector sends, so both share the directory.
pub struct TeamsPlatform {
    config: TeamsConfig,
    directory: Arc<Directory>,
}

impl TeamsPlatform {
    pub fn new(config: TeamsConfig) -> Self {
        TeamsPlatform {
            config,
            directory: Arc::new(Directory::default()),
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
        let connector = Arc::new(Connector::new(tokens, self.directory.clone()));
        Ok(outbound
            .with_updater(Arc::new(TeamsReplies::new(connector.clone())))
            .with_notifier(Arc::new(TeamsNotifier::new(connector))))
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
        self.directory.open(bot.store());
        Ok(Some(
            Endpoint {
                bot,
                keys: Arc::new(Keys::new(&self.config.openid_metadata)),
                app_id: app_id.clone(),
                directory: self.directory.clone(),
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
            .help(
                "Post the organization's approval requests in this Teams channel or group chat: \
                 its conversation id (19:…@thread.tacv2) or the channel's link (in Teams, the \
                 channel's ..., Get link to channel); `none` sends them to each approver's \
                 personal chat with the bot.",
            )
    }

    async fn set_approval_channel(
        &self,
        store: &Store,
        org: &str,
        matches: &clap::ArgMatches,
    ) -> anyhow::Result<bool> {
        let Some(given) = matches.get_one::<String>(PLATFORM).map(|g| g.trim()) else {
            return Ok(false);
        };
        if given.eq_ignore_ascii_case("none") {
            store.set_approval_channel(org, PLATFORM, None).await?;
            println!("requests of {org} on Teams go to each approver's personal chat with the bot");
            return Ok(true);
        }
        let Some(conversation) = conversation_id(given) else {
            anyhow::bail!(
                "'{given}' is not a Teams conversation id (like 19:abc…@thread.tacv2) or a channel link: in Teams, open the channel's ..., Get link to channel"
            );
        };
        store
            .set_approval_channel(org, PLATFORM, Some(&conversation))
            .await?;
        println!("requests of {org} go to Teams conversation {conversation}");
        if store
            .address(PLATFORM, "conversation", &conversation)
            .await?
            .is_none()
        {
            println!(
                "note: the bot has not heard from that conversation yet; add the app to the team and mention it there once, or requests cannot be posted"
            );
        }
        Ok(true)
    }
}

/// The conversation id in `given`: the id itself, or the one a channel's link carries
/// (`https://teams.microsoft.com/l/channel/19%3a…%40thread.tacv2/General?groupId=…`).
fn conversation_id(given: &str) -> Option<String> {
    let id = match given.split_once("/l/channel/") {
        Some((_, rest)) => {
            let encoded = rest.split(['/', '?']).next()?;
            percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .ok()?
                .into_owned()
        }
        None => given.to_string(),
    };
    let ok = id.starts_with("19:")
        && id.contains("@thread.")
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@".contains(&b));
    ok.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::conversation_id;

    #[test]
    fn a_conversation_is_named_by_its_id_or_its_channel_link() {
        let id = "19:a1b2c3@thread.tacv2";
        assert_eq!(conversation_id(id).as_deref(), Some(id));
        assert_eq!(
            conversation_id(
                "https://teams.microsoft.com/l/channel/19%3aa1b2c3%40thread.tacv2/Buying?groupId=g&tenantId=t"
            )
            .as_deref(),
            Some(id)
        );
        assert_eq!(
            conversation_id("19:x@thread.v2").as_deref(),
            Some("19:x@thread.v2")
        );
        for bad in [
            "#buying",
            "a:1",
            "19:abc",
            "19:a b@thread.tacv2",
            "29:x@thread.tacv2",
        ] {
            assert_eq!(conversation_id(bad), None, "{bad}");
        }
    }
}
