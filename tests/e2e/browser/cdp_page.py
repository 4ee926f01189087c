#!/usr/bin/env python3
"""Opens one page in headless Chromium over the DevTools pipe and reports what happened.

    cdp_page.py --chromium /usr/bin/chromium --url file:///tmp/report.html \
        --out result.json --screenshot report.png [--width 1280] [--offline]

Writes result.json: {"console_errors": [...], "requests": [urls], "summary": <the text of
#parlab-chart-summary parsed as JSON, or null>, "cells": [{"table", "result", "key", "value",
"text"}], "title": ...}. The C++ test (html_browser_test.cc) makes the assertions; this script
only drives the browser (standard library only: Debian's python3 is enough). With --offline the
network is cut three ways: a dead proxy, a resolver that resolves nothing, and DevTools' own
offline emulation; every request the page makes is still recorded.
"""
import argparse
import base64
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

CELLS_JS = """
JSON.stringify(Array.from(document.querySelectorAll('td[data-key]')).map((td) => ({
  table: td.closest('table').id,
  result: td.parentElement.dataset.result === undefined ? -1 : Number(td.parentElement.dataset.result),
  key: td.dataset.key,
  value: td.dataset.value === undefined ? null : Number(td.dataset.value),
  text: td.textContent,
})))
"""


class Pipe:
    """CDP over --remote-debugging-pipe: NUL-terminated JSON messages on fds 3 (in) and 4 (out)."""

    def __init__(self, to_browser, from_browser):
        self.to_browser = to_browser
        self.from_browser = from_browser
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(method)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message

    def wait_for(self, method, timeout=30):
        deadline = time.time() + timeout
        seen = 0
        while time.time() < deadline:
            for event in self.events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self.events)
            self.read()
        raise TimeoutError(method)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--screenshot")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--offline", action="store_true")
    parser.add_argument("--max-height", type=int, default=6000)
    parser.add_argument("--loopback-only", action="store_true",
                        help="a served page: resolve nothing but 127.0.0.1, no proxy")
    parser.add_argument("--eval", default="",
                        help="a JavaScript expression whose JSON-able value goes to result.eval")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    profile = tempfile.mkdtemp(prefix="parlab-chromium-")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    argv = [args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update",
            "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
            f"--window-size={args.width},{args.height}", "about:blank"]
    if args.loopback_only:
        argv[1:1] = ["--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    if args.offline:
        argv[1:1] = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                     "--host-resolver-rules=MAP * ~NOTFOUND"]

    # Chromium reads fd 3 and writes fd 4. Move our ends above them first, so that placing
    # one on 3 cannot overwrite the other.
    high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 100)
    high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 100)

    def child_fds():
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)

    browser = subprocess.Popen(argv, pass_fds=(3, 4), preexec_fn=child_fds,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for fd in (to_browser_r, from_browser_w, high_r, high_w):
        os.close(fd)
    cdp = Pipe(to_browser_w, from_browser_r)
    result = {"console_errors": [], "requests": [], "summary": None, "cells": [], "title": None,
              "eval": None}
    try:
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.send(f"{domain}.enable", session=session)
        if args.offline:
            cdp.send("Network.emulateNetworkConditions",
                     {"offline": True, "latency": 0, "downloadThroughput": -1,
                      "uploadThroughput": -1}, session=session)
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": args.width, "height": args.height, "deviceScaleFactor": 1,
                  "mobile": False}, session=session)
        cdp.events.clear()
        cdp.send("Page.navigate", {"url": args.url}, session=session)
        cdp.wait_for("Page.loadEventFired", timeout=args.timeout)

        deadline = time.time() + args.timeout
        summary = None
        while time.time() < deadline:
            text = cdp.send("Runtime.evaluate", {
                "expression": "(document.getElementById('parlab-chart-summary')||{}).textContent",
                "returnByValue": True}, session=session)["result"].get("value")
            if text:
                summary = json.loads(text)
                if summary.get("done"):
                    break
            time.sleep(0.1)
        result["summary"] = summary
        result["title"] = cdp.send("Runtime.evaluate", {"expression": "document.title",
                                                       "returnByValue": True},
                                   session=session)["result"].get("value")
        cells = cdp.send("Runtime.evaluate", {"expression": CELLS_JS, "returnByValue": True},
                         session=session)["result"].get("value")
        result["cells"] = json.loads(cells) if cells else []
        if args.eval:
            result["eval"] = cdp.send("Runtime.evaluate", {"expression": args.eval,
                                                           "returnByValue": True},
                                      session=session)["result"].get("value")
        if args.screenshot:
            metrics = cdp.send("Page.getLayoutMetrics", session=session)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            height = min(int(size["height"]) + 1, args.max_height)
            shot = cdp.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": args.width, "height": height, "scale": 1}},
                session=session, timeout=args.timeout)
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        # Let late events (a failing request, a late error) arrive.
        end = time.time() + 0.3
        while time.time() < end:
            cdp.send("Runtime.evaluate", {"expression": "1"}, session=session)
            time.sleep(0.05)
    except Exception as e:  # reported, the test fails on it
        result["console_errors"].append(f"driver: {type(e).__name__}: {e}")
    finally:
        for event in cdp.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                result["console_errors"].append(
                    "console.error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                 for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                result["console_errors"].append(
                    "exception: " + str(details.get("exception", {}).get("description",
                                                                          details.get("text"))))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                result["console_errors"].append("log: " + params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                result["requests"].append(params["request"]["url"])
        try:
            cdp.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
        subprocess.run(["rm", "-rf", profile], check=False)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
