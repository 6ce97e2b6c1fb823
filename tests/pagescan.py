"""What a browser would run or follow in a page: the XSS and privacy tests read pages with it."""

from html.parser import HTMLParser


class PageScan(HTMLParser):
    """Collects what a browser would execute or follow: script elements, event handler
    attributes, and URLs in attributes."""

    URL_ATTRS = {"href", "src", "action", "formaction", "srcset", "poster", "data"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = []  # (attrs, text)
        self.handlers = []  # (tag, attribute)
        self.urls = []  # (tag, attribute, value)
        self.styles = []  # text of <style> elements
        self._in = None
        self._attrs = {}
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in self.URL_ATTRS and value is not None:
                self.urls.append((tag, name, value))
        if tag in ("script", "style"):
            self._in, self._attrs, self._text = tag, attrs, []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == self._in == "script":
            self.scripts.append((self._attrs, "".join(self._text)))
            self._in = None
        elif tag == self._in == "style":
            self.styles.append("".join(self._text))
            self._in = None


def scan(html):
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def body_of(response):
    """A test client response's text, streamed (the feeds, the CSV export) or not."""
    return response.getvalue().decode(errors="replace")
