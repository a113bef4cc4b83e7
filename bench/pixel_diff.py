"""Same look? Screenshots of two builds of a site, compared pixel by pixel.

    python bench/pixel_diff.py BEFORE_SITE AFTER_SITE [PAGE ...] [--out DIR]

Serves each built site under a sub-path (/papershelf/) on 127.0.0.1, opens each page in the
system Chromium at 390 and 1366 px wide, light and dark, and prints the number of pixels that
differ (Pillow's ImageChops.difference) for each. Pages default to home, the first theme page
and the first paper page. With --out, the screenshots and a difference image are kept there.
Needs Pillow (`pip install pillow`); not part of the test suite (the tests check behaviour,
this checks looks when the page markup is changed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser_support import launch_chromium, serve  # noqa: E402

WIDTHS = (390, 1366)
SCHEMES = ("light", "dark")


def default_pages(site: Path) -> list[str]:
    theme = sorted(p.parent.name for p in (site / "themes").glob("*/index.html"))[0]
    paper = sorted(p.parent.name for p in (site / "papers").glob("*/index.html"))[0]
    return ["", f"themes/{theme}/", f"papers/{paper}/"]


def shoot(browser, base: str, page_path: str, width: int, scheme: str, path: Path) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(base + page_path, wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(400)  # (the search box fades its placeholder in as search starts)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    context.close()


def main(argv: list[str] | None = None) -> int:
    from PIL import Image, ImageChops
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="pixel-diff-"))
    out.mkdir(parents=True, exist_ok=True)
    pages = args.pages or default_pages(args.after)
    total = 0
    with tempfile.TemporaryDirectory() as mounts, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for label, site in (("before", args.before), ("after", args.after)):
            mount = Path(mounts) / label
            mount.mkdir()
            (mount / "papershelf").symlink_to(site.resolve())
            with serve(mount) as base:
                for page_path in pages:
                    for width in WIDTHS:
                        for scheme in SCHEMES:
                            name = f"{page_path.strip('/').replace('/', '_') or 'home'}-{width}-{scheme}"
                            shoot(browser, base + "papershelf/", page_path, width, scheme, out / f"{name}-{label}.png")
        browser.close()
    for page_path in pages:
        for width in WIDTHS:
            for scheme in SCHEMES:
                name = f"{page_path.strip('/').replace('/', '_') or 'home'}-{width}-{scheme}"
                before = Image.open(out / f"{name}-before.png").convert("RGB")
                after = Image.open(out / f"{name}-after.png").convert("RGB")
                if before.size != after.size:
                    print(f"{name}: sizes differ {before.size} vs {after.size}")
                    total += 1
                    continue
                diff = ImageChops.difference(before, after)
                count = sum(1 for pixel in diff.convert("L").point(lambda v: 255 if v else 0).tobytes() if pixel)
                if count:
                    diff.point(lambda v: 255 if v else 0).save(out / f"{name}-diff.png")
                print(f"{name}: {before.size[0]}x{before.size[1]}, {count} pixels differ")
                total += count
    print(f"screenshots in {out}; {total} differing pixels in all")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
