// The flow page's launch form, enhanced: only the chosen audience's field is shown, the audience's size is
// previewed as it is chosen (GET /api/flows/<id>/audience-preview/), and Launch asks "Launch version N to
// X people?" in a <dialog> first. Without this script every field shows and the server asks on its own
// page; either way the server launches only when the confirmed size is still the audience's size.

const PREVIEW_DELAY_MS = 300;
const numbers = new Intl.NumberFormat("en");

const form = document.getElementById("launch-form");
const dialog = document.querySelector('[data-testid="launch-dialog"]');
if (form && dialog && typeof dialog.showModal === "function") {
  enhance(form, dialog);
}

/** "1 person", "1,234 people", as the server says it (flowdesigner/launching.py people_count). */
function people(count) {
  return `${numbers.format(count)} ${count === 1 ? "person" : "people"}`;
}

function enhance(form, dialog) {
  const fields = form.querySelectorAll("[data-audience-field]");
  const preview = form.querySelector('[data-testid="audience-preview"]');
  const confirmed = form.elements.namedItem("confirmed_count");
  const kind = () => form.querySelector("input[name=audience]:checked")?.value ?? "";

  function showChosenFields() {
    for (const field of fields) field.hidden = field.dataset.audienceField !== kind();
  }

  /** The audience's size now: {count} or {problem} (why it cannot be counted, for a person to read). */
  async function count(signal) {
    const url = new URL(form.dataset.previewUrl, window.location.href);
    url.searchParams.set("kind", kind());
    for (const name of ["tag", "segment", "person"]) {
      const value = form.elements.namedItem(name)?.value ?? "";
      if (value && name === kind()) url.searchParams.set(name, value);
    }
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal });
    const body = await response.json().catch(() => null);
    if (response.ok && body && typeof body.count === "number") return { count: body.count };
    return { problem: (body && typeof body.detail === "string" && body.detail) || `HTTP ${response.status}` };
  }

  let timer = 0;
  let pending = null;
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
  }
  async function refreshPreview() {
    pending?.abort(); // an older answer must not overwrite a newer one
    const controller = new AbortController();
    pending = controller;
    try {
      const result = await count(controller.signal);
      if (controller.signal.aborted) return;
      preview.textContent =
        "count" in result ? `This audience has ${people(result.count)} now.` : result.problem;
      preview.parentElement.hidden = false;
    } catch (error) {
      if (error?.name !== "AbortError") preview.parentElement.hidden = true;
    }
  }

  function onChoice(event) {
    if (event.target.name === "audience") showChosenFields();
    if (["audience", "tag", "segment", "person"].includes(event.target.name)) schedulePreview();
  }
  form.addEventListener("change", onChoice);
  form.addEventListener("input", onChoice);

  let asking = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (asking) return;
    asking = true;
    confirmed.value = "";
    let result;
    try {
      result = await count();
    } catch {
      result = null; // offline for a moment: the server asks on its own page
    }
    asking = false;
    if (!result || !("count" in result) || result.count === 0) {
      // Nothing to confirm: the server answers with the reason (a missing tag, an empty audience, ...).
      form.submit();
      return;
    }
    dialog.querySelector('[data-testid="launch-dialog-text"]').textContent =
      `Launch version ${form.dataset.version} to ${people(result.count)}?`;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue !== "confirm") return;
        confirmed.value = String(result.count);
        form.submit();
      },
      { once: true },
    );
    dialog.showModal();
  });

  showChosenFields();
  refreshPreview();
}
