// The edit page's Markdown toolbar and keyboard shortcuts: each button writes Markdown at
// the cursor (around the selection, if there is one), as if typed, so the live preview,
// autosave and the unsaved-changes warning all follow, and Ctrl+Z undoes it.
// Without JavaScript the textarea and the Markdown help below it are all there is.
(function () {
  "use strict";
  var area = document.querySelector("form.draft-form textarea[name=body]");
  if (!area) {
    return;
  }

  function insert(text, selectFrom, selectTo) {
    var start = area.selectionStart;
    area.focus();
    // execCommand keeps the browser's undo history; setRangeText is the fallback.
    var done = false;
    try {
      done = document.execCommand("insertText", false, text);
    } catch (error) {
      done = false;
    }
    if (!done) {
      area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (selectFrom !== undefined) {
      area.setSelectionRange(start + selectFrom, start + selectTo);
    }
  }

  function selected() {
    return area.value.slice(area.selectionStart, area.selectionEnd);
  }

  function atLineStart() {
    var before = area.value.slice(0, area.selectionStart);
    return before === "" || before.slice(-1) === "\n";
  }

  function wrap(mark, placeholder) {
    var text = selected() || placeholder;
    insert(mark + text + mark, mark.length, mark.length + text.length);
  }

  function linePrefix(prefix, placeholder) {
    var lines = (selected() || placeholder).split("\n");
    var text = lines.map(function (line) { return prefix + line; }).join("\n");
    var lead = atLineStart() ? "" : "\n";
    insert(lead + text, lead.length + prefix.length, lead.length + text.length);
  }

  function block(text, from, to) {
    // A table or a code block is a block of its own: a blank line before it, or Markdown
    // reads it as part of the paragraph above.
    var before = area.value.slice(0, area.selectionStart);
    var lead = before === "" || before.slice(-2) === "\n\n" ? "" : before.slice(-1) === "\n" ? "\n" : "\n\n";
    insert(lead + text, lead.length + from, lead.length + to);
  }

  var ACTIONS = {
    heading: function () { linePrefix("## ", "Heading"); },
    bold: function () { wrap("**", "bold text"); },
    italic: function () { wrap("_", "text"); },
    list: function () { linePrefix("- ", "Item"); },
    numbered: function () { linePrefix("1. ", "Step"); },
    checklist: function () { linePrefix("- [ ] ", "Thing to check"); },
    table: function () {
      var text = "| Column | Column |\n| --- | --- |\n| Cell | Cell |\n";
      block(text, 2, 8);
    },
    code: function () {
      var inner = selected() || "command";
      block("```\n" + inner + "\n```\n", 4, 4 + inner.length);
    },
    link: function () {
      // The cursor goes before the closing brackets, where link-autocomplete.js offers
      // titles matching what is typed (or selected).
      var title = selected();
      insert("[[" + title + "]]", 2 + title.length, 2 + title.length);
      area.dispatchEvent(new CustomEvent("sop:link-started"));
    },
    image: function () {
      // The attachments' own chooser (attachments.js), images only; the file goes in at
      // the cursor, after the redaction dialog, as with the "Add image or file" button.
      area.dispatchEvent(new CustomEvent("sop:choose-image"));
    },
  };

  var BUTTONS = [
    ["heading", "H", "Heading"],
    ["bold", "B", "Bold (Ctrl+B)"],
    ["italic", "I", "Italic (Ctrl+I)"],
    ["list", "• List", "Bulleted list"],
    ["numbered", "1. Steps", "Numbered steps"],
    ["checklist", "☐ Checklist", "Checklist item"],
    ["table", "Table", "Table"],
    ["code", "Code", "Code block"],
    ["link", "[[Link]]", "Link to a procedure (Ctrl+K)"],
    ["image", "Image", "Add an image"],
  ];
  // Images go through the attachments' chooser: no button where it is not on the page.
  var canAttach = !!document.querySelector(".attachment-picker");
  var KEYS = { b: "bold", i: "italic", k: "link" };

  var bar = document.createElement("div");
  bar.className = "editor-toolbar btn-toolbar gap-1 mb-1";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  bar.setAttribute("aria-controls", area.id);
  BUTTONS.forEach(function (spec) {
    if (spec[0] === "image" && !canAttach) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary btn-sm editor-" + spec[0];
    button.textContent = spec[1];
    button.title = spec[2];
    button.setAttribute("aria-label", spec[2]);
    button.addEventListener("click", function () {
      ACTIONS[spec[0]]();
    });
    bar.appendChild(button);
  });
  area.insertAdjacentElement("beforebegin", bar);

  area.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) {
      return;
    }
    var action = KEYS[event.key.toLowerCase()];
    if (action) {
      event.preventDefault();
      ACTIONS[action]();
    }
  });
})();
