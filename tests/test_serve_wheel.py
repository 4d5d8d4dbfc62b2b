"""The wheel carries derive serve's page and KaTeX with its fonts (the page fetches nothing from
elsewhere, so a wheel without them would show no formula), and the serve extra names its server."""
import re
import zipfile
from pathlib import Path

from test_packaging import built  # noqa: F401 - the sdist and the wheel, built once for this module

STATIC = Path(__file__).resolve().parent.parent / "derive" / "serve" / "static"


def test_the_wheel_carries_the_page_katex_and_its_fonts(built):  # noqa: F811 - the fixture imported above
    with zipfile.ZipFile(built[1]) as archive:
        listed = set(archive.namelist())
        metadata = archive.read(next(name for name in listed if name.endswith(".dist-info/METADATA"))).decode()
    for name in ("index.html", "app.js", "style.css", "katex/katex.min.js", "katex/katex.min.css"):
        assert f"derive/serve/static/{name}" in listed, name
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", (STATIC / "katex" / "katex.min.css").read_text()))
    assert fonts and all(f"derive/serve/static/katex/{font}" in listed for font in fonts)
    assert re.search(r"Requires-Dist: starlette.*extra == .serve.", metadata)
    assert re.search(r"Requires-Dist: uvicorn.*extra == .serve.", metadata)
