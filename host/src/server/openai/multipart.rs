//! Reading OpenAI's multipart forms (`/v1/images/edits`, `/v1/images/variations`) into the
//! request structs, with OpenAI-shaped errors: a body that is not multipart is a 400, one
//! over `--max-body-bytes` a 413 (axum's multipart reader honours the body limit).

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;

use super::error::{OpenAiError, OpenAiResult};
use super::request::{
    EditRequest, ResponseFormat, Upload, VariationRequest, parse_compression, parse_n,
};

/// Field names that always carry files.
const FILE_FIELDS: [&str; 3] = ["image", "image[]", "mask"];

/// A read form: files in order, and text fields (the last value of a repeated name wins).
#[derive(Debug, Default)]
pub struct Form {
    files: Vec<(String, Upload)>,
    texts: BTreeMap<String, String>,
}

impl Form {
    /// Reads every part of a `multipart/form-data` body.
    pub async fn read<S: Send + Sync>(req: Request, state: &S) -> OpenAiResult<Self> {
        let mut multipart = Multipart::from_request(req, state).await.map_err(|e| {
            OpenAiError::invalid(
                format!(
                    "This endpoint expects a multipart/form-data body: {}",
                    e.body_text()
                ),
                None,
            )
        })?;
        let mut form = Self::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e.status(), &e.body_text())),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let is_file = filename.is_some() || FILE_FIELDS.contains(&name.as_str());
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e.status(), &e.body_text()))?;
            if is_file {
                form.files.push((
                    name,
                    Upload {
                        bytes,
                        filename,
                        content_type,
                    },
                ));
            } else {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    OpenAiError::invalid(format!("Field '{name}' is not UTF-8 text."), Some(&name))
                })?;
                form.texts.insert(name, text);
            }
        }
        Ok(form)
    }

    /// Removes and returns the text field `name`.
    fn take(&mut self, name: &str) -> Option<String> {
        self.texts.remove(name)
    }

    /// Removes and returns every file named one of `names`, in order.
    fn take_files(&mut self, names: &[&str]) -> Vec<Upload> {
        let (taken, kept) = std::mem::take(&mut self.files)
            .into_iter()
            .partition::<Vec<_>, _>(|(n, _)| names.contains(&n.as_str()));
        self.files = kept;
        taken.into_iter().map(|(_, u)| u).collect()
    }

    /// Fails on a file part mend does not know (a typo such as `images` would otherwise be
    /// ignored silently).
    fn no_other_files(&self) -> OpenAiResult<()> {
        match self.files.first() {
            Some((name, _)) => Err(OpenAiError::invalid(
                format!("Unexpected file field '{name}'."),
                Some(name),
            )),
            None => Ok(()),
        }
    }

    /// The form as an edit request.
    pub fn into_edit(mut self) -> OpenAiResult<EditRequest> {
        let images = self.take_files(&["image", "image[]"]);
        let mut masks = self.take_files(&["mask"]);
        self.no_other_files()?;
        if masks.len() > 1 {
            return Err(OpenAiError::invalid(
                "Only one 'mask' may be sent.",
                Some("mask"),
            ));
        }
        Ok(EditRequest {
            images,
            mask: masks.pop(),
            prompt: self.take("prompt"),
            model: self.take("model").filter(|m| !m.is_empty()),
            n: parse_n(self.take("n").as_deref())?,
            size: self.take("size"),
            quality: self.take("quality"),
            response_format: ResponseFormat::parse(self.take("response_format").as_deref())?,
            user: self.take("user"),
            output_format: self.take("output_format"),
            output_compression: parse_compression(self.take("output_compression").as_deref())?,
            background: self.take("background"),
            extra: self.texts,
        })
    }

    /// The form as a variation request.
    pub fn into_variation(mut self) -> OpenAiResult<VariationRequest> {
        let mut images = self.take_files(&["image"]);
        self.no_other_files()?;
        if images.len() > 1 {
            return Err(OpenAiError::invalid(
                "Only one 'image' may be sent.",
                Some("image"),
            ));
        }
        Ok(VariationRequest {
            image: images.pop(),
            model: self.take("model").filter(|m| !m.is_empty()),
            n: parse_n(self.take("n").as_deref())?,
            size: self.take("size"),
            response_format: ResponseFormat::parse(self.take("response_format").as_deref())?,
            user: self.take("user"),
            extra: self.texts,
        })
    }
}

/// A multipart read error: 413 for the body limit, 400 for malformed bodies.
fn multipart_error(status: StatusCode, text: &str) -> OpenAiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        OpenAiError::new(
            status,
            super::error::INVALID_REQUEST,
            "The request body is larger than the server's limit (--max-body-bytes).",
            None,
            Some("request_too_large"),
        )
    } else {
        OpenAiError::invalid(format!("Malformed multipart body: {text}"), None)
    }
}
