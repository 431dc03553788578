/* Small behaviours of every courier page. Loaded deferred by templates/mobile/base.html. */
(function () {
  "use strict";
  // A "Back" link with data-history-back goes back in history when we came from this site (so
  // the finder comes back with its filters and scroll position); otherwise it is a plain link.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var referrer = document.referrer ? new URL(document.referrer) : null;
    if (referrer && referrer.origin === window.location.origin && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
