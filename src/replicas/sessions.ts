import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one caller has written, as far as its reads need to know: how many of its writes have
 * ended in each database, and per database the primary's log position read after the last of
 * them. A replica that has replayed that position holds every write of the caller there.
 */
export class WriteMarks {
  /** Writes whose databases are not known (any may have been written), and writes per database. */
  #anywhere = 0;
  readonly #writes = new Map<string, number>();
  readonly #positions = new Map<string, { writes: number; epoch: number; position: Promise<string> }>();

  /** `parent`: the caller a session starts in, whose writes before it its reads see too. */
  constructor(private readonly parent?: WriteMarks) {}

  /** Called once a write to `aliases` (any, when not given) has ended, committed or not. */
  wrote(aliases?: ReadonlySet<string>): void {
    if (!aliases) this.#anywhere++;
    else for (const a of aliases) this.#writes.set(a, (this.#writes.get(a) ?? 0) + 1);
  }

  /**
   * The position a replica of `alias` must have replayed to serve this caller (read from the
   * primary once after each write, the read shared by concurrent callers); undefined when the
   * caller has written nothing. A position read under another `epoch` (shard layout) is read
   * again: a row the caller wrote may have been moved into this database since.
   */
  required(alias: string, epoch: number, read: () => Promise<string>): Promise<string> | undefined {
    // A position read now covers the parent's earlier writes as well as this caller's.
    const writes = this.#anywhere + (this.#writes.get(alias) ?? 0);
    if (writes === 0) return this.parent?.required(alias, epoch, read);
    const known = this.#positions.get(alias);
    if (known && known.writes === writes && known.epoch === epoch) return known.position;
    const entry = { writes, epoch, position: read() };
    this.#positions.set(alias, entry);
    // A failed read is not kept: the next read asks again.
    entry.position.catch(() => {
      if (this.#positions.get(alias) === entry) this.#positions.delete(alias);
    });
    return entry.position;
  }
}

interface Scope {
  readonly marks: WriteMarks;
  /** Reads go to the primaries (see `primary`). */
  readonly primary: boolean;
}

/** The caller a read or write belongs to: the one of `run`, else the deployment as a whole. */
export class ReadSessions {
  readonly #store = new AsyncLocalStorage<Scope>();
  readonly #own: Scope = { marks: new WriteMarks(), primary: false };

  get current(): Scope {
    return this.#store.getStore() ?? this.#own;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#store.run({ marks: new WriteMarks(this.current.marks), primary: false }, fn);
  }

  /** Runs `fn` with every read going to the primaries; its writes are the current caller's. */
  primary<T>(fn: () => Promise<T>): Promise<T> {
    return this.#store.run({ marks: this.current.marks, primary: true }, fn);
  }
}
