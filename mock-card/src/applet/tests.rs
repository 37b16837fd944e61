use std::sync::OnceLock;

use proptest::prelude::*;
use rand_core::SeedableRng;
use rsa::{traits::PublicKeyParts, Pkcs1v15Sign, RsaPrivateKey};

use super::*;
use crate::image::KeyAndCertificate;

fn test_key() -> RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        RsaPrivateKey::new(&mut rng, 2048).expect("test key")
    })
    .clone()
}

/// A DER-looking blob of `len` content bytes: `30 82 LL LL` and filler.
fn fake_der(len: u16, fill: u8) -> Vec<u8> {
    let mut v = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
    v.extend(std::iter::repeat_n(fill, usize::from(len)));
    v
}

fn image(with_signature: bool) -> CardImage {
    let pair = |fill| KeyAndCertificate {
        certificate: fake_der(900, fill),
        ca_certificate: fake_der(700, fill + 1),
        key: test_key(),
    };
    CardImage::new(
        pair(0xA0),
        with_signature.then(|| pair(0xB0)),
        fake_der(700, 0xB1),
        Pin::unchecked("1234"),
        Pin::unchecked("ABC123"),
    )
}

fn card() -> JpkiCard {
    JpkiCard::new(image(true))
}

fn sw(card: &mut JpkiCard, apdu: &[u8]) -> StatusWord {
    card.process(apdu).sw
}

fn select_ap(card: &mut JpkiCard) {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
    apdu.extend_from_slice(&AID_JPKI);
    assert_eq!(sw(card, &apdu), StatusWord::OK);
}

fn select_ef(card: &mut JpkiCard, fid: u16) -> StatusWord {
    let [hi, lo] = fid.to_be_bytes();
    sw(card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo])
}

fn verify(card: &mut JpkiCard, pin_fid: u16, pin: &[u8]) -> StatusWord {
    assert_eq!(select_ef(card, pin_fid), StatusWord::OK);
    let mut apdu = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
    apdu.extend_from_slice(pin);
    sw(card, &apdu)
}

fn sign_apdu(data: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x80, 0x2A, 0x00, 0x80, data.len() as u8];
    apdu.extend_from_slice(data);
    apdu.push(0x00);
    apdu
}

#[test]
fn rejects_select_of_unknown_aid() {
    let mut card = card();
    assert_eq!(
        sw(
            &mut card,
            &[0x00, 0xA4, 0x04, 0x00, 0x06, 0xA0, 0, 0, 0, 0x01, 0x01]
        ),
        StatusWord::FILE_NOT_FOUND
    );
    assert_eq!(
        sw(
            &mut card,
            &[0x00, 0xA4, 0x04, 0x0C, 0x06, 0xD2, 0x76, 0, 1, 0x24, 1, 0]
        ),
        StatusWord::FILE_NOT_FOUND
    );
}

#[test]
fn rejects_foreign_instructions_and_classes() {
    let mut card = card();
    assert_eq!(
        sw(&mut card, &[0x00, 0xCA, 0xDF, 0x30, 0x05]),
        StatusWord::INS_NOT_SUPPORTED
    );
    assert_eq!(
        sw(
            &mut card,
            &[0x00, 0xCB, 0x3F, 0xFF, 0x03, 0x5C, 0x01, 0x7E, 0x08]
        ),
        StatusWord::INS_NOT_SUPPORTED
    );
    assert_eq!(
        sw(&mut card, &[0x0C, 0xA4, 0x04, 0x0C]),
        StatusWord::CLA_NOT_SUPPORTED
    );
    assert_eq!(
        sw(&mut card, &[0x80, 0xB0, 0x00, 0x00, 0x04]),
        StatusWord::CLA_NOT_SUPPORTED
    );
}

#[test]
fn selects_efs_only_inside_the_ap() {
    let mut card = card();
    assert_eq!(select_ef(&mut card, 0x000A), StatusWord::FILE_NOT_FOUND);
    select_ap(&mut card);
    for fid in [
        0x0001, 0x0002, 0x0006, 0x0008, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B,
    ] {
        assert_eq!(select_ef(&mut card, fid), StatusWord::OK, "fid {fid:04X}");
    }
    assert_eq!(select_ef(&mut card, 0x3F00), StatusWord::FILE_NOT_FOUND);
}

#[test]
fn select_mf_answers_like_real_cards() {
    let mut card = card();
    assert_eq!(
        sw(&mut card, &[0x00, 0xA4, 0x00, 0x00]),
        StatusWord::INCORRECT_P1P2
    );
    select_ap(&mut card);
    assert_eq!(sw(&mut card, &[0x00, 0xA4, 0x00, 0x00]), StatusWord::OK);
    assert_eq!(
        select_ef(&mut card, 0x000A),
        StatusWord::OK,
        "the AP stays current"
    );
}

#[test]
fn reads_certificates_in_chunks_as_opensc_does() {
    let mut card = card();
    select_ap(&mut card);
    select_ef(&mut card, 0x000A);
    let head = card.process(&[0x00, 0xB0, 0x00, 0x00, 0x04]);
    assert_eq!(head.data, vec![0x30, 0x82, 0x03, 0x84]);
    let size = 4 + usize::from(u16::from_be_bytes([head.data[2], head.data[3]]));
    let mut all = Vec::new();
    while all.len() < size {
        let [hi, lo] = (all.len() as u16).to_be_bytes();
        let le = (size - all.len()).min(256);
        let r = card.process(&[0x00, 0xB0, hi, lo, if le == 256 { 0 } else { le as u8 }]);
        assert_eq!(r.sw, StatusWord::OK);
        all.extend(r.data);
    }
    assert_eq!(all, fake_der(900, 0xA0));
    let [hi, lo] = (size as u16).to_be_bytes();
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, hi, lo, 0x10]),
        StatusWord::WRONG_OFFSET
    );
}

#[test]
fn read_without_ef_key_or_pin_is_refused() {
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
        StatusWord::NO_CURRENT_EF
    );
    for fid in [0x0017, 0x0018, 0x001A, 0x001B] {
        select_ef(&mut card, fid);
        assert_eq!(
            sw(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
            StatusWord::INCOMPATIBLE_FILE
        );
    }
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, 0x80, 0x00, 0x04]),
        StatusWord::INCORRECT_P1P2
    );
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, 0x00, 0x00]),
        StatusWord::WRONG_LENGTH
    );
}

#[test]
fn signature_certificate_needs_the_signature_pin() {
    let mut card = card();
    select_ap(&mut card);
    select_ef(&mut card, 0x0001);
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
        StatusWord::SECURITY_NOT_SATISFIED
    );
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    select_ef(&mut card, 0x0001);
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
        StatusWord::SECURITY_NOT_SATISFIED,
        "the auth PIN does not open it"
    );
    assert_eq!(verify(&mut card, 0x001B, b"ABC123"), StatusWord::OK);
    select_ef(&mut card, 0x0001);
    assert_eq!(
        card.process(&[0x00, 0xB0, 0x00, 0x00, 0x04]).data,
        vec![0x30, 0x82, 0x03, 0x84]
    );
}

#[test]
fn token_info_and_presence_files() {
    let mut card = card();
    select_ap(&mut card);
    select_ef(&mut card, 0x0006);
    let label = card.process(&[0x00, 0xB0, 0x00, 0x00, 0x20]).data;
    assert_eq!(label, b"JPKIAPICCTOKEN2                 ");
    select_ef(&mut card, 0x0008);
    assert_eq!(
        card.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]).data,
        vec![0x8F, 0x8F, 0x00]
    );
    let mut minor = JpkiCard::new(image(false));
    select_ap(&mut minor);
    select_ef(&mut minor, 0x0008);
    assert_eq!(
        minor.process(&[0x00, 0xB0, 0x00, 0x00, 0x00]).data,
        vec![0x00, 0x8F, 0x00]
    );
}

#[test]
fn empty_verify_reports_tries_left_with_sw1_63() {
    let mut card = card();
    select_ap(&mut card);
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, &[0x00, 0x20, 0x00, 0x80]), StatusWord(0x63C3));
    select_ef(&mut card, 0x001B);
    assert_eq!(sw(&mut card, &[0x00, 0x20, 0x00, 0x80]), StatusWord(0x63C5));
    select_ef(&mut card, 0x000A);
    assert_eq!(
        sw(&mut card, &[0x00, 0x20, 0x00, 0x80]),
        StatusWord::NO_CURRENT_EF
    );
}

#[test]
fn three_wrong_auth_pins_block_and_blocked_keeps_sw1_63_on_query() {
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(verify(&mut card, 0x0018, b"0000"), StatusWord(0x63C2));
    assert_eq!(verify(&mut card, 0x0018, b"0000"), StatusWord(0x63C1));
    assert_eq!(verify(&mut card, 0x0018, b"0000"), StatusWord(0x63C0));
    assert_eq!(
        verify(&mut card, 0x0018, b"1234"),
        StatusWord::REFERENCE_DATA_NOT_USABLE
    );
    assert_eq!(sw(&mut card, &[0x00, 0x20, 0x00, 0x80]), StatusWord(0x63C0));
    assert_eq!(
        verify(&mut card, 0x001B, b"ABC123"),
        StatusWord::OK,
        "the other PIN is independent"
    );
}

#[test]
fn blocked_answer_is_configurable() {
    let mut img = image(true);
    img.blocked_answer = BlockedAnswer::AuthMethodBlocked;
    img.auth_pin = PinSlot::new(PinKind::UserAuthentication, Pin::unchecked("1234"), 0);
    let mut card = JpkiCard::new(img);
    select_ap(&mut card);
    assert_eq!(
        verify(&mut card, 0x0018, b"1234"),
        StatusWord::AUTH_METHOD_BLOCKED
    );
}

#[test]
fn counters_survive_reset_and_security_state_does_not() {
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(verify(&mut card, 0x0018, b"9999"), StatusWord(0x63C2));
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    assert_eq!(verify(&mut card, 0x0018, b"9999"), StatusWord(0x63C2));
    card.reset();
    assert_eq!(card.tries_left(PinKind::UserAuthentication), 2);
    select_ap(&mut card);
    select_ef(&mut card, 0x0017);
    assert_eq!(
        sw(&mut card, &sign_apdu(&[1; 51])),
        StatusWord::SECURITY_NOT_SATISFIED
    );
}

#[test]
fn select_ap_clears_verified_state() {
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    select_ap(&mut card);
    select_ef(&mut card, 0x0017);
    assert_eq!(
        sw(&mut card, &sign_apdu(&[1; 51])),
        StatusWord::SECURITY_NOT_SATISFIED
    );
}

#[test]
fn signs_a_digest_info_with_pkcs1_v15_after_the_pin() {
    use sha2::{Digest, Sha256};
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    select_ef(&mut card, 0x0017);
    let digest = Sha256::digest(b"challenge");
    let mut digest_info = vec![
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    digest_info.extend_from_slice(&digest);
    let r = card.process(&sign_apdu(&digest_info));
    assert_eq!(r.sw, StatusWord::OK);
    assert_eq!(r.data.len(), 256);
    let public = test_key().to_public_key();
    public
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &r.data)
        .expect("the signature verifies as RSASSA-PKCS1-v1_5 SHA-256");
    assert_eq!(public.size(), 256);
    // OpenSSL signs for the card: the very bytes the `rsa` crate makes.
    let reference = test_key()
        .sign(Pkcs1v15Sign::new_unprefixed(), &digest_info)
        .unwrap();
    assert_eq!(r.data, reference);
}

#[test]
fn signature_key_needs_its_own_pin() {
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    select_ef(&mut card, 0x001A);
    assert_eq!(
        sw(&mut card, &sign_apdu(&[1; 51])),
        StatusWord::SECURITY_NOT_SATISFIED
    );
    assert_eq!(verify(&mut card, 0x001B, b"ABC123"), StatusWord::OK);
    select_ef(&mut card, 0x001A);
    assert_eq!(sw(&mut card, &sign_apdu(&[1; 51])), StatusWord::OK);
}

#[test]
fn signing_checks_key_selection_length_and_parameters() {
    let mut card = card();
    select_ap(&mut card);
    assert_eq!(
        sw(&mut card, &sign_apdu(&[1; 51])),
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    select_ef(&mut card, 0x0017);
    assert_eq!(
        sw(&mut card, &sign_apdu(&[1; 246])),
        StatusWord::WRONG_LENGTH
    );
    assert_eq!(
        sw(&mut card, &[0x80, 0x2A, 0x00, 0x80, 0x00]),
        StatusWord::WRONG_LENGTH
    );
    assert_eq!(
        sw(&mut card, &[0x80, 0x2A, 0x01, 0x80, 0x01, 0x01, 0x00]),
        StatusWord::INCORRECT_P1P2
    );
    assert_eq!(sw(&mut card, &sign_apdu(&[1; 245])), StatusWord::OK);
}

#[test]
fn card_without_signature_certificate_has_no_signature_key() {
    let mut card = JpkiCard::new(image(false));
    select_ap(&mut card);
    assert_eq!(verify(&mut card, 0x001B, b"ABC123"), StatusWord::OK);
    select_ef(&mut card, 0x0001);
    assert_eq!(
        sw(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
        StatusWord::WRONG_OFFSET
    );
    select_ef(&mut card, 0x001A);
    assert_eq!(
        sw(&mut card, &sign_apdu(&[1; 51])),
        StatusWord::REFERENCED_DATA_NOT_FOUND
    );
}

#[test]
fn changes_a_pin_only_after_verify_and_only_to_a_valid_one() {
    let mut card = card();
    select_ap(&mut card);
    select_ef(&mut card, 0x0018);
    assert_eq!(
        sw(
            &mut card,
            &[0x00, 0x24, 0x01, 0x80, 0x04, b'4', b'3', b'2', b'1']
        ),
        StatusWord::SECURITY_NOT_SATISFIED
    );
    assert_eq!(verify(&mut card, 0x0018, b"1234"), StatusWord::OK);
    assert_eq!(
        sw(&mut card, &[0x00, 0x24, 0x01, 0x80, 0x03, b'4', b'3', b'2']),
        StatusWord::WRONG_DATA
    );
    assert_eq!(
        sw(
            &mut card,
            &[0x00, 0x24, 0x01, 0x80, 0x04, b'4', b'3', b'2', b'1']
        ),
        StatusWord::OK
    );
    assert_eq!(verify(&mut card, 0x0018, b"4321"), StatusWord::OK);
}

fn well_formed(resp: &[u8]) -> bool {
    let Some((data, sw)) = resp.split_last_chunk::<2>() else {
        return false;
    };
    let sw = StatusWord(u16::from_be_bytes(*sw));
    // Data comes only with 90 00; every error is one of the words the applet defines.
    if sw != StatusWord::OK {
        return data.is_empty()
            && (sw.sw1() == 0x63 && sw.sw2() & 0xF0 == 0xC0
                || [
                    0x6700, 0x6981, 0x6982, 0x6983, 0x6984, 0x6985, 0x6986, 0x6A80, 0x6A82, 0x6A86,
                    0x6A88, 0x6B00, 0x6D00, 0x6E00,
                ]
                .contains(&sw.0));
    }
    true
}

fn apdu_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // Mostly-valid headers reach deeper into the state machine.
        (
            prop::sample::select(vec![0x00u8, 0x80]),
            prop::sample::select(vec![0xA4u8, 0xB0, 0x20, 0x24, 0x2A]),
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..260)
        )
            .prop_map(|(cla, ins, p1, p2, tail)| [vec![cla, ins, p1, p2], tail].concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_apdus_get_a_well_formed_status_word(apdus in proptest::collection::vec(apdu_strategy(), 1..20)) {
        let mut card = card();
        select_ap(&mut card);
        for apdu in apdus {
            let resp = card.transmit(&apdu);
            prop_assert!(well_formed(&resp), "apdu {} -> {}", hex::encode(&apdu), hex::encode(&resp));
        }
    }

    #[test]
    fn pin_counter_invariants_hold(attempts in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>()), 1..40)) {
        let mut card = card();
        select_ap(&mut card);
        let mut model = 3u8;
        for (correct, reset, query) in attempts {
            if reset { card.reset(); select_ap(&mut card); }
            if query {
                select_ef(&mut card, 0x0018);
                prop_assert_eq!(sw(&mut card, &[0x00, 0x20, 0x00, 0x80]), StatusWord::tries_left(model));
            }
            let got = verify(&mut card, 0x0018, if correct { b"1234" } else { b"0000" });
            let expected = match (model, correct) {
                (0, _) => StatusWord::REFERENCE_DATA_NOT_USABLE,
                (_, true) => { model = 3; StatusWord::OK }
                (_, false) => { model -= 1; StatusWord::tries_left(model) }
            };
            prop_assert_eq!(got, expected);
            prop_assert!(card.tries_left(PinKind::UserAuthentication) <= 3);
            prop_assert_eq!(card.tries_left(PinKind::UserAuthentication), model);
        }
    }
}
