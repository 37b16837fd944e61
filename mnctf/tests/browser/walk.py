"""Walks the case studies of `mnctf up`'s portal in a real browser, as policy staff would:
Debian's chromium through chromedriver (Selenium), headless, the virtual card in the local
helper. Each step checks what the page says in Japanese, and that the visible text holds no
Rust Debug text and no raw URN; a screenshot is saved per page.

Usage: walk.py PORTAL_URL SCREENSHOT_DIR. Prints one line per check; exit status 0 when
every walk went as described, 1 otherwise.
"""

import os
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


def clean(d, where):
    text = visible(d)
    bad = [p for p in ["Some(", "None", "urn:", "[\""] if p in text]
    check(not bad, f"{where}: no Debug text or raw URN on the page {bad}")


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


def catv(d):
    start(d, "catv.set-top-box-reaches-government-sps")
    wait_for(d, lambda d: d.find_elements(By.CSS_SELECTOR, "a.upstream"), "the other authentication desk is offered")
    d.find_element(By.CSS_SELECTOR, "a.upstream").click()
    pin(d)
    wait_for(d, lambda d: "ログインしています" in visible(d), "the government portal through the CATV operator")
    check("行政ポータル" in visible(d), "the portal names itself in Japanese")
    shot(d, "6-catv-logged-in")


for walk in [sso,
             lambda d: refused(d, "sso.revoked-card-refused", "失効", "5-revoked-card"),
             lambda d: refused(d, "sso.expired-card-refused", "有効期限", "5-expired-card"),
             lambda d: refused(d, "sso.untrusted-card-refused", "確認できませんでした", "5-look-alike-ca"),
             lambda d: refused(d, "sso.pin-blocked", "ロックされています", "5-pin-blocked"),
             catv,
             bank]:
    d = browser()
    try:
        walk(d)
    except Exception as e:  # a missing element: say which walk and what the page said
        check(False, f"{getattr(walk, '__name__', 'walk')}: {type(e).__name__}: {e}"[:300])
    finally:
        d.quit()

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
