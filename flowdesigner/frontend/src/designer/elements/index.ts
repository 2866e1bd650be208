import type { ElementData, JsonObject } from "../types";
import { emailResults } from "./email_results";
import { exit } from "./exit";
import { formMessage } from "./form_message";
import { message } from "./message";
import { predefinedAudience } from "./predefined_audience";
import { sendResults } from "./send_results";
import type { ElementModule, Exit } from "./types";

/** The element types this front end can draw and edit, keyed like the server's registry. */
const registry: ReadonlyMap<string, ElementModule> = new Map(
  [predefinedAudience, message, formMessage, sendResults, emailResults, exit].map((element) => [element.type, element]),
);

export function elementModule(type: string): ElementModule | undefined {
  return registry.get(type);
}

/** The exits of a node, in order. Types without a module keep the exits they were stored with. */
export function exitsOf(data: Pick<ElementData, "type" | "config" | "storedExits">): Exit[] {
  const element = registry.get(data.type);
  return element ? element.exits(data.config) : data.storedExits.map((name) => ({ name, label: name }));
}

/** Config for a new node: the module's defaults with the server's laid over them. */
export function initialConfig(element: ElementModule, serverDefaults: JsonObject): JsonObject {
  return structuredClone({ ...element.defaults, ...serverDefaults });
}
