"""A caseworker's morning and the county operator's review, in a real browser.

Run by BrowserWalkTests (Tests/FieldSyncCLITests) against `fieldsync station ui` and
`fieldsync hub ui` serving a temporary county; it can also be run by hand:

    python3 Tests/Browser/walk.py --station http://127.0.0.1:8480 --hub http://127.0.0.1:8481 \
        --stick /tmp/stick --returns /tmp/returns --shots /tmp/shots

At the station: open Today, register a household by keyboard only, add two members, apply
for dibao, try to approve (refused: 逢救必核), record the check, approve, see the next
review date, export to the stick. At the hub: merge the stick, resolve a conflict, write
the return bundles. A screenshot of each page goes to --shots. Every page must load
nothing from outside, break no CSP rule and log no error. Exits non-zero on the first
thing that is not as a caseworker would expect, saying what.
"""
import argparse, os, re, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

# Valid GB 11643 numbers (synthetic; the check digit is right).
HEAD_ID = "630121195103073112"
SPOUSE_ID = "630121195505050028"


class Walk:
    def __init__(self, args, page):
        self.a, self.p, self.step = args, page, 0

    def expect(self, condition, what):
        if not condition:
            raise SystemExit(f"walk: FAILED at step {self.step}: {what}\n  page {self.p.url()}\n  title {self.p.title()}")

    def shot(self, name):
        self.step += 1
        path = os.path.join(self.a.shots, f"{self.step:02d}-{name}.png")
        self.p.screenshot(path)
        print(f"walk: {self.step:02d} {name}: {self.p.title()}")

    def open(self, url, status=200):
        got = self.p.goto(url)
        self.expect(got == status, f"GET {url} answered {got}, expected {status}")

    def submit(self, form_id, status=200):
        got = self.p.click(f"#{form_id}-submit")
        self.expect(got == status, f"submitting #{form_id} answered {got}, expected {status}")

    def wait_job(self):
        """A job's page refreshes itself until the job is done."""
        for _ in range(200):
            if not self.p.exists("meta[http-equiv=refresh]"):
                return
            time.sleep(0.1)
            self.p.goto(self.p.url())
        self.expect(False, "the job did not finish")

    def station(self):
        s = self.a.station.rstrip("/")
        self.open(s + "/today")
        self.expect("今日待办" in self.p.title(), "Today is the first page")
        self.shot("station-today")

        # Register a household with the keyboard only: Tab from the top of the page.
        self.open(s + "/households/new")
        for _ in range(40):
            if self.p.focused() == "input#f-village[village]":
                break
            self.p.press_tab()
        self.expect(self.p.focused() == "input#f-village[village]", "Tab reaches the village field")
        self.p.type("青石坡村")
        self.p.press_tab(2)
        self.expect(self.p.focused() == "input#f-head_name[head_name]", "Tab reaches the head's name")
        self.p.type("马明")
        self.p.press_tab()
        self.expect(self.p.focused() == "select#f-hukou[hukou]", "Tab reaches hukou")
        self.p.press("ArrowDown")
        self.p.press("ArrowDown")
        self.expect(self.p.value("#f-hukou") == "rural", "the arrow keys choose rural")
        self.p.press_tab()
        self.p.type("400")
        self.shot("station-register")
        self.expect(self.p.press_enter() == 200, "Enter submits the form")
        self.expect("/households/" in self.p.url(), "the new household's page opens")
        self.expect("已登记新户" in self.p.text(".flash"), "the page says the household was registered")
        case_url = self.p.url()
        household = case_url.rsplit("/", 1)[-1]

        # Two members; the first try has a wrong check digit and is refused beside the field.
        self.open(case_url + "/members/new")
        self.p.fill("#f-name", "马明")
        self.p.fill("#f-id_number", HEAD_ID[:-1] + "0")
        self.p.select("#f-relation", "head")
        self.p.select("#f-labour_capacity", "none")
        self.submit("verb", 422)
        self.expect("校验位" in self.p.text("#f-id_number-error"), "the ID number's message sits beside it")
        self.expect(self.p.value("#f-name") == "马明", "what was typed is kept")
        self.shot("station-member-refused")
        self.p.fill("#f-id_number", HEAD_ID)
        self.submit("verb")
        self.open(case_url + "/members/new")
        self.p.fill("#f-name", "韩秀英")
        self.p.fill("#f-id_number", SPOUSE_ID)
        self.p.select("#f-relation", "spouse")
        self.p.select("#f-labour_capacity", "partial")
        self.submit("verb")
        self.expect(len(self.p.texts("#h-members ~ table tbody tr")) == 2, "two members on the case page")
        self.expect(HEAD_ID not in self.p.text("main"), "ID numbers are masked on the case page")

        # Apply for dibao; approving before the check is refused (逢救必核).
        self.open(case_url + "/apply")
        self.p.select("#f-category", "dibao")
        self.p.select("#f-channel", "window")
        self.p.fill("#f-amount", "650")
        self.submit("verb")
        application = re.search(r"/applications/([^/]+)/decide", self.p._eval("document.body.innerHTML")).group(1)
        self.open(f"{s}/applications/{application}/decide")
        self.p.select("#f-verdict", "approve")
        self.p.fill("#f-amount", "650")
        self.submit("verb", 422)
        self.expect("逢救必核" in self.p.text("#verb-error"), "R7 refuses the approval in the caseworker's words")
        self.shot("station-approval-refused")

        self.open(f"{s}/applications/{application}/check")
        for source in ("tax", "deposits", "realEstate", "vehicles"):
            self.p.select(f"#f-source_{source}", "none")
        self.p.select("#f-outcome", "withinCriteria")
        self.submit("verb")
        self.open(f"{s}/applications/{application}/decide")
        self.p.select("#f-verdict", "approve")
        self.p.fill("#f-amount", "650")
        self.submit("verb")
        self.expect(self.p.url().endswith("/households/" + household), "back on the case page")
        nxt = self.p.text("#next-review")
        self.expect(re.fullmatch(r"\d{4}-\d{2}-\d{2}", nxt) is not None, f"the next review date is shown (got {nxt!r})")
        self.shot("station-approved")

        self.open(s + "/sync")
        self.p.fill("#f-folder", self.a.stick)
        self.submit("export")
        self.wait_job()
        self.expect("完成" in self.p.text("main"), "the export finished")
        self.expect(".fsb" in self.p.text("main"), "the export names its file")
        self.shot("station-exported")

    def hub(self):
        h = self.a.hub.rstrip("/")
        self.open(h + "/stations")
        self.shot("hub-stations")
        self.open(h + "/inbox")
        self.p.fill("#f-folder", self.a.stick)
        self.submit("inbox")
        self.expect(".fsb" in self.p.text("main"), "the inbox lists the stick's bundle")
        self.submit("merge")
        self.wait_job()
        self.expect("采用 applied" in self.p.text("main"), "the merge says what it applied, per file")
        self.shot("hub-merged")

        self.open(h + "/conflicts")
        self.expect(self.p.exists("article.application"), "the prepared conflict is listed")
        self.shot("hub-conflict")
        number = self.p._eval("document.querySelector('article.application').id").split("-")[1]
        self.p.fill(f"#note-{number}", "以入户核实为准")
        got = self.p.click(f"#keep-loser-{number}")
        self.expect(got == 200, f"resolving answered {got}")
        self.expect("已处理" in self.p.text(".flash"), "the page says the conflict was resolved")

        self.open(h + "/returns")
        self.p.fill("#f-folder", self.a.returns)
        self.submit("returns")
        self.wait_job()
        self.expect("已写入" in self.p.text("main"), "the return bundles were written")
        self.shot("hub-returns")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("station", "hub", "stick", "returns", "shots"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    os.makedirs(args.shots, exist_ok=True)
    with Browser(chromium=args.chromium, extra_args=("--lang=zh-CN",)) as browser:
        page = browser.new_page()
        walk = Walk(args, page)
        walk.station()
        walk.hub()
        # A refused form answers 422 on purpose; Chromium logs every 4xx document as an error.
        errors = [e for e in page.console_errors() if "status of 422" not in e]
        csp = page.csp_violations()
        outside = [u for u in page.requests if not re.match(r"^(http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/|data:|about:)", u)]
        walk.expect(not errors, f"console errors: {errors}")
        walk.expect(not csp, f"CSP violations: {csp}")
        walk.expect(not outside, f"requests outside this computer: {outside}")
    print(f"walk: passed, {walk.step} screenshots in {args.shots}")


if __name__ == "__main__":
    main()
