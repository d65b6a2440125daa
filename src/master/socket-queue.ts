import type { PendingConnection } from './pending-connection.js';

/**
 * FIFO of connections waiting for a worker: O(1) push, shift, unshift (re-dispatched sockets go first) and
 * remove, with no array to shift and nothing allocated per entry.
 */
export class SocketQueue {
  #head: PendingConnection | undefined = undefined;
  #tail: PendingConnection | undefined = undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  peek(): PendingConnection | undefined {
    return this.#head;
  }

  push(conn: PendingConnection): void {
    conn.prev = this.#tail;
    conn.next = undefined;
    if (this.#tail === undefined) this.#head = conn;
    else this.#tail.next = conn;
    this.#tail = conn;
    this.#size++;
  }

  unshift(conn: PendingConnection): void {
    conn.prev = undefined;
    conn.next = this.#head;
    if (this.#head === undefined) this.#tail = conn;
    else this.#head.prev = conn;
    this.#head = conn;
    this.#size++;
  }

  shift(): PendingConnection | undefined {
    const conn = this.#head;
    if (conn !== undefined) this.remove(conn);
    return conn;
  }

  /** The caller guarantees `conn` is in this queue. */
  remove(conn: PendingConnection): void {
    if (conn.prev === undefined) this.#head = conn.next;
    else conn.prev.next = conn.next;
    if (conn.next === undefined) this.#tail = conn.prev;
    else conn.next.prev = conn.prev;
    conn.prev = conn.next = undefined;
    this.#size--;
  }
}
