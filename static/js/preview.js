// Live preview of a draft while typing: progressive enhancement of the edit form.
// Without JavaScript the "Preview" button renders the same preview on the server.
(function () {
  "use strict";
  var form = document.querySelector("form.draft-form[data-preview-url]");
  var pane = document.getElementById("draft-preview");
  if (!form || !pane || !window.fetch || !window.FormData) {
    return;
  }
  var body = form.querySelector("textarea[name=body]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!body || !token) {
    return;
  }
  var timer = null;
  var sent = 0;

  function refresh() {
    var mine = ++sent;
    var data = new FormData();
    data.append("body", body.value);
    data.append("csrfmiddlewaretoken", token.value);
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.text().then(function (html) {
          // The server sends sanitised HTML (render_markdown) or an error notice.
          if (mine === sent) {
            pane.innerHTML = html;
            pane.classList.toggle("preview-error", !response.ok);
          }
        });
      })
      .catch(function () {
        if (mine === sent) {
          pane.classList.add("preview-error");
        }
      });
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  });
})();
