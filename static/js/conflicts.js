// Conflicts left by "Bring up to date" (procedures.text.merge), shown as two labelled boxes
// per conflict, "Your text" and "Their text (approved revision N by X)", with buttons that
// rewrite the text box: keep mine, keep theirs, keep both. The raw markers stay in the text
// box, so without JavaScript (or to mix the two by hand) one edits them there.
(function () {
  "use strict";
  var form = document.querySelector("form.draft-form");
  var area = form && form.querySelector("textarea[name=body]");
  if (!area) {
    return;
  }
  var START = "<<<<<<< ";
  var MIDDLE = "=======";
  var END = ">>>>>>> ";
  var alertBox = document.querySelector(".merge-conflicts");

  var panel = document.createElement("section");
  panel.className = "conflict-resolver mb-3";
  panel.setAttribute("aria-label", "Conflicts to resolve");
  panel.hidden = true;
  form.insertAdjacentElement("beforebegin", panel);

  // What the page knows of the approved revision, to name "their" side by its author.
  function theirLabel(marker) {
    var label = marker.trim() || "the approved revision";
    var match = /^approved revision (\d+)$/.exec(label);
    if (match && match[1] === form.dataset.currentNumber && form.dataset.currentAuthor) {
      label = "approved revision " + match[1] + " by " + form.dataset.currentAuthor;
    }
    return "Their text (" + label + ")";
  }

  // The conflicts in the text: where each starts and ends, and each side's lines.
  function conflicts(text) {
    var found = [];
    var offset = 0;
    var current = null;
    text.split("\n").forEach(function (line, index, lines) {
      var end = offset + line.length + (index < lines.length - 1 ? 1 : 0);
      if (line.indexOf(START) === 0) {
        current = { start: offset, mine: [], theirs: [], side: "mine" };
      } else if (current && current.side === "mine" && line.replace(/\s+$/, "") === MIDDLE) {
        current.side = "theirs";
      } else if (current && current.side === "theirs" && line.indexOf(END) === 0) {
        current.end = end;
        current.label = line.slice(END.length);
        found.push(current);
        current = null;
      } else if (current) {
        current[current.side].push(line);
      }
      offset = end;
    });
    return found;
  }

  function replace(conflict, lines) {
    var text = lines.length ? lines.join("\n") + "\n" : "";
    if (conflict.end === area.value.length && area.value.slice(-1) !== "\n" && text) {
      text = text.slice(0, -1); // the text ended on the marker line, without a newline
    }
    area.focus();
    area.setSelectionRange(conflict.start, conflict.end);
    var done = false;
    try {
      done = document.execCommand("insertText", false, text); // Ctrl+Z undoes it
    } catch (error) {
      done = false;
    }
    if (!done) {
      area.setRangeText(text, conflict.start, conflict.end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
    draw();
  }

  function side(title, lines, css) {
    var box = document.createElement("div");
    box.className = "conflict-side border rounded p-2 " + css;
    var heading = document.createElement("h3");
    heading.className = "h6 mb-1";
    heading.textContent = title;
    var text = document.createElement("pre");
    text.className = "conflict-text mb-0";
    text.textContent = lines.length ? lines.join("\n") : "(nothing on this side)";
    box.append(heading, text);
    return box;
  }

  function button(text, css, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-sm " + css;
    element.textContent = text;
    element.addEventListener("click", action);
    return element;
  }

  var resolvedAny = false;

  function draw() {
    var found = conflicts(area.value);
    panel.textContent = "";
    if (!found.length) {
      panel.hidden = !resolvedAny;
      if (resolvedAny) {
        var done = document.createElement("p");
        done.className = "alert alert-success conflicts-resolved mb-0";
        done.setAttribute("role", "status");
        done.textContent = "Every conflict is resolved. Check the text, then save or submit it.";
        panel.appendChild(done);
        if (alertBox) {
          alertBox.hidden = true;
        }
      }
      return;
    }
    panel.hidden = false;
    found.forEach(function (conflict, index) {
      var card = document.createElement("div");
      card.className = "conflict card mb-3";
      var body = document.createElement("div");
      body.className = "card-body p-2";
      var heading = document.createElement("h2");
      heading.className = "h6";
      heading.textContent = "Conflict " + (index + 1) + " of " + found.length +
        ": you and the approved revision changed the same lines";
      var sides = document.createElement("div");
      sides.className = "conflict-sides";
      var theirs = theirLabel(conflict.label);
      sides.append(
        side("Your text", conflict.mine, "conflict-mine"),
        side(theirs, conflict.theirs, "conflict-theirs")
      );
      var actions = document.createElement("div");
      actions.className = "conflict-actions d-flex flex-wrap gap-2 mt-2";
      actions.setAttribute("role", "group");
      actions.setAttribute("aria-label", "Resolve conflict " + (index + 1));
      function keep(lines) {
        return function () {
          resolvedAny = true;
          replace(conflict, lines);
        };
      }
      actions.append(
        button("Keep mine", "btn-outline-primary", keep(conflict.mine)),
        button("Keep theirs", "btn-outline-primary", keep(conflict.theirs)),
        button("Keep both", "btn-outline-secondary", keep(conflict.mine.concat(conflict.theirs)))
      );
      body.append(heading, sides, actions);
      card.appendChild(body);
      panel.appendChild(card);
    });
  }

  var timer = null;
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(draw, 300); // edits by hand redraw the boxes too
  });
  draw();
})();
