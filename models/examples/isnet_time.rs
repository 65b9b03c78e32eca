//! Times IS-Net (RMBG-1.4's network) on the CPU backend: `isnet_time WEIGHTS [SIDE…]`
//! (default sides 512 1024). Use released-size random weights from
//! `models/scripts/gen_isnet_fixture.py --full` when the real file is not at hand.

use std::time::Instant;

use mend_models::device::ComputeDevice;
use mend_models::isnet::IsNet;
use mend_models::tensor_map::HostTensor;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let weights = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: isnet_time WEIGHTS [SIDE…]"))?;
    let mut sides: Vec<usize> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if sides.is_empty() {
        sides = vec![512, 1024];
    }
    let map = mend_models::weights::load_state_dict(std::path::Path::new(&weights))?;
    let device = ComputeDevice::cpu();
    let net = IsNet::from_state_dict(&map, device.device())?;
    for side in sides {
        let input = HostTensor::new(vec![1, 3, side, side], vec![0.1; 3 * side * side])?;
        let t = Instant::now();
        let out = net.run(&input)?;
        println!(
            "{side}x{side}: {:.2} s (output {:?})",
            t.elapsed().as_secs_f64(),
            out.shape
        );
    }
    Ok(())
}
