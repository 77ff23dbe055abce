//! The OpenID Connect relying party, through the `openidconnect` crate: discovery,
//! the authorization-code flow with PKCE, `state` and `nonce`, and the ID token's
//! verification (signature against the provider's JWKS, issuer, audience, expiry and
//! nonce). The provider's metadata and keys are fetched on first use and again every
//! ten minutes, so `serve` starts while the provider is down, and a rotated key is
//! picked up.

use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::claims::Claims;
use super::config::OidcSettings;

/// How long discovered metadata and keys are used before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(600);
/// How long one call to the provider may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Every claim of the ID token, for the configured organization and role claims.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Extra {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}
impl AdditionalClaims for Extra {}

type Fields = IdTokenFields<
    Extra,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type Client = openidconnect::Client<
    Extra,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum OidcError {
    /// The provider could not be reached or answered nonsense: try again later.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// What came back does not prove who the person is: nothing is linked.
    #[error("the sign-in was not verified: {0}")]
    Unverified(String),
}

/// A started authorization request: where to send the browser, and what to keep.
pub(crate) struct Authorization {
    pub(crate) url: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub pkce_verifier: String,
}

pub(crate) struct Oidc {
    settings: OidcSettings,
    redirect: RedirectUrl,
    http: openidconnect::reqwest::Client,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Oidc {
    /// A relying party whose callback is `{public_url}/signin/callback`.
    pub(crate) fn new(settings: OidcSettings, public_url: &str) -> anyhow::Result<Oidc> {
        let redirect = RedirectUrl::new(format!("{public_url}/signin/callback"))?;
        // No redirects: the provider's endpoints answer directly, and following one
        // could send a request where the operator never meant it to go.
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(CALL_TIMEOUT)
            .build()?;
        Ok(Oidc {
            settings,
            redirect,
            http,
            metadata: Mutex::new(None),
        })
    }

    pub(crate) fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The origins a form may be sent on to when it starts a sign-in (its answer is a
    /// redirect to the authorization endpoint, which a page's CSP `form-action` must
    /// allow): the issuer's, and the endpoint's as discovery last said, without asking
    /// the provider now.
    pub(crate) fn authorization_origins(&self) -> Vec<String> {
        let mut origins = Vec::new();
        let endpoint = self.metadata.try_lock().ok().and_then(|cached| {
            cached
                .as_ref()
                .map(|(_, m)| m.authorization_endpoint().url().to_string())
        });
        for url in std::iter::once(self.settings.issuer.clone()).chain(endpoint) {
            if let Ok(u) = url::Url::parse(&url) {
                let origin = u.origin().ascii_serialization();
                if origin != "null" && !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
        }
        origins
    }

    async fn client(&self) -> Result<Client, OidcError> {
        let mut cached = self.metadata.lock().await;
        let fresh = cached
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < METADATA_TTL);
        if !fresh {
            let issuer = IssuerUrl::new(self.settings.issuer.clone())
                .map_err(|e| OidcError::Unavailable(format!("issuer URL: {e}")))?;
            let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
                .await
                .map_err(|e| OidcError::Unavailable(format!("discovery: {e}")))?;
            *cached = Some((Instant::now(), metadata));
        }
        let Some((_, metadata)) = cached.as_ref() else {
            return Err(OidcError::Unavailable("no metadata".into()));
        };
        Ok(Client::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// A new authorization request, with a fresh state, nonce and PKCE verifier.
    pub(crate) async fn authorize(&self) -> Result<Authorization, OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code and verifies the ID token it brings; the verified claims.
    pub(crate) async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Claims, OidcError> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unavailable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Unverified(format!("code exchange: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::Unverified("no ID token".into()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_string()))
            .map_err(|e| OidcError::Unverified(format!("ID token: {e}")))?;
        Ok(Claims {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            extra: claims.additional_claims().claims.clone(),
        })
    }
}
