import { isObject } from "../../../shared/http";
import { isValidId } from "../../ids";
import type { JsonObject } from "../../types";
import type { Exit } from "../types";

export interface MessageButton {
  id: string;
  caption: string;
  [key: string]: unknown;
}

export interface MessageConfig {
  text: string;
  buttons: MessageButton[];
}

export function readMessage(config: JsonObject): MessageConfig {
  const buttons = Array.isArray(config.buttons) ? config.buttons : [];
  return {
    text: typeof config.text === "string" ? config.text : "",
    buttons: buttons.filter(isObject).flatMap((button) =>
      typeof button.id === "string"
        ? [{ ...button, id: button.id, caption: typeof button.caption === "string" ? button.caption : "" }]
        : [],
    ),
  };
}

/** Each button is an exit, in button order. */
export function messageExits(config: JsonObject): Exit[] {
  return readMessage(config).buttons.map((button) => ({ name: button.id, label: button.caption || button.id }));
}

/** "button_1", "button_2", ...: the first one no button of this message uses. */
export function nextButtonId(taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const id = `button_${n}`;
    if (!taken.includes(id)) {
      return id;
    }
  }
}

/** Why `id` cannot be the id of a button, or null when it can. */
export function buttonIdProblem(id: string, otherIds: readonly string[]): string | null {
  if (!id) {
    return "A button needs an id.";
  }
  if (!isValidId(id)) {
    return "Use up to 64 letters, digits, or _ . : -";
  }
  if (otherIds.includes(id)) {
    return "Another button already has this id.";
  }
  return null;
}
