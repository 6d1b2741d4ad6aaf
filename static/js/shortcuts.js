// Keyboard shortcuts for every page: "/" puts the cursor in the search box (as on GitHub and
// most documentation sites), unless one is typing somewhere already.
(function () {
  "use strict";

  function typing(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function visibleSearchBox() {
    var boxes = document.querySelectorAll("form[role=search] input[name=q]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].offsetParent !== null) {
        return boxes[i];
      }
    }
    return null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(document.activeElement)) {
      return;
    }
    var box = visibleSearchBox();
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
