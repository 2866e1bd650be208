import type { JsonObject } from "../../types";
import { readExitName } from "./config";

export function ExitSummary({ config }: { config: JsonObject }) {
  const name = readExitName(config);
  return name ? <p className="node-summary">{name}</p> : <p className="node-summary empty">Unnamed exit</p>;
}
