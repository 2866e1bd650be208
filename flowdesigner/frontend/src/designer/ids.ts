/** Node ids and button ids share the server's pattern. */
export const ID_PATTERN = /^[A-Za-z0-9_.:=+/-]{1,200}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** A fresh node id such as "message_3f9a", unique among `taken`. */
export function newNodeId(type: string, taken: ReadonlySet<string>, random: () => number = Math.random): string {
  const prefix = type.replace(/[^A-Za-z0-9_.:-]/g, "_").slice(0, 50) || "node";
  for (;;) {
    const suffix = Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, "0");
    const id = `${prefix}_${suffix}`;
    if (!taken.has(id)) {
      return id;
    }
  }
}
