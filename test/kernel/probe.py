# Kernel agreement suite: the probe sender. Runs inside the source namespace (ip netns exec),
# sends ONE probe for real and prints what the sending process observed as one JSON line.
# It owns nothing else: mapping to outcome words and comparing with the simulator is done by
# test/kernel/harness.ts. Verified on this kernel (6.18): ICMP errors during a TCP connect() may
# become soft errors, so the socket is non-blocking and SO_ERROR is polled; a raw ICMP socket
# opened first sees every ICMP message that comes back (errors and echo replies).
import errno, json, os, random, select, socket, struct, sys, time

SO_MARK = 36
IP_RECVERR = 11

a = json.loads(sys.argv[1])
proto, dst, dport = a["proto"], a["dst"], a.get("dport") or 0
src, sport, ttl, mark = a.get("src"), a.get("sport") or 0, a.get("ttl"), a.get("mark")
timeout = float(a.get("timeout", 4.5))
res = {"errno": None, "icmp": [], "connected": False, "echoReply": None, "local": None, "sendError": None}


def ename(e):
    return errno.errorcode.get(e, str(e))


def opts(s):
    if mark is not None:
        s.setsockopt(socket.SOL_SOCKET, SO_MARK, int(mark))
    if ttl is not None:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(ttl))


# Watches every ICMP message arriving in this namespace; keeps the errors about our probe.
watch = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
watch.setblocking(False)
icmp_id = random.randint(1, 65535)


def parse_icmp(pkt):
    ihl = (pkt[0] & 15) * 4
    srcaddr = socket.inet_ntoa(pkt[12:16])
    t, c = pkt[ihl], pkt[ihl + 1]
    body = pkt[ihl + 8:]
    return srcaddr, t, c, pkt[ihl:], body


def ours_embedded(body, local_port):
    # body = embedded IP header + at least 8 bytes of the offending packet
    if len(body) < 28:
        return False
    ihl = (body[0] & 15) * 4
    p = body[9]
    l4 = body[ihl:ihl + 8]
    if proto == "icmp":
        return p == 1 and l4[0] == 8 and struct.unpack("!H", l4[4:6])[0] == icmp_id
    want = 6 if proto == "tcp" else 17
    return p == want and struct.unpack("!H", l4[0:2])[0] == local_port


def drain(local_port):
    while True:
        try:
            pkt = watch.recv(65535)
        except BlockingIOError:
            return
        srcaddr, t, c, icmp, body = parse_icmp(pkt)
        if t == 0 and proto == "icmp" and struct.unpack("!H", icmp[4:6])[0] == icmp_id:
            res["echoReply"] = srcaddr
        elif t in (3, 11, 12, 5) and ours_embedded(body, local_port):
            res["icmp"].append({"from": srcaddr, "type": t, "code": c})


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


deadline = time.monotonic() + timeout
local_port = 0
try:
    if proto == "icmp":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        opts(s)
        if src:
            s.bind((src, 0))
        hdr = struct.pack("!BBHHH", 8, 0, 0, icmp_id, 1) + b"netns-dbg-probe"
        hdr = hdr[:2] + struct.pack("!H", checksum(hdr)) + hdr[4:]
        res["icmpId"] = icmp_id
        try:
            s.sendto(hdr, (dst, 0))
        except OSError as e:
            res["sendError"] = ename(e.errno)
        while res["sendError"] is None and time.monotonic() < deadline and res["echoReply"] is None and not res["icmp"]:
            select.select([watch], [], [], 0.05)
            drain(0)
    else:
        st = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET, st)
        opts(s)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src or "0.0.0.0", int(sport)))
        local_port = s.getsockname()[1]
        res["local"] = "%s:%d" % s.getsockname()
        s.setblocking(False)
        if proto == "tcp":
            err = s.connect_ex((dst, int(dport)))
            if err not in (0, errno.EINPROGRESS):
                res["sendError"] = ename(err)
            elif err == 0:
                res["connected"] = True
            while res["sendError"] is None and not res["connected"] and time.monotonic() < deadline:
                _, w, _ = select.select([watch], [s], [], 0.05)
                drain(local_port)
                if w:
                    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if e == 0:
                        res["connected"] = True
                    else:
                        res["errno"] = ename(e)
                        break
                if res["icmp"]:
                    # a soft error: the connect would only fail at the next retransmission
                    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if e:
                        res["errno"] = ename(e)
                    break
        else:
            try:
                s.connect((dst, int(dport)))
                s.send(b"netns-dbg-probe")
            except OSError as e:
                res["sendError"] = ename(e.errno)
            while res["sendError"] is None and time.monotonic() < deadline and not res["icmp"]:
                r, _, _ = select.select([watch, s], [], [], 0.05)
                drain(local_port)
                try:
                    s.recv(65535)
                    res["gotReply"] = True
                except BlockingIOError:
                    pass
                except OSError as e:
                    res["errno"] = ename(e.errno)
                log = a.get("log")
                if log and os.path.exists(log) and os.path.getsize(log) > int(a.get("logSize", 0)):
                    time.sleep(0.05)
                    drain(local_port)
                    break
        drain(local_port)
except OSError as e:
    res["sendError"] = ename(e.errno)
print(json.dumps(res))
