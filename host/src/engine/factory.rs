//! Creates erase models by name from the catalogue.

use mend_models::InpaintModel;
use mend_models::catalogue;
use mend_models::cv2::Cv2Model;

use crate::{Error, Result};

/// Fails unless `name` is a model this build can load right now.
pub fn check_available(name: &str) -> Result<()> {
    let entry = catalogue::find(name).ok_or_else(|| Error::UnknownModel(name.to_owned()))?;
    if !entry.implemented {
        return Err(Error::ModelUnavailable {
            name: name.to_owned(),
            reason: "this build of mend cannot run it yet (the neural model runtime is not part \
                     of this version); use `cv2`"
                .to_owned(),
        });
    }
    Ok(())
}

/// Creates the model called `name`.
pub fn create(name: &str) -> Result<Box<dyn InpaintModel>> {
    check_available(name)?;
    match name {
        "cv2" => Ok(Box::new(Cv2Model)),
        other => Err(Error::ModelUnavailable {
            name: other.to_owned(),
            reason: "no loader for this model".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cv2_is_created_and_others_are_refused_with_the_right_error() {
        assert_eq!(
            create("cv2").map(|m| m.name().to_owned()).ok().as_deref(),
            Some("cv2")
        );
        assert!(matches!(
            create("lama"),
            Err(Error::ModelUnavailable { .. })
        ));
        assert!(matches!(create("nope"), Err(Error::UnknownModel(_))));
    }
}
