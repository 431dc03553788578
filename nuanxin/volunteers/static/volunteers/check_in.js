/* Check in / out by position on the volunteer pages (form[data-position-form]). Loaded deferred.
 *
 * Without this file, or without navigator.geolocation, the "Check in here" button stays hidden and
 * the page's help line says how to use the QR poster instead. With it: a tap reads the position
 * (the browser's Geolocation API answers in WGS-84, so crs=wgs84), fills the hidden fields and posts
 * the form; the server converts (GCJ-02 is accepted too), measures the distance to the place and
 * answers with a message (too far: the distance and the radius). A refused or failed position
 * request says so and points to the poster.
 */
(function () {
  "use strict";

  function setUp(form) {
    var button = form.querySelector("[data-position-button]");
    var status = form.querySelector("[data-position-status]");
    if (!button || !navigator.geolocation) return;
    var busy = false;

    function say(text, isError) {
      if (!status) return;
      status.textContent = text || "";
      status.classList.toggle("is-error", Boolean(isError));
    }

    function done() {
      busy = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }

    button.hidden = false;
    button.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say(form.dataset.msgLocating, false);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.latitude.value = position.coords.latitude.toFixed(7);
          form.elements.longitude.value = position.coords.longitude.toFixed(7);
          form.elements.crs.value = "wgs84";
          form.submit();
        },
        function () {
          done();
          say(form.dataset.msgFailed, true);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
      );
    });
  }

  document.querySelectorAll("form[data-position-form]").forEach(setUp);
})();
