// Refuse to send a text over the server's size limit, so that nothing typed is lost: a
// request over the upload limit gets only a bare "Bad request" page, without the text.
// The server checks the same limit (workflow.check_body_size); this only keeps the text here.
(function () {
  "use strict";
  if (!window.TextEncoder) {
    return;
  }
  var encoder = new TextEncoder();

  function bytes(text) {
    // The browser sends line breaks as CR LF; the server counts them as LF.
    return encoder.encode(text.replace(/\r\n/g, "\n")).length;
  }

  document.querySelectorAll("textarea[data-max-bytes]").forEach(function (area) {
    var form = area.form;
    var limit = parseInt(area.dataset.maxBytes, 10);
    if (!form || !(limit > 0)) {
      return;
    }
    var notice = document.createElement("div");
    notice.className = "alert alert-danger size-guard";
    notice.setAttribute("role", "alert");
    notice.hidden = true;
    area.insertAdjacentElement("afterend", notice);

    form.addEventListener("submit", function (event) {
      var size = bytes(area.value);
      if (size <= limit) {
        notice.hidden = true;
        return;
      }
      event.preventDefault();
      notice.textContent =
        "Not sent: the text is " + size.toLocaleString("en") + " bytes and the limit is " +
        limit.toLocaleString("en") + " bytes. Your text is still here: split the procedure " +
        "or shorten it, then save again.";
      notice.hidden = false;
      area.focus();
    });
  });
})();
