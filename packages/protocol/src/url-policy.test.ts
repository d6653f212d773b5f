import { describe, expect, it } from "vitest";
import { checkAddress, checkUrl, isAllowedHostName, UnsafeUrlError, type UnsafeUrlReason, type UrlPolicy } from "./url-policy.js";

/** The reason an URL is refused for, or "ok". */
function verdictOf(run: () => unknown): UnsafeUrlReason | "ok" {
  try {
    run();
    return "ok";
  } catch (error) {
    if (error instanceof UnsafeUrlError) return error.reason;
    throw error;
  }
}

describe("checkUrl under the default policy", () => {
  it.each<[string, UnsafeUrlReason | "ok"]>([
    ["https://cpo.example.com/ocpi/versions", "ok"],
    ["http://cpo.example.com:8080/ocpi/versions", "ok"],
    ["https://93.184.215.14/ocpi", "ok"],
    ["https://[2606:4700::1111]/ocpi", "ok"],
    ["file:///etc/passwd", "scheme"],
    ["ftp://cpo.example.com/", "scheme"],
    ["gopher://127.0.0.1:6379/", "scheme"],
    ["javascript:alert(1)", "scheme"],
    ["not a url", "invalid-url"],
    ["http://localhost/", "localhost"],
    ["http://LOCALHOST./", "localhost"],
    ["http://api.localhost:8080/", "localhost"],
    ["http://127.0.0.1/", "loopback"],
    ["http://127.1.2.3:9/", "loopback"],
    ["http://[::1]/", "loopback"],
    // Odd numeric forms, normalized by the WHATWG URL parser to 127.0.0.1.
    ["http://2130706433/", "loopback"],
    ["http://0x7f.1/", "loopback"],
    ["http://0x7f.0.0.1/", "loopback"],
    ["http://017700000001/", "loopback"],
    ["http://127.1/", "loopback"],
    ["http://10.0.0.1/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://100.64.0.1/", "private"],
    ["http://[fc00::1]/", "private"],
    ["http://[fd12:3456::1]/", "private"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[ff02::1]/", "multicast"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://240.0.0.1/", "reserved"],
    ["http://192.0.2.1/", "reserved"],
    ["http://[2001:db8::1]/", "reserved"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[::ffff:7f00:1]/", "loopback"],
    ["http://[::ffff:10.0.0.1]/", "private"],
    ["http://[::ffff:169.254.169.254]/", "link-local"],
    ["http://[::ffff:93.184.215.14]/", "ok"],
    ["http://[::127.0.0.1]/", "loopback"],
    ["http://[2002:7f00:1::]/", "loopback"],
    ["http://[2002:a9fe:a9fe::1]/", "link-local"],
    ["http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "loopback"],
    ["http://[64:ff9b::7f00:1]/", "loopback"],
    ["http://[64:ff9b::a00:1]/", "private"],
  ])("%s → %s", (url, expected) => {
    expect(verdictOf(() => checkUrl(url))).toBe(expected);
  });

  it("returns the parsed URL", () => {
    expect(checkUrl("https://CPO.example.com/ocpi/../versions").href).toBe("https://cpo.example.com/versions");
  });

  it("says which rule refused and how to open it", () => {
    expect(() => checkUrl("http://127.0.0.1:9/")).toThrow("refused: 127.0.0.1 is a loopback address; allow it with urlPolicy.allowLoopback");
    expect(() => checkUrl("http://10.1.2.3/")).toThrow("refused: 10.1.2.3 is a private address; allow it with urlPolicy.allowPrivate");
    expect(() => checkUrl("http://[::ffff:127.0.0.1]/")).toThrow(
      "refused: ::ffff:7f00:1 embeds 127.0.0.1 (IPv4-mapped), a loopback address; allow it with urlPolicy.allowLoopback",
    );
    expect(() => checkUrl("http://169.254.169.254/")).toThrow("allow the host with urlPolicy.allowHosts");
    const error = (() => {
      try {
        checkUrl("http://2130706433:8080/x");
      } catch (e) {
        return e as UnsafeUrlError;
      }
    })();
    expect(error).toMatchObject({ name: "UnsafeUrlError", reason: "loopback", url: "http://127.0.0.1:8080/x" });
  });
});

describe("checkUrl with a policy", () => {
  it.each<[string, UrlPolicy, UnsafeUrlReason | "ok"]>([
    ["http://127.0.0.1:8080/", { allowLoopback: true }, "ok"],
    ["http://localhost:8080/", { allowLoopback: true }, "ok"],
    ["http://[::1]/", { allowLoopback: true }, "ok"],
    ["http://[::ffff:127.0.0.1]/", { allowLoopback: true }, "ok"],
    ["http://10.0.0.1/", { allowLoopback: true }, "private"],
    ["http://10.0.0.1/", { allowPrivate: true }, "ok"],
    ["http://100.64.1.1/", { allowPrivate: true }, "ok"],
    ["http://[fd00::1]/", { allowPrivate: true }, "ok"],
    ["http://127.0.0.1/", { allowPrivate: true }, "loopback"],
    ["http://169.254.169.254/", { allowLoopback: true, allowPrivate: true }, "link-local"],
    ["http://169.254.169.254/", { allowHosts: ["169.254.169.254"] }, "ok"],
    ["http://127.0.0.1:8080/", { allowHosts: ["127.0.0.1:8080"] }, "ok"],
    ["http://127.0.0.1:8081/", { allowHosts: ["127.0.0.1:8080"] }, "loopback"],
    ["http://[::1]:8080/", { allowHosts: ["[::1]:8080"] }, "ok"],
    ["http://localhost/", { allowHosts: ["localhost:80"] }, "ok"],
    ["https://Peer.Internal/", { allowHosts: ["peer.internal"] }, "ok"],
    ["file:///etc/passwd", { allowLoopback: true, allowPrivate: true, allowHosts: [""] }, "scheme"],
  ])("%s with %j → %s", (url, policy, expected) => {
    expect(verdictOf(() => checkUrl(url, policy))).toBe(expected);
  });
});

describe("checkAddress", () => {
  it.each<[string, UrlPolicy, UnsafeUrlReason | "ok"]>([
    ["93.184.215.14", {}, "ok"],
    ["2606:4700::1111", {}, "ok"],
    ["127.0.0.1", {}, "loopback"],
    ["::1", {}, "loopback"],
    ["::ffff:127.0.0.1", {}, "loopback"],
    ["192.168.0.10", {}, "private"],
    ["fe80::1%eth0", {}, "link-local"],
    ["0.0.0.0", {}, "unspecified"],
    ["127.0.0.1", { allowLoopback: true }, "ok"],
    ["192.168.0.10", { allowPrivate: true }, "ok"],
    ["peer.test", {}, "invalid-address"],
  ])("%s with %j → %s", (ip, policy, expected) => {
    expect(verdictOf(() => checkAddress(ip, policy))).toBe(expected);
  });

  it("names the host that resolved to the address", () => {
    expect(() => checkAddress("127.0.0.1", {}, "http://peer.test:8080/ocpi")).toThrow(
      "refused: peer.test resolves to 127.0.0.1, which is a loopback address; allow it with urlPolicy.allowLoopback",
    );
  });
});

describe("isAllowedHostName (a host name without its port)", () => {
  it.each<[string, string[], boolean]>([
    ["peer.test", ["peer.test"], true],
    ["peer.test", ["peer.test:8443"], true],
    ["PEER.test.", [" Peer.Test "], true],
    ["peer.test", ["other.test", "peer.test.evil:80"], false],
    ["peer.test", ["peer.test:x"], false],
    ["peer.test", [], false],
  ])("%s with allowHosts %j: %s", (hostname, allowHosts, listed) => {
    expect(isAllowedHostName(hostname, { allowHosts })).toBe(listed);
  });
});
