// Title autocomplete for [[links]] on the edit page. Typing "[[" (or the toolbar's link
// button, Ctrl+K) opens a list under the text of procedures whose title contains what is
// typed after the brackets, from the form's data-titles-url (JSON, editors only, a few at a
// time). Arrow keys move, Enter or Tab chooses, Esc closes; a tap chooses on a phone.
// Choosing writes [[Title]], or [[3/ii/slug]] where the title is not unique. Without
// JavaScript one types the link by hand, as the Markdown help says.
(function () {
  "use strict";
  var form = document.querySelector("form.draft-form[data-titles-url]");
  var area = form && form.querySelector("textarea[name=body]");
  if (!area || !window.fetch) {
    return;
  }
  var OPEN_LINK = /\[\[([^\[\]|\n]{0,200})$/;

  var list = document.createElement("ul");
  list.id = "link-suggestions";
  list.className = "link-suggestions list-group shadow-sm";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Procedures to link to");
  list.hidden = true;
  area.insertAdjacentElement("afterend", list);
  area.setAttribute("aria-autocomplete", "list");
  area.setAttribute("aria-controls", list.id);
  area.setAttribute("aria-expanded", "false");

  var state = { start: -1, results: [], active: -1, timer: null, asked: "" };

  function openLink() {
    // The "[[" before the cursor that is still open, and what is typed after it.
    if (area.selectionStart !== area.selectionEnd) {
      return null;
    }
    var before = area.value.slice(0, area.selectionStart);
    var match = OPEN_LINK.exec(before);
    return match ? { start: match.index, query: match[1] } : null;
  }

  function close() {
    clearTimeout(state.timer);
    state.start = -1;
    state.results = [];
    state.active = -1;
    state.asked = "";
    list.hidden = true;
    list.textContent = "";
    area.setAttribute("aria-expanded", "false");
    area.removeAttribute("aria-activedescendant");
  }

  function note(text) {
    var item = document.createElement("li");
    item.className = "list-group-item small text-body-secondary link-suggestions-note";
    item.textContent = text;
    list.appendChild(item);
  }

  function show() {
    list.textContent = "";
    state.results.forEach(function (result, index) {
      var item = document.createElement("li");
      item.id = "link-suggestion-" + index;
      item.className = "list-group-item list-group-item-action link-suggestion";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", index === state.active ? "true" : "false");
      if (index === state.active) {
        item.classList.add("active");
      }
      var title = document.createElement("span");
      title.className = "link-suggestion-title";
      title.textContent = result.title; // text, never markup
      var place = document.createElement("span");
      place.className = "small link-suggestion-place ms-2";
      place.textContent = result.place + (result.written ? "" : " · not yet written");
      item.append(title, place);
      // pointerdown, not click: the textarea keeps the focus and the cursor.
      item.addEventListener("pointerdown", function (event) {
        event.preventDefault();
        choose(index);
      });
      list.appendChild(item);
    });
    if (!state.results.length) {
      note(state.asked ? "No procedure title contains “" + state.asked + "”." : "Type part of a procedure's title.");
    }
    list.hidden = false;
    area.setAttribute("aria-expanded", "true");
    if (state.active >= 0) {
      area.setAttribute("aria-activedescendant", "link-suggestion-" + state.active);
    } else {
      area.removeAttribute("aria-activedescendant");
    }
  }

  function ask(query) {
    var url = form.dataset.titlesUrl + "?q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (json) {
        var open = openLink();
        if (!open || open.query !== query) {
          return; // typed on since: a newer answer is coming
        }
        state.start = open.start;
        state.results = json.results || [];
        state.active = state.results.length ? 0 : -1;
        state.asked = query;
        show();
      })
      .catch(function () {
        close();
      });
  }

  function update() {
    var open = openLink();
    if (!open) {
      close();
      return;
    }
    state.start = open.start;
    clearTimeout(state.timer);
    if (!open.query.trim()) {
      state.results = [];
      state.active = -1;
      state.asked = "";
      show();
      return;
    }
    state.timer = setTimeout(function () {
      ask(open.query);
    }, 150);
  }

  function choose(index) {
    var result = state.results[index];
    var open = openLink();
    if (!result || !open) {
      close();
      return;
    }
    var end = area.selectionStart;
    var after = area.value.slice(end);
    if (after.slice(0, 2) === "]]") {
      end += 2; // the link button's closing brackets
    }
    var text = "[[" + result.link + "]]";
    area.focus();
    area.setSelectionRange(open.start, end);
    var done = false;
    try {
      done = document.execCommand("insertText", false, text); // keeps Ctrl+Z
    } catch (error) {
      done = false;
    }
    if (!done) {
      area.setRangeText(text, open.start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
    close();
  }

  area.addEventListener("input", update);
  area.addEventListener("sop:link-started", update);
  area.addEventListener("click", update);
  area.addEventListener("blur", function () {
    setTimeout(close, 150);
  });
  area.addEventListener("keydown", function (event) {
    if (list.hidden) {
      return;
    }
    var count = state.results.length;
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      state.active = (state.active + 1) % count;
      show();
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      state.active = (state.active - 1 + count) % count;
      show();
    } else if ((event.key === "Enter" || event.key === "Tab") && state.active >= 0) {
      event.preventDefault();
      choose(state.active);
    }
  });
})();
