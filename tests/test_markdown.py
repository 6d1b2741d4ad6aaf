import pytest

from procedures.linking import render as render_markdown


def html(source):
    return render_markdown(source).html


def test_tables_code_task_lists_and_admonitions():
    out = html(
        "| Step | Who |\n|---|---|\n| 1 | Tech |\n\n"
        "```bash\necho hi\n```\n\n"
        "- [x] backup checked\n- [ ] restore tested\n\n"
        '!!! warning "Before you start"\n    Tell the client.\n'
    )
    assert "<table>" in out and "<td>Tech</td>" in out
    assert '<code class="language-bash">' not in out  # classes on code are stripped...
    assert "echo hi" in out  # ...the code itself stays
    assert out.count('type="checkbox"') == 2 and "checked" in out
    assert '<div class="admonition warning">' in out and "Before you start" in out


def test_headings_get_anchors_and_a_contents_list():
    rendered = render_markdown("## Prepare\n\n### Tools\n\n## Do it")
    assert '<h2 id="prepare">' in rendered.html
    assert 'href="#tools"' in rendered.toc_html and 'href="#do-it"' in rendered.toc_html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[click](JaVaScRiPt:alert(1))", "javascript"),
        ("[click](&#106;avascript:alert(1))", "avascript"),
        ("![x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ('<a href="data:text/html,<script>">x</a>', "data:"),
        ("<iframe src='https://example.com'></iframe>", "<iframe"),
        ("<svg onload=alert(1)><circle/></svg>", "<svg"),
        ("<style>body{display:none}</style>", "<style"),
        ('<div style="position:fixed;top:0">x</div>', "position"),
        ('<p onclick="steal()">x</p>', "onclick"),
        ('<form action="/accounts/login/"><input name="password"></form>', "<form"),
        ('<input type="text" name="password">', 'type="text"'),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "javascript"),
        ('<div class="position-fixed top-0">x</div>', "position-fixed"),
    ],
)
def test_hostile_input_is_neutralised(source, forbidden):
    assert forbidden.lower() not in html(source).lower()


def test_ordinary_links_survive():
    out = html(
        "[next step](/manual/1/i/setting-up-an-msp-office/) and [docs](https://example.com/a)"
    )
    assert 'href="/manual/1/i/setting-up-an-msp-office/"' in out
    assert 'href="https://example.com/a"' in out


def test_empty_body_renders_nothing():
    rendered = render_markdown("")
    assert rendered.html == "" and rendered.toc_html == ""


class _Plain:
    """A resolver that knows every title."""

    def resolve(self, text):
        from procedures.text.wikilinks import OK, LinkTarget, link_key

        return LinkTarget(key=link_key(text), state=OK, url=f"/p/{link_key(text)}/", title=text)

    def search_url(self, text):
        return f"/search/?q={text}"


class _Named(_Plain):
    """One that also renders a text of its own while it resolves (nothing does today): the
    render inside must not be handed the parser the outer one is using."""

    def resolve(self, text):
        from procedures.text.markdown import render_markdown as plain

        inner = plain(f"## Inside\n\nSee [[Other {text}]].", resolver=_Plain())
        assert [link.title for link in inner.links] == [f"Other {text}"]
        return super().resolve(text)


def test_each_text_is_rendered_afresh_though_the_parser_is_reused():
    # One parser a thread serves every render: nothing of one text (its headings' ids, its
    # links, its contents list) may reach the next.
    from procedures.text.markdown import render_markdown as plain

    first = plain("## Step\n\n## Step\n\nSee [[Backups]] and [[Restores]].", resolver=_Named())
    assert '<h2 id="step_1">' in first.html
    assert [link.key for link in first.links] == ["backups", "restores"]
    again = plain("## Step\n\nSee [[Patching]].", resolver=_Named())
    assert '<h2 id="step">' in again.html and "step_1" not in again.html + again.toc_html
    assert [link.key for link in again.links] == ["patching"]
    assert 'href="/p/patching/"' in again.html
    unlinked = plain("Plain [[Backups]].")
    assert unlinked.links == () and "[[Backups]]" in unlinked.html
    assert plain("No headings.").toc_html == ""
