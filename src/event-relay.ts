/** A tiny typed fan-out so deps can report events to whoever wires logging and metrics. */
export interface EventRelay<TEvent> {
  emit(event: TEvent): void;
  /** Adds a listener; returns a function that removes it. */
  on(listener: (event: TEvent) => void): () => void;
}

export function createEventRelay<TEvent>(): EventRelay<TEvent> {
  const listeners = new Set<(event: TEvent) => void>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A faulty listener must not break the code path that reported the event.
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
