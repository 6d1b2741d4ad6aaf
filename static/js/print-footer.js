// The print footer says when the page was printed and where it came from: filled in as the
// page is printed (the page itself may come from a cache made days before).
(function () {
  "use strict";
  var when = document.querySelector(".print-footer-when");
  var where = document.querySelector(".print-footer-where");
  if (!when || !where) {
    return;
  }

  function fill() {
    var now = new Date();
    when.textContent =
      " on " +
      now.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" }) +
      " at " +
      now.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    where.textContent = " from " + window.location.href + ". Check it is still the current text.";
  }

  fill();
  window.addEventListener("beforeprint", fill);
})();
