"""Drive Debian's headless Chromium over the DevTools protocol, standard library only.

Transport is ``--remote-debugging-pipe``: Chromium reads NUL-terminated JSON commands on
its fd 3 and writes NUL-terminated JSON replies/events on its fd 4. No websockets, no npm.

    with Browser() as b:
        p = b.new_page()
        assert p.goto("http://127.0.0.1:8080/") == 200
        p.fill("#name", "王小明"); p.select("#kind", "visit"); p.check("#urgent")
        assert p.click("button[type=submit]") == 200
        p.screenshot("out/result.png")
        assert not p.console_errors() and not p.csp_violations()

Network isolation (LOOPBACK_ONLY): every request goes to a dead proxy (127.0.0.1:9) except
loopback. Chromium implicitly bypasses proxies for localhost *and link-local* (169.254/16,
fe80::/10, i.e. cloud metadata); ``<-loopback>`` removes those implicit rules (alone it
would send loopback to the dead proxy too), so loopback is re-added explicitly. DNS is also
off for all names but localhost, 127.0.0.1 and [::1].

Everything is single-threaded: a command is written, then the pipe is read (with a
deadline) until its reply arrives; events read meanwhile are routed to their Page by
sessionId. Every wait raises CDPTimeout after ``timeout`` seconds (default 15).
"""
import base64, contextlib, fcntl, json, os, select, shutil, signal, subprocess, tempfile, time

__all__ = ["Browser", "Page", "CDPError", "CDPTimeout", "NavigationError"]

LOOPBACK_ONLY = [
    "--proxy-server=http://127.0.0.1:9",                       # discard port: nothing listens
    "--proxy-bypass-list=<-loopback>;localhost;127.0.0.0/8;[::1]",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-pings",
]

KEYS = {  # key -> (code, windowsVirtualKeyCode, text)
    "Tab": ("Tab", 9, ""), "Enter": ("Enter", 13, "\r"), "Space": ("Space", 32, " "),
    "Escape": ("Escape", 27, ""), "ArrowDown": ("ArrowDown", 40, ""),
    "ArrowUp": ("ArrowUp", 38, ""), "Backspace": ("Backspace", 8, ""),
}


class CDPError(Exception):
    """A DevTools command failed, Chromium died, or a page-side check failed."""
    def __init__(self, method, message):
        super().__init__(f"{method}: {message}")
        self.method, self.message = method, message


class CDPTimeout(CDPError):
    """A wait exceeded its timeout."""


class NavigationError(CDPError):
    """The browser could not load a URL at all (e.g. net::ERR_PROXY_CONNECTION_FAILED)."""


class Browser:
    """A headless Chromium process with a temporary profile; use as a context manager."""

    def __init__(self, chromium="/usr/bin/chromium", width=1366, height=768, timeout=15.0,
                 extra_args=()):
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = tempfile.mkdtemp(prefix="cdp-profile-")
        self._next_id, self._replies, self._pages, self._buf = 0, {}, {}, b""
        self.proc, self._log = None, open(os.path.join(self._profile, "chromium.log"), "wb")
        cmd_r, self._cmd_w = os.pipe()          # we write commands -> Chromium's fd 3
        self._rep_r, rep_w = os.pipe()          # Chromium's fd 4 -> we read replies

        def child_fds():                        # runs in the child, before exec
            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)   # lift above 4 first, so the two
            b = fcntl.fcntl(rep_w, fcntl.F_DUPFD, 10)   # dup2s can never clobber each other
            os.dup2(a, 3); os.dup2(b, 4)                 # dup2 targets are inheritable
            for fd in map(int, os.listdir("/proc/self/fd")):  # keep the test runner's
                if fd > 4:                                     # other fds from Chromium
                    with contextlib.suppress(OSError):
                        os.set_inheritable(fd, False)

        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
                f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
                "--hide-scrollbars", "--mute-audio", *LOOPBACK_ONLY, *extra_args,
                "about:blank"]
        try:   # close_fds=False: child_fds() already made every fd but 0-4 close-on-exec
            try:
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                             stderr=self._log, close_fds=False,
                                             preexec_fn=child_fds, start_new_session=True)
            finally:
                os.close(cmd_r); os.close(rep_w)
            self.version = self.call("Browser.getVersion")["product"]
        except BaseException:
            self.close(); raise

    def call(self, method, params=None, session=None, timeout=None):
        """Send one command and return its ``result``; raise CDPError on a protocol error."""
        self._next_id += 1
        mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._cmd_w, data):]
        except OSError as e:
            raise CDPError(method, f"cannot write to Chromium ({e}){self._log_tail()}")
        self.wait(lambda: mid in self._replies, f"reply to {method}", timeout)
        reply = self._replies.pop(mid)
        if "error" in reply:
            raise CDPError(method, reply["error"].get("message", reply["error"]))
        return reply.get("result", {})

    def wait(self, predicate, what, timeout=None):
        """Read from the pipe until predicate() is true, or raise CDPTimeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPTimeout(what, f"timed out after {timeout or self.timeout:g}s")
            if select.select([self._rep_r], [], [], left)[0]:
                chunk = os.read(self._rep_r, 1 << 20)
                if not chunk:
                    raise CDPError(what, "Chromium closed the pipe (exited?)" + self._log_tail())
                self._buf += chunk
                *msgs, self._buf = self._buf.split(b"\0")
                for m in msgs:
                    self._dispatch(json.loads(m))

    def _dispatch(self, msg):
        if "id" in msg:
            self._replies[msg["id"]] = msg
        elif msg.get("sessionId") in self._pages:
            self._pages[msg["sessionId"]]._on_event(msg["method"], msg.get("params", {}))

    def _log_tail(self):
        try:
            with open(self._log.name, "rb") as f:
                return "\n--- chromium log tail ---\n" + f.read()[-1500:].decode("utf-8", "replace")
        except OSError:
            return ""

    def new_page(self):
        """Open a new tab (about:blank) and return a Page attached to it."""
        tid = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        page = Page(self, tid, sid)
        self._pages[sid] = page
        page._setup()
        return page

    def close(self):
        """Close Chromium (politely, then SIGKILL its process group) and delete the profile."""
        proc = self.proc
        if proc and proc.poll() is None:
            with contextlib.suppress(CDPError, subprocess.TimeoutExpired):
                self.call("Browser.close", timeout=3)
                proc.wait(3)
        if proc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)   # helpers (zygote, renderers) too
            proc.wait()
        for name in ("_cmd_w", "_rep_r"):
            fd, _ = getattr(self, name), setattr(self, name, None)
            if fd is not None:
                os.close(fd)
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self): return self

    def __exit__(self, *exc): self.close()


class Page:
    """One tab. Selectors are CSS selectors; DOM access uses Runtime.evaluate."""

    def __init__(self, browser, target_id, session_id):
        self.browser, self.target_id, self.session = browser, target_id, session_id
        self.frame_id = target_id
        self._loaded = None           # loaderId of the last main-frame 'load' lifecycle event
        self._status = {}             # loaderId -> HTTP status of the main document
        self.requests = []            # every URL the page tried to load (even if blocked)
        self.failed = []              # (url, errorText, blockedReason) of loads that failed
        self._urls = {}               # requestId -> url
        self._errors, self._csp = [], []

    def _call(self, method, params=None, timeout=None):
        return self.browser.call(method, params, self.session, timeout)

    def _setup(self):
        for domain in ("Page", "Network", "Runtime", "Log", "Inspector"):
            self._call(f"{domain}.enable")
        self._call("Page.setLifecycleEventsEnabled", {"enabled": True})
        self._call("Emulation.setFocusEmulationEnabled", {"enabled": True})
        self._call("Emulation.setDeviceMetricsOverride", {"width": self.browser.width,
                   "height": self.browser.height, "deviceScaleFactor": 1, "mobile": False})
        frame = self._call("Page.getFrameTree")["frameTree"]["frame"]
        self.frame_id, self._loaded = frame["id"], frame["loaderId"]

    def _on_event(self, method, p):
        if method == "Page.lifecycleEvent" and p["name"] == "load" and p["frameId"] == self.frame_id:
            self._loaded = p["loaderId"]
        elif method == "Network.requestWillBeSent":
            self.requests.append(p["request"]["url"])
            self._urls[p["requestId"]] = p["request"]["url"]
        elif method == "Network.responseReceived" and p.get("type") == "Document" \
                and p.get("frameId") == self.frame_id:
            self._status[p["loaderId"]] = p["response"]["status"]
        elif method == "Network.loadingFailed":
            self.failed.append((self._urls.get(p["requestId"]), p.get("errorText"),
                                p.get("blockedReason")))
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error" \
                and not p["entry"].get("url", "").endswith("/favicon.ico"):  # browser's, not page's
            e = p["entry"]
            text = f"{e.get('source')}: {e['text']} {e.get('url', '')}".strip()
            (self._csp if "Content Security Policy" in e["text"] else self._errors).append(text)
        elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
            self._errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                        for a in p.get("args", [])))
        elif method == "Inspector.targetCrashed":
            raise CDPError("Inspector.targetCrashed", f"renderer crashed at {self._loaded}")
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self._errors.append("exception: " + d.get("exception", {}).get("description", d["text"]))

    def _eval(self, expr, what="evaluate"):
        r = self._call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError(what, d.get("exception", {}).get("description", d["text"]))
        return r["result"].get("value")

    def _on(self, selector, body, what):
        """Run JS ``body`` with ``e`` bound to the first element matching selector."""
        return self._eval(f"(() => {{ const s = {json.dumps(selector)}; "
                          f"const e = document.querySelector(s); "
                          f"if (!e) throw new Error('no element matches ' + s); {body} }})()",
                          f"{what}({selector!r})")

    def _wait_load(self, before, what, timeout=None):
        """Wait for a main-frame load whose loaderId differs from ``before``; return status."""
        self.browser.wait(lambda: self._loaded != before, what, timeout)
        return self._status.get(self._loaded)

    def goto(self, url, timeout=None):
        """Navigate, wait for the load event, return the main document's HTTP status."""
        r = self._call("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise NavigationError("Page.navigate", f"{url}: {r['errorText']}")
        self.browser.wait(lambda: self._loaded == r["loaderId"], f"load of {url}", timeout)
        return self._status.get(r["loaderId"])

    def click(self, selector, navigate=True, timeout=None):
        """Real mouse click at the element's centre; by default wait for the navigation it
        causes (e.g. a form submit) and return the new document's HTTP status."""
        x, y = self._on(selector, "e.scrollIntoView({block: 'center'}); "
                        "const r = e.getBoundingClientRect(); "
                        "return [r.left + r.width / 2, r.top + r.height / 2];", "click")
        before = self._loaded
        for kind in ("mousePressed", "mouseReleased"):
            self._call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                    "button": "left", "clickCount": 1})
        return self._wait_load(before, f"navigation after click({selector!r})", timeout) \
            if navigate else None

    def fill(self, selector, text):
        """Focus, select all, then type ``text`` with Input.insertText (any script works)."""
        self._on(selector, "e.focus(); if (e.select) e.select(); "
                 "if (document.activeElement !== e) throw new Error('cannot focus ' + s);", "fill")
        self._call("Input.insertText", {"text": text})

    def type(self, text):
        """Type into whatever has focus (for keyboard-only paths)."""
        self._call("Input.insertText", {"text": text})

    def select(self, selector, value):
        """Choose the <option> with this value and fire input+change, like a user would."""
        self._on(selector, f"const v = {json.dumps(value)}; "
                 "if (![...e.options].some(o => o.value === v)) "
                 "throw new Error('no option ' + v + ' in ' + s); e.value = v; "
                 "e.dispatchEvent(new Event('input', {bubbles: true})); "
                 "e.dispatchEvent(new Event('change', {bubbles: true}));", "select")

    def check(self, selector, on=True):
        """Click a checkbox/radio (real mouse click) until its state is ``on``."""
        if self._on(selector, "return e.checked;", "check") != on:
            self.click(selector, navigate=False)
        if self._on(selector, "return e.checked;", "check") != on:
            raise CDPError(f"check({selector!r})", "clicking did not change the state")

    def press(self, key):
        """Press and release one key: Tab, Enter, Space, Escape, ArrowDown/Up, Backspace."""
        code, vk, text = KEYS[key]
        base = {"key": " " if key == "Space" else key, "code": code,
                "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        self._call("Input.dispatchKeyEvent", {"type": "keyDown", "text": text, **base}
                   if text else {"type": "rawKeyDown", **base})
        self._call("Input.dispatchKeyEvent", {"type": "keyUp", **base})

    def press_tab(self, n=1):
        for _ in range(n):
            self.press("Tab")

    def press_enter(self, navigate=True, timeout=None):
        """Press Enter on the focused element; by default wait for the resulting navigation."""
        before = self._loaded
        self.press("Enter")
        return self._wait_load(before, "navigation after Enter", timeout) if navigate else None

    def focused(self):
        """Describe document.activeElement as tag#id[name], e.g. 'input#name[name]'."""
        return self._eval("(() => { const e = document.activeElement; if (!e) return null; "
                          "return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + "
                          "(e.name ? '[' + e.name + ']' : ''); })()")

    def text(self, selector):
        return self._on(selector, "return e.innerText.trim();", "text")

    def texts(self, selector):
        return self._eval(f"[...document.querySelectorAll({json.dumps(selector)})]"
                          ".map(e => e.innerText.trim())")

    def value(self, selector):
        return self._on(selector, "return e.value;", "value")

    def exists(self, selector):
        return self._eval(f"document.querySelector({json.dumps(selector)}) !== null")

    def url(self):
        return self._eval("location.href")

    def title(self):
        return self._eval("document.title")

    def screenshot(self, path):
        """Write the viewport (width x height, scale 1) as a PNG file; return the path."""
        data = self._call("Page.captureScreenshot", {"format": "png"})["data"]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def console_errors(self):
        """Console errors, uncaught exceptions and error log entries (not CSP) seen so far."""
        return list(self._errors)

    def csp_violations(self):
        """CSP violations Chromium reported to the console so far (one entry per violation)."""
        return list(self._csp)
