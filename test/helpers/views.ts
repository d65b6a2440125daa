import type { ConnectionInfo, WorkerView } from '../../src/strategies/strategy.ts';

/** A mutable stand-in for the master's live worker views. */
export interface FakeView extends WorkerView {
  active: number;
  inFlight: number;
  canTake: boolean;
  weight: number;
  lag: number;
  latency: number;
  heardAt: number;
  unansweredFor: number;
  stalled: boolean;
}

export function views(n: number, init: Partial<FakeView> = {}): FakeView[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    index: i + 1,
    pid: 1000 + i,
    active: 0,
    inFlight: 0,
    weight: 1,
    lag: -1,
    latency: 0,
    heardAt: 0,
    unansweredFor: 0,
    stalled: false,
    canTake: true,
    ...init,
  }));
}

export const conn: ConnectionInfo = {
  remoteAddress: '127.0.0.1',
  remotePort: 40000,
  remoteFamily: 'IPv4',
  localPort: 8000,
};

/** Ids of `count` successive picks. */
export function pickIds(pick: () => WorkerView | undefined, count: number): (number | undefined)[] {
  return Array.from({ length: count }, () => pick()?.id);
}
