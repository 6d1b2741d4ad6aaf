"""Stored XSS: every payload of tests/xss_corpus.py in every field of xss_targets.TARGETS,
every page that shows them opened in Chromium.

The pages are opened with the Content-Security-Policy switched off (`bypass_csp`), so this
tests the escaping and the Markdown sanitiser on their own: a miss would run here. (That the
policy itself blocks inline script is tests/browser/test_csp.py's job.) A page fails if a
dialog opens, a script sets window.__xss or throws, or the page holds anything that could
run script later: an on* attribute, a javascript:/data: URL, a script that is not one of
the site's static files, an iframe/object/embed/base/svg/math/style element, a style
attribute, a form posting elsewhere. Template syntax must stay text: the secret key and
the user's password hash never appear.
"""

import pytest
from django.conf import settings

from tests.browser.xss_targets import TARGETS, XSS_EDITOR, Place
from tests.roles import make_user
from tests.xss_corpus import CORPUS

# The browsing user's own name is hostile too: the navigation shows it on every page.
NAV_USERNAME = "\"><img src=x onerror=alert('nav')><script>alert('nav')</script>"

FIND_DANGER = """(secrets) => {
  const problems = [];
  // The scheme as the browser itself reads the URL (it drops tabs and newlines, for one).
  const scheme = (value) => {
    try { return new URL(value, document.baseURI).protocol; } catch (e) { return ''; }
  };
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data',
                         'background', 'poster', 'codebase', 'cite', 'dynsrc', 'lowsrc'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`<${el.localName} ${name}>`);
      if (name === 'style' || name === 'srcdoc') problems.push(`<${el.localName} ${name}>`);
      if (urlAttributes.includes(name) && /^(javascript|vbscript|data|livescript):$/.test(scheme(attr.value)))
        problems.push(`<${el.localName} ${name}="${attr.value.slice(0, 60)}">`);
    }
  }
  for (const el of document.querySelectorAll('script')) {
    const src = el.getAttribute('src') || '';
    if (!src.startsWith('/static/')) problems.push(`<script ${src}> ${el.textContent.slice(0, 60)}`);
  }
  const foreign = 'iframe, frame, object, embed, applet, base, svg, math, style, '
    + 'link:not([href^="/static/"]), meta[http-equiv], '
    // The site's own forms post to its own paths; content has no business with forms.
    + 'form[action]:not([action^="/"]), form[action^="//"], main .procedure-body form';
  for (const el of document.querySelectorAll(foreign))
    problems.push(el.outerHTML.slice(0, 80));
  // Bootstrap's JavaScript acts on data-bs-* attributes: none may come from content.
  for (const el of document.querySelectorAll('main [data-bs-toggle], main [data-bs-target]'))
    problems.push(`Bootstrap attributes in the content: ${el.outerHTML.slice(0, 80)}`);
  if (window.__xss) problems.push('window.__xss is set');
  const html = document.documentElement.outerHTML;
  if (secrets.some((secret) => html.includes(secret))) problems.push('a secret is on the page');
  return problems;
}"""


# Ten thousand page visits: shared out over this many tests, which xdist's workers run side
# by side (every shard plants the whole corpus, ~3 s, and opens every SHARDS-th page).
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_stored_xss_never_runs(shard, new_context, live_server, log_in, watch):
    assert len(CORPUS) >= 60
    places = [Place.make(index, payload) for index, payload in enumerate(CORPUS)]
    for target in TARGETS:
        for place in places:
            target.plant(place, place.payload)
    reader = make_user("reader", username=NAV_USERNAME)
    secrets = [settings.SECRET_KEY, reader.password]

    # Issue 18: the People pages are for administrators; the names there are users' text.
    admin = make_user("superuser", username="xss-admin")
    viewers = {"reader": reader, "anonymous": None, "admin": admin, "editor": XSS_EDITOR}

    failures = {}
    for viewer, user in viewers.items():
        paths = list(
            dict.fromkeys(
                path
                for target in TARGETS
                if target.viewer == viewer
                for place in places
                for path in target.pages(place)
            )
        )[shard::SHARDS]
        page = new_context(bypass_csp=True).new_page()
        watching = watch(page)
        if user is not None:
            log_in(page, user)
        for path in paths:
            watching.clear()
            # Inline script runs while the page is parsed; what needs an event later (an
            # image's onerror, a click) is caught by its attribute in FIND_DANGER.
            page.goto(live_server.url + path, wait_until="domcontentloaded")
            problems = page.evaluate(FIND_DANGER, secrets)
            problems += [f"dialog {d}" for d in watching.all_dialogs()]
            problems += [f"error {e}" for e in watching.page_errors]
            if problems:
                failures[path] = problems
    assert failures == {}
