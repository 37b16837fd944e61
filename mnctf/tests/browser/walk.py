"""Walks the case studies of `mnctf up`'s portal in a real browser, as policy staff would:
Debian's chromium through chromedriver (Selenium), headless, the virtual card in the local
helper. Each step checks what the page says in Japanese, and that the visible text holds no
Rust Debug text and no raw URN; a screenshot is saved per page.

Usage: walk.py PORTAL_URL SCREENSHOT_DIR. Prints one line per check; exit status 0 when
every walk went as described, 1 otherwise.
"""

import os
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

PORTAL, SHOTS = sys.argv[1], sys.argv[2]
PIN = "1234"
failures = []


def browser():
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
              "--no-first-run", "--lang=ja"]:
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def visible(d):
    return d.find_element(By.TAG_NAME, "body").text


def japanese(text):
    return any("\u3041" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


def clean(d, where):
    text = visible(d)
    bad = [p for p in ["Some(", "None", "urn:", "[\"", "TF-"] if p in text]
    check(not bad, f"{where}: no Debug text, raw URN or requirement id on the page {bad}")
    said = next((e.text for e in d.find_elements(By.CSS_SELECTOR, "#message, #error") if e.text), text)
    check(japanese(said.split("/")[0]), f"{where}: the page speaks Japanese first: {said[:80]!r}")


def wait_for(d, predicate, what, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if predicate(d):
                return True
        except Exception:  # the page is changing under us
            pass
        time.sleep(0.1)
    check(False, f"{what} (waited {timeout} s; the page says: {visible(d)[:300]!r})")
    return False


def shot(d, name):
    d.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def start(d, walk):
    d.get(PORTAL)
    d.find_element(By.CSS_SELECTOR, f"section[id='{walk}'] button").click()


def pin(d):
    wait_for(d, lambda d: d.find_elements(By.ID, "pin"), "the platform's login page asks for the PIN")
    d.find_element(By.ID, "pin").send_keys(PIN)
    d.find_element(By.CSS_SELECTOR, "#login button").click()


def sso(d):
    start(d, "sso.one-card-many-sps")
    wait_for(d, lambda d: "マイナンバーカードでログイン" in visible(d), "the login page")
    check("電子申請システム" in visible(d), "the login page names the service in Japanese")
    clean(d, "login page")
    shot(d, "1-login-page")
    pin(d)
    wait_for(d, lambda d: "ログインしています" in visible(d), "logged in at the e-application system")
    check("電子申請システム" in visible(d), "the service's page is in Japanese")
    clean(d, "e-application page")
    shot(d, "2-e-application-logged-in")
    messages(d)
    d.get(PORTAL)
    d.find_element(By.PARTIAL_LINK_TEXT, "行政ポータル").click()
    wait_for(d, lambda d: "ログインしています" in visible(d), "the government portal without a second card operation")
    check("pin" not in d.page_source or "ログインしています" in visible(d), "no PIN asked at the second service")
    shot(d, "3-portal-no-second-card")
    d.get(PORTAL)
    d.find_element(By.PARTIAL_LINK_TEXT, "ログアウト").click()
    wait_for(d, lambda d: "ログアウトしました" in visible(d), "logged out of every service")
    clean(d, "logout page")
    shot(d, "4-logged-out")


def messages(d):
    """The live view of what passed underneath: the login's messages drawn and decoded."""
    d.get(PORTAL + "/messages")
    wait_for(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages li")) >= 4, "the messages page lists the login's exchanges")
    drawing = d.find_element(By.CSS_SELECTOR, "#live svg")
    check(drawing.size["height"] > 100, "the exchanges are drawn as a sequence")
    said = drawing.get_attribute("innerHTML")
    for what in ["個人認証プラットフォーム", "電子申請システム", "AuthnRequest", "Response"]:
        check(what in said, f"the drawing shows {what}")
    response = [e for e in d.find_elements(By.CSS_SELECTOR, "#messages li") if "(Response)" in e.text]
    check(bool(response), "a SAML Response is listed")
    if response:
        response[0].find_element(By.TAG_NAME, "summary").click()
        check("Assertion" in response[0].text, "opening it shows the Response decoded")
    shot(d, "2a-messages-underneath")


def refused(d, walk, says, name):
    start(d, walk)
    pin(d)
    wait_for(d, lambda d: says in d.find_element(By.ID, "error").text, f"{walk}: the refusal says {says!r}")
    error = d.find_element(By.ID, "error").text
    check(any("\u3041" <= c <= "\u30ff" for c in error.split("/")[0]), f"{walk}: the refusal speaks Japanese first: {error!r}")
    todo = d.find_element(By.ID, "todo").text
    generic = "もう一度お試しください" in todo
    check(len(todo) > 10 and not generic, f"{walk}: the page says what to do: {todo!r}")
    clean(d, f"{walk} refusal")
    shot(d, name)
    # The way back: the service hears that the login failed.
    d.find_element(By.ID, "return").click()
    wait_for(d, lambda d: "ログインできませんでした" in visible(d), f"{walk}: the service says the login failed")
    clean(d, f"{walk} service page")


def bank(d):
    start(d, "bank.pay-the-fee-without-a-second-card-operation")
    pin(d)
    wait_for(d, lambda d: d.find_elements(By.ID, "link"), "the bank asks to link an account the first time")
    d.find_element(By.NAME, "account").send_keys("0012345")
    d.find_element(By.NAME, "password").send_keys("bank-pass-1")
    d.find_element(By.CSS_SELECTOR, "#link button").click()
    wait_for(d, lambda d: "連携しました" in visible(d), "the account is linked")
    d.get(PORTAL + "/messages")
    wait_for(d, lambda d: "/link" in visible(d), "the messages page shows the account link")
    check("bank-pass-1" not in d.page_source, "the messages page does not show the bank password")
    d.get(PORTAL)
    d.find_element(By.ID, "apply").click()
    wait_for(d, lambda d: d.find_elements(By.ID, "apply"), "the application form, with no card operation")
    clean(d, "application form")
    shot(d, "7-application-form")
    d.find_element(By.CSS_SELECTOR, "#apply button").click()
    wait_for(d, lambda d: "申請を受け付けました" in visible(d), "the application is filed")
    d.find_element(By.CSS_SELECTOR, "#pay button").click()
    wait_for(d, lambda d: "お支払いの確認" in visible(d), "the bank shows the payment to confirm, no card operation")
    check("電子申請システム" in visible(d), "the bank names the payee as people know it")
    shot(d, "8-bank-confirm")
    d.find_element(By.CSS_SELECTOR, "#confirm button").click()
    wait_for(d, lambda d: "納付済み" in visible(d), "the e-application system has the bank's notice: paid")
    clean(d, "paid page")
    shot(d, "9-paid")
    # The failure variant: a second application's request, its amount altered on the way.
    d.get(PORTAL)
    d.find_element(By.ID, "apply").click()
    wait_for(d, lambda d: d.find_elements(By.ID, "apply"), "a second application form")
    d.find_element(By.CSS_SELECTOR, "#apply button").click()
    wait_for(d, lambda d: "申請を受け付けました" in visible(d), "the second application is filed")
    d.get(PORTAL + "/variants/tampered-amount")
    wait_for(d, lambda d: "書き換え" in visible(d), "the portal shows the altered payment request")
    shot(d, "9a-tampered-request")
    d.find_element(By.CSS_SELECTOR, "#pay button").click()
    wait_for(d, lambda d: "書き換えられたおそれ" in visible(d), "the bank refuses the altered request, saying why")
    clean(d, "bank refusal of an altered request")
    shot(d, "9b-tampered-refused")


def user_number(d):
    m = re.search(r"利用者番号は (\S+) です", visible(d))
    return m.group(1) if m else None


def renewal(d):
    start(d, "renewal.renewed-card-keeps-the-name-ids")
    pin(d)
    wait_for(d, lambda d: "ログインしています" in visible(d), "the card before renewal logs in (40 days ago)")
    before = user_number(d)
    check(before is not None, f"the service shows the user number: {before}")
    shot(d, "15-renewal-before")
    d.get(PORTAL)
    check("40日前" in d.find_element(By.ID, "today").text, "the portal says the federation is 40 days back")
    d.find_element(By.CSS_SELECTOR, "button[data-path='/variants/renewed-today']").click()
    pin(d)
    wait_for(d, lambda d: "ログインしています" in visible(d), "the renewed card logs in today")
    after = user_number(d)
    check(before is not None and before == after, f"the same user number after renewal: {before} then {after}")
    clean(d, "after renewal")
    shot(d, "16-renewal-after")


def file_for_client(d, procedure, model):
    wait_for(d, lambda d: d.find_elements(By.ID, "proxy"), f"{model}: the proxy application form")
    check("確認されました" in d.find_element(By.ID, "message").text, f"{model}: the form says the qualification is confirmed")
    clean(d, f"{model} proxy form")
    d.find_element(By.CSS_SELECTOR, f"input[value='{procedure}']").click()
    d.find_element(By.CSS_SELECTOR, "#proxy button").click()
    wait_for(d, lambda d: "代理申請を受け付けました" in visible(d), f"{model}: the proxy application is filed")
    clean(d, f"{model} filed")


def model1(d):
    start(d, "proxy.model1-register-at-the-platform-and-file")
    pin(d)
    wait_for(d, lambda d: "資格が登録されていません" in visible(d), "model 1: before registering, the service says no qualification is registered")
    clean(d, "model 1 before registering")
    shot(d, "10-model1-not-registered")
    d.get(PORTAL + "/shigyo/platform")
    wait_for(d, lambda d: "司法書士の署名ソフト" in visible(d), "model 1: the signing software")
    shot(d, "11-model1-signing-software")
    d.find_element(By.CSS_SELECTOR, "#register button").click()
    wait_for(d, lambda d: "資格を登録しました" in visible(d), "model 1: the platform registered the qualification")
    clean(d, "model 1 registered")
    shot(d, "12-model1-registered")
    d.find_element(By.ID, "back").click()
    file_for_client(d, "commercial-registration", "model 1")
    shot(d, "13-model1-filed")
    # Someone else's card under this qualification: the platform refuses.
    d.get(PORTAL + "/shigyo/platform?other=1")
    d.find_element(By.CSS_SELECTOR, "#register button").click()
    wait_for(d, lambda d: "資格を登録できません" in visible(d), "model 1: someone else's card is refused")
    clean(d, "model 1 other card refused")
    shot(d, "13a-model1-other-card")


def model2(d):
    start(d, "proxy.model2-register-at-the-authority-and-file")
    wait_for(d, lambda d: "税理士会の登録ソフト" in visible(d), "model 2: the registration software")
    d.find_element(By.NAME, "pin").send_keys(PIN)
    shot(d, "17-model2-software")
    d.find_element(By.CSS_SELECTOR, "#register button").click()
    wait_for(d, lambda d: "税理士会に登録しました" in visible(d), "model 2: registered at the authority")
    clean(d, "model 2 registered")
    d.find_element(By.ID, "onward").click()
    pin(d)
    file_for_client(d, "corporate-tax-return", "model 2")
    check("属性認証機関" in visible(d), "model 2: the authority confirmed the qualification")
    shot(d, "18-model2-filed")
    # The authority down: the qualification is not confirmed, the application refused.
    d.get(PORTAL)
    d.find_element(By.CSS_SELECTOR, "button[data-path='/variants/authority-down']").click()
    wait_for(d, lambda d: "止めました" in visible(d), "model 2: the authority is down")
    d.find_element(By.PARTIAL_LINK_TEXT, "代理申請用にログイン").click()
    wait_for(d, lambda d: "確認できませんでした" in visible(d), "model 2: with the authority down the service cannot confirm the qualification")
    clean(d, "model 2 authority down")
    shot(d, "19-model2-authority-down")
    d.get(PORTAL)
    d.find_element(By.CSS_SELECTOR, "button[data-path='/variants/authority-up']").click()
    wait_for(d, lambda d: "動いています" in visible(d), "model 2: the authority is back")
    # Someone else's card at the authority: refused.
    d.get(PORTAL + "/shigyo/authority?other=1")
    d.find_element(By.NAME, "pin").send_keys(PIN)
    d.find_element(By.CSS_SELECTOR, "#register button").click()
    wait_for(d, lambda d: "登録できませんでした" in visible(d), "model 2: someone else's card is refused")
    check("違う" in visible(d), "model 2: the refusal says the card is not the one checked")
    clean(d, "model 2 other card refused")


def picker(d):
    d.get(PORTAL)
    select = d.find_element(By.CSS_SELECTOR, "#card select")
    select.find_element(By.CSS_SELECTOR, "option[value='tax-accountant']").click()
    d.find_element(By.CSS_SELECTOR, "#card button").click()
    wait_for(d, lambda d: "税理士のカード" in d.find_element(By.ID, "inserted").text, "the persona picker puts the 税理士's card on the reader")
    clean(d, "portal")
    d.get(PORTAL)
    shot(d, "0-portal")


def catv(d):
    start(d, "catv.set-top-box-reaches-government-sps")
    wait_for(d, lambda d: d.find_elements(By.CSS_SELECTOR, "a.upstream"), "the other authentication desk is offered")
    d.find_element(By.CSS_SELECTOR, "a.upstream").click()
    wait_for(d, lambda d: d.find_elements(By.ID, "device"), "the CATV operator's page shows on the set-top box")
    check("セットトップボックス" in d.find_element(By.ID, "device").text, "the page says it is the set-top box's screen")
    shot(d, "6a-set-top-box")
    pin(d)
    wait_for(d, lambda d: "ログインしています" in visible(d), "the government portal through the CATV operator")
    check("行政ポータル" in visible(d), "the portal names itself in Japanese")
    shot(d, "6-catv-logged-in")


def stale(d):
    """Mistyped, cut or stale addresses get a page in people's words, not a blank error."""
    d.get(PORTAL)
    eapp = d.find_element(By.ID, "apply").get_attribute("href").rsplit("/apply", 1)[0]
    bank = d.find_element(By.PARTIAL_LINK_TEXT, "インターネットバンキング").get_attribute("href").rsplit("/link", 1)[0]
    platform = d.find_element(By.PARTIAL_LINK_TEXT, "個人認証プラットフォーム").get_attribute("href").rstrip("/")
    for url, says in [(eapp + "/no-such-page", "ページはありません"),
                      (bank + "/no-such-page", "ページはありません"),
                      (platform + "/login", "ログイン"),
                      (platform + "/no-such-page", "ページはありません"),
                      (PORTAL + "/no-such-page", "ページはありません")]:
        d.get(url)
        wait_for(d, lambda d: says in visible(d), f"{url.split('//')[1].split('/', 1)[1]}: a page in people's words")
        clean(d, url.split("//")[1].split("/", 1)[1])


for walk in [sso,
             lambda d: refused(d, "sso.revoked-card-refused", "失効", "5-revoked-card"),
             lambda d: refused(d, "sso.expired-card-refused", "有効期限", "5-expired-card"),
             lambda d: refused(d, "sso.untrusted-card-refused", "確認できませんでした", "5-look-alike-ca"),
             lambda d: refused(d, "sso.pin-blocked", "ロックされています", "5-pin-blocked"),
             catv,
             bank,
             renewal,
             model1,
             model2,
             picker,
             stale]:
    d = browser()
    try:
        walk(d)
    except Exception as e:  # a missing element: say which walk and what the page said
        check(False, f"{getattr(walk, '__name__', 'walk')}: {type(e).__name__}: {e}"[:300])
    finally:
        d.quit()

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
