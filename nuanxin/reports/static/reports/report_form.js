// The report form on a weak network: keep a draft, send with one Idempotency-Key, retry until answered.
(function () {
  "use strict";
  var form = document.querySelector("[data-report-form]");
  if (!form || !window.fetch || !window.FormData) return;
  var KEY = "nuanxin.reportDraft";
  var FIELDS = ["category", "description", "address", "lat", "lng", "crs", "idempotency_key"];
  var statusBox = form.querySelector("[data-report-status]");
  var sending = false;

  function field(name) { return form.elements[name]; }
  function value(name) {
    var element = field(name);
    if (!element) return "";
    if (element.length !== undefined && element.tagName === undefined) {
      for (var i = 0; i < element.length; i++) if (element[i].checked) return element[i].value;
      return "";
    }
    return element.value;
  }
  function setValue(name, stored) {
    var element = field(name);
    if (!element || stored === undefined || stored === "") return;
    if (element.length !== undefined && element.tagName === undefined) {
      for (var i = 0; i < element.length; i++) element[i].checked = element[i].value === stored;
    } else {
      element.value = stored;
    }
  }
  function save() {
    var draft = {};
    FIELDS.forEach(function (name) { draft[name] = value(name); });
    try { localStorage.setItem(KEY, JSON.stringify(draft)); } catch (e) { /* private mode: no draft */ }
  }
  function restore() {
    try {
      var draft = JSON.parse(localStorage.getItem(KEY) || "null");
      if (draft) FIELDS.forEach(function (name) { setValue(name, draft[name]); });
    } catch (e) { /* a broken draft is ignored */ }
  }
  function say(text) { if (statusBox) statusBox.textContent = text; }

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  var locate = form.querySelector("[data-locate]");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        // The browser's Geolocation API answers in WGS-84.
        field("lat").value = position.coords.latitude.toFixed(7);
        field("lng").value = position.coords.longitude.toFixed(7);
        setValue("crs", "wgs84");
        save();
        say(form.dataset.msgLocated);
      }, function () { say(form.dataset.msgNoLocation); }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  function showErrors(body) {
    form.querySelectorAll("[data-js-error]").forEach(function (node) { node.remove(); });
    (body.errors || []).forEach(function (error) {
      var anchor = field(error.field) || form.querySelector("[data-locate]") || statusBox;
      var node = document.createElement("p");
      node.className = "m-error";
      node.setAttribute("data-js-error", error.field);
      node.textContent = error.message;
      var target = anchor.length !== undefined && anchor.tagName === undefined ? anchor[0] : anchor;
      target.parentNode.insertBefore(node, target.nextSibling);
    });
    say(body.message || "");
  }

  function send(attempt) {
    var data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    data.delete("idempotency_key");
    fetch(form.dataset.api, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
        "Idempotency-Key": value("idempotency_key"),
        "Accept": "application/json",
      },
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 200 || answer.status === 201) {
        try { localStorage.removeItem(KEY); } catch (e) { /* nothing to drop */ }
        window.location.href = form.dataset.detail + answer.body.id + "/";
        return;
      }
      if (answer.status >= 500) { retry(attempt); return; }
      sending = false;
      showErrors(answer.body);  // 4xx: the courier must change something; the draft stays
    }).catch(function () { retry(attempt); });
  }

  function retry(attempt) {
    say(form.dataset.msgRetry);
    var delay = Math.min(60000, 2000 * Math.pow(2, attempt));
    window.setTimeout(function () { send(attempt + 1); }, delay);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    sending = true;
    save();
    say(form.dataset.msgSending);
    send(0);
  });
  window.addEventListener("online", function () { if (sending) send(0); });
})();
