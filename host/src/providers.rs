//! External image providers for paid models. mend speaks the OpenAI images API
//! (`/images/edits`, `/images/generations`, `/images/variations`), which OpenAI and many
//! compatible services serve; [`OpenAiProvider`] is the client.
//!
//! The API key lives in a [`KeySource`] and never appears in logs, errors or responses:
//! provider messages are redacted before they leave this module.

mod openai;
mod secret;

pub use openai::{
    CommonFields, InputTokenDetails, OpenAiProvider, ProviderCall, ProviderImage, ProviderResponse,
    Usage,
};
pub use secret::{ApiKey, KeySource, reload_on_sighup};
