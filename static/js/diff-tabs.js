// The review and compare pages' two views of a change (templates/procedures/_diff_views.html):
// without JavaScript the tabs are links (?view=rendered); with it, a click shows the other pane
// in place. Not Bootstrap's data-bs-toggle: no data-bs-* attribute may appear in page content
// (tests/browser/test_xss.py), so the pages' own markup keeps to data-diff-tab.
(function () {
  'use strict';
  function show(tab) {
    const list = tab.closest('.diff-views');
    if (!list) return;
    for (const other of list.querySelectorAll('[data-diff-tab]')) {
      const pane = document.getElementById(other.dataset.diffTab);
      const on = other === tab;
      other.classList.toggle('active', on);
      other.setAttribute('aria-selected', on ? 'true' : 'false');
      if (pane) pane.classList.toggle('active', on), pane.classList.toggle('show', on);
    }
  }
  document.addEventListener('click', function (event) {
    const tab = event.target.closest('[data-diff-tab]');
    if (!tab || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    show(tab);
  });
})();
