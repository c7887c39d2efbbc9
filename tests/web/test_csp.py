"""The strict Content-Security-Policy (issue 16, docs/security.md): no page may run or style anything
inline, every page refuses to be framed, and HSTS is sent whenever the browser reached us over TLS.

Two guard rails: the templates hold no inline script, style or event handler (so the policy can stay
strict), and every page route, called as anonymous, bidder and staff, answers with the policy."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
HTML = {"Accept": "text/html"}

_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
_STYLE_TAG = re.compile(r"<style\b", re.I)
_STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S)
_HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)

def test_templates_hold_no_inline_script_style_or_handler():
    """Standalone documents (tutanak, sıra cetveli, certificates) are not templates here: they are built
    in Python, printed to PDF too, and served under web.documents.document_csp, which runs no script."""
    files = list(TEMPLATES.rglob("*.html"))
    assert len(files) > 20, "the walk must see the page templates"
    problems = []
    for path in files:
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)  # Jinja comments
        name = str(path.relative_to(TEMPLATES))
        for m in _SCRIPT_TAG.finditer(text):
            attrs = m.group(1)
            # A data block (type="application/json") is never executed; any other script must be a file.
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                problems.append(f"{name}: inline <script{attrs}>")
        if _STYLE_TAG.search(text):
            problems.append(f"{name}: <style> block")
        if _STYLE_ATTR.search(text):
            problems.append(f"{name}: style= attribute")
        if _HANDLER_ATTR.search(text):
            problems.append(f"{name}: on…= event handler attribute")
        if "javascript:" in text:
            problems.append(f"{name}: javascript: URL")
    assert problems == [], "move these into web/static (the CSP refuses inline code): " + "; ".join(problems)


def test_htmx_is_configured_for_the_strict_policy():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert meta, "htmx must be configured by its meta tag"
    # No injected indicator <style>, no eval of hx-vars/js: attributes, no script tags out of swapped HTML.
    assert '"includeIndicatorStyles": false' in meta.group(1)
    assert '"allowEval": false' in meta.group(1)
    assert '"allowScriptTags": false' in meta.group(1)


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _page_paths(app) -> list[str]:
    paths = set()
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or "GET" not in (route.original_route.methods or ()):
            continue
        if route.path.startswith(("/api/", "/docs", "/openapi", "/redoc", "/static")):
            continue
        paths.add(re.sub(r"\{[^}]+\}", "1", route.path))
    return sorted(paths)


def _assert_strict(path: str, r: httpx.Response) -> None:
    csp = r.headers.get("content-security-policy")
    assert csp, f"{path}: no Content-Security-Policy"
    assert r.headers.get("x-frame-options") == "DENY", path
    assert r.headers.get("x-content-type-options") == "nosniff", path
    d = _directives(csp)
    assert d.get("frame-ancestors") == ["'none'"], f"{path}: {csp}"
    if d.get("default-src") == ["'none'"]:
        # A standalone document: nothing may run at all; only its own styles apply, by hash.
        assert "script-src" not in d and "'unsafe-inline'" not in csp, f"{path}: {csp}"
        assert all(s.startswith("'sha256-") or s == "'unsafe-hashes'" for s in d["style-src"]), f"{path}: {csp}"
        return
    assert d.get("script-src") == ["'self'"], f"{path}: {csp}"
    assert d.get("style-src") == ["'self'"], f"{path}: {csp}"
    assert d.get("object-src") == ["'none'"], f"{path}: {csp}"
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp, f"{path}: {csp}"


async def test_every_page_route_answers_with_the_strict_policy(app, client, staff, bidder):
    paths = _page_paths(app)
    assert len(paths) > 40, f"the walk must see the page routes: {paths}"
    html_pages = 0
    for who in ({}, bidder.headers, staff.headers):
        for path in paths:
            r = await client.get(path, headers={**HTML, **who})
            assert r.status_code < 500, f"{path}: {r.status_code}"
            _assert_strict(path, r)
            if r.status_code == 200 and r.headers.get("content-type", "").startswith("text/html"):
                html_pages += 1
    assert html_pages >= 25, "the walk must reach real pages, not only redirects and 404s"


async def test_swagger_ui_alone_may_run_inline_code(client):
    r = await client.get("/docs")
    d = _directives(r.headers["content-security-policy"])
    assert "'unsafe-inline'" in d["script-src"] and d["frame-ancestors"] == ["'none'"]


async def test_hsts_only_over_tls(app):
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as plain:
        assert "strict-transport-security" not in (await plain.get("/healthz")).headers
    # Behind the TLS proxy uvicorn (proxy_headers) sets the scope's scheme to https.
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as tls:
        hsts = (await tls.get("/healthz")).headers["strict-transport-security"]
    assert hsts.startswith("max-age=31536000")


@pytest.mark.parametrize(("env_name", "sent"), [("production", True), ("development", False)])
def test_hsts_in_production_even_over_plain_http(settings, env_name, sent):
    """ESATIS_ENV=production always runs behind the TLS proxy: HSTS whatever the proxy forwards."""
    from web.app import create_app
    from web.middleware import RequestContextMiddleware

    application = create_app(settings.model_copy(update={"env": env_name}), run_workers=False)
    (mw,) = [m for m in application.user_middleware if m.cls is RequestContextMiddleware]
    assert mw.kwargs["hsts"] is sent


def test_a_documents_policy_admits_exactly_its_own_styles():
    import base64
    import hashlib

    from web.documents import document_csp

    def h(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    html = ('<html><head><style>\nbody{font:12pt serif}\n</style></head>'
            '<body><td style="width:2%">x</td><col style=\'text-align:center\'></body></html>')
    d = _directives(document_csp(html))
    assert d["style-src"] == [h("\nbody{font:12pt serif}\n"), "'unsafe-hashes'",
                              *sorted([h("width:2%"), h("text-align:center")])]
    assert d["default-src"] == ["'none'"] and "script-src" not in d and d["frame-ancestors"] == ["'none'"]
    assert _directives(document_csp("<p>x</p>"))["style-src"] == ["'none'"]
