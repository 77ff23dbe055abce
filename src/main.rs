//! The `checkout-bot` command line: the chat, imports and admin commands.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use checkout_bot::bot::Bot;
use checkout_bot::config::Config;
use checkout_bot::domain::account::Organization;
use checkout_bot::http::AppState;
use checkout_bot::import;
use checkout_bot::logging::LogFormat;
use checkout_bot::metrics::Metrics;
use checkout_bot::platforms::Platform;
use checkout_bot::services::approvals::Approvals;
use checkout_bot::services::outbound::Outbound;
use checkout_bot::store::Store;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cli;

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
    command: CliCommand,
}

#[derive(Subcommand)]
/// The program's own subcommands; a chat's commands (`/buy`) are `engine::event::Command`.
enum CliCommand {
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
        /// Where documents you ask for (quotes, invoices, receipts, credit notes) are
        /// written.
        #[arg(long, default_value = "documents")]
        documents: std::path::PathBuf,
    },
    /// Serve every configured platform's HTTP endpoint, the card page, /healthz and
    /// /metrics on HTTP_ADDR.
    Serve,
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
    Members(cli::members::MembersCommand),
    /// Orders of every account: list, show, record a payment, refund.
    #[command(subcommand)]
    Orders(cli::orders::OrdersCommand),
    /// An order's audit trail: every state change, who made it and when.
    Audit { order: String },
    /// Move the data to another database, or back it up.
    #[command(subcommand)]
    Db(cli::db::DbCommand),
    /// Delete what no one needs any more: sessions idle for SESSION_RETAIN_DAYS, expired
    /// card links, old delivery ids, outbox entries delivered before SESSION_RETAIN_DAYS.
    /// Orders, quotes and the audit trail are kept.
    Gc,
    /// Messages waiting to be sent, or refused by their platform: list, retry.
    #[command(subcommand)]
    Outbox(cli::outbox::OutboxCommand),
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
    /// Approve orders in steps: FILE.toml has one [[step]] table per step, with `name`,
    /// `above = AMOUNT` or `po = true` (else every order), `approvers = ["discord:USER",
    /// "slack:TEAM:USER", "acct_…"]` or `role = "approver"|"admin"`, and `rule = "any"|"all"`.
    /// It replaces the policy of `set-approval` until that is run again.
    SetApprovalChain {
        id: String,
        file: String,
    },
    /// Spending per calendar period (in BUDGET_TIMEZONE): an order that would go over it
    /// needs the organization's admins as well. `--amount none` removes it.
    SetBudget {
        id: String,
        /// month, quarter or year.
        #[arg(long)]
        per: Option<String>,
        #[arg(long)]
        amount: String,
    },
    /// Give an email domain to an organization: people who sign in with a verified
    /// address there become its members. --remove takes it away.
    SetDomain {
        id: String,
        domain: String,
        #[arg(long)]
        remove: bool,
    },
    /// Where approval requests are posted, per platform (each platform adds its option);
    /// without a channel they go to each approver privately.
    SetApprovalChannel {
        id: String,
    },
}

/// Loads `.env` from this directory or the nearest parent that has one. A missing file is
/// normal (variables may come from the environment alone); one that cannot be read stops
/// the program, naming the file, the line and the variable, never the value (it may be a
/// secret). dotenvy stops at the first bad line, so carrying on would silently drop every
/// variable after it.
fn load_dotenv() -> Result<(), String> {
    let Ok(mut dir) = std::env::current_dir() else {
        return Ok(());
    };
    let path = loop {
        let candidate = dir.join(".env");
        if candidate.is_file() {
            break candidate;
        }
        if !dir.pop() {
            return Ok(());
        }
    };
    match dotenvy::from_path(&path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::LineParse(line, _)) => {
            // dotenvy names the rest of the file from where it stopped; find its line.
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let rest = line.lines().next().unwrap_or_default().trim();
            let found = text
                .lines()
                .enumerate()
                .find(|(_, l)| !rest.is_empty() && l.contains(rest));
            let (number, name) = match found {
                Some((n, l)) => (
                    (n + 1).to_string(),
                    l.split('=').next().unwrap_or_default().trim().to_string(),
                ),
                None => ("?".into(), "?".into()),
            };
            Err(format!(
                "{}: line {number} ({name}) cannot be read: quote a value that has spaces or \
                 '#' (NAME=\"two words\"), and put comments on lines of their own",
                path.display()
            ))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn init_logging(default: &str) -> Result<(), String> {
    let format = LogFormat::parse(std::env::var("LOG_FORMAT").ok().as_deref())?;
    checkout_bot::logging::init(default, format, std::io::stderr);
    Ok(())
}

/// A command that prints and ends stops quietly when its reader goes away
/// (`checkout-bot orders list | head`), as Unix tools do. Rust ignores SIGPIPE, which
/// turns the closed pipe into a panic in `println!`. `serve` keeps ignoring it: there a
/// closed socket or log pipe is an error to handle, never a reason to die.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: `signal` only sets this process's disposition of SIGPIPE back to the
    // default; no handler runs, so nothing here can be interrupted unsafely.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(e) = load_dotenv() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    // The platforms read their configuration first: each brings its own subcommand and
    // options to the command line.
    let platforms = match platforms() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let matches = command_line(&platforms).get_matches();
    let chosen = matches.subcommand().and_then(|(name, sub)| {
        platforms
            .iter()
            .find(|p| p.name() == name)
            .map(|p| (p.as_ref(), sub))
    });
    let cli = match chosen {
        Some(_) => None,
        None => match Cli::from_arg_matches(&matches) {
            Ok(cli) => Some(cli),
            Err(e) => e.exit(),
        },
    };
    let quiet = matches!(
        cli.as_ref().map(|c| &c.command),
        Some(CliCommand::Chat { .. })
    );
    if let Err(e) = init_logging(if quiet { "warn" } else { "info" }) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    if cli
        .as_ref()
        .is_some_and(|c| !matches!(c.command, CliCommand::Serve))
    {
        quiet_on_closed_pipe();
    }
    let database_url = matches.get_one::<String>("database_url").cloned();
    let done = match (chosen, cli) {
        (Some((platform, sub)), _) => run_platform(platform, sub, database_url, &platforms).await,
        (None, Some(cli)) => run(cli, &matches, &platforms).await,
        (None, None) => Ok(()),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The platforms, registered here and nowhere else. A new platform is one line here and
/// its `mod` line in `platforms/mod.rs` (see there).
fn platforms() -> anyhow::Result<Vec<Box<dyn Platform>>> {
    Ok(vec![
        checkout_bot::platforms::discord::platform()?,
        checkout_bot::platforms::slack::platform()?,
        checkout_bot::platforms::teams::platform()?,
    ])
}

/// The command line: the program's own commands, and each platform's subcommand and
/// option on `orgs set-approval-channel`.
fn command_line(platforms: &[Box<dyn Platform>]) -> clap::Command {
    let mut command = Cli::command();
    for p in platforms {
        command = command
            .subcommand(p.command())
            .mut_subcommand("orgs", |orgs| {
                orgs.mut_subcommand("set-approval-channel", |set| {
                    set.arg(p.approval_channel_arg())
                })
            });
    }
    command
}

/// A platform's own subcommand, with a started bot when it serves chat.
async fn run_platform(
    platform: &dyn Platform,
    matches: &clap::ArgMatches,
    database_url: Option<String>,
    platforms: &[Box<dyn Platform>],
) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    if let Some(url) = database_url {
        config.database_url = url;
    }
    let bot = match platform.needs_bot(matches) {
        true => Some(Arc::new(
            Bot::start_with(config, outbound(platforms)?).await?,
        )),
        false => None,
    };
    platform.run(matches, bot).await
}

/// Every platform's outbound ports, as far as its configuration allows.
fn outbound(platforms: &[Box<dyn Platform>]) -> anyhow::Result<Outbound> {
    platforms
        .iter()
        .try_fold(Outbound::default(), |o, p| p.outbound(o))
}

/// The platforms people can be linked on: the terminal chat, and each registered one.
fn known(platforms: &[Box<dyn Platform>]) -> Vec<cli::members::KnownPlatform> {
    use checkout_bot::platforms::console;
    std::iter::once(cli::members::KnownPlatform {
        name: console::PLATFORM,
        workspace: Some(console::WORKSPACE),
    })
    .chain(platforms.iter().map(|p| cli::members::KnownPlatform {
        name: p.name(),
        workspace: p.default_workspace(),
    }))
    .collect()
}

async fn run(
    cli: Cli,
    matches: &clap::ArgMatches,
    platforms: &[Box<dyn Platform>],
) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    if let Some(url) = cli.database_url {
        config.database_url = url;
    }
    match cli.command {
        CliCommand::Chat {
            user,
            json,
            locale,
            documents,
        } => {
            if let Some(locale) = locale {
                config.default_locale = locale.to_ascii_lowercase();
            }
            let bot = Bot::start(config).await?;
            checkout_bot::platforms::console::run(&bot, &user, json, &documents).await?;
            bot.store().close().await;
        }
        CliCommand::Serve => serve(config, platforms).await?,
        CliCommand::Migrate => {
            Store::connect(&config.database_url).await?.close().await;
            println!("database is up to date");
        }
        CliCommand::Import(what) => {
            let store = Store::connect(&config.database_url).await?;
            import_file(&store, what).await?;
            store.close().await;
        }
        CliCommand::Orgs(cmd) => {
            let store = existing(&config).await?;
            match cmd {
                OrgsCommand::Add { id, name } => {
                    cli::clean_name(&name)?;
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
                other => org_settings(&store, other, matches, platforms).await?,
            }
            store.close().await;
        }
        CliCommand::Audit { order } => {
            let store = existing(&config).await?;
            let shown = cli::orders::audit(&store, &order).await;
            store.close().await;
            shown?;
        }
        CliCommand::Orders(cmd) => {
            let store = existing(&config).await?;
            cli::orders::run(&store, cmd, &config).await?;
            store.close().await;
        }
        CliCommand::Db(cmd) => cli::db::run(&config, cmd).await?,
        CliCommand::Gc => cli::db::gc(&config).await?,
        CliCommand::Outbox(cmd) => {
            let store = existing(&config).await?;
            let done = cli::outbox::run(&store, cmd).await;
            store.close().await;
            done?;
        }
        CliCommand::Members(cmd) => {
            let store = existing(&config).await?;
            cli::members::run(&store, cmd, &known(platforms)).await?;
            store.close().await;
        }
    }
    Ok(())
}

/// The database an admin command works on, which must exist already: a mistyped path or
/// a command run in the wrong directory must not create an empty one and report success.
async fn existing(config: &Config) -> anyhow::Result<Store> {
    cli::existing_store(&config.database_url).await
}

async fn serve(config: Config, platforms: &[Box<dyn Platform>]) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.http_addr)
        .await
        .with_context(|| format!("listening on {}", config.http_addr))?;
    let bot = Arc::new(Bot::start_with(config.clone(), outbound(platforms)?).await?);
    let sweeper = bot.spawn_sweeper(checkout_bot::bot::SWEEP_EVERY);
    let metrics = Arc::new(Metrics::new()?);
    let mut routes = Vec::new();
    for p in platforms {
        routes.extend(p.routes(bot.clone(), metrics.clone())?);
    }
    let app = checkout_bot::http::router(Arc::new(AppState::new(bot.clone(), metrics)), routes);
    tracing::info!(addr = %config.http_addr, "serving");
    checkout_bot::http::serve(app, listener, shutdown_signal()).await?;
    sweeper.abort();
    bot.store().close().await;
    tracing::info!("stopped");
    Ok(())
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

/// A limit as typed: an amount, or `none`.
fn limit_arg(text: &str) -> anyhow::Result<Option<rust_decimal::Decimal>> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Approvals::parse_limit(text)
        .map(Some)
        .map_err(|e| anyhow::anyhow!(e))
}

async fn known_org(store: &Store, id: &str) -> anyhow::Result<Organization> {
    store
        .orgs()
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .with_context(|| format!("no organization {id}: see `checkout-bot orgs list`"))
}

async fn org_settings(
    store: &Store,
    cmd: OrgsCommand,
    matches: &clap::ArgMatches,
    platforms: &[Box<dyn Platform>],
) -> anyhow::Result<()> {
    match cmd {
        OrgsCommand::Show { id } => {
            let org = known_org(store, &id).await?;
            let policy = store.policy(&id).await?;
            // Limits are amounts in the store's currency: the catalog's.
            let currency = store
                .current_catalog()
                .await?
                .map(|(_, c)| c.currency)
                .unwrap_or_else(checkout_bot::domain::money::Currency::usd);
            let money = |amount: rust_decimal::Decimal| {
                checkout_bot::domain::money::Money::new(amount, currency.clone()).plain()
            };
            println!("{}\t{}", org.id, org.name);
            println!(
                "approval for orders with a PO number: {}",
                if policy.po_required { "yes" } else { "no" }
            );
            match policy.limit {
                Some(l) => println!("approval for orders above: {}", money(l)),
                None => println!("approval for orders above: no limit"),
            }
            for (account, limit) in store.buyer_limits(&id).await? {
                let name = store
                    .account(&account)
                    .await?
                    .map(|a| a.display_name)
                    .unwrap_or_default();
                println!("buyer limit: {name} ({account}) above {}", money(limit));
            }
            cli::chains::show(store, &id, &money).await?;
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
                let who = cli::members::identity_on(
                    &known(platforms),
                    &platform,
                    workspace.as_deref(),
                    &user,
                )?;
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
                let chain = store.approval_chain(&id).await?;
                if !chain.steps.is_empty() {
                    store.set_approval_chain(&id, &Default::default()).await?;
                    println!(
                        "approval policy of {id} saved: it is one step again, in place of its {}-step chain",
                        chain.steps.len()
                    );
                } else {
                    println!("approval policy of {id} saved");
                }
            }
        }
        OrgsCommand::SetApprovalChain { id, file } => {
            known_org(store, &id).await?;
            let chain = cli::chains::set_chain(store, &known(platforms), &id, &file).await?;
            println!(
                "approval chain of {id} saved: {} steps (see `checkout-bot orgs show {id}`)",
                chain.steps.len()
            );
        }
        OrgsCommand::SetBudget { id, per, amount } => {
            known_org(store, &id).await?;
            match cli::chains::budget_args(per.as_deref(), &amount)? {
                Some(b) => {
                    store.set_budget(&id, Some(&b)).await?;
                    println!(
                        "budget of {id} saved: {} per {}",
                        b.amount,
                        b.period.as_str()
                    );
                }
                None => {
                    store.set_budget(&id, None).await?;
                    println!("budget of {id} removed");
                }
            }
        }
        OrgsCommand::SetApprovalChannel { id } => {
            known_org(store, &id).await?;
            let options = matches
                .subcommand_matches("orgs")
                .and_then(|m| m.subcommand_matches("set-approval-channel"));
            let mut given = false;
            if let Some(options) = options {
                for p in platforms {
                    given |= p.set_approval_channel(store, &id, options).await?;
                }
            }
            if !given {
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
            let format = import::catalog::Format::from_path(&file).map_err(anyhow::Error::msg)?;
            let source =
                std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
            let catalog = import::catalog::parse(&source, format)
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
