// busybox: nslookup HOST [DNS_SERVER] — the A records of HOST, as busybox prints them:
//
//   Server:		127.96.0.10
//   Address:	127.96.0.10:1053
//
//   Name:	web.default.svc.cluster.local
//   Address: 127.96.0.20
//
// Exit 0 with an answer. Otherwise exit 1 with "** server can't find HOST: NXDOMAIN" (or the
// response code that ended the walk), "*** Can't find HOST: No answer" for a name without A
// records, or ";; connection timed out; no servers could be reached".
//
// HOST is resolved the way a glibc program in the pod resolves it — the pod's servers, search list
// and ndots (resolver.mjs) — and Name is the name that answered. busybox's own nslookup (1.29 on)
// has a DNS client of its own that ignores ndots: a dotless name is asked under every search
// domain at once, any other name only as it is, and each question's result is printed — why
// Kubernetes' "Debugging DNS Resolution" page once pinned busybox:1.28 (kubernetes/website#9901).
// DNS_SERVER (an address, with an optional port: "127.96.0.10:1053") replaces the pod's servers.
import { LookupError, lookup, parseServer, resolverConfig, serverAddress } from "./resolver.mjs";

const [host, server, extra] = process.argv.slice(2);
if (!host || host.startsWith("-") || extra !== undefined) {
  process.stderr.write("Usage: nslookup HOST [DNS_SERVER]\n\nQuery DNS about HOST\n");
  process.exit(1);
}
const config = resolverConfig();
if (server) config.servers = [parseServer(server)];
const [first] = config.servers;
const header = `Server:\t\t${first.host}\nAddress:\t${serverAddress(first)}\n\n`;

try {
  const found = await lookup(host, config);
  let text = header;
  for (const address of found.addresses) text += `Name:\t${found.name}\nAddress: ${address}\n`;
  process.stdout.write(`${text}\n`);
} catch (error) {
  if (!(error instanceof LookupError)) throw error;
  const { failure } = error;
  if (failure === "TIMEOUT" || failure === "CONNREFUSED") {
    process.stdout.write(";; connection timed out; no servers could be reached\n\n");
  } else if (failure === "NODATA") {
    process.stdout.write(`${header}*** Can't find ${host}: No answer\n\n`);
  } else {
    process.stdout.write(`${header}** server can't find ${host}: ${failure}\n\n`);
  }
  process.exitCode = 1;
}
