# Kernel agreement suite: the netfilter trace listener. One NETLINK_NETFILTER socket subscribed to
# NFNLGRP_NFTRACE with NETLINK_LISTEN_ALL_NSID receives the nftrace events of every namespace that
# has an nsid in the listener's namespace, in the order the kernel generated them (one process
# per case instead of one `nft monitor trace` per namespace, whose outputs cannot be merged in
# order). Prints one JSON line per event; the harness (harness.ts) interprets them.
# Run it inside a namespace of the case's own (never the host's): nsids are assigned there.
import json, socket, struct, sys

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_LISTEN_ALL_NSID = 8
NFNLGRP_NFTRACE = 9
NFT_MSG_TRACE = 17
NFNL_SUBSYS_NFTABLES = 10
VERDICTS = {0: "drop", 1: "accept", 2: "stolen", 3: "queue", 4: "repeat",
            0xFFFFFFFF: "continue", 0xFFFFFFFE: "break", 0xFFFFFFFD: "jump", 0xFFFFFFFC: "goto", 0xFFFFFFFB: "return"}
TYPES = {1: "policy", 2: "return", 3: "rule"}

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((0, 0))
s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTRACE)
s.setsockopt(SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 1)
print(json.dumps({"ready": True}), flush=True)


def attrs(buf):
    out = {}
    i = 0
    while i + 4 <= len(buf):
        ln, typ = struct.unpack_from("=HH", buf, i)
        if ln < 4:
            break
        out[typ & 0x3FFF] = buf[i + 4:i + ln]
        i += (ln + 3) & ~3
    return out


def cstr(b):
    return b.split(b"\0", 1)[0].decode(errors="replace")


while True:
    data, anc, _, _ = s.recvmsg(1 << 16, socket.CMSG_SPACE(4))
    nsid = None
    for lvl, typ, d in anc:
        if lvl == SOL_NETLINK and typ == NETLINK_LISTEN_ALL_NSID:
            nsid = struct.unpack("=i", d[:4])[0]
    off = 0
    while off + 16 <= len(data):
        ln, mtype, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
        if ln < 16:
            break
        if mtype == (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE:
            a = attrs(data[off + 20:off + ln])
            ev = {"nsid": nsid}
            if 1 in a: ev["table"] = cstr(a[1])
            if 2 in a: ev["chain"] = cstr(a[2])
            if 3 in a: ev["handle"] = struct.unpack("!Q", a[3][:8])[0]
            if 4 in a: ev["type"] = TYPES.get(struct.unpack("!I", a[4][:4])[0], "?")
            if 6 in a: ev["id"] = struct.unpack("!I", a[6][:4])[0]
            if 5 in a:
                v = attrs(a[5])
                if 1 in v: ev["verdict"] = VERDICTS.get(struct.unpack("!I", v[1][:4])[0], "?")
                if 2 in v: ev["target"] = cstr(v[2])
            if 16 in a: ev["policy"] = VERDICTS.get(struct.unpack("!I", a[16][:4])[0], "?")
            if 8 in a:
                h = a[8]
                if len(h) >= 20:
                    ev["ipid"] = struct.unpack("!H", h[4:6])[0]
                    ev["ttl"] = h[8]
                    ev["proto"] = h[9]
                    ev["saddr"] = socket.inet_ntoa(h[12:16])
                    ev["daddr"] = socket.inet_ntoa(h[16:20])
            if 9 in a and len(a[9]) >= 8:
                ev["l4"] = a[9][:20].hex()
            if 10 in a: ev["iif"] = struct.unpack("=I", a[10][:4])[0]
            if 12 in a: ev["oif"] = struct.unpack("=I", a[12][:4])[0]
            print(json.dumps(ev), flush=True)
        off += (ln + 3) & ~3
