import { describeServers } from './servers.js';

/** Prints once which server backends the suite runs against, so a skip is never silent. */
export default async function setup(): Promise<void> {
  const lines = await describeServers();
  for (const line of lines) console.log(line);
}
