"""No page links more than 100 KB of its own CSS and JavaScript (htmx and Prism excluded)."""
import re
from pathlib import Path

from services import timeutil
from tools.demo_pages import PINNED_NOW, pages, seed

STATIC = Path(__file__).resolve().parent.parent / "static"
EXCLUDED = ("vendor/htmx-", "vendor/prism-")
BUDGET_BYTES = 100 * 1024


def linked_assets(html):
    """The static CSS and JS files a page links (stylesheets and scripts), without versions."""
    return set(re.findall(r'(?:href|src)="/static/([^"?]+\.(?:css|js))(?:\?[^"]*)?"', html))


def test_every_page_links_under_100_kb_of_css_and_js(clock, app, client):
    demo = seed(app)
    weights = {}
    signed_in = False
    for item in sorted(pages(demo), key=lambda p: not p.anonymous):  # signed-out pages first
        if not item.anonymous and not signed_in:
            client.post("/login", data={"email": "admin@example.com", "password": demo.password})
            signed_in = True
        timeutil.set_now(item.clock or PINNED_NOW)
        response = client.get(item.path)
        assert response.status_code == (404 if item.name == "error-404" else 200), item.name
        assets = [name for name in linked_assets(response.text) if not name.startswith(EXCLUDED)]
        assert {"tokens.css", "base.css", "components.css", "app.js"} <= set(assets), item.name
        weights[item.name] = sum((STATIC / name).stat().st_size for name in assets)
    assert weights and max(weights.values()) < BUDGET_BYTES, weights
