//! The login page people see: it asks the local card helper (as JPKI client software
//! does with a real card) to sign the platform's challenge with the PIN typed here.

use trust_framework::saml::xml::escape;

use crate::notice::Notice;
use crate::sessions::LoginTx;

const TV_STYLE: &str = "body{background:#0b1a2a;color:#f0f4f8;max-width:52em;font-size:1.25em;border:14px solid #222;border-radius:18px;padding:1.5em 2em}.en{color:#9fb3c8}a{color:#8ecbff}#device{background:#1f3a56;padding:.5em 1em;border-radius:8px}input,button{font-size:1.2em}";
const STYLE: &str = "body{font-family:'Noto Sans CJK JP',sans-serif;max-width:40em;margin:3em auto;line-height:1.6}#error{color:#b00}.en{color:#555}details{color:#555;font-size:0.9em}";

/// The platform's own address.
pub fn home() -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>個人認証プラットフォーム / Personal authentication platform</title><style>{STYLE}</style></head>
<body><h1>個人認証プラットフォーム <span class="en">/ Personal authentication platform</span></h1>
<p>マイナンバーカードで、行政機関や金融機関などのサービスにログインするための窓口です。ログインは、ご利用になるサービスの画面から始めてください。<br>
<span class="en" lang="en">This is where you log in to government, banking and other services with your My Number Card. Start the login at the service you want to use.</span></p>
<p class="en"><a href="/metadata">SAML metadata</a> (for service operators)</p>
</body></html>"#
    )
}

/// An address the platform does not serve.
pub fn not_found() -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>ページが見つかりません / Page not found</title><style>{STYLE}</style></head>
<body><h1>ページが見つかりません <span class="en">/ Page not found</span></h1>
<p id="error">このアドレスのページはありません。<br><span class="en" lang="en">There is no page at this address.</span></p>
<p id="todo">ご利用のサービスの画面から、もう一度ログインを始めてください。<br><span class="en" lang="en">Start the login again from the service you were using.</span></p>
<p><a href="/">個人認証プラットフォームについて / About the platform</a></p>
</body></html>"#
    )
}

/// A refusal: what happened and what to do (Japanese, English beside it), and the
/// technical reason folded away for the service desk.
pub fn refusal((h_ja, h_en): (&str, &str), notice: &Notice, detail: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>{h_ja} / {h_en}</title><style>{STYLE}</style></head>
<body><h1>{h_ja} <span class="en">/ {h_en}</span></h1>
<p id="error">{ja}<br><span class="en" lang="en">{en}</span></p>
<h2>どうすればよいか <span class="en">/ What to do</span></h2>
<p id="todo">{todo_ja}<br><span class="en" lang="en">{todo_en}</span></p>
<details><summary>技術的な詳細（お問い合わせの際にお伝えください） / Technical details</summary><p id="detail">{detail}</p></details>
</body></html>"#,
        ja = escape(notice.ja),
        en = escape(notice.en),
        todo_ja = escape(notice.todo_ja),
        todo_en = escape(notice.todo_en),
        detail = escape(detail),
        h_ja = escape(h_ja),
        h_en = escape(h_en),
    )
}

/// A professional's qualification registered (proxy model 1); `back` leads to the
/// service they came from, when it is one of the federation's.
pub fn registered(q: &trust_framework::x509::Qualification, back: Option<&str>) -> String {
    let back = back
        .map(|url| {
            format!(
                r#"<p><a id="back" href="{}">サービスに戻る <span class="en">/ Back to the service</span></a></p>"#,
                escape(url)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>資格を登録しました / Qualification registered</title><style>{STYLE}</style></head>
<body><h1>資格を登録しました <span class="en">/ Qualification registered</span></h1>
<p id="message">{p}（登録番号 {n}）としての資格を、ログインに使ったマイナンバーカードに結び付けました。代理申請のためにログインすると、サービスにこの資格が伝えられます。<br>
<span class="en" lang="en">Your qualification as {p} (registration number {n}) is now bound to the My Number Card you logged in with. When you log in for a proxy application, the service is told of it.</span></p>
<table><tr><th>資格 <span class="en">/ profession</span></th><td>{p}</td></tr><tr><th>登録番号 <span class="en">/ registration number</span></th><td>{n}</td></tr><tr><th>登録した団体 <span class="en">/ body</span></th><td>{b}</td></tr></table>
{back}
<details><summary>技術的な情報 / Technical details</summary><pre id="result">REGISTERED: {p}
REGISTRATION NUMBER: {n}
BODY: {b}</pre></details>
</body></html>"#,
        p = escape(&q.profession),
        n = escape(&q.registration_number),
        b = escape(&q.body),
    )
}

/// Asks before ending the session (a link from another site must not log anyone out):
/// a form posting `token` back.
pub fn logout_confirm(token: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>ログアウトしますか / Log out?</title><style>{STYLE}</style></head>
<body><h1>ログアウトしますか <span class="en">/ Log out?</span></h1>
<p id="message">個人認証プラットフォームと、このログインで利用したすべてのサービスからログアウトします。<br><span class="en" lang="en">You will be logged out of the platform and of every service you used with this login.</span></p>
<form id="logout" method="post" action="/logout"><input type="hidden" name="token" value="{token}"><button type="submit">ログアウトする / Log out</button></form>
</body></html>"#,
        token = escape(token),
    )
}

/// The login page for a transaction; `sp_name` is the service's name for people
/// (Japanese, English) when its metadata gives one; `upstreams` are the card IdPs a user
/// may authenticate the card at instead (e.g. a CATV operator's set-top box).
pub fn login(
    tx: &LoginTx,
    sp_name: Option<(&str, &str)>,
    helper: &str,
    upstreams: &[(String, Option<(String, String)>)],
    on_tv: bool,
) -> String {
    // A CATV operator's IdP shows its page on the television, through the set-top box.
    let (tv_style, tv_banner) = if on_tv {
        (
            TV_STYLE,
            r#"<p id="device">セットトップボックスの画面です。リモコンの数字ボタンで暗証番号を入力してください。<br><span class="en" lang="en">This is the set-top box's screen: enter the PIN with the remote's number keys.</span></p>"#,
        )
    } else {
        ("", "")
    };
    let sp = match sp_name {
        Some((ja, en)) => format!(
            r#"{}<span class="en" lang="en"> / {}</span>"#,
            escape(ja),
            escape(en)
        ),
        None => escape(tx.sp.as_str()),
    };
    let others: String = upstreams
        .iter()
        .map(|(u, name)| {
            let label = match name {
                Some((ja, en)) => format!(r#"{}<span class="en" lang="en"> / {}</span>"#, escape(ja), escape(en)),
                None => escape(u),
            };
            format!(
                r#"<li><a class="upstream" href="/login/upstream?tx={}&amp;idp={}">{label}</a></li>"#,
                escape(&tx.id),
                escape(&percent_encode(u)),
            )
        })
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!("<p>ほかの認証窓口 / Authenticate the card elsewhere:</p><ul>{others}</ul>")
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>マイナンバーカードでログイン / Log in with your My Number Card</title>
<style>{STYLE}{tv_style}</style></head>
<body>
{tv_banner}
<h1>マイナンバーカードでログイン <span class="en">/ Log in with your My Number Card</span></h1>
<p>ログイン先 <span class="en">/ Logging in to</span>: <b id="sp">{sp}</b></p>
<p>カードをカードリーダーに置き、利用者証明用電子証明書の暗証番号（4桁）を入力してください。<br>
Put the card on the reader and enter the 4-digit user-authentication PIN.</p>
<form id="login"><label>暗証番号 / PIN <input id="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="4" pattern="[0-9]{{4}}" required></label>
<button type="submit">ログイン / Log in</button></form>
<p id="error" role="alert"></p>
<p id="todo"></p>
<p><a id="return" href="/sso/return?tx={tx_attr}">ログインせずにサービスに戻る / Return to the service without logging in</a></p>
{others}
<script>
const tx = {tx_json};
const helper = {helper_json};
async function post(url, body) {{
  const r = await fetch(url, {{method: "POST", headers: {{"content-type": "application/json"}}, body: JSON.stringify(body)}});
  const j = await r.json().catch(() => ({{error: "HTTP " + r.status}}));
  if (!r.ok) {{
    const e = new Error(j.error || ("HTTP " + r.status));
    e.notice = j.notice;
    throw e;
  }}
  return j;
}}
document.getElementById("login").addEventListener("submit", async (ev) => {{
  ev.preventDefault();
  document.getElementById("error").textContent = "";
  document.getElementById("todo").textContent = "";
  try {{
    const c = await post("/card-login/challenge", {{tx}});
    const card = await post(helper + "/sign", {{challenge: c.challenge, pin: document.getElementById("pin").value}});
    const a = await post("/card-login/answer", {{tx, nonce: c.nonce, certificate: card.certificate, signature: card.signature}});
    location.href = a.continue;
  }} catch (e) {{
    // People read the notice (what happened, what to do); the technical reason follows.
    const n = e.notice || {{ja: "ログインできませんでした。", en: "The login did not succeed.", todo_ja: "もう一度お試しください。", todo_en: "Please try again."}};
    document.getElementById("error").textContent = n.ja + " / " + n.en + " (" + e.message + ")";
    document.getElementById("todo").textContent = n.todo_ja + " / " + n.todo_en;
  }}
}});
</script>
</body></html>"#,
        sp = sp,
        tx_json = serde_json::Value::String(tx.id.clone()),
        tx_attr = escape(&percent_encode(&tx.id)),
        helper_json = serde_json::Value::String(helper.to_owned()),
        others = others,
    )
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
