// Test support: a hostile HTTP/1.1 server (a registry or a runtime gone bad) and the answers it sends.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

const MiB = 1024 * 1024;

/** `mib` MiB of zeros, gzipped as that many concatenated 1 MiB members: about 1 KiB a MiB, built without the MiBs. */
export function gzipBomb(mib: number): Buffer {
  const member = gzipSync(Buffer.alloc(MiB));
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

/** A server started by {@link startHostileServer}. */
export interface HostileServer {
  url: string;
  /** The headers of every request received, in order. */
  requests: IncomingHttpHeaders[];
  close(): void;
}

/** Starts an HTTP/1.1 server on 127.0.0.1 that answers each request, once read, with `answer`. */
export async function startHostileServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<HostileServer> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    req.resume();
    req.on("end", () => answer(req, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
