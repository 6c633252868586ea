// busybox: wget [-q] [-O FILE] [-T SECONDS] [--spider] URL — an HTTP GET, as busybox's wget does.
//
//   wget -qO- http://web          the body of web's / on stdout (-O - and -O- are the same)
//   wget -O page.html web:8080/   into page.html; with no -O, into the URL's last path segment
//                                 ("index.html" for none), in the working directory
//   wget --spider -T 1 web        exits 0 if web answers within 1 s; fetches no body
//
// The host is resolved with the pod's resolver (resolver.mjs: its servers, search list and ndots);
// an IP address is used as it is. Unless -q, progress goes to stderr: "Connecting to web
// (127.96.0.20:80)", then "writing to stdout" or "saving to 'FILE'". Redirects (300–303 with a
// Location) are followed, at most 4, as busybox's redir_limit of 5 allows. Only http:// is spoken;
// a URL without a scheme is http.
//
// Any failure exits 1 with busybox's words on stderr: "wget: bad address 'x'" (the name did not
// resolve), "wget: can't connect to remote host (127.96.0.20): Connection refused", "wget: server
// returned error: HTTP/1.1 404 Not Found", "wget: download timed out" (-T, default 900 s: no
// connection, or no data, for that long).
import { createWriteStream } from "node:fs";
import { request } from "node:http";
import { isIP } from "node:net";
import { pipeline } from "node:stream/promises";
import { LookupError, lookup, resolverConfig, serverAddress } from "./resolver.mjs";

/** busybox wget's default network read timeout (its -T). */
const DEFAULT_TIMEOUT_SECONDS = 900;
/** busybox wget.c: redir_limit 5, and the fifth redirect is refused. */
const REDIRECT_LIMIT = 5;
const REDIRECTS = [300, 301, 302, 303];
/** strerror's words for the errors a connect can end in. */
const CONNECT_ERRORS = {
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
};

const die = (message) => {
  process.stderr.write(`wget: ${message}\n`);
  process.exit(1);
};
const usage = () => {
  process.stderr.write("Usage: wget [-q] [-O FILE] [-T SEC] [--spider] URL\n");
  process.exit(1);
};

const options = parseArgs(process.argv.slice(2));
const say = (line) => options.quiet || process.stderr.write(`${line}\n`);
const config = resolverConfig();
let target = parseUrl(options.url);
let redirectsLeft = REDIRECT_LIMIT;
let response;
let address;
for (let connect = true; ; ) {
  const port = Number(target.port || 80);
  if (connect) {
    address = await resolve(target.hostname.replace(/^\[(.*)\]$/, "$1"));
    say(`Connecting to ${target.host} (${serverAddress({ host: address, port })})`);
  }
  response = await get(target, address, port);
  const location = response.headers.location;
  if (REDIRECTS.includes(response.statusCode) && location) {
    if (--redirectsLeft === 0) die("too many redirections");
    response.resume();
    target = parseUrl(new URL(location, target).href);
    // As busybox: a path ("/next") stays on the server; a URL is resolved and connected anew.
    connect = !location.startsWith("/");
    continue;
  }
  if (![200, 204, ...REDIRECTS].includes(response.statusCode)) {
    const { httpVersion, statusCode, statusMessage } = response;
    die(`server returned error: HTTP/${httpVersion} ${statusCode} ${statusMessage}`);
  }
  break;
}

if (options.spider) {
  say("remote file exists");
  response.destroy();
} else {
  const toStdout = options.output === "-";
  const path = target.pathname;
  const file = options.output ?? (path.slice(path.lastIndexOf("/") + 1) || "index.html");
  say(toStdout ? "writing to stdout" : `saving to '${file}'`);
  try {
    await pipeline(response, toStdout ? process.stdout : createWriteStream(file));
  } catch (error) {
    die(`read error: ${error.message}`);
  }
  say(toStdout ? "written to stdout" : `'${file}' saved`);
}

function parseArgs(args) {
  const parsed = { quiet: false, spider: false, timeout: DEFAULT_TIMEOUT_SECONDS };
  const set = (flag, value) => {
    if (value === undefined) usage();
    if (flag === "O") parsed.output = value;
    else if (/^\d+$/.test(value)) parsed.timeout = Number(value);
    else die(`invalid number '${value}'`);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const long = /^--(output-document|timeout)(?:=(.*))?$/.exec(arg);
    if (arg === "--quiet") parsed.quiet = true;
    else if (arg === "--spider") parsed.spider = true;
    else if (long) set(long[1] === "timeout" ? "T" : "O", long[2] ?? args[++i]);
    else if (arg.startsWith("--")) usage();
    else if (arg.startsWith("-") && arg !== "-") {
      // Short flags bundle as getopt allows: -qO- is -q -O -.
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j];
        if (flag === "q") parsed.quiet = true;
        else if (flag === "O" || flag === "T") {
          set(flag, arg.slice(j + 1) || args[++i]);
          break;
        } else usage();
      }
    } else if (parsed.url === undefined) parsed.url = arg;
    else usage();
  }
  if (parsed.url === undefined) usage();
  return parsed;
}

function parseUrl(text) {
  let url;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    die(`bad address '${text}'`);
  }
  if (url.protocol !== "http:") die(`not an http or ftp url: ${text}`);
  return url;
}

async function resolve(host) {
  if (isIP(host)) return host;
  try {
    return (await lookup(host, config)).addresses[0];
  } catch (error) {
    if (!(error instanceof LookupError)) throw error;
    die(`bad address '${host}'`);
  }
}

/** The response to GET `url` from `address`:`port`; dies on a refused or timed-out connection. */
function get(url, address, port) {
  return new Promise((resolve) => {
    let answered = false;
    const req = request({
      host: address,
      port,
      path: `${url.pathname}${url.search}`,
      headers: { Host: url.host, "User-Agent": "Wget", Connection: "close" },
      // The socket's idle timeout: no connection, or no data, for this long.
      timeout: options.timeout * 1000,
    });
    req.on("timeout", () => die("download timed out"));
    req.on("response", (res) => {
      answered = true;
      resolve(res);
    });
    req.on("error", (error) => {
      if (answered) return; // the body's pipeline reports it
      const words = CONNECT_ERRORS[error.code] ?? error.message;
      die(`can't connect to remote host (${address}): ${words}`);
    });
    req.end();
  });
}
