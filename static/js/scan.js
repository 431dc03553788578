/* The door/counter scan pages (/m/merchant/scan/, /m/events/<id>/scan/). Loaded deferred.
 *
 * Works without this file: a USB/Bluetooth scanner types the QR's text into the token field and
 * presses Enter, which submits the form (htmx swaps the result in; without htmx, a full page).
 * Progressive enhancement here:
 * - where the browser has BarcodeDetector with QR support and a camera, the "Scan with camera"
 *   button appears; the first QR seen fills the field and submits the form;
 * - after each answer the field is emptied and focused again, ready for the next scan.
 */
(function () {
  "use strict";

  function cameraSupported() {
    return "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  }

  function setUp(form) {
    var input = form.querySelector("[name=token]");
    var button = form.querySelector("[data-scan-camera]");
    var view = form.querySelector("[data-scan-camera-view]");
    var stopButton = form.querySelector("[data-scan-camera-stop]");
    var video = view && view.querySelector("video");
    var stream = null;
    var detector = null;

    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) return;
      form.reset();
      input.focus();
    });

    function submit() {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      view.hidden = true;
      button.hidden = false;
    }

    function detectLoop() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        var found = codes.find(function (code) { return code.rawValue; });
        if (found) {
          stop();
          input.value = found.rawValue;
          submit();
        } else {
          window.setTimeout(detectLoop, 200);
        }
      }).catch(function () { window.setTimeout(detectLoop, 500); });
    }

    function start() {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          view.hidden = false;
          button.hidden = true;
          return video.play();
        })
        .then(detectLoop)
        .catch(function () { stop(); input.focus(); });
    }

    if (!button || !view || !video || !cameraSupported()) return;
    Promise.resolve(window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : ["qr_code"])
      .then(function (formats) {
        if (formats.indexOf("qr_code") === -1) return;
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        button.hidden = false;
        button.addEventListener("click", start);
        stopButton.addEventListener("click", stop);
        document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
      })
      .catch(function () { /* no camera scanning: the token field still works */ });
  }

  document.querySelectorAll("form[data-scan-form]").forEach(setUp);
})();
