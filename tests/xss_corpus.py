"""Hostile inputs for the stored-XSS tests (tests/browser/test_xss.py).

Every payload tries to run script: `alert(...)` (a dialog), `window.__xss = 1` (a flag), an
event-handler attribute, or a `javascript:`/`data:` URL. The browser test fails if any of
them gets through as anything but text. None contains a NUL byte (PostgreSQL text cannot
hold one; the robustness tests send those).

Add new tricks to the list they belong to; CORPUS is all of them.
"""

SCRIPT_TAGS = [
    "<script>alert('script')</script>",
    "<script>window.__xss=1</script>",
    "<SCRIPT>alert(String.fromCharCode(88,83,83))</SCRIPT>",
    "<script src=/static/js/none.js></script><script src=data:,alert(1)></script>",
    "<scr<script>ipt>alert('nested')</scr</script>ipt>",
    "</script><script>alert('close-first')</script>",
    "<script\t>alert('tab')</script\t>",
    "<script/xss>alert('slash')</script>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert('img')>",
    '<img src="x" ONERROR="alert(\'upper\')">',
    "<img src=x onerror=alert&#40;'entities'&#41;>",
    "<img/src=x/onerror=alert('slashes')>",
    "<svg onload=alert('svg')>",
    "<body onload=alert('body')>",
    "<div onmouseover=\"alert('hover')\">hover me</div>",
    "<input autofocus onfocus=alert('focus')>",
    "<details open ontoggle=alert('toggle')><summary>x</summary></details>",
    "<video><source onerror=alert('video')></video>",
    "<audio src=x onerror=alert('audio')></audio>",
    "<marquee onstart=alert('marquee')>x</marquee>",
    "<iframe onload=alert('iframe')></iframe>",
    '<a href="#" onclick="alert(\'click\')">click</a>',
    "<p title=x onmouseenter=alert('enter')>p</p>",
    "<table background=x onerror=alert('table')><tr><td>x</td></tr></table>",
]

MARKDOWN_LINKS = [
    "[click](javascript:alert('md'))",
    "[click](JaVaScRiPt:alert('mixed-case'))",
    "[click](  javascript:alert('spaces'))",
    "[click](javascript&#58;alert('entity-colon'))",
    "[click](&#106;avascript:alert('entity-j'))",
    "[click](&#x6A;&#x61;vascript:alert('hex'))",
    "[click](java\tscript:alert('tab'))",
    "[click](javascript:%61lert('percent'))",
    "[click](vbscript:msgbox('vb'))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:text/html,<script>alert('data')</script>)",
    "[click][ref]\n\n[ref]: javascript:alert('reference')",
    "<javascript:alert('autolink')>",
    "[click](javascript:alert('titled') \"title\")",
    "[click](\\javascript:alert('backslash'))",
]

MARKDOWN_IMAGES = [
    "![x](javascript:alert('img-md'))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](data:text/html,<script>alert('img-data')</script>)",
    "![x](x\" onerror=\"alert('img-break'))",
    "![x\" onerror=\"alert('alt-break')](x.png)",
    "![x](https://example.test/x.png\"onerror=\"alert('url-break'))",
]

SVG_AND_MATHML = [
    "<svg><script>alert('svg-script')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('xlink')\"><text x=20 y=20>x</text></a></svg>",
    "<svg><animate onbegin=alert('animate') attributeName=x dur=1s></svg>",
    "<svg><set attributeName=onmouseover to=alert('set')></svg>",
    "<svg><foreignObject><iframe srcdoc=\"<script>alert('srcdoc')</script>\"></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')>",
    "<math href=\"javascript:alert('math')\">CLICK</math>",
    "<svg><style><img src=x onerror=alert('svg-style')></style></svg>",
]

BROKEN_TAGS = [
    "<img src=x onerror=alert('unclosed')//",
    "<<script>alert('double-lt');//<</script>",
    "<a href=\"javascript:alert('unterminated')\"",
    "<img src=x onerror=alert('comment')<!--",
    "<!--<img src=\"--><img src=x onerror=alert('comment-break')//\">",
    "<style><img src=\"</style><img src=x onerror=alert('style-break')//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('noscript')>\">",
    "<textarea><script>alert('textarea')</script></textarea>",
    "<title><img src=x onerror=alert('title-tag')></title>",
    "<img src=`x` onerror=alert('backticks')>",
]

FENCED_CODE_INFO = [
    "```\" onmouseover=\"alert('info')\ncode\n```",
    "```js\"><script>alert('info-script')</script>\ncode\n```",
    "``` {.x onclick=alert('attr-list')}\ncode\n```",
    "~~~<img src=x onerror=alert('tilde')>\ncode\n~~~",
    "```python' onmouseover='alert(\"single\")\ncode\n```",
]

RAW_HTML_BLOCKS = [
    "<div>\n<script>alert('block')</script>\n</div>",
    "<details><summary>x</summary><img src=x onerror=alert('details')></details>",
    "<form action=\"javascript:alert('form')\"><button>send</button></form>",
    "<button formaction=\"javascript:alert('formaction')\">x</button>",
    "<iframe src=\"javascript:alert('iframe-src')\"></iframe>",
    "<object data=\"javascript:alert('object')\"></object>",
    "<embed src=\"javascript:alert('embed')\">",
    "<base href=\"javascript:alert('base')//\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'meta\')">',
    "<link rel=stylesheet href=\"javascript:alert('link')\">",
    "<a href=\"jav&#x09;ascript:alert('entity-tab')\">x</a>",
    "<a href=\" javascript:alert('leading-space')\">x</a>",
    "<a href=\"data:text/html,<script>alert('a-data')</script>\">x</a>",
    "<div style=\"background:url(javascript:alert('style'))\">styled</div>",
    "<style>@import 'javascript:alert(\"import\")';</style>",
    "<isindex type=image src=1 onerror=alert('isindex')>",
]

ATTRIBUTE_BREAKOUTS = [
    "\" onmouseover=\"alert('dq')",
    "' onmouseover='alert(\"sq\")",
    "\"><script>alert('gt')</script>",
    "</title><script>alert('title')</script>",
    "</textarea><script>alert('close-textarea')</script>",
    "\"autofocus onfocus=\"alert('af')",
]

MARKDOWN_STRUCTURES = [
    "# <img src=x onerror=alert('heading')>\n\ntext",
    "## Heading {: onclick=alert('attr') }",
    "!!! note \"<img src=x onerror=alert('admonition')>\"\n    text",
    "- [ ] <img src=x onerror=alert('task')>",
    "| <img src=x onerror=alert('cell')> |\n| --- |\n| x |",
]

TEMPLATE_INJECTION = [
    "{{ request.user.password }}",
    "{% debug %}",
    "{{ settings.SECRET_KEY }}",
    "{% load static %}{% csrf_token %}",
    "${alert('template-literal')}",
    "{{constructor.constructor('alert(\"angular\")')()}}",
]

CORPUS = [
    *SCRIPT_TAGS,
    *EVENT_HANDLERS,
    *MARKDOWN_LINKS,
    *MARKDOWN_IMAGES,
    *SVG_AND_MATHML,
    *BROKEN_TAGS,
    *FENCED_CODE_INFO,
    *RAW_HTML_BLOCKS,
    *ATTRIBUTE_BREAKOUTS,
    *MARKDOWN_STRUCTURES,
    *TEMPLATE_INJECTION,
]
