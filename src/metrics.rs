//! Prometheus metrics: interactions by type and outcome, their latency, outbox
//! deliveries by platform and result, and orders by state and the outbox's depth and
//! oldest entry (read from the database at scrape time, so every process reports the
//! same).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::store::Store;

pub struct Metrics {
    registry: Registry,
    interactions: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let interactions = IntCounterVec::new(
            Opts::new(
                "checkout_bot_interactions_total",
                "Interactions handled, by type and outcome",
            ),
            &["platform", "type", "outcome"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "checkout_bot_interaction_seconds",
                "Time to answer an interaction",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["platform", "type"],
        )?;
        registry.register(Box::new(interactions.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        if let Some(deliveries) = crate::services::outbox::worker::DELIVERIES.as_ref() {
            registry.register(Box::new(deliveries.clone()))?;
        }
        Ok(Metrics {
            registry,
            interactions,
            latency,
        })
    }

    pub(crate) fn observe(&self, platform: &str, kind: &str, outcome: &str, seconds: f64) {
        self.interactions
            .with_label_values(&[platform, kind, outcome])
            .inc();
        self.latency
            .with_label_values(&[platform, kind])
            .observe(seconds);
    }

    /// The text exposition, with the order counts read from `store`.
    pub(crate) async fn render(&self, store: &Store) -> Result<String, anyhow::Error> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        let mut text = String::from_utf8(out)?;
        text.push_str("# HELP checkout_bot_orders Orders and quotes, by state\n# TYPE checkout_bot_orders gauge\n");
        for (state, n) in store.order_counts().await? {
            text.push_str(&format!("checkout_bot_orders{{state=\"{state}\"}} {n}\n"));
        }
        let depth = store.outbox_depth(crate::store::now_ms()).await?;
        text.push_str(&format!(
            "# HELP checkout_bot_outbox_entries Outbox entries waiting to be sent, and refused for good\n\
             # TYPE checkout_bot_outbox_entries gauge\n\
             checkout_bot_outbox_entries{{state=\"pending\"}} {}\n\
             checkout_bot_outbox_entries{{state=\"failed\"}} {}\n\
             # HELP checkout_bot_outbox_oldest_seconds Age of the oldest entry waiting to be sent\n\
             # TYPE checkout_bot_outbox_oldest_seconds gauge\n\
             checkout_bot_outbox_oldest_seconds {:.3}\n",
            depth.pending,
            depth.failed,
            depth.oldest_ms as f64 / 1000.0
        ));
        Ok(text)
    }
}
