// "Near me": asks the browser where the visitor is, puts it in the form's `near` field (the
// search then comes nearest first, with distances) and shows it on the map. Everything else
// works without it; when the browser says no, we say so kindly and leave the page as it was.
//
// The URL keeps `near` to about 100 m (three decimals): enough to sort by distance, and a
// shared link does not give away the visitor's front door.

const DECIMALS = 3;
const NEAR_ZOOM = 15; // a walk around the neighbourhood
const TIMEOUT_MS = 15000;
const ERROR_MESSAGES = { 1: "geoDenied", 2: "geoUnavailable", 3: "geoUnavailable" };

export function parseNear(value) {
  const parts = (value || "").split(",").map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) return null;
  const [lon, lat] = parts;
  return Math.abs(lon) <= 180 && Math.abs(lat) <= 90 ? { lon, lat } : null;
}

export class NearMe {
  // onChange(view): the search changed; `view` is where to move the map, if anywhere.
  constructor({ button, form, message, layers, messages, onChange }) {
    this.button = button;
    this.input = form.elements.namedItem("near");
    this.radius = form.elements.namedItem("radius");
    this.message = message;
    this.layers = layers;
    this.messages = messages;
    this.onChange = onChange;
    button.hidden = false;
    button.addEventListener("click", () => (this.isOn() ? this.stop() : this.locate()));
    this.restore();
  }

  isOn() {
    return parseNear(this.input.value) !== null;
  }

  say(key) {
    this.message.textContent = key ? this.messages[key] : "";
  }

  locate() {
    if (!("geolocation" in navigator)) {
      this.say("geoUnsupported");
      return;
    }
    this.say("locating");
    this.button.setAttribute("aria-busy", "true");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        this.button.removeAttribute("aria-busy");
        const { latitude, longitude } = position.coords;
        this.input.value = longitude.toFixed(DECIMALS) + "," + latitude.toFixed(DECIMALS);
        this.show(latitude, longitude);
        this.say("located");
        this.onChange({ lat: latitude, lon: longitude, zoom: NEAR_ZOOM });
      },
      (error) => {
        this.button.removeAttribute("aria-busy");
        this.say(ERROR_MESSAGES[error.code] || "geoUnavailable");
      },
      { enableHighAccuracy: false, timeout: TIMEOUT_MS, maximumAge: 60000 },
    );
  }

  stop() {
    this.input.value = "";
    if (this.radius) this.radius.value = ""; // a radius means nothing without near
    this.show(null, null);
    this.say("nearOff");
    this.onChange(null);
  }

  show(lat, lon) {
    this.button.setAttribute("aria-pressed", String(lat !== null));
    this.layers.showHere(lat, lon, this.messages.you);
  }

  // After the form was restored from a URL: show the point it holds, or none.
  restore() {
    const near = parseNear(this.input.value);
    this.show(near ? near.lat : null, near ? near.lon : null);
  }
}
