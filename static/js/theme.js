// Dark mode following the system setting: Bootstrap 5.3's colour modes (data-bs-theme on
// <html>). Loaded in <head>, before the page is painted, so a dark setting never flashes a
// light page. Printing is always light.
(function () {
  "use strict";
  var root = document.documentElement;
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function apply() {
    root.setAttribute("data-bs-theme", dark && dark.matches ? "dark" : "light");
  }

  apply();
  if (dark && dark.addEventListener) {
    dark.addEventListener("change", apply);
  }
  window.addEventListener("beforeprint", function () {
    root.setAttribute("data-bs-theme", "light");
  });
  window.addEventListener("afterprint", apply);
})();
