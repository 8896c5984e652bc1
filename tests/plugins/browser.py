"""Browser fixtures: Debian's Chromium, headless, driven through Playwright's sync API.

`browser` (one per test module), `page` (a fresh context per test that fails the test on any JavaScript
error and on any Content-Security-Policy violation), `screenshot(name)` (PNG under var/screenshots/) and
`login(page, live_server, email, password)`. A test that opens a context of its own watches it with `csp_watch`.

The pages run under the Content-Security-Policy, without 'unsafe-eval': give `page.wait_for_function` a function
("() => ..."), which Playwright compiles outside the page's policy; a bare expression is eval'd in the page and refused.

Chromium comes from the system (`/usr/bin/chromium`, or `LUMEN_CHROMIUM`), not from Playwright's own
downloads. Without it browser tests skip with the reason, unless `LUMEN_REQUIRE_BROWSER=1` (CI), where
they fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"

_js_errors_key = pytest.StashKey[list]()
_csp_key = pytest.StashKey[list]()
_csp_contexts_key = pytest.StashKey[list]()

# Runs in every document of a watched context before the page's own scripts (an init script, which the page's
# policy does not apply to) and reports each violation of the Content-Security-Policy, enforced or report-only,
# to Python through a binding, so that none is lost when the page navigates away.
CSP_WATCH = """
window.addEventListener("securitypolicyviolation", function (event) {
  var where = event.sourceFile ? event.sourceFile + (event.lineNumber ? ":" + event.lineNumber : "") : "";
  try {
    window.__lumenCspViolation({
      directive: event.effectiveDirective || event.violatedDirective, blocked: event.blockedURI || "",
      where: where, sample: event.sample || "", page: location.href, disposition: event.disposition
    });
  } catch (e) { /* the page is closing */ }
}, true);
"""


def chromium_path() -> str:
    return os.environ.get("LUMEN_CHROMIUM", "/usr/bin/chromium")


def _browser_required() -> bool:
    return os.environ.get("LUMEN_REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if _browser_required():
        pytest.fail(f"{reason} (LUMEN_REQUIRE_BROWSER is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """A test that drives the browser is a browser test, so `-m "not browser"` leaves it out."""
    for item in items:
        if {"browser", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def _csp_report(item) -> str:
    """The violations the test's watched contexts saw, each once with its count ("" when none)."""
    violations = item.stash.get(_csp_key, None)
    if violations is None:
        return ""
    for context in item.stash.get(_csp_contexts_key, []):
        # A round trip through each page delivers the violations it reported before this point.
        for open_page in context.pages:
            try:
                open_page.evaluate("0")
            except Exception:  # closed or navigating: whatever it reported has arrived with its end
                pass
    counts: dict[str, int] = {}
    for violation in violations:
        counts[violation] = counts.get(violation, 0) + 1
    return "\n  ".join(f"{text}{f' (x{n})' if n > 1 else ''}" for text, n in counts.items())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when the page reported a JavaScript error or a
    Content-Security-Policy violation."""
    try:
        result = yield
    except (Exception, pytest.fail.Exception) as exc:  # the test failed: say what the policy refused as well
        csp = _csp_report(item)
        if csp:
            exc.add_note("Content-Security-Policy violations in the page:\n  " + csp)
        raise
    problems = []
    csp = _csp_report(item)
    if csp:
        problems.append("Content-Security-Policy violations in the page:\n  " + csp)
    errors = item.stash.get(_js_errors_key, None)
    if errors:
        problems.append("JavaScript errors in the page:\n  " + "\n  ".join(errors))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    return result


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium for the tests of one module.

    Not for the whole session: while Playwright's sync API is alive, this thread counts as running an
    event loop, which breaks every later test that uses `async_to_sync` or `asyncio.run` (websocket
    consumers, Channels layers), and Django's async-safety switch below must not outlive the browser
    tests either (`check --deploy` rejects it). A launch costs well under a second per module.
    """
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(f"needs Chromium at {path}: apt-get install chromium, or set LUMEN_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("needs the playwright package: pip install -e '.[dev]'")

    # Playwright's sync API keeps an asyncio loop running in this thread; Django would then refuse
    # ORM calls from the test body ("You cannot call this from an async context"). The calls are in
    # fact synchronous, so allow them for as long as the browser lives.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            instance = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install: say what failed
            _unavailable(f"Chromium at {path} did not start: {exc}")
        yield instance
        instance.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def js_errors(request) -> list[str]:
    """JavaScript errors seen by `page` so far; a test that provokes one on purpose may clear it."""
    errors: list[str] = []
    request.node.stash[_js_errors_key] = errors
    return errors


@pytest.fixture
def csp_violations(request) -> list[str]:
    """Content-Security-Policy violations seen so far by the contexts `csp_watch` watches (the `page` fixture's
    among them); any fails the test."""
    violations: list[str] = []
    request.node.stash[_csp_key] = violations
    request.node.stash[_csp_contexts_key] = []
    return violations


@pytest.fixture
def csp_watch(request, csp_violations) -> Callable[..., None]:
    """`csp_watch(context)`: record the Content-Security-Policy violations of every page of a browser context."""

    def record(source, report: dict) -> None:
        sample = f" sample={report['sample']!r}" if report.get("sample") else ""
        where = report.get("where") or "the document"
        mode = " [report-only]" if report.get("disposition") == "report" else ""
        csp_violations.append(
            f"{report['directive']} refused {report['blocked'] or 'inline'} from {where}{sample}{mode}"
            f" (page {report['page']})"
        )

    def watch(context) -> None:
        context.expose_binding("__lumenCspViolation", record)
        context.add_init_script(CSP_WATCH)
        request.node.stash[_csp_contexts_key].append(context)

    return watch


@pytest.fixture
def page(browser, js_errors, csp_watch) -> Iterator:
    """A page in a fresh browser context (no cookies shared between tests), desktop sized."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    csp_watch(context)
    # pytest-django's live server speaks WSGI, without websockets. Pages connect to /ws/... through a
    # silent stand-in instead (open, never speaking), so they behave as connected and idle; a test of
    # realtime behaviour routes the socket itself and plays the server's part.
    context.route_web_socket(re.compile(r"/ws/"), lambda socket: None)
    new_page = context.new_page()

    def on_console(message) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        url = location.get("url", "")
        if urlsplit(url).path == "/favicon.ico":
            return  # the browser's own probe, not the page's doing
        js_errors.append(f"console error: {message.text} ({url or '?'})")

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda exc: js_errors.append(f"uncaught: {exc}"))
    yield new_page
    context.close()


@pytest.fixture
def screenshot(page) -> Callable[..., Path]:
    """`screenshot("directory")` saves var/screenshots/directory.png (the whole page) and returns it."""

    def take(name: str, *, full_page: bool = True) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def login(page, live_server, email: str, password: str) -> None:
    """Sign in through the login form, as a person would, and wait until the portal lets us in."""
    from django.urls import reverse

    login_path = reverse("login")
    # Leave the current page first: its scripts (the workday widget, the control-time beat) may have a request
    # in flight that, once the test has cleared the cookies, comes back through the login page with a CSRF
    # cookie of its own, after the form was rendered with another one ("CSRF token incorrect").
    page.goto("about:blank")
    page.goto(live_server.url + login_path)
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("[type=submit]").first.click()
    if urlsplit(page.url).path == login_path:
        pytest.fail(f"could not sign in as {email}: the login form came back", pytrace=False)


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page) -> None:
    """Wait until htmx has no request in flight and has settled its last swap.

    htmx binds the triggers of swapped-in content only when it settles (about 20 ms after the swap): typing into
    a swapped-in field before then fires events nobody listens to yet, and a click on a swapped-in button posts
    its form the old way (a page load) instead of through htmx. A person is never that quick; a test is.

    Call it after waiting for what the swap brings (`expect(...)`): it sees requests in flight and swaps being
    settled, not a trigger still waiting for its delay (`hx-trigger="input changed delay:300ms"`) nor a swap
    whose request has not gone out yet. With a paused fake clock (`page.clock`) settling waits for `run_for`.
    """
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


@pytest.fixture(name="login")
def login_fixture() -> Callable[..., None]:
    return login
