import type { ElementData, JsonObject } from "../types";
import { addToFlow } from "./add_to_flow";
import { callUrl } from "./call_url";
import { conditionSplit } from "./condition_split";
import { dateTime } from "./date_time";
import { emailResults } from "./email_results";
import { evaluateReply } from "./evaluate_reply";
import { existingFlow } from "./existing_flow";
import { exit } from "./exit";
import { flowApi } from "./flow_api";
import { formMessage } from "./form_message";
import { inboundCall } from "./inbound_call";
import { inboundMessage } from "./inbound_message";
import { message } from "./message";
import { peopleEvent } from "./people_event";
import { predefinedAudience } from "./predefined_audience";
import { profileChange } from "./profile_change";
import { randomSplit } from "./random_split";
import { sendResults } from "./send_results";
import { sftpImport } from "./sftp_import";
import type { ElementModule, Exit } from "./types";
import { updatePerson } from "./update_person";
import { updateTags } from "./update_tags";
import { wait } from "./wait";

/** The element types this front end can draw and edit, keyed like the server's registry (and in its
 * palette order, engine/core/elements/__init__.py BUILTINS; registry.test.ts checks the two agree). */
export const ELEMENT_MODULES: readonly ElementModule[] = [
  predefinedAudience,
  profileChange,
  peopleEvent,
  dateTime,
  flowApi,
  existingFlow,
  sftpImport,
  inboundMessage,
  inboundCall,
  message,
  formMessage,
  evaluateReply,
  wait,
  conditionSplit,
  randomSplit,
  updatePerson,
  updateTags,
  callUrl,
  addToFlow,
  sendResults,
  emailResults,
  exit,
];

const registry: ReadonlyMap<string, ElementModule> = new Map(ELEMENT_MODULES.map((element) => [element.type, element]));

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
