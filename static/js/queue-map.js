// The staff queue's map: loads the waiting places (with the page's filters) from the staff-only
// GeoJSON endpoint and shows one marker each at its exact point. Popups are built from the data
// with textContent, never from HTML strings, so a place's name can never run as code.
(function () {
  "use strict";

  const frame = document.querySelector("[data-hiroba-queue-map]");
  if (!frame || typeof L === "undefined") {
    return;
  }
  const map = window[frame.dataset.mapName];
  const messages = JSON.parse(document.getElementById("hiroba-queue-messages").textContent);
  const status = frame.parentElement.querySelector(".map-status");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function popupFor(feature) {
    const props = feature.properties;
    const box = element("div", "place-popup queue-popup");
    const title = element("p", "place-popup-name");
    const link = element("a", null, props.name);
    link.href = props.url;
    title.appendChild(link);
    box.appendChild(title);
    if (props.revision_id) box.appendChild(element("p", "badge badge-revision", messages.revision));
    if (props.on_behalf) box.appendChild(element("p", "badge badge-proxy", messages.proxy));
    box.appendChild(element("p", "kind kind-" + props.kind, props.kind_label));
    box.appendChild(element("p", null, props.district_name));
    box.appendChild(element("p", "queue-popup-waited", props.waited));
    const review = element("a", "button-secondary", messages.review);
    review.href = props.url;
    box.appendChild(review);
    return box;
  }

  function markerFor(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const props = feature.properties;
    const icon = L.divIcon({
      className: "place-marker queue-marker kind-" + props.kind
        + (props.revision_id ? " is-revision" : ""),
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      popupAnchor: [0, -12],
    });
    // Leaflet sets `title` and `alt` as attributes (text), not as HTML.
    const marker = L.marker([lat, lon], {
      icon: icon,
      title: props.name,
      alt: props.name,
      keyboard: true,
    });
    marker.bindPopup(() => popupFor(feature));
    return marker;
  }

  async function load() {
    status.textContent = messages.loading;
    try {
      const response = await fetch(frame.dataset.geojson, {
        headers: { Accept: "application/geo+json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      const layer = L.layerGroup(data.features.map(markerFor)).addTo(map);
      status.textContent = messages.shown.replace("{n}", String(data.features.length));
      frame.dataset.loaded = String(data.features.length);
      return layer;
    } catch (error) {
      status.textContent = messages.error;
      frame.dataset.loaded = "error";
      return null;
    }
  }

  load();
})();
