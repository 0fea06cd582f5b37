"""Reading a rendered HTML e-mail the way a test needs to: its links, buttons, images and <style>."""

import re
from html.parser import HTMLParser

AT_RULE_BLOCK = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", re.S)


class EmailHTML(HTMLParser):
    """The parts of an HTML e-mail that tests check (stdlib parser: what a mail client gets)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.links, self.images, self.styles, self.button_cells = [], [], [], []
        self.elements_without_inline_style = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        if tag == "a":
            self.links.append(attrs)
        if tag == "img":
            self.images.append(attrs)
        if tag == "td" and "button-cell" in (attrs.get("class") or ""):
            self.button_cells.append(attrs)
        if attrs.get("class") and not attrs.get("style"):
            self.elements_without_inline_style.append((tag, attrs["class"]))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles[-1] += data

    def buttons(self):
        """hrefs of the bulletproof buttons (links styled as one inside a coloured table cell)."""
        return [link["href"] for link in self.links if "button" in (link.get("class") or "").split()]

    def styles_needing_a_head(self):
        """What is left in <style> besides @media rules (an enhancement): must be nothing."""
        return [AT_RULE_BLOCK.sub("", style).strip() for style in self.styles if AT_RULE_BLOCK.sub("", style).strip()]
