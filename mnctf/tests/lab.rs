//! The lab (`lab/README.md`): each pair of a real vulnerable release and its first fixed
//! release, confirmed with the advisory's own recipe, must be told apart by the plan: the
//! vulnerable release FAILs a test of the advisory's class, the fixed one none of them.
//! `lab/install` (run by scripts/test) installs the releases; the reports of this run are
//! in `target/tmp/lab/`.

use mnctf::lab;

#[tokio::test(flavor = "multi_thread")]
async fn every_confirmed_pair_is_told_apart() {
    let pairs = lab::pairs().unwrap();
    assert!(pairs.len() >= 11, "{} pairs in lab/pairs", pairs.len());
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lab");
    let mut missed = Vec::new();
    let mut scored = 0;
    for pair in pairs.iter().filter(|p| p.confirmed && !p.tests.is_empty()) {
        let s = lab::run_pair(pair, false, &out)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:#} (is the lab installed? lab/install)", pair.id));
        scored += 1;
        if !s.told_apart() {
            missed.push(format!(
                "{}: vulnerable FAILED {:?}, fixed FAILED {:?}, preflight {:?}, not run {:?}",
                pair.id, s.vulnerable_failed, s.fixed_failed, s.preflight, s.inconclusive
            ));
        }
    }
    assert!(scored >= 11, "only {scored} pairs were scored");
    assert!(
        missed.is_empty(),
        "pairs not told apart:\n{}",
        missed.join("\n")
    );
}

/// Every pair names releases the lab has, and a pair not scored says why.
#[test]
fn the_pairs_are_well_formed() {
    let releases = lab::lab_dir().join("releases");
    for p in lab::pairs().unwrap() {
        for r in [&p.vulnerable, &p.fixed] {
            let dir = releases.join(r);
            assert!(
                dir.join("install").exists() && dir.join("sp").exists(),
                "{}: no release {r}",
                p.id
            );
        }
        if !p.confirmed || p.tests.is_empty() {
            assert!(
                p.why.as_deref().is_some_and(|w| !w.is_empty()),
                "{} is not scored and does not say why",
                p.id
            );
        }
        assert!(
            lab::lab_dir()
                .join("pairs")
                .join(&p.id)
                .join("confirm")
                .exists(),
            "{}: no confirm",
            p.id
        );
    }
}
