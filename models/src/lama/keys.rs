//! The generator's state-dict inventory (every float tensor's key and shape, spec 2.1) and a
//! random state dict with that inventory for benchmarks and tests.

use crate::tensor_map::{HostTensor, TensorMap};

use super::config::LamaConfig;

/// Prefix of every generator tensor in the traced release.
pub const KEY_PREFIX: &str = "model.generator.model.";

/// Every float tensor of the generator (`num_batches_tracked` left out): full key and shape,
/// in the order the network uses them. big-lama has 837.
pub fn state_dict_shapes(c: &LamaConfig) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    let mut convs: Vec<(String, [usize; 4])> = Vec::new();
    let mut bns: Vec<(String, usize)> = Vec::new();
    let mut biases: Vec<(String, usize)> = Vec::new();

    convs.push((
        "1.ffc.convl2l".into(),
        [c.down_channels(None), c.input_nc, 7, 7],
    ));
    bns.push(("1.bn_l".into(), c.down_channels(None)));
    for i in 0..c.n_downsampling {
        let idx = 2 + i;
        let (cin, cout) = (c.down_channels(i.checked_sub(1)), c.down_channels(Some(i)));
        if i + 1 < c.n_downsampling {
            convs.push((format!("{idx}.ffc.convl2l"), [cout, cin, 3, 3]));
            bns.push((format!("{idx}.bn_l"), cout));
        } else {
            let (cl, cg) = (c.local_channels(), c.global_channels());
            convs.push((format!("{idx}.ffc.convl2l"), [cl, cin, 3, 3]));
            convs.push((format!("{idx}.ffc.convl2g"), [cg, cin, 3, 3]));
            bns.push((format!("{idx}.bn_l"), cl));
            bns.push((format!("{idx}.bn_g"), cg));
        }
    }
    let (cl, cg) = (c.local_channels(), c.global_channels());
    for b in 0..c.n_blocks {
        for j in ["conv1", "conv2"] {
            let k = format!("{}.{j}", c.first_block_index() + b);
            convs.push((format!("{k}.ffc.convl2l"), [cl, cl, 3, 3]));
            convs.push((format!("{k}.ffc.convl2g"), [cg, cl, 3, 3]));
            convs.push((format!("{k}.ffc.convg2l"), [cl, cg, 3, 3]));
            convs.push((format!("{k}.ffc.convg2g.conv1.0"), [cg / 2, cg, 1, 1]));
            bns.push((format!("{k}.ffc.convg2g.conv1.1"), cg / 2));
            convs.push((format!("{k}.ffc.convg2g.fu.conv_layer"), [cg, cg, 1, 1]));
            bns.push((format!("{k}.ffc.convg2g.fu.bn"), cg));
            convs.push((format!("{k}.ffc.convg2g.conv2"), [cg, cg / 2, 1, 1]));
            bns.push((format!("{k}.bn_l"), cl));
            bns.push((format!("{k}.bn_g"), cg));
        }
    }
    for i in 0..c.n_downsampling {
        let idx = c.up_index(i);
        let (cin, cout) = c.up_channels(i);
        convs.push((idx.to_string(), [cin, cout, 3, 3]));
        biases.push((idx.to_string(), cout));
        bns.push(((idx + 1).to_string(), cout));
    }
    convs.push((
        c.head_index().to_string(),
        [c.output_nc, c.down_channels(None), 7, 7],
    ));
    biases.push((c.head_index().to_string(), c.output_nc));

    for (k, shape) in convs {
        out.push((format!("{KEY_PREFIX}{k}.weight"), shape.to_vec()));
    }
    for (k, n) in biases {
        out.push((format!("{KEY_PREFIX}{k}.bias"), vec![n]));
    }
    for (k, n) in bns {
        for p in ["weight", "bias", "running_mean", "running_var"] {
            out.push((format!("{KEY_PREFIX}{k}.{p}"), vec![n]));
        }
    }
    out
}

/// A state dict with [`state_dict_shapes`] filled deterministically from `seed`: conv weights
/// uniform with variance `1 / fan_in`, BN statistics near identity (`γ, σ² ∈ [0.5, 1.5]`,
/// `β, μ ∈ [−0.1, 0.1]`). For benchmarks and tests; the output is meaningless.
pub fn random_state_dict(c: &LamaConfig, seed: u64) -> TensorMap {
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut uniform = move || {
        // xorshift64*, mapped to [0, 1).
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let v = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (v >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut map = TensorMap::new();
    for (key, shape) in state_dict_shapes(c) {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = if shape.len() == 4 {
            let fan_in = (n / shape[0]) as f32;
            let a = (3.0 / fan_in).sqrt();
            (0..n).map(|_| (uniform() * 2.0 - 1.0) * a).collect()
        } else if key.ends_with("running_var") || key.ends_with(".weight") {
            (0..n).map(|_| 0.5 + uniform()).collect()
        } else {
            (0..n).map(|_| uniform() * 0.2 - 0.1).collect()
        };
        // Shapes and data always agree here.
        map.insert(key, HostTensor { shape, data });
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_lama_inventory_matches_the_spec() {
        let shapes = state_dict_shapes(&LamaConfig::big_lama());
        assert_eq!(shapes.len(), 837);
        let params: usize = shapes
            .iter()
            .filter(|(k, _)| !k.ends_with("running_mean") && !k.ends_with("running_var"))
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        assert_eq!(params, 50_975_875);
        assert!(shapes.contains(&(
            "model.generator.model.24.weight".into(),
            vec![512, 256, 3, 3]
        )));
        assert!(shapes.contains(&(
            "model.generator.model.22.conv2.ffc.convg2g.fu.conv_layer.weight".into(),
            vec![384, 384, 1, 1]
        )));
    }
}
