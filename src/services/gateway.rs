//! The gateway `PAYMENT_GATEWAY` names, made in one place: what charges and refunds
//! (`payments::Payments`), and with Stripe its card-page side. Apart from `payments`, so
//! that the payments trait knows no gateway and each gateway knows only the trait.

use std::sync::Arc;

use super::payments::{Payments, SandboxPayments};
use super::stripe::StripeGateway;
use super::stripe::config::Gateway;

/// The configured gateway: what charges and refunds, and with Stripe its card-page
/// side (customers and SetupIntents), which the sandbox has no need of.
pub struct Configured {
    pub payments: Arc<dyn Payments>,
    pub stripe: Option<Arc<StripeGateway>>,
}

/// The one place the gateway `PAYMENT_GATEWAY` names is made.
pub fn gateway(choice: &Gateway) -> anyhow::Result<Configured> {
    Ok(match choice {
        Gateway::Sandbox => Configured {
            payments: Arc::new(SandboxPayments::default()),
            stripe: None,
        },
        Gateway::Stripe(settings) => {
            let stripe = Arc::new(StripeGateway::new(settings.clone())?);
            Configured {
                payments: stripe.clone(),
                stripe: Some(stripe),
            }
        }
    })
}
