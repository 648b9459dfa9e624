"""`/schema` works offline: its page loads only pinned assets the service serves itself."""

import base64
import hashlib
import re

import httpx

from api.http.schema_ui import VERSION


async def test_the_docs_page_loads_only_same_origin_assets_that_answer(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""<(?:script|link)[^>]*?(?:src|href)=["']([^"']+)["']""", page.text)
    assert len(urls) == 4, urls  # the favicon, the stylesheet and two scripts
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        kind = asset.headers["content-type"]
        assert kind.startswith(("text/javascript", "text/css", "image/svg+xml")), (url, kind)
    pinned = [url for url in urls if VERSION in url]
    assert len(pinned) == 3
    cached = await client.get(pinned[0])
    assert "max-age=31536000" in cached.headers["cache-control"]
    assert (await client.get(f"/schema/assets/{VERSION}/swagger-ui.js")).status_code == 404


async def test_the_docs_page_allows_only_its_own_assets_and_its_start_up_script(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/schema")).text
    [policy] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    rules = dict(rule.strip().split(" ", 1) for rule in policy.split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["connect-src"] == "'self'"
    [inline] = re.findall(r"<script type='text/javascript'>(.*?)</script>", page, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert rules["script-src"] == f"'self' 'sha256-{digest}'"
