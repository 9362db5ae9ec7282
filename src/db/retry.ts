import type { Dialect } from './dialect.js';

/** Connection attempts after the first, when the server turns a connection away for now. */
const CONNECT_RETRIES = 5;

/**
 * Runs `connect` again after a pause (50 ms, doubling, at most 1 s each) while the server turns
 * the connection away for now: too many connections, or starting up. Anything else (refused
 * outright, timed out, a bad password) fails at once.
 */
export async function whileRefused<T>(dialect: Dialect, connect: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (attempt >= CONNECT_RETRIES || !dialect.isTemporaryRefusal(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
    }
  }
}
