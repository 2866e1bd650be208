import type { JsonObject } from "../../types";
import { readMessage } from "./config";

export function MessageSummary({ config }: { config: JsonObject }) {
  const { text } = readMessage(config);
  return text ? <p className="node-summary">{text}</p> : <p className="node-summary empty">No text yet</p>;
}
