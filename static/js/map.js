/* Nuanxin maps: draw the points a page hands over as JSON on a Leaflet map.
 *
 * Markup:   <div data-nuanxin-map="ID-of-a-json_script" [data-map-lazy]></div>
 *           {{ map_config|json_script:"map-config" }}   (views.map_config)
 * Points:   {"points": [{"name", "url", "lat", "lng", "active", "tone"?, "lines": [..]}], "here": {lat, lng, label}|null}
 *           already in the tiles' coordinate system (the server converts WGS-84 → GCJ-02 for GCJ-02 tiles).
 *
 * Leaflet (about 150 kB) is fetched only when a map is actually shown: immediately for a visible
 * map, or, with data-map-lazy, the first time the element becomes visible. With no tile URL
 * configured the map has no base layer: the markers sit on the element's plain CSS background.
 *
 * Public: NuanxinMap.refresh(element) re-reads the element's JSON (after an htmx swap replaced it).
 * The element gets data-map-state="loading" | "ready" | "failed" (the browser tests wait for "ready").
 */
(function () {
  "use strict";

  var leafletPromise = null;

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function loadLeaflet(config) {
    if (window.L) return Promise.resolve(window.L);
    if (leafletPromise) return leafletPromise;
    leafletPromise = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = config.leafletCss;
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = config.leafletJs;
      script.async = true;
      script.onload = function () {
        resolve(window.L);
      };
      script.onerror = function () {
        leafletPromise = null;
        reject(new Error("Leaflet could not be loaded"));
      };
      document.head.appendChild(script);
    });
    return leafletPromise;
  }

  function popupContent(point) {
    var box = document.createElement("div");
    var title = document.createElement(point.url ? "a" : "strong");
    title.className = "m-pin-label";
    title.textContent = point.name;
    if (point.url) title.href = point.url;
    box.appendChild(title);
    (point.lines || []).forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      box.appendChild(row);
    });
    return box;
  }

  function pinIcon(L, point) {
    var pin = document.createElement("span");
    pin.className = "m-pin" + (point.active ? " m-pin--active" : " m-pin--inactive");
    // An optional tone colours the pin by the page's own CSS (m-pin--<tone>), e.g. a report's status.
    if (point.tone) pin.className += " m-pin--" + point.tone;
    pin.setAttribute("data-map-marker", point.tone || "");
    pin.title = point.name;
    return L.divIcon({ html: pin, className: "m-pin-wrap", iconSize: [22, 22], iconAnchor: [11, 22], popupAnchor: [0, -20] });
  }

  function hereIcon(L, here) {
    var dot = document.createElement("span");
    dot.className = "m-here";
    dot.setAttribute("data-map-here", "");
    dot.title = here.label || "";
    return L.divIcon({ html: dot, className: "m-pin-wrap", iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  function draw(state) {
    var L = state.L;
    var data = readJson(state.element.getAttribute("data-nuanxin-map")) || { points: [] };
    state.layer.clearLayers();
    var bounds = [];
    (data.points || []).forEach(function (point) {
      var marker = L.marker([point.lat, point.lng], { icon: pinIcon(L, point), title: point.name, keyboard: true });
      marker.bindPopup(popupContent(point));
      state.layer.addLayer(marker);
      bounds.push([point.lat, point.lng]);
    });
    if (data.here) {
      state.layer.addLayer(
        L.marker([data.here.lat, data.here.lng], { icon: hereIcon(L, data.here), interactive: false, zIndexOffset: 1000 })
      );
      bounds.push([data.here.lat, data.here.lng]);
    }
    state.element.setAttribute("data-map-count", String((data.points || []).length));
    if (bounds.length === 1) {
      state.map.setView(bounds[0], 15);
    } else if (bounds.length > 1) {
      state.map.fitBounds(bounds, { padding: [28, 28], maxZoom: 16 });
    } else if (!state.hasView) {
      state.map.setView([35.0, 105.0], 4); // all of China: nothing to show yet
    }
    state.hasView = true;
  }

  function mount(element) {
    // One map per element, however many callers ask while Leaflet is still loading.
    if (element._nuanxinMapPromise) return element._nuanxinMapPromise;
    var config = readJson("map-config") || {};
    element.setAttribute("data-map-state", "loading");
    element._nuanxinMapPromise = loadLeaflet(config).then(
      function (L) {
        var map = L.map(element, { zoomControl: true, attributionControl: !!config.tileUrl });
        if (config.tileUrl) {
          L.tileLayer(config.tileUrl, {
            attribution: config.tileAttribution || "",
            maxZoom: 19,
            subdomains: config.tileSubdomains || "abc",
          }).addTo(map);
        } else {
          element.classList.add("is-tileless");
        }
        var state = { L: L, map: map, element: element, layer: L.layerGroup().addTo(map), hasView: false };
        element._nuanxinMap = state;
        draw(state);
        element.setAttribute("data-map-state", "ready");
        return state;
      },
      function () {
        element.setAttribute("data-map-state", "failed");
        var status = document.createElement("p");
        status.className = "f-map__status";
        status.textContent = element.getAttribute("data-msg-failed") || "";
        element.appendChild(status);
        element._nuanxinMapPromise = null;
      }
    );
    return element._nuanxinMapPromise;
  }

  function isShown(element) {
    return element.offsetWidth > 0 && element.offsetHeight > 0;
  }

  function mountWhenShown(element) {
    if (isShown(element)) {
      mount(element);
      return;
    }
    if (!("ResizeObserver" in window)) return;
    var observer = new ResizeObserver(function () {
      if (isShown(element)) {
        observer.disconnect();
        mount(element);
      }
    });
    observer.observe(element);
  }

  function refresh(element) {
    var state = element._nuanxinMap;
    if (state) {
      state.map.invalidateSize();
      draw(state);
    } else {
      mountWhenShown(element);
    }
  }

  function start() {
    var elements = document.querySelectorAll("[data-nuanxin-map]");
    Array.prototype.forEach.call(elements, function (element) {
      if (element.hasAttribute("data-map-lazy")) {
        mountWhenShown(element);
      } else {
        mount(element);
      }
    });
  }

  window.NuanxinMap = { mount: mount, refresh: refresh };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
