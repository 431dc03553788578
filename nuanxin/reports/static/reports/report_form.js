/* The report form (/m/reports/new/) on a phone and a weak network:
 *
 * - a map (static/js/map.js mounts Leaflet) where the courier taps or drags a pin; the pin fills
 *   lat/lng with the map's coordinate system in `crs` (GCJ-02 tiles → gcj02; no tiles → wgs84, and
 *   the stations nearby are drawn as grey dots so an empty map can still be read);
 * - "use my location": the phone answers in WGS-84, kept as such in the fields (crs=wgs84); the pin
 *   is drawn at the same place converted to the tiles' system;
 * - a draft in localStorage (text, location and so the pin, the Idempotency-Key);
 * - before sending, the similar open reports nearby (GET /api/v1/reports/duplicates), with "the same
 *   problem — don't send mine" (drops the draft) and "mine is different — send it";
 * - sending to POST /api/v1/reports with the draft's Idempotency-Key, retried with backoff on a
 *   network failure or a 5xx; the draft is dropped only after a 200/201.
 *
 * Without JavaScript the page is a plain form with typed coordinates; nothing here is required.
 */
(function () {
  "use strict";
  var form = document.querySelector("[data-report-form]");
  if (!form || !window.fetch || !window.FormData) return;
  var KEY = "nuanxin.reportDraft";
  var FIELDS = ["category", "description", "address", "lat", "lng", "crs", "idempotency_key"];
  var LOCATION_FIELDS = ["category", "lat", "lng", "crs"];
  var statusBox = form.querySelector("[data-report-status]");
  var sendButton = form.querySelector("[data-send]");
  var sending = false;
  var deciding = false;
  var retryTimer = null;

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }
  function field(name) { return form.elements[name]; }
  function isGroup(element) { return element.length !== undefined && element.tagName === undefined; }
  function value(name) {
    var element = field(name);
    if (!element) return "";
    if (isGroup(element)) {
      for (var i = 0; i < element.length; i++) if (element[i].checked) return element[i].value;
      return "";
    }
    return element.value;
  }
  function setValue(name, stored) {
    var element = field(name);
    if (!element || stored === undefined || stored === "") return;
    if (isGroup(element)) {
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
  function dropDraft() {
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing to drop */ }
  }
  function restore() {
    try {
      var draft = JSON.parse(localStorage.getItem(KEY) || "null");
      if (draft) FIELDS.forEach(function (name) { setValue(name, draft[name]); });
    } catch (e) { /* a broken draft is ignored */ }
  }
  function say(text) { if (statusBox) statusBox.textContent = text; }
  function query(params) {
    return Object.keys(params).map(function (name) {
      return encodeURIComponent(name) + "=" + encodeURIComponent(params[name]);
    }).join("&");
  }

  // --- WGS-84 ⇄ GCJ-02, as nuanxin/stations/geo.py (the published transform; identity outside China) ---

  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  function outOfChina(lat, lng) { return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271); }
  function transformLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }
  function transformLng(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return ret;
  }
  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var dLat = transformLat(lng - 105.0, lat - 35.0);
    var dLng = transformLng(lng - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI;
    var magic = 1 - EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLng = (dLng * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lng + dLng];
  }
  function gcj02ToWgs84(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var wgs = [lat, lng];
    for (var step = 0; step < 30; step++) {
      var gcj = wgs84ToGcj02(wgs[0], wgs[1]);
      var errorLat = gcj[0] - lat;
      var errorLng = gcj[1] - lng;
      if (Math.abs(errorLat) < 1e-9 && Math.abs(errorLng) < 1e-9) break;
      wgs = [wgs[0] - errorLat, wgs[1] - errorLng];
    }
    return wgs;
  }
  function convert(lat, lng, from, to) {
    if (from === to) return [lat, lng];
    if (from === "gcj02") return gcj02ToWgs84(lat, lng);   // to WGS-84
    return wgs84ToGcj02(lat, lng);                            // WGS-84 to GCJ-02
  }

  // --- the map and its pin ---------------------------------------------------------------------

  var mapBox = form.querySelector("[data-report-map]");
  var mapCrs = (mapBox && mapBox.getAttribute("data-crs")) || "wgs84";
  var mapConfig = readJson("map-config") || {};
  var mapState = null;
  var pin = null;
  var stationLayer = null;
  // Zoom for a place just set: a street's width on tiles; a little wider without, so stations show.
  var CLOSE_ZOOM = mapConfig.tileUrl ? 17 : 16;

  function fieldsPoint() {
    // The typed or stored location, in the map's system; null when there is none (or it is not a number).
    var lat = parseFloat(value("lat"));
    var lng = parseFloat(value("lng"));
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
    return convert(lat, lng, value("crs") || "wgs84", mapCrs);
  }

  function pinIcon(L) {
    var node = document.createElement("span");
    node.className = "m-pin r-pin";
    node.setAttribute("data-report-pin", "");
    return L.divIcon({ html: node, className: "m-pin-wrap", iconSize: [28, 28], iconAnchor: [14, 28] });
  }

  function showPin(lat, lng) {
    if (!mapState) return;
    var L = mapState.L;
    if (pin) {
      pin.setLatLng([lat, lng]);
    } else {
      pin = L.marker([lat, lng], { icon: pinIcon(L), draggable: true, autoPan: true, zIndexOffset: 1000 });
      pin.on("dragend", function () { pinMoved(pin.getLatLng()); });
      pin.addTo(mapState.map);
    }
    mapBox.setAttribute("data-pin-lat", lat.toFixed(7));
    mapBox.setAttribute("data-pin-lng", lng.toFixed(7));
  }

  function pinMoved(latlng) {
    // The pin speaks the map's system: the fields take it as it is, with that system.
    showPin(latlng.lat, latlng.lng);
    field("lat").value = latlng.lat.toFixed(6);
    field("lng").value = latlng.lng.toFixed(6);
    setValue("crs", mapCrs);
    save();
    say(form.dataset.msgPinned);
    locationChanged();
  }

  function pinFromFields(pan) {
    var point = fieldsPoint();
    if (!point || !mapState) return;
    showPin(point[0], point[1]);
    // No animation: the pin and the map are where they belong at once (and a tap right after lands
    // where it is aimed, also on a slow phone).
    if (pan) mapState.map.setView(point, Math.max(mapState.map.getZoom(), CLOSE_ZOOM), { animate: false });
  }

  function loadStations() {
    // No tiles: the public stations nearby are the only landmarks. Their popups name them.
    if (!mapState) return;
    var map = mapState.map;
    var centre = map.getCenter();
    var radius = Math.min(50000, Math.max(300, Math.ceil(centre.distanceTo(map.getBounds().getNorthEast()))));
    var url = form.dataset.stationsApi + "?" + query({
      lat: centre.lat.toFixed(6), lng: centre.lng.toFixed(6), crs: mapCrs, radius_m: radius, limit: 50,
    });
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || !mapState) return;
        var L = mapState.L;
        stationLayer.clearLayers();
        (body.items || []).forEach(function (station) {
          var dot = document.createElement("span");
          dot.className = "r-station";
          dot.setAttribute("data-station-marker", "");
          dot.title = station.name;
          var marker = L.marker([station.lat, station.lng], {
            icon: L.divIcon({ html: dot, className: "m-pin-wrap", iconSize: [14, 14], iconAnchor: [7, 7] }),
            title: station.name,
          });
          var label = document.createElement("div");
          var name = document.createElement("strong");
          name.textContent = station.name;
          label.appendChild(name);
          if (station.address) {
            var address = document.createElement("div");
            address.textContent = station.address;
            label.appendChild(address);
          }
          marker.bindPopup(label);
          stationLayer.addLayer(marker);
        });
        mapBox.setAttribute("data-station-count", String((body.items || []).length));
      })
      .catch(function () { /* offline: the map stays without landmarks */ });
  }

  function startMap() {
    if (!mapBox || !window.NuanxinMap) return;
    mapBox.hidden = false;
    var hint = form.querySelector("[data-map-hint]");
    if (hint) hint.hidden = false;
    window.NuanxinMap.mount(mapBox).then(function (state) {
      if (!state) return; // Leaflet did not load: the fields and "use my location" still work
      mapState = state;
      var data = readJson(mapBox.getAttribute("data-nuanxin-map")) || {};
      var point = fieldsPoint();
      if (point) {
        state.map.setView(point, CLOSE_ZOOM);
      } else if (data.start) {
        state.map.setView([data.start.lat, data.start.lng], data.start.zoom || 15);
      }
      pinFromFields(false);
      state.map.on("click", function (event) { pinMoved(event.latlng); });
      if (!mapConfig.tileUrl) {
        stationLayer = state.L.layerGroup().addTo(state.map);
        var timer = null;
        state.map.on("moveend", function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(loadStations, 300);
        });
        loadStations();
      }
      mapBox.setAttribute("data-pin-ready", "");
    });
  }

  // --- similar open reports nearby ---------------------------------------------------------------

  var offer = form.querySelector("[data-duplicates]");
  var offerList = offer && offer.querySelector("[data-duplicate-list]");
  var labels = readJson("report-labels") || { categories: {}, statuses: {} };
  var answered = null;     // {key, items}: the last answer, for the location and category it was for
  var pending = null;      // {key, promise}: the question on its way
  var differentKey = null;    // the key the courier said "mine is different" for
  var checkTimer = null;

  function offerKey() {
    if (!value("category") || !fieldsPoint()) return null;
    return LOCATION_FIELDS.map(function (name) { return value(name).trim(); }).join("|");
  }

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", {
        timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hour12: false,
      }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
    } catch (e) {
      return date.toISOString().slice(0, 16).replace("T", " ");
    }
  }

  function showOffer(key, items) {
    if (!offer) return;
    offerList.textContent = "";
    items.forEach(function (item) {
      var row = document.createElement("li");
      row.setAttribute("data-duplicate", "");
      var what = document.createElement("div");
      what.className = "r-offer__what";
      what.textContent = (labels.categories[item.category] || item.category) + " · " +
        (labels.statuses[item.status] || item.status);
      var where = document.createElement("div");
      where.className = "m-muted";
      where.textContent = form.dataset.msgDistance.replace("%(distance)s", String(item.distance_m)) +
        " · " + when(item.created_at);
      var text = document.createElement("div");
      text.className = "r-offer__text";
      text.textContent = item.description;
      row.appendChild(what);
      row.appendChild(where);
      row.appendChild(text);
      offerList.appendChild(row);
    });
    offer.hidden = false;
    offer.setAttribute("data-offer-key", key);
    if (sendButton) sendButton.hidden = true;  // the offer's two buttons take its place
  }

  function hideOffer() {
    if (!offer) return;
    offer.hidden = true;
    offer.removeAttribute("data-offer-key");
    if (sendButton) sendButton.hidden = false;
  }

  function askDuplicates() {
    // → a promise of the similar reports for the current category and place ([] when none or not
    // askable), or null when the question could not be asked (offline): sending is never blocked.
    var key = offerKey();
    if (!key) return Promise.resolve([]);
    if (answered && answered.key === key) return Promise.resolve(answered.items);
    if (pending && pending.key === key) return pending.promise;
    var parts = key.split("|");
    var url = form.dataset.duplicatesApi + "?" + query({ category: parts[0], lat: parts[1], lng: parts[2], crs: parts[3] || "wgs84" });
    var promise = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        // A refusal (a location the server will not take, a lapsed sign-in) offers nothing; the
        // sending then shows the field messages.
        return response.ok ? response.json() : [];
      })
      .then(function (items) {
        items = Array.isArray(items) ? items : [];
        answered = { key: key, items: items };
        return items;
      })
      .catch(function () { return null; })
      .then(function (items) {
        if (pending && pending.key === key) pending = null;
        return items;
      });
    pending = { key: key, promise: promise };
    return promise;
  }

  function refreshOffer() {
    var key = offerKey();
    if (!key || key === differentKey) { hideOffer(); return; }
    askDuplicates().then(function (items) {
      if (offerKey() !== key || key === differentKey) return; // the courier has moved on meanwhile
      if (items && items.length) { showOffer(key, items); } else { hideOffer(); }
    });
  }

  function locationChanged() {
    if (offer && offer.getAttribute("data-offer-key") !== offerKey()) hideOffer();
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(refreshOffer, 400);
  }

  // --- the draft, the fields and "use my location" ----------------------------------------------

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  LOCATION_FIELDS.forEach(function (name) {
    var element = field(name);
    if (!element) return;
    var elements = isGroup(element) ? Array.prototype.slice.call(element) : [element];
    elements.forEach(function (node) {
      node.addEventListener("change", function () {
        if (name !== "category") pinFromFields(true);
        locationChanged();
      });
      if (name === "lat" || name === "lng") node.addEventListener("input", locationChanged);
    });
  });

  var locate = form.querySelector("[data-locate]");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        // The browser's Geolocation API answers in WGS-84: stored as such, the pin drawn in the map's system.
        field("lat").value = position.coords.latitude.toFixed(7);
        field("lng").value = position.coords.longitude.toFixed(7);
        setValue("crs", "wgs84");
        save();
        pinFromFields(true);
        say(form.dataset.msgLocated);
        locationChanged();
      }, function () { say(form.dataset.msgNoLocation); }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // --- sending ---------------------------------------------------------------------------------

  function showErrors(body) {
    form.querySelectorAll("[data-js-error]").forEach(function (node) { node.remove(); });
    (body.errors || []).forEach(function (error) {
      var anchor = field(error.field) || form.querySelector("[data-locate]") || statusBox;
      var node = document.createElement("p");
      node.className = "m-error";
      node.setAttribute("data-js-error", error.field);
      node.textContent = error.message;
      var target = isGroup(anchor) ? anchor[0] : anchor;
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
        dropDraft();
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
    retryTimer = window.setTimeout(function () { retryTimer = null; send(attempt + 1); }, delay);
  }

  function startSending() {
    if (sending) return;
    sending = true;
    hideOffer();
    save();
    say(form.dataset.msgSending);
    send(0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending || deciding) return;
    var key = offerKey();
    if (!key || key === differentKey) { startSending(); return; }
    // First the similar reports nearby: the courier decides; with none (or no network to ask) it goes.
    deciding = true;
    askDuplicates().then(function (items) {
      deciding = false;
      if (items && items.length && offerKey() === key) {
        showOffer(key, items);
        offer.scrollIntoView({ block: "nearest" });
        return;
      }
      startSending();
    });
  });
  window.addEventListener("online", function () {
    // Back online while waiting to retry: now rather than at the end of the backoff (one request at a time).
    if (sending && retryTimer !== null) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
      send(0);
    }
  });

  if (offer) {
    offer.querySelector("[data-send-anyway]").addEventListener("click", function () {
      differentKey = offerKey();
      startSending();
    });
    // "The same problem": the hidden form (outside this one) posts to /m/reports/new/not-sent/, which
    // goes back to "my reports" with a message; the draft goes first.
    offer.querySelector("[data-not-sent]").addEventListener("click", dropDraft);
  }

  startMap();
  locationChanged();
})();
