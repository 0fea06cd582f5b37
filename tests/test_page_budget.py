"""No page links more than 100 KB of its own CSS and JavaScript (htmx and Prism excluded)."""

import re
from pathlib import Path

from tools.demo_pages import fetched_pages, seed

STATIC = Path(__file__).resolve().parent.parent / "static"
EXCLUDED = ("vendor/htmx-", "vendor/prism-")
BUDGET_BYTES = 100 * 1024


def linked_assets(html):
    """The static CSS and JS files a page links (stylesheets and scripts), without versions."""
    return set(re.findall(r'(?:href|src)="/static/([^"?]+\.(?:css|js))(?:\?[^"]*)?"', html))


def test_every_page_links_under_100_kb_of_css_and_js(clock, app, client):
    demo = seed(app)
    weights = {}
    for item, response in fetched_pages(client, demo):
        assets = [name for name in linked_assets(response.text) if not name.startswith(EXCLUDED)]
        assert {"tokens.css", "base.css", "components.css", "app.js"} <= set(assets), item.name
        weights[item.name] = sum((STATIC / name).stat().st_size for name in assets)
    assert weights and max(weights.values()) < BUDGET_BYTES, weights


def test_no_inline_styles_and_colours_only_from_tokens():
    """The CSP refuses style="" and <style>; every colour is a token in tokens.css."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    inline = [
        str(path)
        for path in templates.rglob("*.html")
        if path.parts[-2] != "email"
        and re.search(r"\sstyle=|<style[\s>]", re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S))
    ]
    scripts = [path.name for path in STATIC.glob("*.js") if re.search(r"\.style\b|setAttribute\(\s*['\"]style", path.read_text())]
    raw_colours = {
        path.name: re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S))
        for path in STATIC.glob("*.css")
        if path.name != "tokens.css"
    }
    assert inline == [] and scripts == []
    assert {name: found for name, found in raw_colours.items() if found} == {}
