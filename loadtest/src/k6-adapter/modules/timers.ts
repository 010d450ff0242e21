// The k6 adapter's `k6/timers`: Node timers, tracked so the runner knows when an iteration's event loop is empty.
import { adapterState, recordError } from "../state.ts";

let nextId = 1;

function guarded(id: number, fn: (...args: unknown[]) => void, args: unknown[], once: boolean) {
  return () => {
    if (once) adapterState().timers.delete(id);
    try {
      fn(...args);
    } catch (error) {
      recordError("timer callback", error);
    }
  };
}

export function setTimeout(fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]): number {
  const id = nextId++;
  adapterState().timers.set(id, globalThis.setTimeout(guarded(id, fn, args, true), delay));
  return id;
}

export function setInterval(fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]): number {
  const id = nextId++;
  adapterState().timers.set(id, globalThis.setInterval(guarded(id, fn, args, false), delay));
  return id;
}

export function clearTimeout(id: number): void {
  const handle = adapterState().timers.get(id);
  if (handle !== undefined) globalThis.clearTimeout(handle);
  adapterState().timers.delete(id);
}

export function clearInterval(id: number): void {
  clearTimeout(id);
}

export default { setTimeout, setInterval, clearTimeout, clearInterval };
