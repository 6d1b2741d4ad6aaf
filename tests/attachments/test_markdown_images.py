"""The sanitiser lets the app's own file URLs through as images and links, and nothing else
that an image could load (procedures.text.markdown is unchanged: relative URLs pass, data: not)."""

from procedures.text.markdown import render_markdown

KEY = "ab" * 32


def test_an_image_of_the_apps_own_url_is_kept():
    html = render_markdown(f"![Console](/files/{KEY}/console.png)").html
    assert f'<img alt="Console" src="/files/{KEY}/console.png">' in html


def test_a_display_copy_linked_to_its_original_is_kept():
    source = f"[![Wide](/files/{KEY}/display/wide.png)](/files/{KEY}/wide.png)"
    html = render_markdown(source).html
    assert f'<a href="/files/{KEY}/wide.png" rel="noopener noreferrer">' in html
    assert f'<img alt="Wide" src="/files/{KEY}/display/wide.png">' in html


def test_data_and_script_urls_are_still_dropped():
    html = render_markdown(
        "![x](data:image/svg+xml;base64,PHN2Zz4=) ![y](javascript:alert(1))"
    ).html
    assert "data:" not in html and "javascript:" not in html
