//! What paid models cost: a price table per provider model, operation, size and quality
//! (list prices in USD per output image), the estimate a request is reserved with, and the
//! actual cost from the usage the provider reports.
//!
//! Unknown models, sizes or qualities are refused rather than guessed as free.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::providers_usage::token_cost_micros;
use crate::providers::Usage;
use crate::storage::budget::usd_to_micros;
use crate::{Error, Result};

/// What a paid call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Edit an image inside a mask, guided by a prompt.
    Edit,
    /// Generate images from a prompt.
    Generation,
    /// Variations of an image.
    Variation,
}

impl Operation {
    /// The name used in JSON and the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Generation => "generation",
            Self::Variation => "variation",
        }
    }
}

/// Per-token prices of gpt-image models (USD per million tokens).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TokenPrices {
    /// Prompt text tokens.
    pub text_input: f64,
    /// Input image tokens.
    pub image_input: f64,
    /// Output image tokens.
    pub image_output: f64,
}

/// One provider model's prices.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ModelPrices {
    /// Model id as the provider names it.
    pub id: &'static str,
    /// Operations it supports.
    pub operations: Vec<Operation>,
    /// Output sizes (`WxH`).
    pub sizes: Vec<&'static str>,
    /// Qualities.
    pub qualities: Vec<&'static str>,
    /// Size used when the request names none.
    pub default_size: &'static str,
    /// Quality used when the request names none.
    pub default_quality: &'static str,
    /// USD per output image, keyed `"<size>/<quality>"`.
    pub prices: BTreeMap<String, f64>,
    /// Added per input image of an edit (input image tokens), USD.
    pub input_image_usd: f64,
    /// Token prices, for models that bill by tokens and report usage.
    pub tokens: Option<TokenPrices>,
}

/// A priced request.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Estimate {
    /// Provider model.
    pub model: String,
    /// Operation.
    pub operation: Operation,
    /// The size priced (the default when the request named none).
    pub size: String,
    /// The quality priced.
    pub quality: String,
    /// Number of images.
    pub n: u32,
    /// Estimated cost, micro-dollars.
    pub micros: u64,
}

fn table(
    id: &'static str,
    operations: &[Operation],
    sizes: &[&'static str],
    qualities: &[&'static str],
    prices: &[f64],
    input_image_usd: f64,
    tokens: Option<TokenPrices>,
) -> ModelPrices {
    let mut map = BTreeMap::new();
    // `prices` lists every size for the first quality, then for the next, …
    for (qi, quality) in qualities.iter().enumerate() {
        for (si, size) in sizes.iter().enumerate() {
            if let Some(price) = prices.get(qi * sizes.len() + si) {
                map.insert(format!("{size}/{quality}"), *price);
            }
        }
    }
    ModelPrices {
        id,
        operations: operations.to_vec(),
        sizes: sizes.to_vec(),
        qualities: qualities.to_vec(),
        default_size: sizes.first().copied().unwrap_or("1024x1024"),
        default_quality: qualities
            .get(qualities.len() / 2)
            .copied()
            .unwrap_or("standard"),
        prices: map,
        input_image_usd,
        tokens,
    }
}

/// The built-in price table (OpenAI list prices, per image).
pub fn price_table() -> Vec<ModelPrices> {
    use Operation::{Edit, Generation, Variation};
    let mut dalle2 = table(
        "dall-e-2",
        &[Edit, Generation, Variation],
        &["1024x1024", "512x512", "256x256"],
        &["standard"],
        &[0.020, 0.018, 0.016],
        0.0,
        None,
    );
    dalle2.default_quality = "standard";
    let mut dalle3 = table(
        "dall-e-3",
        &[Generation],
        &["1024x1024", "1024x1792", "1792x1024"],
        &["standard", "hd"],
        &[0.040, 0.080, 0.080, 0.080, 0.120, 0.120],
        0.0,
        None,
    );
    dalle3.default_quality = "standard";
    let gpt_image_1 = table(
        "gpt-image-1",
        &[Edit, Generation],
        &["1024x1024", "1024x1536", "1536x1024"],
        &["low", "medium", "high"],
        &[0.011, 0.016, 0.016, 0.042, 0.063, 0.063, 0.167, 0.25, 0.25],
        // A 1024² input is ~ 1,100 image tokens at $10 / M (high input fidelity costs more;
        // the settled cost comes from the reported usage).
        0.011,
        Some(TokenPrices {
            text_input: 5.0,
            image_input: 10.0,
            image_output: 40.0,
        }),
    );
    let gpt_image_1_mini = table(
        "gpt-image-1-mini",
        &[Edit, Generation],
        &["1024x1024", "1024x1536", "1536x1024"],
        &["low", "medium", "high"],
        &[
            0.005, 0.006, 0.006, 0.011, 0.015, 0.015, 0.036, 0.052, 0.052,
        ],
        0.003,
        Some(TokenPrices {
            text_input: 2.0,
            image_input: 2.5,
            image_output: 8.0,
        }),
    );
    vec![dalle2, dalle3, gpt_image_1, gpt_image_1_mini]
}

/// Looks a model up in the table.
pub fn find_model(id: &str) -> Option<ModelPrices> {
    price_table().into_iter().find(|m| m.id == id)
}

/// Whether `id` names a paid provider model.
pub fn is_provider_model(id: &str) -> bool {
    price_table().iter().any(|m| m.id == id)
}

/// Largest `n` a request may ask for.
pub const MAX_N: u32 = 10;

/// Prices a request. `size`/`quality` of `None` or `"auto"` take the most expensive choice
/// (the provider decides, so the reservation must cover the worst case).
pub fn estimate(
    model: &str,
    operation: Operation,
    size: Option<&str>,
    quality: Option<&str>,
    n: u32,
    input_images: u32,
) -> Result<Estimate> {
    let prices = find_model(model).ok_or_else(|| {
        let known: Vec<&str> = price_table().iter().map(|m| m.id).collect();
        Error::BadRequest(format!(
            "`{model}` is not a known paid model (known: {}); its cost cannot be estimated",
            known.join(", ")
        ))
    })?;
    if !prices.operations.contains(&operation) {
        return Err(Error::BadRequest(format!(
            "model `{model}` does not support {}s",
            operation.as_str()
        )));
    }
    if !(1..=MAX_N).contains(&n) {
        return Err(Error::BadRequest(format!(
            "`n` must be within 1..={MAX_N}, got {n}"
        )));
    }
    let pick =
        |given: Option<&str>, options: &[&'static str], default: &'static str, what: &str| {
            match given {
                None => Ok(vec![default]),
                Some("auto") => Ok(options.to_vec()),
                Some(v) => match options.iter().find(|o| **o == v) {
                    Some(o) => Ok(vec![*o]),
                    None => Err(Error::BadRequest(format!(
                        "model `{model}` has no {what} `{v}` (choose one of: {})",
                        options.join(", ")
                    ))),
                },
            }
        };
    let sizes = pick(size, &prices.sizes, prices.default_size, "size")?;
    let qualities = pick(
        quality,
        &prices.qualities,
        prices.default_quality,
        "quality",
    )?;
    let mut worst: Option<(&str, &str, f64)> = None;
    for s in &sizes {
        for q in &qualities {
            if let Some(p) = prices.prices.get(&format!("{s}/{q}"))
                && worst.is_none_or(|(_, _, w)| *p > w)
            {
                worst = Some((s, q, *p));
            }
        }
    }
    let (size, quality, per_image) = worst.ok_or_else(|| {
        Error::BadRequest(format!(
            "model `{model}` has no price for this size and quality"
        ))
    })?;
    let inputs = if operation == Operation::Edit {
        f64::from(input_images) * prices.input_image_usd
    } else {
        0.0
    };
    Ok(Estimate {
        model: model.to_owned(),
        operation,
        size: size.to_owned(),
        quality: quality.to_owned(),
        n,
        micros: usd_to_micros(per_image * f64::from(n) + inputs),
    })
}

/// The actual cost of a call: from the reported token usage when the model bills by tokens
/// and the provider reported it, otherwise the estimate.
pub fn settled_cost(estimate: &Estimate, usage: Option<&Usage>) -> u64 {
    match (find_model(&estimate.model).and_then(|m| m.tokens), usage) {
        (Some(prices), Some(usage)) if usage.output_tokens > 0 => token_cost_micros(&prices, usage),
        _ => estimate.micros,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_prices_are_estimated() {
        let e = estimate("dall-e-2", Operation::Edit, Some("512x512"), None, 2, 1).unwrap();
        assert_eq!(e.micros, 36_000);
        let e = estimate(
            "dall-e-3",
            Operation::Generation,
            Some("1792x1024"),
            Some("hd"),
            1,
            0,
        )
        .unwrap();
        assert_eq!(e.micros, 120_000);
        let e = estimate("gpt-image-1", Operation::Generation, None, None, 1, 0).unwrap();
        assert_eq!(
            (e.size.as_str(), e.quality.as_str(), e.micros),
            ("1024x1024", "medium", 42_000)
        );
    }

    #[test]
    fn auto_prices_the_worst_case_and_edits_add_inputs() {
        let e = estimate(
            "gpt-image-1",
            Operation::Edit,
            Some("auto"),
            Some("auto"),
            1,
            2,
        )
        .unwrap();
        assert_eq!(e.micros, usd_to_micros(0.25 + 2.0 * 0.011));
    }

    #[test]
    fn unknown_things_are_refused_not_free() {
        assert!(estimate("gpt-9", Operation::Edit, None, None, 1, 1).is_err());
        assert!(estimate("dall-e-3", Operation::Edit, None, None, 1, 1).is_err());
        assert!(estimate("dall-e-2", Operation::Edit, Some("640x480"), None, 1, 1).is_err());
        assert!(estimate("dall-e-2", Operation::Edit, None, Some("hd"), 1, 1).is_err());
        assert!(estimate("dall-e-2", Operation::Edit, None, None, 0, 1).is_err());
        assert!(estimate("dall-e-2", Operation::Edit, None, None, 11, 1).is_err());
    }

    #[test]
    fn usage_settles_token_billed_models() {
        let e = estimate("gpt-image-1", Operation::Edit, None, Some("low"), 1, 1).unwrap();
        let usage = Usage {
            input_tokens: 300,
            output_tokens: 272,
            input_tokens_details: crate::providers::InputTokenDetails {
                text_tokens: 20,
                image_tokens: 280,
            },
        };
        // 20 × 5 + 280 × 10 + 272 × 40 = 13,780 micro-dollars.
        assert_eq!(settled_cost(&e, Some(&usage)), 13_780);
        assert_eq!(settled_cost(&e, None), e.micros);
        let d = estimate("dall-e-2", Operation::Edit, None, None, 1, 1).unwrap();
        assert_eq!(settled_cost(&d, Some(&usage)), d.micros);
    }
}
