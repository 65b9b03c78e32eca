//! Token-billed cost: what a gpt-image call cost from the usage the provider reported.

use super::costs::TokenPrices;
use crate::providers::Usage;

/// `text × text price + image in × image price + out × output price`, micro-dollars
/// (prices are USD per million tokens, so one token at $1/M is one micro-dollar).
pub fn token_cost_micros(prices: &TokenPrices, usage: &Usage) -> u64 {
    let details = usage.input_tokens_details;
    // Providers that report only a total count it as text.
    let text = if details.text_tokens + details.image_tokens == 0 {
        usage.input_tokens
    } else {
        details.text_tokens
    };
    let micros = text as f64 * prices.text_input
        + details.image_tokens as f64 * prices.image_input
        + usage.output_tokens as f64 * prices.image_output;
    if micros.is_finite() && micros > 0.0 {
        micros.round() as u64
    } else {
        0
    }
}
