// The places on the map: one marker per place (clustered where they crowd), or count bubbles
// when the view holds too many to draw one by one. Markers are kept across loads by place id,
// so an open popup or a keyboard focus survives panning. Icons are built with DOM APIs: their
// label (the place's name) is an attribute, never HTML.
import { element, format } from "./render.js";

const L = window.L;

// A div icon with an accessible name and content made of DOM nodes.
const LabelledIcon = L.DivIcon.extend({
  createIcon(oldIcon) {
    const div = L.DivIcon.prototype.createIcon.call(this, oldIcon); // html: false → empty
    div.setAttribute("aria-label", this.options.label);
    if (this.options.placeId !== undefined) div.dataset.placeId = String(this.options.placeId);
    if (this.options.content) div.replaceChildren(this.options.content());
    return div;
  },
});

const FINGERS = L.Browser.touch && L.Browser.mobile;
// A marker is a button: on a phone, as big as a fingertip (44 px) like every other one.
const MARKER_PX = FINGERS ? 44 : 34;
const CURRENT_PX = FINGERS ? 54 : 46;
const BUBBLE_PX = [44, 52, 60]; // up to 99, up to 999, more
// Touch screens open the popup on a tap: a tooltip as well would only cover it.
const TOOLTIPS = !FINGERS;

export class PlaceLayers {
  constructor(map, renderer, onSelect) {
    this.map = map;
    this.renderer = renderer;
    this.onSelect = onSelect;
    this.markers = new Map(); // place id → marker (places mode)
    this.features = new Map(); // place id → feature of the last answer (both modes)
    this.currentId = null;
    this.clusters = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: (cluster) => this.groupIcon(cluster.getChildCount(), "place-group"),
    });
    this.cells = L.layerGroup();
    this.lone = L.layerGroup(); // the chosen place when it has no marker (count bubbles shown)
    this.here = L.layerGroup(); // "near me": where the visitor is
    for (const layer of [this.cells, this.clusters, this.lone, this.here]) map.addLayer(layer);
  }

  placeIcon(feature, current) {
    const size = current ? CURRENT_PX : MARKER_PX;
    const kind = this.renderer.knownKind(feature.properties.kind);
    return new LabelledIcon({
      className: "place-marker kind-" + kind + (current ? " is-current" : ""),
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
      tooltipAnchor: [0, -size / 2],
      label: feature.properties.name + ", " + this.renderer.label(feature.properties.kind),
      placeId: feature.id,
      content: () => this.renderer.kindIcon(kind, size - 6),
    });
  }

  groupIcon(count, className) {
    const size = BUBBLE_PX[count < 100 ? 0 : count < 1000 ? 1 : 2];
    return new LabelledIcon({
      className: className,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      label: format(this.renderer.messages.group, { n: count }),
      content: () => element("span", "group-count", count),
    });
  }

  placeMarker(feature) {
    const marker = L.marker(this.latLng(feature), {
      icon: this.placeIcon(feature, feature.id === this.currentId),
      title: feature.properties.name, // an attribute, set by Leaflet as text
      keyboard: true,
      riseOnHover: true,
    });
    marker.placeFeature = feature;
    marker.bindPopup(() => this.renderer.popup(marker.placeFeature), {
      minWidth: 220, maxWidth: 300, autoPanPadding: [24, 24],
    });
    if (TOOLTIPS) {
      marker.bindTooltip(() => this.renderer.tooltip(marker.placeFeature), { direction: "top" });
    }
    marker.on("popupopen", (event) => {
      this.onSelect(marker.placeFeature.id);
      // Opened from the keyboard: go into the popup, as its links come after every marker.
      const icon = marker.getElement();
      if (icon && document.activeElement === icon) {
        const link = event.popup.getElement().querySelector("a");
        if (link) link.focus();
      }
    });
    marker.on("popupclose", (event) => {
      const popup = event.popup.getElement();
      if (popup && popup.contains(document.activeElement) && marker.getElement()) {
        marker.getElement().focus();
      }
    });
    return marker;
  }

  latLng(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    return L.latLng(lat, lon);
  }

  // Every place of the answer as a marker: new ones added, gone ones removed, others kept.
  showPlaces(features) {
    this.cells.clearLayers();
    this.remember(features);
    const added = [];
    for (const feature of features) {
      const marker = this.markers.get(feature.id);
      if (marker) {
        marker.placeFeature = feature;
      } else {
        const created = this.placeMarker(feature);
        this.markers.set(feature.id, created);
        added.push(created);
      }
    }
    const removed = [];
    for (const [id, marker] of this.markers) {
      if (!this.features.has(id)) {
        removed.push(marker);
        this.markers.delete(id);
      }
    }
    this.clusters.removeLayers(removed);
    this.clusters.addLayers(added);
    this.showLone();
  }

  // Too many places here: a bubble per grid cell with its count; selecting one zooms in.
  showCells(cells, features) {
    this.clusters.clearLayers();
    this.markers.clear();
    this.cells.clearLayers();
    this.remember(features);
    for (const cell of cells) {
      const [lon, lat] = cell.coordinates;
      const bubble = L.marker([lat, lon], { icon: this.groupIcon(cell.count, "count-bubble"), keyboard: true });
      // A button for keyboards too: Leaflet only turns Enter into a click for popups.
      bubble.on("click keypress", (event) => {
        const key = event.type === "keypress" ? event.originalEvent.key : null;
        if (key !== null && key !== "Enter" && key !== " ") return;
        if (key === " ") event.originalEvent.preventDefault(); // not a page scroll
        // The bubble goes with the next load: the keyboard's focus waits on the map instead.
        if (key !== null) this.map.getContainer().focus({ preventScroll: true });
        this.map.setView([lat, lon], Math.min(this.map.getZoom() + 2, this.map.getMaxZoom()));
      });
      this.cells.addLayer(bubble);
    }
    this.showLone();
  }

  remember(features) {
    this.features = new Map(features.map((feature) => [feature.id, feature]));
  }

  // The chosen place of the list, drawn on its own when no marker stands for it.
  showLone() {
    const feature = this.features.get(this.currentId);
    const wanted = feature && !this.markers.has(feature.id) ? feature : null;
    const existing = this.lone.getLayers()[0];
    if (existing && wanted && existing.placeFeature.id === wanted.id) {
      existing.placeFeature = wanted; // keep it, and its open popup
      return;
    }
    this.lone.clearLayers();
    // Above the count bubble that counts it, which would otherwise take its clicks.
    if (wanted) this.lone.addLayer(this.placeMarker(wanted).setZIndexOffset(1000));
  }

  restyle(id) {
    const marker = this.markers.get(id);
    if (!marker) return;
    marker.setIcon(this.placeIcon(marker.placeFeature, id === this.currentId));
    marker.setZIndexOffset(id === this.currentId ? 1000 : 0);
  }

  // Mark a place as chosen; with `reveal`, bring its marker into view and open its popup.
  select(id, reveal) {
    const previous = this.currentId;
    this.currentId = id;
    if (previous !== null && previous !== id) this.restyle(previous);
    this.restyle(id);
    this.showLone();
    if (!reveal) return;
    const marker = this.markers.get(id);
    if (marker) {
      this.clusters.zoomToShowLayer(marker, () => marker.openPopup());
    } else {
      const lone = this.lone.getLayers()[0];
      if (lone) {
        this.map.panTo(lone.getLatLng());
        lone.openPopup();
      }
    }
  }

  showHere(lat, lon, label) {
    this.here.clearLayers();
    if (lat === null) return;
    const icon = new LabelledIcon({
      className: "you-are-here", iconSize: [22, 22], iconAnchor: [11, 11], label: label,
    });
    this.here.addLayer(L.marker([lat, lon], { icon: icon, keyboard: false, interactive: false }));
  }
}
