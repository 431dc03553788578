/* The couriers' finder page (/m/stations/): "locate me", list/map switching, and keeping the map
 * and the tab bar in step with the results htmx swaps in.
 *
 * Everything here is an enhancement: without JavaScript the filters are a plain GET form (with a
 * submit button in <noscript>) and the tab bar links reload the page with ?view=map.
 */
(function () {
  "use strict";

  var LOCATION_FIELDS = ["lat", "lng", "crs", "loc", "area", "radius_m"];
  // The tab bar's two tabs that are views of this page; other tabs are plain links.
  var VIEW_TABS = '.m-tabbar [data-tab="stations"], .m-tabbar [data-tab="map"]';

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function finderParts() {
    var page = $("[data-finder]");
    if (!page) return null;
    return {
      page: page,
      form: $("#finder-form", page),
      results: $("#finder-results", page),
      map: $("#finder-map", page),
      status: $("#locate-status", page),
      button: $("[data-locate]", page),
      viewInput: $('#finder-form input[name="view"]', page),
    };
  }

  function say(parts, message, kind) {
    parts.status.textContent = message || "";
    parts.status.className = "f-toolbar__where" + (kind ? " is-" + kind : "");
  }

  function submit(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires "submit": htmx takes it, or the browser loads the page
    } else {
      form.submit();
    }
  }

  function setLocation(parts, latitude, longitude) {
    // The server echoes the search it understood as hidden fields inside the results; replace them.
    LOCATION_FIELDS.forEach(function (name) {
      Array.prototype.forEach.call(parts.form.querySelectorAll('input[type="hidden"][name="' + name + '"]'), function (input) {
        input.parentNode.removeChild(input);
      });
    });
    var values = { lat: latitude.toFixed(6), lng: longitude.toFixed(6), crs: "wgs84", loc: "device" };
    Object.keys(values).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = values[name];
      parts.results.appendChild(input);
    });
  }

  function locate(parts) {
    var button = parts.button;
    if (!("geolocation" in navigator)) {
      say(parts, button.getAttribute("data-msg-unsupported"), "error");
      return;
    }
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    say(parts, button.getAttribute("data-msg-locating"));
    navigator.geolocation.getCurrentPosition(
      function (position) {
        button.removeAttribute("aria-busy");
        button.disabled = false;
        say(parts, "");
        setLocation(parts, position.coords.latitude, position.coords.longitude);
        submit(parts.form);
      },
      function (error) {
        button.removeAttribute("aria-busy");
        button.disabled = false;
        // The list keeps showing what it showed: the link's place or the area's centre.
        var denied = error && error.code === 1;
        say(parts, button.getAttribute(denied ? "data-msg-denied" : "data-msg-failed"), "error");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function urlFor(view) {
    var url = new URL(window.location.href);
    if (view === "map") {
      url.searchParams.set("view", "map");
    } else {
      url.searchParams.delete("view");
    }
    return url.pathname + url.search;
  }

  function updateTabs() {
    var stations = $('.m-tabbar [data-tab="stations"]');
    var map = $('.m-tabbar [data-tab="map"]');
    if (stations) stations.setAttribute("href", urlFor("list"));
    if (map) map.setAttribute("href", urlFor("map"));
  }

  function showView(parts, view) {
    var isMap = view === "map";
    parts.page.classList.toggle("is-map-view", isMap);
    parts.viewInput.value = isMap ? "map" : "";
    window.history.replaceState(window.history.state, "", urlFor(view));
    Array.prototype.forEach.call(document.querySelectorAll(VIEW_TABS), function (tab) {
      var current = tab.getAttribute("data-tab") === (isMap ? "map" : "stations");
      if (current) {
        tab.setAttribute("aria-current", "page");
      } else {
        tab.removeAttribute("aria-current");
      }
    });
    updateTabs();
    if (isMap && window.NuanxinMap) window.NuanxinMap.refresh(parts.map);
  }

  function start() {
    var parts = finderParts();
    if (!parts) return;

    parts.button.addEventListener("click", function () {
      locate(parts);
    });

    // Switch list ⇄ map in place: no reload, and Leaflet is fetched only when the map first shows.
    Array.prototype.forEach.call(document.querySelectorAll(VIEW_TABS), function (tab) {
      tab.addEventListener("click", function (event) {
        if (event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        showView(parts, tab.getAttribute("data-tab") === "map" ? "map" : "list");
      });
    });

    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail && event.detail.target === parts.results && parts.page.classList.contains("is-map-view")) {
        if (window.NuanxinMap) window.NuanxinMap.refresh(parts.map);
      }
    });
    document.body.addEventListener("htmx:pushedIntoHistory", updateTabs);
    document.body.addEventListener("htmx:sendError", function () {
      say(parts, parts.page.getAttribute("data-msg-offline"), "error");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
