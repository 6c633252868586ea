// tinykube/echo: echoes TCP and UDP on $PORT (9000) at $POD_IP (127.0.0.1) — one port, both
// protocols, for Services with TCP and UDP ports and for kube-proxy's two proxies.
// TCP sends every byte back on its connection; UDP sends every datagram back to its sender.
// With PORT=0 the system picks the TCP port and UDP binds the same number; the log names it.
// One log line per connection and per datagram. SIGTERM: logs "shutting down", exits 0.
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

const port = process.env.PORT ? Number(process.env.PORT) : 9000;
const host = process.env.POD_IP || "127.0.0.1";

const tcp = createServer((socket) => {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  console.log(`tcp connection from ${peer}`);
  // A client that resets its connection must not take the server down with it.
  socket.on("error", (error) => console.log(`tcp ${peer}: ${error.message}`));
  socket.pipe(socket);
});

const udp = createSocket(host.includes(":") ? "udp6" : "udp4");
udp.on("message", (datagram, from) => {
  console.log(`udp ${datagram.length} bytes from ${from.address}:${from.port}`);
  udp.send(datagram, from.port, from.address);
});

tcp.listen(port, host, () => {
  const bound = tcp.address().port;
  udp.bind(bound, host, () => console.log(`echo listening on ${host}:${bound} (tcp, udp)`));
});

process.once("SIGTERM", () => {
  console.log("shutting down");
  udp.close();
  tcp.close();
  process.exit(0);
});
