// The resident's map: loads approved places for the visible area from the search API and
// shows them as clustered markers. Everything shown comes from API data through textContent,
// never through HTML strings, so a place's name can never run as code.
(function () {
  "use strict";

  const frame = document.querySelector("[data-hiroba-places-map]");
  if (!frame || typeof L === "undefined") {
    return;
  }
  const map = window[frame.dataset.mapName];
  const labels = JSON.parse(document.getElementById("hiroba-labels").textContent);
  const messages = JSON.parse(document.getElementById("hiroba-messages").textContent);
  const status = document.querySelector(".map-status");
  const PAGE_LIMIT = 1000;

  const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 });
  map.addLayer(clusters);

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  function placeUrl(id) {
    return frame.dataset.placeUrl.replace(/\/0$/, "/" + encodeURIComponent(id));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function popupFor(feature) {
    const props = feature.properties;
    const box = element("div", "place-popup");
    const title = element("p", "place-popup-name");
    const link = element("a", null, props.name);
    link.href = placeUrl(feature.id);
    title.appendChild(link);
    box.appendChild(title);
    box.appendChild(element("p", "kind kind-" + props.kind, labels[props.kind] || props.kind));
    const district = document.documentElement.lang === "en" && props.district_name_en
      ? props.district_name_en : props.district_name;
    box.appendChild(element("p", null, district));
    if (props.capacity) {
      box.appendChild(element("p", null, format(messages.capacity, { n: props.capacity })));
    }
    return box;
  }

  function markerFor(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const icon = L.divIcon({
      className: "place-marker kind-" + feature.properties.kind,
      iconSize: [24, 24],
      iconAnchor: [12, 12],
      popupAnchor: [0, -10],
    });
    // Leaflet sets `title` and `alt` as attributes (text), not as HTML.
    const marker = L.marker([lat, lon], {
      icon: icon,
      title: feature.properties.name,
      alt: feature.properties.name,
      keyboard: true,
    });
    marker.bindPopup(() => popupFor(feature));
    return marker;
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  let pending = null;

  async function loadVisiblePlaces() {
    const bounds = map.getBounds();
    const bbox = [
      clamp(bounds.getWest(), -180, 180),
      clamp(bounds.getSouth(), -90, 90),
      clamp(bounds.getEast(), -180, 180),
      clamp(bounds.getNorth(), -90, 90),
    ].map((v) => v.toFixed(6)).join(",");
    if (pending) pending.abort();
    pending = new AbortController();
    status.textContent = messages.loading;
    try {
      const query = new URLSearchParams({ bbox: bbox, limit: String(PAGE_LIMIT) });
      const response = await fetch(frame.dataset.api + "?" + query.toString(), {
        headers: { Accept: "application/geo+json" },
        signal: pending.signal,
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      clusters.clearLayers();
      clusters.addLayers(data.features.map(markerFor));
      status.textContent = data.numberMatched > data.numberReturned
        ? format(messages.truncated, { shown: data.numberReturned, total: data.numberMatched })
        : format(messages.shown, { n: data.numberReturned });
      frame.dataset.loaded = String(data.numberReturned);
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = messages.error;
    }
  }

  map.on("moveend", loadVisiblePlaces);
  loadVisiblePlaces();
})();
