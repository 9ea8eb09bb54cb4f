// What the map page shows about a place — a list item, a popup, a tooltip — built from API data
// with textContent and attributes only, never as HTML, so a place's name can never run as code.

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// Fills {name} placeholders of a translated message (the server sends the messages as JSON).
export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole);
}

// The language of user text as far as its script tells, as hiroba.i18n.text_language does:
// "ja" with any kana, kanji or full-width sign, "en" with Latin letters only, else null.
const JAPANESE_SCRIPT = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
export function textLanguage(text) {
  if (!text) return null;
  if (JAPANESE_SCRIPT.test(text)) return "ja";
  return /[A-Za-z]/.test(text) ? "en" : null;
}

const ACCESS_SHOWN = 2; // accessibility features named in the list; the rest are counted

export class Renderer {
  constructor(config, lang) {
    this.config = config;
    this.messages = config.messages;
    this.lang = lang;
    this.plural = new Intl.PluralRules(lang);
    this.whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    this.tenths = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  label(key) {
    return Object.prototype.hasOwnProperty.call(this.config.labels, key) ? this.config.labels[key] : key;
  }

  // Marks a node holding user text in another language than the page (WCAG 3.1.2).
  userText(node, text) {
    const language = textLanguage(text);
    if (language && language !== this.lang) node.lang = language;
    return node;
  }

  knownKind(kind) {
    return Object.prototype.hasOwnProperty.call(this.config.icons, kind) ? kind : "other";
  }

  placeUrl(id) {
    return this.config.urls.place.replace(/\/0$/, "/" + encodeURIComponent(id));
  }

  wardName(props) {
    return this.lang === "en" && props.district_name_en ? props.district_name_en : props.district_name;
  }

  distance(metres) {
    const text = metres < 1000
      ? this.whole.format(Math.round(metres)) + " m"
      : this.tenths.format(metres / 1000) + " km";
    return format(this.messages.distance, { distance: text });
  }

  count(n) {
    const [one, other] = this.messages.count;
    return format(this.plural.select(n) === "one" ? one : other, { n: this.whole.format(n) });
  }

  kindIcon(kind, size) {
    const icon = element("img", "kind-icon");
    icon.alt = "";
    icon.width = size;
    icon.height = size;
    icon.src = this.config.icons[this.knownKind(kind)];
    return icon;
  }

  // Kind (icon and word), ward, capacity and, with "near me", the distance.
  meta(props) {
    const meta = element("p", "place-meta");
    const kind = element("span", "place-kind");
    kind.append(this.kindIcon(props.kind, 24), this.label(props.kind));
    const ward = this.wardName(props);
    meta.append(kind, this.userText(element("span", "place-district", ward), ward));
    if (props.capacity) {
      meta.append(element("span", "place-capacity", format(this.messages.capacity, { n: props.capacity })));
    }
    if (typeof props.distance_m === "number") {
      meta.append(element("span", "place-distance", this.distance(props.distance_m)));
    }
    return meta;
  }

  accessSummary(features) {
    if (!Array.isArray(features) || features.length === 0) return null;
    const summary = element("p", "place-access");
    summary.append(element("span", "visually-hidden", this.messages.accessibility + ": "));
    for (const feature of features.slice(0, ACCESS_SHOWN)) {
      summary.append(element("span", "access-feature", this.label(feature)));
    }
    if (features.length > ACCESS_SHOWN) {
      const more = format(this.messages.accessMore, { n: features.length - ACCESS_SHOWN });
      summary.append(element("span", "access-more", more));
    }
    return summary;
  }

  nameLink(feature) {
    const link = this.userText(element("a", "place-name", feature.properties.name), feature.properties.name);
    link.href = this.placeUrl(feature.id);
    return link;
  }

  listItem(feature) {
    const item = element("li", "place-item");
    item.dataset.placeId = String(feature.id);
    item.append(this.nameLink(feature), this.meta(feature.properties));
    const access = this.accessSummary(feature.properties.accessibility);
    if (access) item.append(access);
    const show = element("button", "show-on-map");
    show.type = "button";
    // The visible words are the same on every item; the hidden name tells them apart.
    const name = feature.properties.name;
    show.append(this.userText(element("span", "visually-hidden", name + ": "), name), this.messages.showOnMap);
    item.append(show);
    return item;
  }

  popup(feature) {
    const box = element("div", "place-popup");
    const title = element("p", "place-popup-name");
    title.append(this.nameLink(feature));
    box.append(title, this.meta(feature.properties));
    const access = this.accessSummary(feature.properties.accessibility);
    if (access) box.append(access);
    const details = element("a", "button-secondary place-popup-details", this.messages.details);
    details.href = this.placeUrl(feature.id);
    const name = feature.properties.name;
    details.append(this.userText(element("span", "visually-hidden", ": " + name), name));
    box.append(details);
    return box;
  }

  tooltip(feature) {
    const name = feature.properties.name;
    return this.userText(element("span", "place-tooltip", name), name);
  }
}
