// Run by bunPipe.ts: 127.0.0.1:PIPE_PORT → 127.0.0.1:PIPE_UPSTREAM, bytes as they come.
// The bench's messages are small, far under a loopback socket's buffer, so a write is
// never short here; a pipe for real traffic would queue the rest until drain.
import type { Socket } from "bun";

interface Side {
  peer: Socket<Side> | null;
  /** what the client sent before the service connection opened */
  early: Uint8Array[];
}

const upstream = Number(process.env.PIPE_UPSTREAM);

Bun.listen<Side>({
  hostname: "127.0.0.1",
  port: Number(process.env.PIPE_PORT),
  socket: {
    open(client) {
      client.data = { peer: null, early: [] };
      Bun.connect<Side>({
        hostname: "127.0.0.1",
        port: upstream,
        socket: {
          open(service) {
            service.data = { peer: client, early: [] };
            client.data.peer = service;
            for (const b of client.data.early) service.write(b);
            client.data.early = [];
          },
          data: (service, d) => void service.data.peer?.write(d),
          close: (service) => void service.data.peer?.end(),
          error() {},
        },
      }).catch(() => client.end());
    },
    data(client, d) {
      if (client.data.peer) client.data.peer.write(d);
      else client.data.early.push(d);
    },
    close: (client) => void client.data.peer?.end(),
    error() {},
  },
});
