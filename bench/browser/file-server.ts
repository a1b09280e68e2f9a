// Serves one local file over HTTP (with CORS) so the page can fetch a 100 MB model without it
// travelling through the DevTools protocol as base64; the drop itself is then timed on its own.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

export interface FileServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves `file` at http://127.0.0.1:<port>/ until stop(). */
export async function serveFile(file: string): Promise<FileServer> {
  const size = statSync(file).size;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'access-control-allow-origin': '*' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
