//! The fuzz targets on every test run (a short smoke; `scripts/fuzz` runs them under
//! libFuzzer for longer): every target has seeds, and neither a seed nor any of its
//! mutations (bit flips, cuts, inserted and repeated bytes, from a fixed-seed generator,
//! so a failure repeats) makes a target panic or take long.

use std::time::{Duration, Instant};

/// xorshift64*: a fixed sequence, so a failing mutation can be found again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `seed`.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(d.len() + 1);
        match rng.below(6) {
            0 if !d.is_empty() => {
                let i = at.min(d.len() - 1);
                d[i] ^= 1 << rng.below(8);
            }
            1 => d.truncate(at),
            2 => d.insert(at, rng.next() as u8),
            3 => {
                let end = (at + rng.below(64)).min(d.len());
                let chunk = d[at.min(end)..end].to_vec();
                for _ in 0..rng.below(50) {
                    d.splice(at..at, chunk.iter().copied());
                }
            }
            4 => d.insert(at, *b"<>\"'=&%\0/".get(rng.below(9)).unwrap_or(&0)),
            _ if !d.is_empty() => {
                let i = at.min(d.len() - 1);
                d.remove(i);
            }
            _ => {}
        }
    }
    d
}

#[test]
fn every_target_survives_its_seeds_and_their_mutations() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for &target in fuzzing::TARGETS {
        let seeds = fuzzing::seeds(target);
        assert!(!seeds.is_empty(), "{target} has no seeds");
        let started = Instant::now();
        for seed in &seeds {
            assert!(fuzzing::run(target, seed) || !seed.is_empty());
            for _ in 0..150 {
                let input = mutate(seed, &mut rng);
                let one = Instant::now();
                fuzzing::run(target, &input);
                assert!(
                    one.elapsed() < Duration::from_secs(2),
                    "{target} took {:?} on an input of {} bytes",
                    one.elapsed(),
                    input.len()
                );
            }
        }
        println!("{target}: {} seeds, {:?}", seeds.len(), started.elapsed());
    }
}

/// The seeds are what the parties make, so each target's checks accept them all the way:
/// a target that refused its own seeds would fuzz only its first lines.
#[test]
fn every_seed_is_accepted_all_the_way() {
    for &target in fuzzing::TARGETS {
        for (i, seed) in fuzzing::seeds(target).iter().enumerate() {
            assert!(fuzzing::run(target, seed), "{target}: seed {i} is refused");
        }
    }
}
