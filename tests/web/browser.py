"""browser.py - tbm-web in headless chromium, driven by browser.sh.

Each check says what it found; the first failure raises and the test fails.
Values recorded by the web are read back with `tbmctl show --json`.
"""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["URL"]
ALARM = int(os.environ["ALARM"])
ESTOP = int(os.environ["ESTOP"])
SHOTS = os.environ["SHOTS"]
XSS_NOTE = "<script>alert('note')</script>到现场<b>查看</b>"
LABEL = "<img src=x onerror=alert(1)>主轴报警"
DEVICE = '数控车床 <script>alert("dev")</script>'


def ok(what):
    print("ok:", what, flush=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    ok(what)


def tbmctl(*args):
    out = subprocess.run([os.environ["TBMCTL"], "-c", os.environ["CONF"], *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def show(fid):
    return tbmctl("show", str(fid), "--json")


class Client:
    """A plain HTTP client with its own cookies, for what a browser will not send."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                              self.NoRedirect)

    def req(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            r = self.op.open(urllib.request.Request(URL + path, data=body), timeout=10)
            return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def login(self, name, pw):
        _, _, page = self.req("/login")
        tok = re.search(rb'name="csrf" value="([0-9a-f]{32})"', page).group(1).decode()
        return self.req("/login", {"csrf": tok, "name": name, "password": pw})

    def token(self, path="/"):
        _, _, page = self.req(path)
        return re.search(rb'name="csrf" value="([0-9a-f]{32})"', page).group(1).decode()


def bearer(path, key):
    """A program's GET with an account's key, no cookies."""
    r = urllib.request.Request(URL + path, headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def no_alert(d, where):
    try:
        a = d.switch_to.alert
        raise AssertionError("%s: a script ran (alert '%s')" % (where, a.text))
    except NoAlertPresentException:
        ok("%s: no alert" % where)


def no_hscroll(d, name):
    sw = d.execute_script("return document.documentElement.scrollWidth")
    iw = d.execute_script("return window.innerWidth")
    d.save_screenshot(os.path.join(SHOTS, "%s-390.png" % name))
    check(sw <= iw, "%s at 390 px: no horizontal scroll (scrollWidth %d, window %d)" % (name, sw, iw))


def click(d, how, what):
    """Clicks a submit button or a link and waits for the next page to load."""
    d.execute_script("window.tbmOldPage = true")
    d.find_element(how, what).click()
    WebDriverWait(d, 10).until(lambda x: x.execute_script(
        "return !window.tbmOldPage && document.readyState === 'complete'"))


def login(d, name, pw):
    d.get(URL + "/login")
    d.find_element(By.ID, "name").send_keys(name)
    d.find_element(By.ID, "password").send_keys(pw)
    click(d, By.ID, "do-login")


def post_replay(d, selector):
    """Submits the form like the browser would, twice, as a retry over bad Wi-Fi does."""
    return d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const f = document.querySelector(arguments[0]);
        const body = new URLSearchParams(new FormData(f));
        const send = () => fetch(f.action, {method: 'POST', body: body, redirect: 'manual',
                                            credentials: 'same-origin'});
        send().then(() => send()).then(() => done('sent')).catch(e => done('error ' + e));
    """, selector)


def post_raw(d, path, fields):
    """A POST from the logged-in browser with exactly these fields; its status."""
    return d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {method: 'POST', body: new URLSearchParams(arguments[1]),
                             redirect: 'manual', credentials: 'same-origin'})
            .then(r => done(r.status)).catch(e => done('error ' + e));
    """, path, fields)


def main():
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--lang=zh-CN"):
        opts.add_argument(a)
    # a phone: 390 CSS pixels wide (a desktop window has a larger minimum width)
    opts.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0}})
    opts.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="tbm-chrome-"))
    opts.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_script_timeout(10)
    try:
        run(d)
    finally:
        d.quit()


def run(d):
    # ---- headers, cookies, GET changes nothing ----
    c = Client()
    st, h, body = c.req("/login")
    check(st == 200, "GET /login: 200")
    check("default-src 'self'" in h["Content-Security-Policy"], "CSP default-src 'self'")
    check(h["X-Frame-Options"] == "DENY", "X-Frame-Options: DENY")
    check(h["X-Content-Type-Options"] == "nosniff", "X-Content-Type-Options: nosniff")
    st, h, _ = c.login("wang", os.environ["PW_WANG"])
    cookie = h["Set-Cookie"]
    check(st == 303 and "tbm_session=" in cookie, "login over HTTP: a session cookie")
    check(all(x in cookie for x in ("HttpOnly", "SameSite=Strict", "Path=/")) and "Secure" not in cookie,
          "session cookie: HttpOnly; SameSite=Strict; Path=/ (no Secure over plain HTTP)")
    sid = re.search(r"tbm_session=([0-9a-f]+)", cookie).group(1)
    check(len(sid) == 32, "session id: 128 bits (32 hex digits)")
    st, _, _ = c.req("/faults/%d?do=ack&note=get" % ALARM)
    check(st == 200 and show(ALARM)["acked_at"] is None, "GET with do=ack in the query changes nothing")
    st, _, big = c.req("/faults/%d" % ALARM, {"x": "y" * 20000})
    check(st == 413, "a 20 KB body: 413")
    st, _, _ = c.req("/api/faults/%d" % ALARM)
    check(st == 200, "/api/faults/ID with the session: 200")
    st, _, _ = Client().req("/api/faults/%d" % ALARM)
    check(st == 401, "/api/ without a session: 401")
    # a session's token is only good in that session
    wang_token = c.token()

    # ---- wrong password, throttling ----
    login(d, "wang", "wrong-password")
    err = d.find_element(By.ID, "login-error").text
    check("不对" in err, "a wrong password is refused: '%s'" % err)
    for i in range(4):
        login(d, "li", "nope-%d" % i)
    login(d, "li", "nope-last")
    login(d, "li", os.environ["PW_LI"])
    err = d.find_element(By.ID, "login-error").text
    check("太多" in err, "after 5 failures even the right password waits: '%s'" % err)

    # ---- the technician: my work, the alarm, ack, repair ----
    login(d, "wang", os.environ["PW_WANG"])
    check(d.current_url.rstrip("/") == URL, "logged in, on my work")
    body = d.find_element(By.TAG_NAME, "body").text
    check(LABEL in body, "the XSS label shows as text on my work")
    check("<script>" in body and "数控车床" in body, "the XSS device name shows as text")
    check(not d.find_elements(By.CSS_SELECTOR, "img[src='x']"), "no <img src=x> element in the DOM")
    check(not d.find_elements(By.CSS_SELECTOR, "main script, header script"), "no script element from data")
    check("<i>beta</i>" in body, "the site name shows as text")
    no_alert(d, "my work")
    no_hscroll(d, "home")
    click(d, By.CSS_SELECTOR, "a.card[href='/faults/%d']" % ALARM)
    check(d.find_elements(By.ID, "do-ack") and not d.find_elements(By.ID, "do-dismiss")
          and not d.find_elements(By.ID, "do-classify"),
          "a technician sees ack and repair, not dismiss or classify")
    d.find_element(By.ID, "ack-note").send_keys(XSS_NOTE)
    click(d, By.ID, "do-ack")
    check("已确认接单" in d.find_element(By.TAG_NAME, "body").text, "ack: the page says so")
    check(XSS_NOTE in d.find_element(By.CSS_SELECTOR, "ol.hist").text, "the XSS note shows as text in the history")
    no_alert(d, "fault page")
    f = show(ALARM)
    check(f["acked_by"] == "wang" and f["status"] == "acknowledged", "tbmctl show: acked_by wang, acknowledged")
    rec = [a for a in f["audit"] if a["action"] == "ack"][-1]
    who = rec["detail"].get("who", {})
    check(who.get("channel") == "web" and who.get("address") == "127.0.0.1",
          "the ack's audit record: channel web, address 127.0.0.1 (%s)" % who)
    check(rec["detail"].get("ack_note") == XSS_NOTE, "the ack note recorded as typed")
    no_hscroll(d, "fault")
    at = d.find_element(By.ID, "rep-at").get_attribute("value")
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", at or ""), "the repair time defaults to now (%s)" % at)
    d.find_element(By.ID, "rep-action").send_keys("重新插紧主轴编码器线缆，复位报警")
    d.find_element(By.ID, "rep-parts").send_keys("编码器线缆 1 根")
    click(d, By.ID, "do-repair")
    check("维修已记录" in d.find_element(By.TAG_NAME, "body").text, "repair: the page says so")
    f = show(ALARM)
    check(f["repaired_by"] == "wang" and f["action"] == "重新插紧主轴编码器线缆，复位报警"
          and f["parts"] == "编码器线缆 1 根" and f["status"] == "repaired",
          "tbmctl show: repaired by wang, action and parts as typed")
    # a correction of his own repair: appended, with the old value kept
    d.find_element(By.ID, "am-parts").send_keys("编码器线缆 2 根")
    d.find_element(By.ID, "am-reason").send_keys("数量写错")
    click(d, By.ID, "do-amend")
    check("更正已记录" in d.find_element(By.TAG_NAME, "body").text, "amend: the page says so")
    f = show(ALARM)
    am = [a for a in f["audit"] if a["action"] == "amend"]
    check(f["parts"] == "编码器线缆 2 根" and len(am) == 1 and am[0]["detail"].get("reason") == "数量写错",
          "tbmctl show: the amended parts, one amend record with its reason")

    # ---- a technician is refused a manager's action: 403, nothing recorded ----
    d.get(URL + "/faults/%d" % ESTOP)
    check(not d.find_elements(By.ID, "do-dismiss") and not d.find_elements(By.ID, "do-classify"),
          "the e-stop page shows wang no dismiss or classify form")
    tok = d.execute_script("return document.querySelector('input[name=csrf]').value")
    fid = "0f" * 16
    st = post_raw(d, "/faults/%d" % ESTOP, {"csrf": tok, "form_id": fid, "do": "dismiss", "reason": "误报"})
    check(st == 403, "a technician's dismiss POST: 403 (%s)" % st)
    st = post_raw(d, "/faults/%d" % ESTOP, {"csrf": tok, "form_id": "1f" * 16, "do": "classify", "class": "none"})
    check(st == 403, "a technician's classify POST: 403 (%s)" % st)
    f = show(ESTOP)
    check(f["dismissed_at"] is None and f["classification"] is None, "the e-stop: not dismissed, not classified")

    # ---- CSRF: no token, another session's token ----
    st = post_raw(d, "/faults/%d" % ESTOP, {"form_id": "2f" * 16, "do": "ack", "note": "no token"})
    check(st == 403, "a POST without the token: 403 (%s)" % st)
    other = Client()
    other.login("张主任", os.environ["PW_ZHANG"])
    zhang_token = other.token()
    check(zhang_token != tok, "two sessions have two tokens")
    st = post_raw(d, "/faults/%d" % ESTOP, {"csrf": zhang_token, "form_id": "3f" * 16, "do": "ack", "note": "x"})
    check(st == 403, "a POST with another session's token: 403 (%s)" % st)
    check(show(ESTOP)["acked_at"] is None, "nothing recorded by the refused POSTs")
    # the HTTP session of the same account has its own token too
    st, _, _ = c.req("/faults/%d" % ESTOP, {"csrf": tok, "form_id": "4f" * 16, "do": "ack"})
    check(st == 403 and wang_token != tok, "the browser's token in another session of wang: 403")

    # ---- the same form submitted twice records once ----
    d.get(URL + "/devices/cnc-01")
    no_hscroll(d, "device")
    Select(d.find_element(By.ID, "rp-kind")).select_by_value("fault")
    d.find_element(By.ID, "rp-note").send_keys("防护门合页松动（重复提交测试）")
    check(post_replay(d, "form[action='/devices/cnc-01']") == "sent", "the report form sent twice")
    click(d, By.ID, "do-report")   # and a third time, as the button
    manual = [x for x in tbmctl("faults", "--all", "--json") if x["source"] == "manual"]
    check(len(manual) == 1, "one manual fault recorded (%d)" % len(manual))
    check("没有重复记录" in d.find_element(By.TAG_NAME, "body").text, "the repeat says it was not recorded again")

    # ---- a technician of another lab: 403 ----
    zc = Client()
    st, _, _ = zc.login("zhao", os.environ["PW_ZHAO"])
    check(st == 303, "zhao (welding lab) logs in")
    t = zc.token()
    st, _, _ = zc.req("/faults/%d" % manual[0]["id"], {"csrf": t, "form_id": "5f" * 16, "do": "ack"})
    check(st == 403, "a technician of another lab acks a CNC fault: 403 (%s)" % st)
    check(show(manual[0]["id"])["acked_at"] is None, "nothing recorded for zhao")
    vc = Client()
    st, _, _ = vc.login("auditor", os.environ["PW_AUDITOR"])
    check(st == 303, "a viewer logs in")
    _, _, page = vc.req("/faults/%d" % manual[0]["id"])
    check(b'name="do"' not in page, "a viewer's fault page has no forms")
    t = vc.token()
    for what in ("ack", "report"):
        path = "/devices/cnc-01" if what == "report" else "/faults/%d" % manual[0]["id"]
        st, _, _ = vc.req(path, {"csrf": t, "form_id": "6f" * 15 + "%02x" % len(what), "do": what,
                                 "note": "viewer", "kind": "fault"})
        check(st == 403, "a viewer's %s POST: 403 (%s)" % (what, st))
    st, _, _ = vc.req("/users")
    check(st == 403, "a viewer's GET /users: 403 (%s)" % st)
    check(len([x for x in tbmctl("faults", "--all", "--json") if x["source"] == "manual"]) == 1
          and show(manual[0]["id"])["acked_at"] is None, "nothing recorded for the viewer")

    # ---- the manager classifies the safety event ----
    click(d, By.CSS_SELECTOR, "nav button")   # logout
    check("/login" in d.current_url, "logged out")
    login(d, "张主任", os.environ["PW_ZHANG"])
    no_hscroll(d, "board")
    d.get(URL + "/safety")
    no_hscroll(d, "safety")
    click(d, By.CSS_SELECTOR, "a.card[href='/faults/%d']" % ESTOP)
    Select(d.find_element(By.ID, "cls")).select_by_value("near-miss")
    d.find_element(By.ID, "cls-note").send_keys("学员误触急停，无人员受伤")
    click(d, By.ID, "do-classify")
    check("已分类" in d.find_element(By.TAG_NAME, "body").text, "classify: the page says so")
    f = show(ESTOP)
    check(f["classification"] == "near-miss", "tbmctl show: the e-stop is a near-miss")
    # the manager dismisses the manual report as a false alarm, then reopens it
    d.get(URL + "/faults/%d" % manual[0]["id"])
    d.find_element(By.ID, "dis-reason").send_keys("学员误报")
    click(d, By.ID, "do-dismiss")
    check(show(manual[0]["id"])["status"] == "dismissed", "dismiss: tbmctl show says dismissed")
    d.find_element(By.ID, "ro-reason").send_keys("复查确有松动")
    click(d, By.ID, "do-reopen")
    f = show(manual[0]["id"])
    check(f["dismissed_at"] is None and any(a["action"] == "reopen" for a in f["audit"]),
          "reopen: not dismissed any more, a reopen record")
    # an account added by the manager in /users is an account of the base
    d.get(URL + "/users")
    d.find_element(By.ID, "u-name").send_keys("sun")
    d.find_element(By.ID, "u-display").send_keys("孙老师 <script>x</script>")
    Select(d.find_element(By.ID, "u-role")).select_by_value("viewer")
    d.find_element(By.ID, "u-pw").send_keys("viewer-pass-2")
    click(d, By.CSS_SELECTOR, "form[action='/users'] input[value='add'] ~ button")
    users = {u["name"]: u for u in tbmctl("user", "list", "--json")}
    check("sun" in users and users["sun"]["role"] == "viewer" and users["sun"]["display"] == "孙老师 <script>x</script>",
          "/users: the viewer sun added, as typed")
    check("孙老师 <script>x</script>" in d.find_element(By.TAG_NAME, "body").text, "the new name shows as text")

    # a key for /api/ made on the page: shown once, used by a program, revoked on the page
    d.get(URL + "/users")
    Select(d.find_element(By.ID, "k-name")).select_by_value("auditor")
    click(d, By.CSS_SELECTOR, "form[action='/users'] input[value='key'] ~ button")
    key = d.find_element(By.ID, "api-key").text
    check(re.fullmatch(r"tbm_[0-9a-f]{32}", key) is not None, "/users: a new key shown once")
    no_hscroll(d, "apikey")
    st, _, b = bearer("/api/status", key)
    check(st == 200 and json.loads(b)["site"]["id"] == "test", "/api/status with the key made on the page")
    check({u["name"]: u["api_key"] for u in tbmctl("user", "list", "--json")}["auditor"], "tbmctl user list: auditor has a key")
    d.get(URL + "/users")
    check(key not in d.page_source, "/users does not show the key again")
    click(d, By.CSS_SELECTOR, "form[action='/users'] input[value='keyrevoke'] ~ button")
    st, _, _ = bearer("/api/status", key)
    check(st == 401, "the key revoked on the page: 401 (%s)" % st)

    # ---- the other pages: they render, fit 390 px and stay small ----
    for path, name in (("/indicators", "indicators"), ("/labels", "labels"), ("/users", "users"),
                       ("/devices", "devices")):
        d.get(URL + path)
        check(d.find_element(By.TAG_NAME, "h1").text != "", "%s renders" % path)
        no_hscroll(d, name)
        no_alert(d, path)
    # tbmond runs: no word of it stopping
    d.get(URL + "/")
    check("没有运行" not in d.find_element(By.TAG_NAME, "body").text, "/ while tbmond runs: no banner")
    # this year was watched for a minute: no row may claim a figure (as in the evaluation)
    d.get(URL + "/indicators")
    cards = d.find_element(By.CSS_SELECTOR, ".grid").text
    check(cards.count("数据不足") == 3 and "不足以下结论" in cards,
          "/indicators: a year watched for a minute is 数据不足 in all three rows: %r" % cards)
    for path in ("/", "/faults/%d" % ALARM, "/devices/cnc-01", "/safety", "/indicators", "/labels",
                 "/users", "/qr/cnc-01.svg"):
        st, _, b = other.req(path)
        check(st == 200 and len(b) < 30 * 1024, "%s: %d bytes (< 30 KB)" % (path, len(b)))
    st, h, b = other.req("/qr/cnc-01.svg")
    check(h["Content-Type"] == "image/svg+xml" and b.startswith(b"<svg"), "a QR code as SVG")
    st, _, b = other.req("/api/indicators?period=2020")
    j = json.loads(b)
    check("fault_repair_rate" in j and "safety" in j, "/api/indicators: tbmctl's keys")
    st, _, b = other.req("/api/faults/%d" % ALARM)
    check(json.loads(b)["repaired_by"] == "wang", "/api/faults/ID: the repair as tbmctl shows it")


def stopped():
    """After tbmond stopped: the home page says nobody is watching."""
    c = Client()
    c.login("张主任", os.environ["PW_ZHANG"])
    st, _, b = c.req("/")
    page = b.decode()
    check(st == 200 and "tbmond 自" in page and "起没有运行（已停止）" in page and "新的故障不会被发现" in page,
          "/ after tbmond stopped: the page says nobody is watching")


if __name__ == "__main__":
    try:
        stopped() if sys.argv[1:] == ["--stopped"] else main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
