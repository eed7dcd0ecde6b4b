/** `c3d serve`: the browser page (C3D on this machine's browser) on a local HTTP server; thin shell over startWebServer(). */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { FILES_PREFIX, startWebServer } from '../../serve/web-server.js';

const usage = `usage: c3d serve [--port P] [--files DIR]

Serves the C3D page: pick a video (and an .onnx from 'c3d export-onnx', or use the bundled demo net),
see the labels of every clip on a timeline and download the descriptor. Inference runs in the browser
(onnxruntime-web, or our own wasm kernels): nothing is uploaded. Responses carry the COOP/COEP headers
WebAssembly threads need. Query parameters run the page at once, e.g.
  URL?video=/files/a.mp4&weights=/files/c3d.onnx&layer=fc6   (also clips=, mean=, channels=, backend=)
See docs/web.md.
  --port P             TCP port (default 8080; 0 = any free port)
  --host H             interface to listen on (default 127.0.0.1)
  --files DIR          also serve DIR under ${FILES_PREFIX} (videos and weights the page opens by URL)`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  files: { type: 'string' },
} as const;

function parsePort(v: string | undefined): number {
  if (v === undefined) return 8080;
  const n = Number(v);
  if (!(/^\d+$/.test(v) && n <= 65535)) throw new UsageError(`--port must be an integer in [0, 65535], got '${v}'`);
  return n;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the browser page (C3D in the browser, nothing uploaded) on a local port',
  usage,
  async run(argv) {
    const { values: v, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const web = await startWebServer({ port: parsePort(v.port), host: v.host, files: v.files });
    process.stdout.write(`c3d serve: ${web.url}${v.files ? ` (${v.files} under ${web.url}${FILES_PREFIX.slice(1)})` : ''}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await web.close();
    return 0;
  },
};
