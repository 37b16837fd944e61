//! The login page people see: it asks the local card helper (as JPKI client software
//! does with a real card) to sign the platform's challenge with the PIN typed here.

use trust_framework::saml::xml::escape;

use crate::sessions::LoginTx;

/// The login page for a transaction; `upstreams` are the card IdPs a user may
/// authenticate the card at instead (e.g. a CATV operator's set-top box).
pub fn login(tx: &LoginTx, helper: &str, upstreams: &[String]) -> String {
    let others: String = upstreams
        .iter()
        .map(|u| {
            format!(
                r#"<li><a class="upstream" href="/login/upstream?tx={}&amp;idp={}">{}</a></li>"#,
                escape(&tx.id),
                escape(&percent_encode(u)),
                escape(u)
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
<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto}}#error{{color:#b00}}</style></head>
<body>
<h1>マイナンバーカードでログイン</h1>
<p>Log in with your My Number Card to <b id="sp">{sp}</b>.</p>
<p>カードをカードリーダーに置き、利用者証明用電子証明書の暗証番号（4桁）を入力してください。<br>
Put the card on the reader and enter the 4-digit user-authentication PIN.</p>
<form id="login"><label>暗証番号 / PIN <input id="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="4" pattern="[0-9]{{4}}" required></label>
<button type="submit">ログイン / Log in</button></form>
<p id="error" role="alert"></p>
<p><a id="return" href="/sso/return?tx={tx_attr}">ログインせずにサービスに戻る / Return to the service without logging in</a></p>
{others}
<script>
const tx = {tx_json};
const helper = {helper_json};
async function post(url, body) {{
  const r = await fetch(url, {{method: "POST", headers: {{"content-type": "application/json"}}, body: JSON.stringify(body)}});
  const j = await r.json().catch(() => ({{error: "HTTP " + r.status}}));
  if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
  return j;
}}
document.getElementById("login").addEventListener("submit", async (ev) => {{
  ev.preventDefault();
  document.getElementById("error").textContent = "";
  try {{
    const c = await post("/card-login/challenge", {{tx}});
    const card = await post(helper + "/sign", {{challenge: c.challenge, pin: document.getElementById("pin").value}});
    const a = await post("/card-login/answer", {{tx, nonce: c.nonce, certificate: card.certificate, signature: card.signature}});
    location.href = a.continue;
  }} catch (e) {{
    document.getElementById("error").textContent = e.message;
  }}
}});
</script>
</body></html>"#,
        sp = escape(tx.sp.as_str()),
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
