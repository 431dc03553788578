/* The staff queue (/staff/reports/): a "tick all on this page" box over the table's checkboxes.
 * The box is hidden in the markup and shown here, so without JavaScript nothing is offered that
 * would not work. */
(function () {
  "use strict";

  function start() {
    var all = document.querySelector("[data-select-all]");
    if (!all) return;
    var boxes = document.querySelectorAll('#queue-table input[name="reports"]');
    all.hidden = false;
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (box) {
        box.checked = all.checked;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
