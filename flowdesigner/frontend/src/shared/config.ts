/** Reads the page configuration Django renders with `json_script`. */
export function readPageConfig<T>(elementId: string): T {
  const element = document.getElementById(elementId);
  if (!element?.textContent) {
    throw new Error(`Page configuration #${elementId} is missing.`);
  }
  return JSON.parse(element.textContent) as T;
}

export function mountElement(elementId: string): HTMLElement {
  const element = document.getElementById(elementId);
  if (!element) {
    throw new Error(`Mount element #${elementId} is missing.`);
  }
  return element;
}
