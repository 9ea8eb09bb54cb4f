// The place form's map. A click (or dragging the pin) sets the point and fills the longitude
// and latitude inputs, which stay visible and typeable: without this script the form still
// works by typing coordinates. One outline can be drawn, edited and deleted with Leaflet.draw;
// it travels as GeoJSON in the hidden `footprint` input. After the point is set, the ward is
// looked up and shown before saving. Messages are written with textContent; nothing pops up.
(function () {
  "use strict";

  const frame = document.querySelector("[data-hiroba-place-editor]");
  if (!frame || typeof L === "undefined" || !L.Control.Draw) {
    return;
  }
  const map = window[frame.dataset.mapName];
  const messages = JSON.parse(document.getElementById("place-form-messages").textContent);
  const lonInput = document.getElementById("lon");
  const latInput = document.getElementById("lat");
  const footprintInput = document.getElementById("footprint");
  const districtStatus = document.getElementById("district-status");
  const footprintStatus = document.getElementById("footprint-status");
  const DECIMALS = 6; // about 10 cm: more than a click can mean
  const LOOKUP_DELAY_MS = 250;

  // --- Leaflet.draw in the page's language ------------------------------------------------

  function localizeDraw(text) {
    const draw = L.drawLocal.draw;
    const edit = L.drawLocal.edit;
    draw.toolbar.buttons.polygon = text.polygon;
    draw.toolbar.actions = { title: text.cancel, text: text.cancel };
    draw.toolbar.finish = { title: text.finish, text: text.finish };
    draw.toolbar.undo = { title: text.undo, text: text.undo };
    draw.handlers.polygon.tooltip = { start: text.start, cont: text.cont, end: text.end };
    draw.handlers.polyline.error = text.crosses;
    edit.toolbar.actions.save = { title: text.save, text: text.save };
    edit.toolbar.actions.cancel = { title: text.cancel, text: text.cancel };
    edit.toolbar.actions.clearAll = { title: text.clearAll, text: text.clearAll };
    edit.toolbar.buttons = {
      edit: text.edit,
      editDisabled: text.nothingToEdit,
      remove: text.remove,
      removeDisabled: text.nothingToEdit,
    };
    edit.handlers.edit.tooltip = { text: text.editTip, subtext: "" };
    edit.handlers.remove.tooltip = { text: text.removeTip };
  }

  // --- the point -------------------------------------------------------------------------

  let marker = null;
  // While a drawing tool is active, clicks belong to the outline, not to the point.
  let toolActive = false;

  function typedPoint() {
    const lon = Number.parseFloat(lonInput.value);
    const lat = Number.parseFloat(latInput.value);
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return null;
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) return null;
    return L.latLng(lat, lon);
  }

  function showMarker(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
      return;
    }
    marker = L.marker(latlng, { draggable: true, keyboard: true, autoPan: true });
    marker.on("dragend", () => setPoint(marker.getLatLng()));
    marker.addTo(map);
  }

  function setPoint(latlng) {
    showMarker(latlng);
    lonInput.value = latlng.lng.toFixed(DECIMALS);
    latInput.value = latlng.lat.toFixed(DECIMALS);
    lookUpDistrict();
  }

  map.on("click", (event) => {
    if (!toolActive) setPoint(event.latlng);
  });

  function onTyped() {
    const point = typedPoint();
    if (!point) return;
    showMarker(point);
    map.panTo(point);
    lookUpDistrict();
  }
  lonInput.addEventListener("change", onTyped);
  latInput.addEventListener("change", onTyped);

  // --- the ward of the point -------------------------------------------------------------

  let pending = null;
  let timer = null;

  function say(text, warning) {
    districtStatus.textContent = text;
    districtStatus.classList.toggle("is-warning", Boolean(warning));
  }

  function lookUpDistrict() {
    clearTimeout(timer);
    timer = setTimeout(fetchDistrict, LOOKUP_DELAY_MS);
  }

  async function fetchDistrict() {
    const point = typedPoint();
    if (!point) return;
    if (pending) pending.abort();
    pending = new AbortController();
    say(messages.looking, false);
    const query = new URLSearchParams({
      lon: point.lng.toFixed(DECIMALS),
      lat: point.lat.toFixed(DECIMALS),
    });
    try {
      const response = await fetch(frame.dataset.districtUrl + "?" + query.toString(), {
        headers: { Accept: "application/json" },
        signal: pending.signal,
      });
      const data = await response.json();
      say(data.message || messages.outside, !data.district);
      frame.dataset.district = data.district ? data.district.code : "";
    } catch (error) {
      if (error.name !== "AbortError") say(messages.failed, true);
    }
  }

  // --- the outline -----------------------------------------------------------------------

  const outline = new L.FeatureGroup().addTo(map);
  const OUTLINE_STYLE = { color: "#c2410c", weight: 2, fillOpacity: 0.15 };

  function precisionIsApproximate() {
    const chosen = document.querySelector("input[name=location_precision]:checked");
    return Boolean(chosen && chosen.value === "approximate");
  }

  function describeOutline() {
    const drawn = outline.getLayers().length > 0;
    let text = drawn ? messages.drawn : messages.none;
    if (drawn && precisionIsApproximate()) text += " " + messages.approximateOutline;
    footprintStatus.textContent = text;
  }

  function writeOutline() {
    const layers = outline.getLayers();
    footprintInput.value = layers.length
      ? JSON.stringify(layers[layers.length - 1].toGeoJSON(DECIMALS).geometry)
      : "";
    describeOutline();
  }

  function readOutline() {
    if (!footprintInput.value) return;
    try {
      L.geoJSON(JSON.parse(footprintInput.value), { style: OUTLINE_STYLE }).eachLayer((layer) => {
        outline.addLayer(layer);
      });
    } catch (error) {
      // Not GeoJSON (the server says so next to the field): leave the input as it is.
    }
  }

  localizeDraw(messages.draw);
  map.addControl(
    new L.Control.Draw({
      position: "topleft",
      draw: {
        polygon: {
          allowIntersection: false,
          showArea: false, // Leaflet.draw 1.0.4's area text fails on Leaflet 1.9
          drawError: { color: "#b00020", message: messages.draw.crosses, timeout: 2500 },
          shapeOptions: OUTLINE_STYLE,
        },
        polyline: false,
        rectangle: false,
        circle: false,
        marker: false,
        circlemarker: false,
      },
      edit: { featureGroup: outline, remove: true },
    })
  );

  map.on(L.Draw.Event.CREATED, (event) => {
    outline.clearLayers(); // one outline per place: a new one replaces the old
    outline.addLayer(event.layer);
    writeOutline();
  });
  map.on(L.Draw.Event.EDITED, writeOutline);
  map.on(L.Draw.Event.DELETED, writeOutline);
  for (const [start, stop] of [
    [L.Draw.Event.DRAWSTART, L.Draw.Event.DRAWSTOP],
    [L.Draw.Event.EDITSTART, L.Draw.Event.EDITSTOP],
    [L.Draw.Event.DELETESTART, L.Draw.Event.DELETESTOP],
  ]) {
    map.on(start, () => {
      toolActive = true;
    });
    // The click that ends a tool arrives after its stop event: keep it from moving the pin.
    map.on(stop, () => setTimeout(() => (toolActive = false), 0));
  }
  document.querySelectorAll("input[name=location_precision]").forEach((input) => {
    input.addEventListener("change", describeOutline);
  });

  // --- start from what the form holds ----------------------------------------------------

  readOutline();
  const start = typedPoint();
  if (start) {
    showMarker(start);
    lookUpDistrict();
  }
  frame.dataset.ready = "true";
})();
