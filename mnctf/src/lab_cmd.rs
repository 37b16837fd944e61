//! `mnctf lab`: the SP plan against the lab's pairs of vulnerable and fixed releases
//! (installed by `lab/install`), each pair's verdict on the advisory's class, and the
//! table (`docs/conformance/lab.md` is one such run, with `--full`).

use std::path::PathBuf;

use clap::Args;
use mnctf::lab;

#[derive(Args)]
pub struct Lab {
    /// Only the pairs whose id starts with one of these.
    #[arg(long)]
    pair: Vec<String>,
    /// Run the whole plan on each release, not only the class's tests.
    #[arg(long)]
    full: bool,
    /// Where the reports and the table (lab.md) go.
    #[arg(long, default_value = "out/lab")]
    out: PathBuf,
    /// Also rewrite the table between the markers of this document
    /// (docs/conformance/lab.md).
    #[arg(long)]
    doc: Option<PathBuf>,
}

pub fn run(args: Lab) -> anyhow::Result<bool> {
    let wanted = |id: &str| args.pair.is_empty() || args.pair.iter().any(|p| id.starts_with(p));
    let (confirmed, unconfirmed): (Vec<_>, Vec<_>) = lab::pairs()?
        .into_iter()
        .filter(|p| wanted(&p.id))
        .partition(|p| p.confirmed && !p.tests.is_empty());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut scored = Vec::new();
    for pair in &confirmed {
        let s = runtime.block_on(lab::run_pair(pair, args.full, &args.out))?;
        println!(
            "{:<4} {:<36} vulnerable FAILED {:?}; fixed FAILED {:?}",
            if s.told_apart() { "yes" } else { "NO" },
            pair.id,
            s.vulnerable_failed,
            s.fixed_failed
        );
        scored.push(s);
    }
    for p in &unconfirmed {
        println!(
            "--   {:<36} not run: not confirmed ({})",
            p.id,
            p.why.as_deref().unwrap_or("no tests named")
        );
    }
    std::fs::create_dir_all(&args.out)?;
    let table = lab::table(&scored, &unconfirmed);
    std::fs::write(args.out.join("lab.md"), &table)?;
    if let Some(doc) = &args.doc {
        let text = std::fs::read_to_string(doc)?;
        std::fs::write(doc, lab::with_table(&text, &table)?)?;
        println!("rewrote the table of {}", doc.display());
    }
    println!("table: {}", args.out.join("lab.md").display());
    Ok(scored.iter().all(lab::Scored::told_apart))
}
