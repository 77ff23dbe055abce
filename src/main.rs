//! The `checkout-bot` command line: the chat, imports and admin commands.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use checkout_bot::bot::Bot;
use checkout_bot::channels::{discord, slack};
use checkout_bot::config::Config;
use checkout_bot::domain::account::{Identity, LinkedVia, Organization, Role};
use checkout_bot::http::AppState;
use checkout_bot::import;
use checkout_bot::logging::LogFormat;
use checkout_bot::metrics::Metrics;
use checkout_bot::services::approvals::Approvals;
use checkout_bot::services::outbound::Outbound;
use checkout_bot::store::Store;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "checkout-bot",
    version,
    about = "The vendor's store checkout as a chat conversation."
)]
struct Cli {
    /// Overrides DATABASE_URL.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chat with the bot in the terminal (demo data, no tokens needed).
    Chat {
        /// Who you are in the chat; each name has its own cart and session.
        #[arg(long, default_value = "demo")]
        user: String,
        /// One JSON object per reply and per input line: the interface for scripts.
        #[arg(long)]
        json: bool,
        /// The language to answer in (`de`, `en`; default DEFAULT_LOCALE). A language
        /// the bot does not ship falls back to English.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Serve every configured platform's HTTP endpoint, the card page, /healthz and
    /// /metrics on HTTP_ADDR.
    Serve,
    /// Run the Discord gateway client (DISCORD_TOKEN), or register the slash commands.
    Discord(discord::cli::DiscordArgs),
    /// Connect to Slack in Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN): no public URL needed.
    Slack(slack::cli::SlackArgs),
    /// Create or update the database schema, then exit.
    Migrate,
    /// Import operator-maintained files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Organizations.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Link chat users to organizations with a role.
    #[command(subcommand)]
    Members(MembersCommand),
    /// Orders of every account: list, show, record a payment.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// An order's audit trail: every state change, who made it and when.
    Audit { order: String },
    /// Move the data to another database, or back it up.
    #[command(subcommand)]
    Db(DbCommand),
    /// Delete what no one needs any more: sessions idle for SESSION_RETAIN_DAYS, expired
    /// card links, old delivery ids. Orders, quotes and the audit trail are kept.
    Gc,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy every table to another, empty database (SQLite to PostgreSQL or back),
    /// then check row counts and order totals on both sides.
    Copy {
        /// The database to copy (default: DATABASE_URL).
        #[arg(long)]
        from: Option<String>,
        /// The database to fill; it is migrated first and must hold no data.
        #[arg(long)]
        to: String,
    },
    /// Write a consistent copy of the SQLite database to FILE while it stays in use.
    Backup { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum OrdersCommand {
    /// The newest orders and quotes.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One order in full.
    Show { order: String },
    /// Record the payment of an order awaiting one (wire transfer, check, invoice).
    MarkPaid { order: String },
    /// Give back a card payment through the payment gateway: everything left, or --amount.
    Refund {
        order: String,
        /// How much to give back, such as 49.50 (default: all that is left).
        #[arg(long)]
        amount: Option<String>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A catalog in TOML or JSON (by extension); it becomes the current version.
    Catalog { file: String },
    /// Deployments as CSV with the columns id,name,organization.
    Deployments { file: String },
}

#[derive(Subcommand)]
enum OrgsCommand {
    /// Add an organization, or rename one.
    Add {
        id: String,
        #[arg(long)]
        name: String,
    },
    List,
    /// An organization's approval policy, buyer limits and approval channel.
    Show {
        id: String,
    },
    /// When orders need an approver: with a PO number, and/or above a limit. With
    /// --platform and --user, the limit is that buyer's own.
    SetApproval {
        id: String,
        /// Whether every order with a PO number needs approval.
        #[arg(long)]
        po_required: Option<bool>,
        /// Orders above this total need approval; `none` removes the limit.
        #[arg(long)]
        limit: Option<String>,
        /// The buyer whose own limit this is (with --user).
        #[arg(long, requires = "user")]
        platform: Option<String>,
        #[arg(long, requires = "platform")]
        workspace: Option<String>,
        #[arg(long, requires = "platform")]
        user: Option<String>,
    },
    /// Give an email domain to an organization: people who sign in with a verified
    /// address there become its members. --remove takes it away.
    SetDomain {
        id: String,
        domain: String,
        #[arg(long)]
        remove: bool,
    },
    /// Where approval requests are posted, per platform; without a channel they go to
    /// each approver privately.
    SetApprovalChannel {
        id: String,
        #[command(flatten)]
        discord: discord::cli::ApprovalChannel,
        #[command(flatten)]
        slack: slack::cli::ApprovalChannel,
    },
}

#[derive(Subcommand)]
enum MembersCommand {
    /// Give a chat user a role in an organization, creating their account if needed.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        platform: String,
        /// Workspace or guild; defaults to the platform's global one (console: local, and
        /// otherwise the platform's own name).
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        user: String,
        #[arg(long)]
        role: Role,
        /// Display name for a new account (default: the user id).
        #[arg(long)]
        name: Option<String>,
    },
    List {
        #[arg(long)]
        org: Option<String>,
    },
    Remove {
        #[arg(long)]
        org: String,
        #[arg(long)]
        platform: String,
        #[arg(long)]
        workspace: Option<String>,
        #[arg(long)]
        user: String,
    },
}

fn default_workspace(platform: &str) -> String {
    match platform {
        "console" => "local".into(),
        other => other.into(),
    }
}

fn init_logging(default: &str) -> Result<(), String> {
    let format = LogFormat::parse(std::env::var("LOG_FORMAT").ok().as_deref())?;
    checkout_bot::logging::init(default, format, std::io::stderr);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; variables may come from the environment alone.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let quiet = matches!(cli.command, Command::Chat { .. });
    if let Err(e) = init_logging(if quiet { "warn" } else { "info" }) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    if let Some(url) = cli.database_url {
        config.database_url = url;
    }
    let platforms = Platforms::from_env()?;
    match cli.command {
        Command::Chat { user, json, locale } => {
            if let Some(locale) = locale {
                config.default_locale = locale.to_ascii_lowercase();
            }
            let bot = Bot::start(config).await?;
            checkout_bot::channels::console::run(&bot, &user, json).await?;
            bot.store().close().await;
        }
        Command::Serve => serve(config, &platforms).await?,
        Command::Discord(args) => {
            let bot = match args.needs_bot() {
                true => Some(Arc::new(
                    Bot::start_with(config, platforms.outbound()?).await?,
                )),
                false => None,
            };
            discord::cli::run(args, &platforms.discord, bot).await?;
        }
        Command::Slack(args) => {
            let bot = Arc::new(Bot::start_with(config, platforms.outbound()?).await?);
            slack::cli::run(args, &platforms.slack, bot).await?;
        }
        Command::Migrate => {
            Store::connect(&config.database_url).await?.close().await;
            println!("database is up to date");
        }
        Command::Import(what) => {
            let store = Store::connect(&config.database_url).await?;
            import_file(&store, what).await?;
            store.close().await;
        }
        Command::Orgs(cmd) => {
            let store = Store::connect(&config.database_url).await?;
            match cmd {
                OrgsCommand::Add { id, name } => {
                    clean_name(&name)?;
                    store
                        .upsert_org(&Organization {
                            id: id.clone(),
                            name,
                        })
                        .await?;
                    println!("organization {id} saved");
                }
                OrgsCommand::List => {
                    for o in store.orgs().await? {
                        println!("{}\t{}", o.id, o.name);
                    }
                }
                other => org_settings(&store, other).await?,
            }
            store.close().await;
        }
        Command::Audit { order } => {
            let store = Store::connect(&config.database_url).await?;
            let trail = store.audit_for(&order).await?;
            if trail.is_empty() {
                bail!("no audit trail for {order}");
            }
            let mut names = std::collections::HashMap::new();
            for e in trail {
                if !names.contains_key(&e.actor) {
                    let name = match store.account(&e.actor).await? {
                        Some(a) => format!("{} ({})", a.display_name, e.actor),
                        None => e.actor.clone(),
                    };
                    names.insert(e.actor.clone(), name);
                }
                let at = utc_time(e.at);
                println!(
                    "{at}\t{}\t{}\t{} -> {}",
                    names.get(&e.actor).unwrap_or(&e.actor),
                    e.action,
                    e.old_value.as_deref().unwrap_or("-"),
                    e.new_value.as_deref().unwrap_or("-")
                );
            }
            store.close().await;
        }
        Command::Orders(cmd) => {
            let store = Store::connect(&config.database_url).await?;
            orders(&store, cmd).await?;
            store.close().await;
        }
        Command::Db(cmd) => db(&config, cmd).await?,
        Command::Gc => {
            let store = Store::connect(&config.database_url).await?;
            let c = store
                .collect_garbage(checkout_bot::store::now_ms(), config.retention())
                .await?;
            println!(
                "deleted {} idle sessions, {} expired card links, {} old delivery ids",
                c.sessions, c.card_links, c.deliveries
            );
            store.close().await;
        }
        Command::Members(cmd) => {
            let store = Store::connect(&config.database_url).await?;
            members(&store, cmd).await?;
            store.close().await;
        }
    }
    Ok(())
}

async fn serve(config: Config, platforms: &Platforms) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.http_addr)
        .await
        .with_context(|| format!("listening on {}", config.http_addr))?;
    let bot = Arc::new(Bot::start_with(config.clone(), platforms.outbound()?).await?);
    let sweeper = bot.spawn_sweeper(checkout_bot::bot::SWEEP_EVERY);
    let metrics = Arc::new(Metrics::new()?);
    let channels = platforms.routes(&bot, &metrics)?;
    let app = checkout_bot::http::router(Arc::new(AppState::new(bot.clone(), metrics)), channels);
    tracing::info!(addr = %config.http_addr, "serving");
    checkout_bot::http::serve(app, listener, shutdown_signal()).await?;
    sweeper.abort();
    bot.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn db(config: &Config, cmd: DbCommand) -> anyhow::Result<()> {
    match cmd {
        DbCommand::Copy { from, to } => {
            let from = from.unwrap_or_else(|| config.database_url.clone());
            if checkout_bot::store::normalize_url(&from) == checkout_bot::store::normalize_url(&to)
            {
                bail!("--from and --to name the same database");
            }
            let source = Store::connect_existing(&from)
                .await
                .context("opening --from")?;
            let target = Store::connect(&to).await.context("opening --to")?;
            let report = source.copy_to(&target).await;
            source.close().await;
            target.close().await;
            let report = report?;
            println!("{:<20} {:>10} {:>10}", "table", "source", "target");
            for (table, in_source, in_target) in &report.tables {
                println!("{table:<20} {in_source:>10} {in_target:>10}");
            }
            for (currency, (in_source, in_target)) in &report.totals {
                let label = format!("order totals {currency}");
                println!("{label:<20} {in_source:>10} {in_target:>10}");
            }
            if !report.matches() {
                bail!("the target differs from the source (above); do not switch to it");
            }
            let rows: u64 = report.tables.iter().map(|(_, n, _)| n).sum();
            println!(
                "copied {rows} rows in {} tables; counts and totals match",
                report.tables.len()
            );
        }
        DbCommand::Backup { file } => {
            let store = Store::connect(&config.database_url).await?;
            let done = store.backup_to(&file).await;
            store.close().await;
            done?;
            println!("backup written to {}", file.display());
        }
    }
    Ok(())
}

/// The chat platforms, registered here and nowhere else: each brings its configuration,
/// its outbound ports, its HTTP routes and its CLI subcommand.
struct Platforms {
    discord: discord::config::DiscordConfig,
    slack: slack::config::SlackConfig,
}

impl Platforms {
    fn from_env() -> anyhow::Result<Platforms> {
        Ok(Platforms {
            discord: discord::config::DiscordConfig::from_env()?,
            slack: slack::config::SlackConfig::from_env()?,
        })
    }

    /// Every platform's outbound ports, as far as its configuration allows.
    fn outbound(&self) -> anyhow::Result<Outbound> {
        let outbound = discord::outbound::register(Outbound::default(), &self.discord)?;
        slack::outbound::register(outbound, &self.slack)
    }

    /// Every platform's HTTP routes, for `serve`.
    fn routes(&self, bot: &Arc<Bot>, metrics: &Arc<Metrics>) -> anyhow::Result<Vec<axum::Router>> {
        let mut routes = Vec::new();
        routes.extend(discord::http::routes(
            bot.clone(),
            &self.discord,
            metrics.clone(),
        )?);
        routes.extend(slack::http::routes(
            bot.clone(),
            &self.slack,
            metrics.clone(),
        )?);
        Ok(routes)
    }
}

/// SIGINT or SIGTERM: stop taking requests, finish those in flight.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "no SIGTERM handler");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Unix milliseconds, readable and sortable, to the second, in UTC:
/// 2026-11-26 22:34:12 UTC.
fn utc_time(ms: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A limit as typed: an amount, or `none`.
fn limit_arg(text: &str) -> anyhow::Result<Option<rust_decimal::Decimal>> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Approvals::parse_limit(text)
        .map(Some)
        .map_err(|e| anyhow::anyhow!(e))
}

/// Names an operator types are shown to buyers: the same rules as chat text.
fn clean_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() {
        bail!("the name must not be empty");
    }
    if checkout_bot::domain::text::check(name).is_err() {
        bail!("the name contains control or text-direction characters; type it without them");
    }
    Ok(())
}

async fn known_org(store: &Store, id: &str) -> anyhow::Result<Organization> {
    store
        .orgs()
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .with_context(|| format!("no organization {id}: see `checkout-bot orgs list`"))
}

async fn org_settings(store: &Store, cmd: OrgsCommand) -> anyhow::Result<()> {
    match cmd {
        OrgsCommand::Show { id } => {
            let org = known_org(store, &id).await?;
            let policy = store.policy(&id).await?;
            println!("{}\t{}", org.id, org.name);
            println!(
                "approval for orders with a PO number: {}",
                if policy.po_required { "yes" } else { "no" }
            );
            match policy.limit {
                Some(l) => println!("approval for orders above: {l}"),
                None => println!("approval for orders above: no limit"),
            }
            for (account, limit) in store.buyer_limits(&id).await? {
                let name = store
                    .account(&account)
                    .await?
                    .map(|a| a.display_name)
                    .unwrap_or_default();
                println!("buyer limit: {name} ({account}) above {limit}");
            }
            let channels = store.approval_channels(&id).await?;
            if channels.is_empty() {
                println!("requests go to: each approver, privately");
            }
            for (platform, channel) in channels {
                println!("requests go to: {platform} channel {channel}");
            }
            let approvers = store.approvers_of(&id).await?;
            println!("approvers: {}", approvers.len());
            let domains = store.org_domains(&id).await?;
            println!(
                "email domains: {}",
                if domains.is_empty() {
                    "none".to_string()
                } else {
                    domains.join(", ")
                }
            );
        }
        OrgsCommand::SetDomain { id, domain, remove } => {
            known_org(store, &id).await?;
            let domain = checkout_bot::domain::email_domain::normalize(&domain)
                .map_err(|e| anyhow::anyhow!(e))?;
            if remove {
                if !store.remove_org_domain(&domain, &id).await? {
                    bail!("{domain} is not a domain of {id}");
                }
                println!("{domain} no longer belongs to {id}");
            } else {
                match store.set_org_domain(&domain, &id).await? {
                    Some(before) => {
                        println!("{domain} now belongs to {id} (it belonged to {before})")
                    }
                    None => println!("{domain} belongs to {id}"),
                }
            }
        }
        OrgsCommand::SetApproval {
            id,
            po_required,
            limit,
            platform,
            workspace,
            user,
        } => {
            known_org(store, &id).await?;
            let limit = limit.as_deref().map(limit_arg).transpose()?;
            if let (Some(platform), Some(user)) = (platform, user) {
                if po_required.is_some() {
                    bail!(
                        "--po-required is for the whole organization: leave out --platform and --user"
                    );
                }
                let workspace = workspace.unwrap_or_else(|| default_workspace(&platform));
                let who = Identity::new(&platform, &workspace, &user);
                let Some(account) = store.account_id_for(&who).await? else {
                    bail!(
                        "{who} is not linked to any account: add them with `checkout-bot members add`"
                    );
                };
                let Some(limit) = limit else {
                    bail!(
                        "give the buyer's limit with --limit AMOUNT, or --limit none to remove it"
                    );
                };
                store.set_buyer_limit(&id, &account, limit).await?;
                println!("buyer limit for {who} in {id} saved");
            } else {
                let mut policy = store.policy(&id).await?;
                if let Some(p) = po_required {
                    policy.po_required = p;
                }
                if let Some(l) = limit {
                    policy.limit = l;
                }
                store.set_policy(&id, &policy).await?;
                println!("approval policy of {id} saved");
            }
        }
        OrgsCommand::SetApprovalChannel { id, discord, slack } => {
            known_org(store, &id).await?;
            let given = discord.apply(store, &id).await?;
            if !(slack.apply(store, &id).await? || given) {
                bail!(
                    "give a platform's channel (or none): see `checkout-bot orgs set-approval-channel --help`"
                );
            }
        }
        OrgsCommand::Add { .. } | OrgsCommand::List => {}
    }
    Ok(())
}

async fn import_file(store: &Store, what: ImportCommand) -> anyhow::Result<()> {
    match what {
        ImportCommand::Catalog { file } => {
            let source =
                std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
            let catalog =
                import::catalog::parse(&source, import::catalog::Format::from_path(&file))
                    .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            let version = store.save_catalog(&catalog, &file).await?;
            println!(
                "imported {} products in {} categories as catalog version {version}",
                catalog.products.len(),
                catalog.categories.len()
            );
        }
        ImportCommand::Deployments { file } => {
            let source =
                std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
            let known: HashSet<String> = store.orgs().await?.into_iter().map(|o| o.id).collect();
            let rows = import::deployments::parse(&source, &known)
                .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            let n = store.upsert_deployments(&rows).await?;
            println!("imported {n} deployments");
        }
    }
    Ok(())
}

async fn orders(store: &Store, cmd: OrdersCommand) -> anyhow::Result<()> {
    match cmd {
        OrdersCommand::List { limit } => {
            for o in store.recent_orders(limit).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    o.number,
                    o.kind.as_str(),
                    o.status.as_str(),
                    o.details.total.plain(),
                    o.details.placed_by
                );
            }
        }
        OrdersCommand::Show { order } => {
            let Some(o) = store.order_by_number(&order).await? else {
                bail!("no order {order}");
            };
            println!("{}", serde_json::to_string_pretty(&o)?);
        }
        OrdersCommand::MarkPaid { order } => match store.mark_paid(&order, "operator").await? {
            Some(o) => println!("{} is paid ({})", o.number, o.details.total.plain()),
            None => bail!("{order} is not an order awaiting payment"),
        },
        OrdersCommand::Refund { order, amount } => {
            let amount = match amount {
                Some(text) => Some(text.trim().parse::<rust_decimal::Decimal>().map_err(|_| {
                    anyhow::anyhow!("--amount: '{text}' is not an amount such as 49.50")
                })?),
                None => None,
            };
            let payments = checkout_bot::services::payments::gateway();
            let refunds = checkout_bot::services::refunds::Refunds::new(store.clone(), payments);
            let done = refunds.refund(&order, amount, "operator").await?;
            println!(
                "refunded {} of {order} ({}); {} left to refund",
                done.amount.plain(),
                done.gateway_ref,
                done.left.plain()
            );
        }
    }
    Ok(())
}

async fn members(store: &Store, cmd: MembersCommand) -> anyhow::Result<()> {
    match cmd {
        MembersCommand::Add {
            org,
            platform,
            workspace,
            user,
            role,
            name,
        } => {
            if let Some(name) = &name {
                clean_name(name)?;
            }
            if !store.orgs().await?.iter().any(|o| o.id == org) {
                bail!(
                    "no organization {org}: add it with `checkout-bot orgs add {org} --name NAME`"
                );
            }
            let who = Identity::new(
                &platform,
                &workspace.unwrap_or_else(|| default_workspace(&platform)),
                &user,
            );
            let account = match store.account_id_for(&who).await? {
                Some(id) => id,
                None => {
                    let id = store
                        .create_account(name.as_deref().unwrap_or(&user), Some(&org))
                        .await?;
                    if !store.link_identity(&who, &id, LinkedVia::Cli).await? {
                        bail!("{who} was linked by someone else just now; run the command again");
                    }
                    id
                }
            };
            store.set_membership(&account, &org, role).await?;
            store.default_org_if_unset(&account, &org).await?;
            println!("{who} is now {} of {org}", role.as_str());
        }
        MembersCommand::List { org } => {
            for m in store.members(org.as_deref()).await? {
                let who = match (m.platform, m.workspace, m.user_id) {
                    (Some(p), Some(w), Some(u)) => format!("{p}:{w}:{u}"),
                    _ => "(no chat identity)".into(),
                };
                let linked = match (m.linked_via, m.linked_at) {
                    (Some(via), Some(at)) => format!("linked by {via} {}", utc_time(at)),
                    _ => "-".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{linked}",
                    m.org_id, m.role, who, m.display_name
                );
            }
        }
        MembersCommand::Remove {
            org,
            platform,
            workspace,
            user,
        } => {
            let who = Identity::new(
                &platform,
                &workspace.unwrap_or_else(|| default_workspace(&platform)),
                &user,
            );
            let Some(account) = store.account_id_for(&who).await? else {
                bail!("{who} is not linked to any account");
            };
            if store.remove_membership(&account, &org).await? {
                let left = store
                    .account(&account)
                    .await?
                    .map_or(0, |a| a.memberships.len());
                if left == 0 {
                    println!(
                        "{who} removed from {org}. That was their last organization: they can \
                         no longer start or place orders (their orders and saved cards are kept). \
                         Add them to an organization to let them buy again."
                    );
                } else if left == 1 {
                    println!("{who} removed from {org}; they still belong to 1 other organization");
                } else {
                    println!(
                        "{who} removed from {org}; they still belong to {left} other organizations"
                    );
                }
            } else {
                bail!("{who} is not a member of {org}");
            }
        }
    }
    Ok(())
}
