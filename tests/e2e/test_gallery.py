"""``make gallery`` opened in a real browser (Debian's headless Chromium, driven by Playwright): every email frame
at 375 px fits without horizontal scrolling, every image in every frame loads, and the page holds every event type.
Skipped when no Chromium is installed (``apt-get install chromium``)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from notify_core.domain import catalog

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _gallery():
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "scripts" / "gallery.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Inside one email frame: how wide the document is, and the images that did not load.
MEASURE = """() => {
  const doc = document.documentElement;
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  return {width: Math.max(doc.scrollWidth, document.body.scrollWidth), broken};
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    index = _gallery().build(tmp_path_factory.mktemp("gallery"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(index.as_uri(), wait_until="load")
        yield page
        browser.close()


def test_the_gallery_shows_every_event_type(page):
    ids = page.eval_on_selector_all("article", "els => els.map(e => e.id)")
    assert sorted(ids) == sorted(catalog.CATALOG)
    assert page.locator("section.cell.sms").count() == 2 * sum("sms" in e.channels for e in catalog.CATALOG.values())


def test_no_email_overflows_375_px_and_every_image_loads(page):
    frames = [f for f in page.frames if f != page.main_frame]
    emails = page.locator("iframe.email").count()
    assert emails == len(frames) > 0
    problems = []
    for frame in frames:
        element = frame.frame_element()
        width = int(element.get_attribute("data-width") or 0)
        frame.wait_for_load_state("load")
        got = frame.evaluate(MEASURE)
        title = element.get_attribute("title")
        if got["width"] > width:
            problems.append(f"{title}: {got['width']} px wide in a {width} px frame")
        if got["broken"]:
            problems.append(f"{title}: images missing {got['broken']}")
    assert problems == []


def test_the_check_sees_an_overflow_and_a_missing_image(page, tmp_path):
    bad = '<table width="600"><tr><td>wide</td></tr></table><img src="missing.png">'
    probe = tmp_path / "probe.html"
    probe.write_text(f'<iframe class="probe" width="375" height="300" srcdoc=\'{bad}\'></iframe>', encoding="utf-8")
    other = page.context.browser.new_page()
    other.goto(probe.as_uri(), wait_until="load")
    [frame] = [f for f in other.frames if f != other.main_frame]
    got = frame.evaluate(MEASURE)
    assert got["width"] > 375 and len(got["broken"]) == 1
    other.close()
