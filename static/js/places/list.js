// The list beside the map: the places of the current view, in the search's order, a batch at a
// time. The chosen place is marked with aria-current; choosing one here shows it on the map.

const BATCH = 50;

export class PlaceList {
  constructor({ list, panel, heading, more, renderer, onChoose }) {
    this.list = list;
    this.heading = heading;
    this.panel = panel;
    this.more = more;
    this.renderer = renderer;
    this.features = [];
    this.limit = BATCH;
    this.currentId = null;
    list.addEventListener("click", (event) => {
      const item = event.target.closest(".place-item");
      // Links go to the place's page; anything else on an item shows it on the map.
      if (!item || !list.contains(item) || event.target.closest("a")) return;
      onChoose(Number(item.dataset.placeId));
    });
    more.addEventListener("click", () => {
      const first = this.list.children[this.limit];
      this.limit += BATCH;
      this.render();
      const link = first && first.querySelector(".place-name");
      if (link) link.focus(); // on to the first new place, for keyboards and screen readers
    });
  }

  show(features) {
    this.features = features;
    this.limit = BATCH;
    this.render();
  }

  render() {
    const at = this.features.findIndex((feature) => feature.id === this.currentId);
    const shown = this.features.slice(0, Math.max(this.limit, at + 1));
    this.limit = shown.length > this.limit ? shown.length : this.limit;
    // Rebuilt at every load; a focus inside the list comes back to the same place's control.
    const active = document.activeElement;
    const focused = this.list.contains(active) ? active.closest(".place-item") : null;
    const focusedId = focused ? focused.dataset.placeId : null;
    const focusedClass = focused ? active.classList[0] : null;
    this.list.replaceChildren(...shown.map((feature) => this.renderer.listItem(feature)));
    this.more.hidden = shown.length >= this.features.length;
    this.mark();
    if (focusedId !== null) {
      const again = this.item(focusedId);
      const control = again && focusedClass ? again.querySelector("." + focusedClass) : null;
      // The place left the view: the list's heading, rather than nowhere.
      (control || this.heading).focus({ preventScroll: true });
    }
  }

  item(id) {
    return this.list.querySelector(`.place-item[data-place-id="${CSS.escape(String(id))}"]`);
  }

  // Mark the chosen place; with `reveal`, scroll the list (not the page) to it.
  select(id, reveal) {
    this.currentId = id;
    if (!this.item(id) && this.features.some((feature) => feature.id === id)) this.render();
    this.mark();
    const item = this.item(id);
    if (item && reveal) this.reveal(item);
  }

  mark() {
    for (const item of this.list.children) {
      const current = item.dataset.placeId === String(this.currentId);
      item.classList.toggle("is-current", current);
      if (current) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    }
  }

  // Only when the list scrolls on its own (wide screens): on a phone, scrolling the page to
  // the list would take the map, and the popup just opened, out of sight.
  reveal(item) {
    const panel = this.panel;
    if (panel.scrollHeight <= panel.clientHeight + 1) return;
    const box = panel.getBoundingClientRect();
    const rect = item.getBoundingClientRect();
    if (rect.top < box.top) panel.scrollTop -= box.top - rect.top + 8;
    else if (rect.bottom > box.bottom) panel.scrollTop += rect.bottom - box.bottom + 8;
  }
}
