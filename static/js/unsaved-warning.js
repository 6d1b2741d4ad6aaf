// Warn before leaving the edit page with changes that are not saved (the browser's own
// "Leave site?" question). Saved means: what the page was opened with, unless the server
// said otherwise (data-unsaved: a preview or a refused save), or what autosave.js last
// saved (its "sop:saved" event). Sending the draft form itself never warns.
(function () {
  "use strict";
  var form = document.querySelector("form.draft-form");
  if (!form) {
    return;
  }
  var body = form.querySelector("textarea[name=body]");
  var summary = form.querySelector("input[name=summary]");
  if (!body) {
    return;
  }
  var sending = false;

  function current() {
    return { body: body.value, summary: summary ? summary.value : "" };
  }

  var saved = form.hasAttribute("data-unsaved") ? null : current();

  form.addEventListener("sop:saved", function (event) {
    saved = event.detail;
  });
  form.addEventListener("submit", function (event) {
    // size-guard.js and autosave.js, loaded before this file, listen first: either may
    // have held the form back (too large; a save in flight, after which it is sent again).
    sending = !event.defaultPrevented;
  });

  window.addEventListener("beforeunload", function (event) {
    var now = current();
    if (sending || (saved !== null && saved.body === now.body && saved.summary === now.summary)) {
      return;
    }
    event.preventDefault();
    event.returnValue = ""; // older browsers need it set to ask
  });
})();
