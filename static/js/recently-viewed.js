// "Recently viewed" on My work: the procedure page tells the server it was opened, with a
// beacon after the page has loaded, so the page itself (cached whole for readers) costs no
// write. Without JavaScript the list simply stays as it was.
(function () {
  "use strict";
  var article = document.querySelector("article.procedure[data-viewed-url]");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!article || !token || !navigator.sendBeacon || !window.FormData) {
    return;
  }
  var data = new FormData();
  data.append("csrfmiddlewaretoken", token.value);
  navigator.sendBeacon(article.dataset.viewedUrl, data);
})();
