// The page's state is its filter form: the page URL is the form's data (as the browser would
// send it without JavaScript), and the search sent to the server is the same data with lists
// joined by commas, as the search API wants them. The map's view lives in two hidden fields.

export const VIEW_FIELDS = ["center", "zoom"];
const LIST_TYPES = new Set(["checkbox", "radio", "select-one"]);

// "Open now" and a date and time share the name open_at: while "open now" is ticked, the date
// and time is switched off, so that only one of them is sent.
export function syncOpenAt(form) {
  const now = form.querySelector("#filter-open-now");
  const at = form.querySelector("#filter-open-at");
  if (now && at) at.disabled = now.checked;
}

function entries(form) {
  syncOpenAt(form);
  return [...new FormData(form)].filter(([, value]) => typeof value === "string" && value.trim() !== "");
}

// The page URL's query: every filled field in the form's order, repeated names repeated.
export function pageQuery(form) {
  return new URLSearchParams(entries(form));
}

// The search (for the map's data, the API and downloads): no view, lists joined by commas.
export function searchQuery(form) {
  const joined = new Map();
  for (const [name, value] of entries(form)) {
    if (VIEW_FIELDS.includes(name)) continue;
    joined.set(name, joined.has(name) ? joined.get(name) + "," + value : value);
  }
  return new URLSearchParams([...joined]);
}

// How many filters are chosen (each ticked box counts): shown on the phone's filter button.
export function chosenCount(form) {
  const ignored = new Set(["near", ...VIEW_FIELDS, "sector", "radius", "sortby"]);
  return entries(form).filter(([name]) => !ignored.has(name)).length;
}

// Put a page URL's state back into the form (back and forward buttons).
export function restoreForm(form, params) {
  const listed = (name) => params.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim());
  const single = (name) => params.getAll(name).find((v) => v.trim() !== "") || "";
  for (const field of form.elements) {
    if (!field.name || field.type === "submit" || field.type === "button") continue;
    if (field.id === "filter-open-at") {
      const moment = params.getAll("open_at").find((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v));
      field.value = moment ? moment.slice(0, 16) : "";
    } else if (field.type === "checkbox" || field.type === "radio") {
      field.checked = listed(field.name).includes(field.value);
    } else if (LIST_TYPES.has(field.type)) {
      const wanted = listed(field.name).find((v) => [...field.options].some((o) => o.value === v));
      field.value = wanted || "";
    } else {
      field.value = single(field.name);
    }
  }
  // A radio group with none of its values in the URL: its empty choice ("free or paid").
  for (const radio of form.querySelectorAll('input[type="radio"][value=""]')) {
    const group = form.querySelectorAll(`input[type="radio"][name="${radio.name}"]`);
    if (![...group].some((r) => r.checked)) radio.checked = true;
  }
  syncOpenAt(form);
}

// Clear every filter (the fields the form has no control for too), keeping the view and "near me".
export function resetFilters(form) {
  for (const field of form.elements) {
    if (!field.name || VIEW_FIELDS.includes(field.name) || field.name === "near") continue;
    if (field.type === "checkbox") field.checked = false;
    else if (field.type === "radio") field.checked = field.value === "";
    else if (field.type !== "submit" && field.type !== "button") field.value = "";
  }
  syncOpenAt(form);
}
