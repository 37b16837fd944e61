//! Floods from one client (issue 21, items 1 and 4), each from its own loopback address
//! (127.0.0.2) while a citizen logs in from another (127.0.0.3): the flooder can only
//! take its own share of the stores and of the connections, and half-sent requests are
//! closed. The shares are what matters: with the stores as they were (a planted defect),
//! the same flood locks the citizen out.

mod common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use common::{card_login, interpret, Lab, Outcome};
use idp::config::Limits;
use mock_ca::PersonaId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The citizen's login from 127.0.0.3: its outcome.
async fn citizen(lab: &Lab) -> Outcome {
    let b = from("127.0.0.3");
    let (url, _) = lab.login_url(0, |_| {});
    match interpret(b.get(url).send().await.unwrap()).await {
        Outcome::Login { tx } => match card_login(lab, &b, &tx, PersonaId::Valid).await {
            Ok(next) => interpret(b.get(next).send().await.unwrap()).await,
            Err((status, body)) => Outcome::Error { status, body },
        },
        other => other,
    }
}

/// 300 logins started and never finished, from 127.0.0.2.
async fn unfinished_logins(lab: &Lab) {
    let flooder = from("127.0.0.2");
    for _ in 0..300 {
        let (url, _) = lab.login_url(0, |_| {});
        let _ = flooder.get(url).send().await.unwrap();
    }
}

fn small(per_client: usize) -> impl FnOnce(&mut idp::IdpConfig) {
    move |c| {
        c.limits = Limits {
            entries: 100,
            logins_per_client: per_client,
            ..Limits::default()
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_unfinished_logins_takes_only_the_flooders_share() {
    let lab = Lab::start_with(small(20)).await;
    unfinished_logins(&lab).await;
    assert!(
        matches!(citizen(&lab).await, Outcome::Response { .. }),
        "the citizen logs in during the flood"
    );
}

/// The stores as they were (planted: shared by all, refusing when full): the same flood
/// locks the citizen out.
#[cfg(feature = "planted-defects")]
#[tokio::test(flavor = "multi_thread")]
async fn with_shared_stores_the_same_flood_locks_the_citizen_out() {
    let lab = Lab::start_with(|c| {
        small(20)(c);
        c.defects.shared_stores = true;
    })
    .await;
    unfinished_logins(&lab).await;
    match citizen(&lab).await {
        Outcome::Error { status, .. } => assert_eq!(status, 503),
        other => panic!("expected the lock-out the shares prevent: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn many_logins_with_one_card_keep_only_that_cards_share_of_sessions() {
    let lab = Lab::start_with(|c| {
        c.limits = Limits {
            entries: 30,
            sessions_per_person: 4,
            ..Limits::default()
        }
    })
    .await;
    let mut first = None;
    for i in 0..40 {
        let b = from("127.0.0.2");
        let (url, _) = lab.login_url(0, |_| {});
        let Outcome::Login { tx } = interpret(b.get(url).send().await.unwrap()).await else {
            panic!("login {i}: the card is asked")
        };
        card_login(&lab, &b, &tx, PersonaId::Renewed).await.unwrap();
        first.get_or_insert(b);
    }
    assert!(
        matches!(citizen(&lab).await, Outcome::Response { .. }),
        "another person still logs in"
    );
    let b = first.unwrap();
    let (url, _) = lab.login_url(1, |_| {});
    assert!(
        matches!(
            interpret(b.get(url).send().await.unwrap()).await,
            Outcome::Login { .. }
        ),
        "the card's oldest session gave way"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn half_sent_requests_are_closed_and_do_not_stop_logins() {
    let lab = Lab::start().await;
    let addr = lab.idp_url.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..300 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        match socket.connect(addr.parse().unwrap()).await {
            Ok(mut s) => {
                let _ = s.write_all(b"GET /sso?SAMLRequest=").await;
                held.push(s);
            }
            Err(_) => break,
        }
    }
    assert!(
        matches!(citizen(&lab).await, Outcome::Response { .. }),
        "a login while 300 half-sent requests hang"
    );
    // Past the head timeout (2 s in the lab) every one of them is closed.
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut open = 0;
    for mut s in held {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut buf = [0u8; 256];
        let closed = loop {
            match tokio::time::timeout(left, s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break true,
                Ok(Ok(_)) => continue,
                Err(_) => break false,
            }
        };
        if !closed {
            open += 1;
        }
    }
    assert_eq!(
        open, 0,
        "half-sent requests still open after the head timeout"
    );
}
