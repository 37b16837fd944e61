//! Writes every target's seeds to `DIR/<target>/seed-N` (libFuzzer's corpus folders).
//! Usage: `cargo run -p fuzzing --example seeds -- DIR`.

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    for &target in fuzzing::TARGETS {
        let folder = dir.join(target);
        std::fs::create_dir_all(&folder)?;
        for (i, seed) in fuzzing::seeds(target).iter().enumerate() {
            std::fs::write(folder.join(format!("seed-{i}")), seed)?;
        }
    }
    Ok(())
}
