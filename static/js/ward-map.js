// A ward page's map: loads the ward's published places once from the search API and shows them
// as markers (clustered where they crowd). Popups are built from the data with textContent,
// never from HTML strings, so a place's name can never run as code.
(function () {
  "use strict";

  const frame = document.querySelector("[data-hiroba-ward-map]");
  if (!frame || typeof L === "undefined") {
    return;
  }
  const map = window[frame.dataset.mapName];
  const data = JSON.parse(document.getElementById("hiroba-ward-map-data").textContent);
  const status = frame.parentElement.querySelector(".map-status");

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function placeUrl(id) {
    return frame.dataset.placeUrl.replace(/\/0$/, "/" + encodeURIComponent(id));
  }

  function popupFor(feature) {
    const props = feature.properties;
    const box = element("div", "place-popup");
    const title = element("p", "place-popup-name");
    const link = element("a", null, props.name);
    link.href = placeUrl(feature.id);
    title.appendChild(link);
    box.appendChild(title);
    box.appendChild(element("p", "kind kind-" + props.kind, data.labels[props.kind] || props.kind));
    if (props.capacity) {
      box.appendChild(element("p", null, format(data.capacity, { n: props.capacity })));
    }
    return box;
  }

  function iconFor(kind) {
    const url = data.icons[kind];
    if (!url) {
      return L.divIcon({
        className: "place-marker kind-" + kind,
        iconSize: [24, 24],
        iconAnchor: [12, 12],
        popupAnchor: [0, -10],
      });
    }
    const image = element("img");
    image.src = url;
    image.alt = "";
    image.width = 28;
    image.height = 28;
    return L.divIcon({
      html: image,
      className: "place-marker place-marker-icon kind-" + kind,
      iconSize: [32, 32],
      iconAnchor: [16, 16],
      popupAnchor: [0, -14],
    });
  }

  function markerFor(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    // Leaflet sets `title` and `alt` as attributes (text), not as HTML.
    const marker = L.marker([lat, lon], {
      icon: iconFor(feature.properties.kind),
      title: feature.properties.name,
      alt: feature.properties.name,
      keyboard: true,
    });
    marker.bindPopup(() => popupFor(feature));
    return marker;
  }

  async function load() {
    status.textContent = data.loading;
    try {
      const response = await fetch(frame.dataset.api, {
        headers: { Accept: "application/geo+json" },
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const page = await response.json();
      const clusters = L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 40,
        disableClusteringAtZoom: 16,
      });
      clusters.addLayers(page.features.map(markerFor));
      map.addLayer(clusters);
      // The API leaves numberMatched out while more pages follow; the page counted the ward.
      const total = page.numberMatched ?? Number(frame.dataset.total);
      status.textContent = total > page.numberReturned
        ? format(data.truncated, { shown: page.numberReturned, total })
        : format(data.shown, { n: page.numberReturned });
      frame.dataset.loaded = String(page.numberReturned);
    } catch (error) {
      status.textContent = data.error;
      frame.dataset.loaded = "error";
    }
  }

  load();
})();
