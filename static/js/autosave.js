// Autosave of a draft while typing: a few seconds after the last keystroke, the edit form's
// text is saved with the form's version (the same optimistic guard as "Save draft"). The
// answer's new version goes back into the form, so the next save, automatic or not, follows
// on. A save refused as stale (another window saved first) is never retried: the page says
// so and offers the manual save's page, which shows both texts side by side.
// Without JavaScript nothing changes: "Save draft" saves.
(function () {
  "use strict";
  var form = document.querySelector("form.draft-form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var body = form.querySelector("textarea[name=body]");
  var summary = form.querySelector("input[name=summary]");
  var version = form.querySelector("input[name=version]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!body || !version || !token) {
    return;
  }
  var DELAY = parseInt(form.dataset.autosaveDelay || "3000", 10);
  var stopped = form.hasAttribute("data-autosave-off"); // the stale page: the user decides
  var timer = null;
  var inFlight = false;
  var pendingSubmit = null;
  var savedAt = null;
  var saved = form.hasAttribute("data-unsaved") ? null : current();

  var status = document.createElement("p");
  status.className = "autosave-status small text-body-secondary mb-2";
  status.id = "autosave-status";
  status.setAttribute("aria-live", "polite");
  var buttons = form.querySelector("button[name=action]");
  (buttons && buttons.parentElement ? buttons.parentElement : body).insertAdjacentElement(
    "afterend",
    status
  );
  var conflict = document.createElement("div");
  conflict.className = "alert alert-danger autosave-conflict";
  conflict.setAttribute("role", "alert");
  conflict.hidden = true;
  status.insertAdjacentElement("afterend", conflict);

  function current() {
    return { body: body.value, summary: summary ? summary.value : "" };
  }

  function same(a, b) {
    return a !== null && b !== null && a.body === b.body && a.summary === b.summary;
  }

  function ago() {
    var seconds = Math.max(0, Math.round((Date.now() - savedAt) / 1000));
    if (seconds < 60) {
      return seconds + " s ago";
    }
    if (seconds < 3600) {
      return Math.floor(seconds / 60) + " min ago";
    }
    return "at " + new Date(savedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function show() {
    if (savedAt !== null && !inFlight && same(saved, current())) {
      status.textContent = "Saved " + ago();
    }
  }

  function tell(text) {
    status.textContent = text;
  }

  function announce() {
    form.dispatchEvent(new CustomEvent("sop:saved", { detail: saved }));
  }

  function showConflict(message) {
    stopped = true;
    conflict.textContent = "";
    var p = document.createElement("p");
    p.className = "mb-2";
    p.textContent = "Not saved automatically. " + message;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-danger btn-sm";
    button.textContent = "Show both texts";
    button.addEventListener("click", function () {
      var save = form.querySelector("button[name=action][value=save]");
      form.requestSubmit(save || undefined);
    });
    conflict.appendChild(p);
    conflict.appendChild(button);
    conflict.hidden = false;
    tell("Autosave stopped: this draft was saved from another window.");
  }

  function save() {
    timer = null;
    if (stopped || inFlight) {
      return;
    }
    var sending = current();
    if (same(saved, sending)) {
      return;
    }
    inFlight = true;
    tell("Saving…");
    var data = new FormData();
    data.append("body", sending.body);
    data.append("summary", sending.summary);
    data.append("version", version.value);
    data.append("csrfmiddlewaretoken", token.value);
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("Not saved automatically (are you still logged in?). Use Save draft.");
        }
        return response.json().then(function (answer) {
          if (answer.saved) {
            version.value = answer.version;
            saved = sending;
            savedAt = Date.now();
            announce();
            show();
          } else if (answer.conflict) {
            showConflict(answer.message);
          } else {
            throw new Error("Not saved automatically: " + answer.message);
          }
        });
      })
      .catch(function (error) {
        tell(error && error.message ? error.message : "Not saved automatically. Use Save draft.");
      })
      .then(function () {
        inFlight = false;
        if (pendingSubmit !== null) {
          var submitter = pendingSubmit;
          pendingSubmit = null;
          form.requestSubmit(submitter || undefined);
        } else if (!stopped && !same(saved, current())) {
          schedule();
        }
      });
  }

  function schedule() {
    if (stopped) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, DELAY);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("submit", function (event) {
    window.clearTimeout(timer);
    timer = null;
    if (inFlight) {
      // The form's version changes when the save in flight comes back: send it after.
      event.preventDefault();
      pendingSubmit = event.submitter || null;
    }
  });
  window.setInterval(show, 1000);
  if (saved === null) {
    schedule(); // the page shows unsaved text (a preview, a refused save): save it soon
  }
})();
