"""A real browser for the site's tests: Debian's headless chromium driven by
the Chrome DevTools protocol over ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-terminated JSON messages), so that no client library
is needed.  It records console errors, uncaught exceptions, failed loads and
every URL the page requests."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """The chromium binary, or None; ``QUOTEBENCH_CHROMIUM`` names another one."""
    named = os.environ.get("QUOTEBENCH_CHROMIUM")
    if named:
        return named if os.path.exists(named) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One chromium process and one page (tab) in it."""

    def __init__(self, binary: str, *, width: int = 1280, height: int = 900, timeout: float = 20.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="quotebench-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        # The browser reads fd 3 and writes fd 4.  bash puts the pipe ends there
        # just before exec (a preexec_fn is unsafe with threads; dash takes
        # single-digit descriptors only); the ends are first copied above 9,
        # so that neither is already 3 or 4.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser_r, from_browser_w)]
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)
        to_browser_r, from_browser_w = ends
        wire = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-'
        self.process = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", wire, binary, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._messages: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    # -- protocol
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._messages.put(None)
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._messages.put(json.loads(message))

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._take(deadline, method)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def _take(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        try:
            reply = self._messages.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise BrowserError(f"no answer from chromium within {self.timeout} s ({waiting_for})") from None
        if reply is None:
            raise BrowserError(f"chromium closed the connection ({waiting_for})")
        return reply

    def wait_for_event(self, *methods: str, since: int = 0) -> dict[str, Any]:
        """The first event, from ``since`` on, of one of ``methods``."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events[since:]:
                if event.get("method") in methods:
                    return event
            since = len(self.events)
            reply = self._take(deadline, " or ".join(methods))
            if "method" in reply:
                self.events.append(reply)

    # -- page
    def open(self, path: str | os.PathLike, fragment: str = "") -> None:
        """Load a file (``fragment``: the URL's part after ``#``) and wait
        for its load event (or, when only the fragment changes, for that)."""
        mark = len(self.events)
        url = Path(path).resolve().as_uri() if not str(path).startswith(("file:", "about:")) else str(path)
        self.call("Page.navigate", {"url": url + (f"#{fragment}" if fragment else "")})
        self.wait_for_event("Page.loadEventFired", "Page.navigatedWithinDocument", since=mark)

    def wait_for(self, expression: str) -> Any:
        """Wait until ``expression`` is truthy in the page; its value."""
        return self.evaluate(
            "new Promise((resolve, reject) => { const started = Date.now(); (function check() {"
            f" const value = ({expression}); if (value) resolve(value);"
            f" else if (Date.now() - started > {int(self.timeout * 1000)}) reject(new Error('timed out waiting'));"
            " else setTimeout(check, 10); })(); })"
        )

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def press(self, key: str) -> None:
        """A real key press (Tab, Enter, ...) sent to the focused element."""
        codes = {"Tab": (9, "\t"), "Enter": (13, "\r"), " ": (32, " ")}
        code, text = codes[key]
        base = {"key": key, "code": "Space" if key == " " else key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
        self.call("Input.dispatchKeyEvent", {"type": "keyDown", **base, **({"text": text} if key != "Tab" else {})})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", **base})

    def set_width(self, width: int, height: int = 800, *, mobile: bool = False) -> None:
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])

    # -- what the page did
    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and failed loads."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append(f"console.{params['type']}: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                found.append(f"log {entry['level']}: {entry.get('text')} {entry.get('url', '')}")
            elif method == "Network.loadingFailed":
                found.append(f"failed load: {params.get('errorText')} ({params.get('type')})")
        return found

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.call("Browser.close", session=False)
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
