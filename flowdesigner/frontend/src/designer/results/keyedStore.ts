/**
 * Values keyed by element or connection id, each with its own subscribers. A canvas of 1,000 elements
 * re-renders, on a count update, only the nodes whose numbers changed: each node subscribes to its own key
 * (useSyncExternalStore), and `replace` notifies only the keys whose value is no longer equal.
 */
export class KeyedStore<V> {
  private values = new Map<string, V>();
  private listeners = new Map<string, Set<() => void>>();

  constructor(
    /** What `get` returns for a key without a value (one shared object, so it compares equal). */
    private readonly empty: V,
    private readonly equal: (a: V, b: V) => boolean = Object.is,
  ) {}

  get(key: string): V {
    return this.values.get(key) ?? this.empty;
  }

  /** Listens to one key's value; returns the unsubscribe. */
  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) {
        this.listeners.delete(key);
      }
    };
  }

  /**
   * Makes `next` the whole content (keys absent from it go back to the empty value). A value equal to the
   * current one is not taken, so its subscribers keep the same object; a value equal to the empty one is
   * not stored, so `get` returns the shared empty object for it. Returns the changed keys, after notifying
   * their subscribers.
   */
  replace(next: ReadonlyMap<string, V>): string[] {
    const changed: string[] = [];
    for (const [key, value] of next) {
      if (this.equal(this.get(key), value)) {
        continue;
      }
      if (this.equal(value, this.empty)) {
        this.values.delete(key);
      } else {
        this.values.set(key, value);
      }
      changed.push(key);
    }
    for (const key of [...this.values.keys()]) {
      if (!next.has(key)) {
        // Stored values are never equal to the empty one, so going back to it is a change.
        this.values.delete(key);
        changed.push(key);
      }
    }
    for (const key of changed) {
      this.listeners.get(key)?.forEach((listener) => listener());
    }
    return changed;
  }
}
