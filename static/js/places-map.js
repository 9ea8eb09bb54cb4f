// The resident's map page: the filter form, the map and the list, driven together.
//
// The server renders the form, the base map (folium) and a first page of the list, so the page
// works without JavaScript. This script loads the places of the current view from
// /map/places.json whenever the view or the filters change (debounced, stale requests aborted),
// shows them on the map and in the list, and keeps the whole state — filters, view, "near me" —
// in the URL: replaceState when the map moves, pushState when the filters change, popstate
// puts a state back. The page holds no places: the map asks for them.
import { element, format, Renderer } from "./places/render.js";
import { PlaceLayers } from "./places/layers.js";
import { PlaceList } from "./places/list.js";
import { NearMe } from "./places/near-me.js";
import { chosenCount, pageQuery, resetFilters, restoreForm, searchQuery, syncOpenAt } from "./places/query.js";

const MOVE_DELAY_MS = 300; // wait for the map to settle before asking for its places
const TYPING_DELAY_MS = 600;
const MAX_BBOX_SPAN = [40, 30]; // the API's limit; a wider view searches everywhere
const WIDE = window.matchMedia("(min-width: 1100px)"); // filters always shown beside the map

const root = document.querySelector("[data-hiroba-explore]");
const frame = root && root.querySelector("[data-hiroba-places-map]");
if (root && frame && window.L && window[frame.dataset.mapName]) start();

function start() {
  const config = JSON.parse(document.getElementById("hiroba-map-config").textContent);
  const messages = config.messages;
  const map = window[frame.dataset.mapName];
  const form = document.getElementById("filter-panel");
  const listPanel = root.querySelector(".list-panel");
  const status = root.querySelector(".result-count");
  const order = root.querySelector(".list-order");
  const downloads = [...root.querySelectorAll(".download")];
  const renderer = new Renderer(config, document.documentElement.lang || "ja");

  let moving = false; // the script moves the map itself: not a move of the visitor's
  let request = null;
  let timer = null;
  let loads = 0;

  const layers = new PlaceLayers(map, renderer, (id) => choose(id, false));
  const list = new PlaceList({
    list: ensureList(),
    panel: listPanel,
    heading: root.querySelector("#list-heading"),
    more: root.querySelector(".show-more"),
    renderer: renderer,
    onChoose: (id) => choose(id, true),
  });
  const near = new NearMe({
    button: root.querySelector(".near-me"),
    form: form,
    message: root.querySelector(".near-message"),
    layers: layers,
    messages: messages,
    onChange: (view) => {
      if (view) moveMap([view.lat, view.lon], Math.max(map.getZoom(), view.zoom));
      commit("push");
    },
  });

  // A place chosen in the list (reveal on the map) or on the map (reveal in the list).
  function choose(id, fromList) {
    list.select(id, !fromList);
    layers.select(id, fromList);
  }

  function ensureList() {
    let ol = root.querySelector("#place-list");
    if (!ol) {
      ol = element("ol", "place-list");
      ol.id = "place-list";
      root.querySelector(".result-count").after(ol);
    }
    return ol;
  }

  function moveMap(center, zoom) {
    moving = true;
    try {
      map.setView(center, zoom, { animate: false });
    } finally {
      moving = false;
    }
  }

  function viewBox() {
    const b = map.getBounds();
    const west = Math.max(b.getWest(), -180), east = Math.min(b.getEast(), 180);
    const south = Math.max(b.getSouth(), -90), north = Math.min(b.getNorth(), 90);
    if (east - west > MAX_BBOX_SPAN[0] || north - south > MAX_BBOX_SPAN[1]) return null;
    return [west, south, east, north].map((v) => v.toFixed(6)).join(",");
  }

  // The map's view into the form's hidden fields (lon,lat like every other point here).
  function writeView() {
    const c = map.getCenter();
    form.elements.namedItem("center").value = c.lng.toFixed(5) + "," + c.lat.toFixed(5);
    form.elements.namedItem("zoom").value = String(Math.round(map.getZoom()));
  }

  function pageUrl() {
    const query = pageQuery(form).toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  // The form (and the map's view) changed: record it in the URL and load what it shows (after
  // `delay` ms: a moving map waits until it settles, a changed filter loads at once).
  function commit(mode, delay = mode === "push" ? 0 : MOVE_DELAY_MS) {
    writeView();
    const url = pageUrl();
    if (url !== window.location.pathname + window.location.search) {
      window.history[mode === "push" ? "pushState" : "replaceState"](null, "", url);
    }
    afterUrlChange();
    load(delay);
  }

  function afterUrlChange() {
    // The language switch comes back to this very view.
    for (const next of document.querySelectorAll('.language input[name="next"]')) {
      next.value = window.location.pathname + window.location.search;
    }
    const count = chosenCount(form);
    root.querySelector(".filter-count").textContent = count ? format(messages.chosen, { n: count }) : "";
    for (const group of form.querySelectorAll(".filter-more")) {
      const ticked = group.querySelectorAll("input:checked").length;
      let badge = group.querySelector(".chosen-count");
      if (!badge) {
        badge = element("span", "chosen-count");
        group.querySelector("summary").append(" ", badge);
      }
      badge.textContent = ticked ? format(messages.chosen, { n: ticked }) : "";
    }
  }

  // Until the last requested view is shown, the root says "loading" (tests wait for "ready").
  function load(delay) {
    window.clearTimeout(timer);
    root.dataset.state = "loading";
    timer = window.setTimeout(() => {
      timer = null;
      fetchView();
    }, delay);
  }

  async function fetchView() {
    const bbox = viewBox();
    const query = searchQuery(form);
    if (bbox) query.set("bbox", bbox);
    const data = new URLSearchParams(query);
    data.set("zoom", String(Math.round(map.getZoom())));
    if (request) request.abort();
    const mine = (request = new AbortController());
    root.dataset.state = "loading";
    listPanel.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(config.urls.data + "?" + data, {
        headers: { Accept: "application/json" },
        signal: mine.signal,
      });
      const body = await response.json();
      if (!response.ok) throw Object.assign(new Error("HTTP " + response.status), { problem: body });
      show(body, query);
      root.dataset.state = timer === null ? "ready" : "loading";
    } catch (error) {
      if (error.name === "AbortError") return;
      showError(error.problem);
      root.dataset.state = timer === null ? "error" : "loading";
    } finally {
      if (request === mine) {
        request = null;
        listPanel.removeAttribute("aria-busy");
        root.dataset.loads = String(++loads);
      }
    }
  }

  function show(data, query) {
    const places = data.places || [];
    const cells = data.cells || [];
    if (cells.length) layers.showCells(cells, places);
    else layers.showPlaces(places);
    list.show(places);
    if (cells.length) {
      status.textContent = format(messages.cells, { total: data.numberMatched, shown: places.length });
    } else {
      status.textContent = data.numberMatched ? renderer.count(data.numberMatched) : messages.none;
    }
    order.hidden = !query.has("near");
    for (const link of downloads) {
      const exported = new URLSearchParams(query);
      exported.set("f", link.dataset.format);
      link.href = config.urls.items + "?" + exported;
      link.hidden = false;
    }
    frame.dataset.loaded = String(places.length);
  }

  function showError(problem) {
    const invalid = problem && Array.isArray(problem["invalid-params"]) ? problem["invalid-params"][0] : null;
    if (invalid) {
      const field = config.fields[invalid.name] || invalid.name;
      status.textContent = format(messages.invalid, { field: field }) + " " + invalid.reason;
    } else {
      status.textContent = messages.error;
    }
    for (const link of downloads) link.hidden = true;
  }

  // --- the filter form ------------------------------------------------------------------------

  form.addEventListener("change", (event) => {
    if (event.target.id === "filter-open-now") syncOpenAt(form);
    if (event.target.name === "q") return; // typing has its own pace, below
    commit("push");
  });
  let typing = null;
  form.elements.namedItem("q").addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => commit("push"), TYPING_DELAY_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(typing);
    commit("push");
    if (!WIDE.matches) {
      setFiltersOpen(false);
      root.querySelector("#list-heading").focus();
    }
  });
  root.querySelector(".clear-filters").addEventListener("click", (event) => {
    event.preventDefault();
    resetFilters(form);
    commit("push");
  });

  // On phones the filters fold away behind a button, so the map and the list come first.
  const toggle = root.querySelector(".filter-toggle");
  function setFiltersOpen(open) {
    toggle.setAttribute("aria-expanded", String(open));
    root.classList.toggle("filters-closed", !open);
  }
  toggle.hidden = false;
  toggle.addEventListener("click", () => setFiltersOpen(toggle.getAttribute("aria-expanded") !== "true"));
  setFiltersOpen(WIDE.matches);
  WIDE.addEventListener("change", (event) => setFiltersOpen(event.matches));

  // --- the map and the browser's history -----------------------------------------------------

  map.on("moveend", () => {
    if (!moving) commit("replace");
  });
  window.addEventListener("popstate", () => {
    const params = new URLSearchParams(window.location.search);
    restoreForm(form, params);
    near.restore();
    const [lon, lat] = (params.get("center") || "").split(",").map(Number);
    const zoom = Number(params.get("zoom"));
    if (Number.isFinite(lon) && Number.isFinite(lat) && Number.isInteger(zoom) && params.get("zoom")) {
      moveMap([lat, lon], zoom);
    }
    afterUrlChange();
    load(0);
  });

  translateControls(messages);
  root.classList.add("is-live");
  map.invalidateSize(); // the buttons shown above may have moved the map
  const pager = root.querySelector(".pager");
  if (pager) pager.remove(); // the list now follows the map, not the server's pages
  commit("replace", 0); // the first places as soon as possible
}

// Leaflet's own controls speak English: give them the page's words.
function translateControls(messages) {
  const words = {
    ".leaflet-control-zoom-in": messages.zoomIn,
    ".leaflet-control-zoom-out": messages.zoomOut,
    ".leaflet-control-layers-toggle": messages.layers,
  };
  for (const [selector, text] of Object.entries(words)) {
    for (const control of frame.querySelectorAll(selector)) {
      control.title = text;
      control.setAttribute("aria-label", text);
    }
  }
}
