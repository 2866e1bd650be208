"""Benchmark: the flow designer's canvas in a real browser, beside a bare React Flow page (the floor).

    .venv/bin/python bench/canvas.py [--sizes 100,500,1000,2000] [--runs 3] [--no-build] [--timeout 600]
                                     [--floor-render-all]

Flows of N Message elements (one button each, connected in a chain, saved positions in a grid of 10
columns, a saved viewport at zoom 1) are created in a fresh SQLite database in a temporary folder and
opened by headless Chromium (Debian's, driven by Playwright, the arguments of the browser tests) from a
daphne on 127.0.0.1 started here, logged in as a marketer. The designer's front end is built first
(`flock /tmp/vite.lock npm run build`; --no-build uses static/dist as it is).

The floor: the same flow document drawn by bench/canvas_floor/ (a bare <ReactFlow> with default nodes,
the Message's text as label, and the same edges, positions and viewport; only the visible elements
rendered, as React Flow's performance guidance advises, or every one with --floor-render-all), built into
the temporary folder with its own Vite config and served by a tiny http.server on 127.0.0.1. Its keystroke
is a React-controlled textarea editing the selected node's label; its save is JSON.stringify of the whole
flow document (new positions and texts) and a fetch PUT of it to that loopback server, which answers 200.

Figures, each as min / median of --runs runs (a fresh page each run, one browser context per target and
size), both targets measured the same way, in the page, with performance.now():
- open-to-interactive: from navigation start (the page's time origin) to the paint of the first frame in
  which the canvas is shown, React Flow's store holds all N nodes (read from the store, so a canvas that
  renders only the visible elements counts too), every node element in the DOM has been measured (React
  Flow shows a node only once measured) and at least one is. "Paint" here and below is a
  requestAnimationFrame callback followed by a posted task, i.e. the frame has been produced and the
  main thread is free to take input.
- keystroke: select a node (click), click into its text field (the Message's "Text", field-text), then
  type 20 keys, 100 ms apart or more (each waits for the previous one's paint): from the key
  event's timestamp (the moment the browser received it, so queueing behind earlier work counts) to the
  paint after its input event. The figure of a run is the median of its 20 keys.
- save after a move: drag another node by (60, 40) px with the mouse, check the status says the draft
  is unsaved, click Save: from the pointerdown on Save to the paint of the first frame whose status
  (data-testid=status) starts with "Saved".
The ratio is ours / floor, of the medians. Progress goes to stderr, the figures to stdout.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import start, stop  # noqa: E402 (bench/ is the script's folder)

PASSWORD = "pw-123456"
USERNAME = "bench-marketer"
VIEWPORT = {"width": 1600, "height": 900}
COLUMNS, DX, DY = 10, 320, 240  # the grid of saved positions
KEYS = "abcdefghijklmnopqrst"  # 20 keystrokes per run
KEY_INTERVAL_S = 0.1
EDITED_NODE, DRAGGED_NODE = "m0", "m1"
FLOOR_SOURCE = ROOT / "bench" / "canvas_floor"

# Installed in every page before its own scripts run (the %d is the flow's node count). It finds React
# Flow's store through a minimal React DevTools hook (React announces each commit to it, production
# builds included), so the count of nodes does not depend on which ones are rendered.
PROBE = """
(() => {
  const expected = %d;
  const bench = { interactive: null, keys: [], saveMs: null, error: null };
  window.__bench = bench;
  let root = null;
  if (!window.__REACT_DEVTOOLS_GLOBAL_HOOK__) {
    window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true, isDisabled: false, renderers: new Map(),
      inject() { return 1; },
      onCommitFiberRoot(_id, fiberRoot) { root = fiberRoot; },
      onCommitFiberUnmount() {}, onPostCommitFiberRoot() {}, checkDCE() {},
    };
  }
  const isStore = (value) => value && typeof value.getState === "function"
    && value.getState() && value.getState().nodeLookup instanceof Map;
  let store = null;
  function findStore() {
    if (store || !root) return store;
    const stack = [root.current];
    while (stack.length) {
      const fiber = stack.pop();
      const value = fiber.memoizedProps && fiber.memoizedProps.value;
      if (isStore(value)) { store = value; return store; }
      if (fiber.sibling) stack.push(fiber.sibling);
      if (fiber.child) stack.push(fiber.child);
    }
    return null;
  }
  // After the next frame is produced: a rAF callback, then a posted task (runs once painted).
  function afterPaint(done) {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(performance.now());
      channel.port2.postMessage(null);
    });
  }
  function poll() {
    const canvas = document.querySelector('[data-testid="canvas"]');
    if (canvas) {
      const rendered = canvas.querySelectorAll(".react-flow__node");
      const found = findStore();
      const count = found ? found.getState().nodeLookup.size : rendered.length;
      if (count >= expected && rendered.length > 0
          && Array.prototype.every.call(rendered, (node) => node.style.visibility !== "hidden")) {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { bench.interactive = performance.now(); };
        channel.port2.postMessage(null);
        bench.storeFound = Boolean(found);
        bench.rendered = rendered.length;
        return;
      }
    }
    requestAnimationFrame(poll);
  }
  requestAnimationFrame(poll);

  let keyStart = null;
  const isField = (target) => target && target.dataset && target.dataset.testid === "field-text";
  window.addEventListener("keydown", (event) => {
    if (isField(event.target)) keyStart = event.timeStamp;
  }, true);
  window.addEventListener("input", (event) => {
    if (keyStart === null || !isField(event.target)) return;
    const started = keyStart;
    keyStart = null;
    afterPaint((now) => bench.keys.push(now - started));
  }, true);

  window.addEventListener("pointerdown", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('[data-testid="save"]')) return;
    const started = event.timeStamp;
    bench.saveMs = null;
    const check = () => {
      const status = document.querySelector('[data-testid="status"]');
      if (status && /^saved\\b/i.test(status.textContent.trim())) {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { bench.saveMs = performance.now() - started; };
        channel.port2.postMessage(null);
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  }, true);
})();
"""


@dataclass
class Figures:
    """One target's figures at one size: one value per run, in ms."""

    open_ms: list[float] = field(default_factory=list)
    key_ms: list[float] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    failed: str = ""


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,500,1000,2000", help="comma-separated element counts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-build", action="store_true", help="use static/dist as it is")
    parser.add_argument(
        "--floor-render-all",
        action="store_true",
        help="the floor renders every node (default: only the visible ones, as React Flow advises)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds one step may take")
    args = parser.parse_args()
    try:
        sizes = list(dict.fromkeys(int(size) for size in args.sizes.split(",") if size.strip()))
    except ValueError:
        parser.error(f"--sizes must be whole numbers separated by commas, not {args.sizes!r}")
    if not sizes or min(sizes) < 2 or args.runs < 1:
        parser.error("--sizes needs counts of at least 2 and --runs at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="flowdesigner-bench-canvas-"))
    daphne = None
    floor_server = None
    try:
        flows = prepare_database(tmp, sizes)
        floor_dir = build_fronts(tmp, skip_designer=args.no_build)
        for size, (_flow_id, doc) in flows.items():
            (floor_dir / f"flow-{size}.json").write_text(json.dumps(doc))
        port = free_port()
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        daphne = start([*command, "flowdesigner.asgi:application"], cwd=ROOT, log=tmp / "daphne.log")
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/login/", daphne, tmp / "daphne.log")
        floor_server = serve_floor(floor_dir)
        floor_base = f"http://127.0.0.1:{floor_server.server_port}"
        measure_all(args, sizes, flows, base, floor_base)
    finally:
        if floor_server is not None:
            floor_server.shutdown()
            floor_server.server_close()
        if daphne is not None:
            stop(daphne)
        shutil.rmtree(tmp, ignore_errors=True)


# --- setup -------------------------------------------------------------------------------------


def chain_definition(size: int) -> dict:
    """`size` Message elements with one button each, each leading to the next, in a grid."""
    ids = [f"m{i}" for i in range(size)]
    nodes = [
        {
            "id": node_id,
            "type": "message",
            "config": {
                "text": f"Step {i + 1} of {size}: shall we go on?",
                "buttons": [{"id": "next", "caption": "Next"}],
            },
            "exits": {"next": ids[i + 1]} if i + 1 < size else {},
        }
        for i, node_id in enumerate(ids)
    ]
    positions = {
        node_id: {"x": (i % COLUMNS) * DX, "y": (i // COLUMNS) * DY} for i, node_id in enumerate(ids)
    }
    return {
        "spec_version": 1,
        "nodes": nodes,
        "ui": {"nodes": positions, "viewport": {"x": 40, "y": 40, "zoom": 1}},
    }


def prepare_database(tmp: Path, sizes: list[int]) -> dict[int, tuple[int, dict]]:
    """A migrated SQLite database with a marketer and one chain flow per size: {size: (flow id, doc)}."""
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections

    from engine.checks import definition_issues
    from flowdesigner import services as flow_services
    from flowdesigner.roles import MARKETER

    log("migrating a fresh SQLite database ...")
    call_command("migrate", verbosity=0)
    user = User.objects.create_user(USERNAME, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=MARKETER)[0])
    flows = {}
    for size in sizes:
        doc = chain_definition(size)
        issues = definition_issues(doc)
        flow = flow_services.flow_create(name=f"Canvas bench {size}", definition=doc, user=user)
        flows[size] = (flow.pk, doc)
        log(f"flow of {size} Message elements: id {flow.pk}, {len(issues)} validation issue(s)")
    connections.close_all()  # daphne uses the file next; this process writes nothing more
    return flows


def build_fronts(tmp: Path, *, skip_designer: bool) -> Path:
    """Build the designer (into static/dist, as `make` does) unless skipped, and the floor page into
    tmp/floor; returns the floor's folder."""
    if skip_designer:
        if not (ROOT / "static" / "dist" / "designer.js").exists():
            raise SystemExit("static/dist/designer.js is missing: run `npm run build` or drop --no-build")
        log("designer: using static/dist as it is (--no-build)")
    else:
        log("building the designer (flock /tmp/vite.lock npm run build) ...")
        lock = "/tmp/vite.lock"  # noqa: S108 (the lock every build of this checkout takes)
        run_logged(["flock", lock, "npm", "run", "build"], tmp / "build-designer.log")
    floor_dir = tmp / "floor"
    log("building the floor page (bench/canvas_floor) ...")
    run_logged(
        [
            "npx",
            "vite",
            "build",
            "--config",
            str(FLOOR_SOURCE / "vite.config.ts"),
            "--outDir",
            str(floor_dir),
        ],
        tmp / "build-floor.log",
    )
    return floor_dir


def run_logged(command: list[str], log_path: Path) -> None:
    with log_path.open("wb") as out:
        result = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode:
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n" + "\n".join(tail))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            raise SystemExit(f"daphne exited with {process.returncode}; its log ends:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback server)
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


class FloorHandler(SimpleHTTPRequestHandler):
    """Serves the built floor page and its flow documents; a PUT (the floor's save) is read whole and
    answered 200, nothing stored."""

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        json.loads(body)  # the floor's save must send a whole, valid document
        reply = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def serve_floor(directory: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(FloorHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- measuring -------------------------------------------------------------------------------------


def measure_all(
    args, sizes: list[int], flows: dict[int, tuple[int, dict]], base: str, floor_base: str
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print_header(args, sizes, browser.version)
            visible = 0 if args.floor_render_all else 1
            for size in sizes:
                flow_id, _doc = flows[size]
                login_page = login(browser, base, USERNAME, PASSWORD, viewport=VIEWPORT)
                ours_context = login_page.context
                login_page.close()
                floor_context = browser.new_context(viewport=VIEWPORT)
                results = {}
                for name, context, url in (
                    ("ours", ours_context, f"{base}/flows/{flow_id}/design/"),
                    (
                        "floor",
                        floor_context,
                        f"{floor_base}/index.html?flow=flow-{size}.json&visible={visible}",
                    ),
                ):
                    context.set_default_timeout(args.timeout * 1000)
                    context.add_init_script(PROBE % size)
                    results[name] = measure_target(context, name, url, size, args)
                ours_context.close()
                floor_context.close()
                print_size(size, results["ours"], results["floor"])
        finally:
            browser.close()


class BrokenPage(RuntimeError):
    """The page could not load its scripts or styles (e.g. static/dist rebuilt under it): worth a retry."""


def measure_target(context, name: str, url: str, size: int, args) -> Figures:
    """--runs runs of open, keystrokes and save on a fresh page each; a run whose page broke is retried
    once, any other failure (a timeout, a designer that changed under us) ends this target's runs."""
    figures = Figures()
    run, retried = 1, False
    while run <= args.runs:
        page = context.new_page()
        try:
            log(f"{size} elements, {name}, run {run}/{args.runs}: opening ...")
            opened = open_page(page, url, args.timeout)
            counted = page.evaluate("[window.__bench.storeFound, window.__bench.rendered]")
            log(
                f"  open-to-interactive {opened:.0f} ms (nodes counted in "
                f"{'the store' if counted[0] else 'the DOM'}, {counted[1]} rendered); "
                f"typing {len(KEYS)} keys ..."
            )
            key = type_keys(page)
            log(f"  keystroke median {key:.1f} ms; moving a node and saving ...")
            saved = move_and_save(page)
            log(f"  save after a move {saved:.0f} ms")
        except BrokenPage as error:
            log(f"  page broke: {error}")
            if retried:
                figures.failed = f"run {run}: {error}"
                break
            retried = True
            log("  retrying this run once")
            continue
        except Exception as error:  # noqa: BLE001 (reported in the output, the other targets still run)
            figures.failed = f"run {run}: {type(error).__name__}: {str(error).splitlines()[0]}"
            log(f"  FAILED {figures.failed}")
            break
        finally:
            page.close()
        figures.open_ms.append(opened)
        figures.key_ms.append(key)
        figures.save_ms.append(saved)
        run += 1
    return figures


def open_page(page, url: str, timeout: float) -> float:
    """Navigate and wait for the probe's "interactive"; ms since navigation start."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    failed: list[str] = []

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type in ("document", "script", "stylesheet"):
            failed.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on("requestfailed", lambda request: failed.append(f"{request.failure} {request.url}"))
    page.goto(url, wait_until="commit")
    deadline = time.monotonic() + timeout
    while True:
        try:
            page.wait_for_function(
                "window.__bench && window.__bench.interactive !== null", polling=100, timeout=2000
            )
            return page.evaluate("window.__bench.interactive")
        except PlaywrightTimeout:
            if failed:
                raise BrokenPage("; ".join(failed[:3])) from None
            if time.monotonic() > deadline:
                raise


def node(page, node_id: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def grab_point(page, node_id: str) -> tuple[float, float]:
    """A point near the top of the node (its header, not a button or an exit handle)."""
    box = node(page, node_id).bounding_box()
    if box is None:
        raise RuntimeError(f"node {node_id} is not on screen")
    return box["x"] + box["width"] / 2, box["y"] + min(12, box["height"] / 4)


def type_keys(page) -> float:
    """Select a node, type KEYS into its text field; the median ms from key to paint."""
    page.mouse.click(*grab_point(page, EDITED_NODE))
    field = page.get_by_test_id("field-text")
    field.click()
    field.press("End")
    page.evaluate("window.__bench.keys = []")
    for count, key in enumerate(KEYS, start=1):
        pressed = time.monotonic()
        page.keyboard.press(key)
        page.wait_for_function(f"window.__bench.keys.length >= {count}", polling=10)
        time.sleep(max(0.0, pressed + KEY_INTERVAL_S - time.monotonic()))
    keys = page.evaluate("window.__bench.keys")
    value = field.input_value()
    if not value.endswith(KEYS):
        raise RuntimeError(f"the text field holds {value[-40:]!r}, not the typed keys")
    # Let the edit be saved (autosave, or Save where there is none) before the move, so the timed save
    # below saves the move alone.
    page.get_by_test_id("save").click()
    wait_status(page, saved=True)
    return statistics.median(keys)


def move_and_save(page) -> float:
    """Drag a node by about (60, 40) px, click Save; ms from the pointerdown on Save to the "Saved" paint."""
    before = node(page, DRAGGED_NODE).bounding_box()
    x, y = grab_point(page, DRAGGED_NODE)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 20, steps=5)
    page.mouse.move(x + 60, y + 40, steps=5)
    page.mouse.up()
    wait_status(page, saved=False)
    after = node(page, DRAGGED_NODE).bounding_box()
    # React Flow starts a drag past a small threshold, so the node moves a few px less than the mouse.
    if before is None or after is None or after["x"] - before["x"] < 40:
        raise RuntimeError(f"the node did not follow the mouse: {before} -> {after}")
    page.evaluate("window.__bench.saveMs = null")
    page.get_by_test_id("save").click()
    page.wait_for_function("window.__bench.saveMs !== null", polling=50)
    return page.evaluate("window.__bench.saveMs")


def wait_status(page, *, saved: bool) -> None:
    """Wait until the status says "Saved…" (saved=True) or anything else (an unsaved draft)."""
    test = "/^saved\\b/i.test(s.textContent.trim())"
    page.wait_for_function(
        f"(() => {{ const s = document.querySelector('[data-testid=\"status\"]'); "
        f"return s && {'' if saved else '!'}{test}; }})()",
        polling=50,
    )


# --- output -------------------------------------------------------------------------------------


def print_header(args, sizes: list[int], chromium_version: str) -> None:
    print(
        f"canvas: {', '.join(map(str, sizes))} Message elements, {args.runs} run(s) each; headless Chromium "
        f"{chromium_version}, viewport {VIEWPORT['width']}x{VIEWPORT['height']}; daphne + SQLite on loopback",
        flush=True,
    )
    print(
        "open = navigation start -> paint of the first frame with every node in React Flow's store and every "
        "rendered node measured;\nkey = key event -> paint (median of 20 keys per run); save = pointerdown "
        'on Save after a drag -> paint of "Saved".\nfloor = the same flow on a bare React Flow page '
        f"rendering {'every node' if args.floor_render_all else 'only the visible nodes'} "
        "(save = JSON.stringify + fetch PUT to a loopback server). Figures in ms, min / median.",
        flush=True,
    )
    print(f"{'elements':>8}  {'figure':<10} {'ours':>17} {'floor':>17} {'ours/floor':>10}", flush=True)


def print_size(size: int, ours: Figures, floor: Figures) -> None:
    for label, attr in (("open", "open_ms"), ("key", "key_ms"), ("save", "save_ms")):
        mine, base = getattr(ours, attr), getattr(floor, attr)
        ratio = f"{statistics.median(mine) / statistics.median(base):.1f}x" if mine and base else "-"
        print(f"{size:>8}  {label:<10} {spread(mine):>17} {spread(base):>17} {ratio:>10}", flush=True)
    for name, figures in (("ours", ours), ("floor", floor)):
        if figures.failed:
            print(f"{size:>8}  {name} failed at {figures.failed}", flush=True)


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.1f} / {statistics.median(values):.1f}"


if __name__ == "__main__":
    main()
