// The read-only "kernel source" documents the debugger shows for stack frames that have no line
// in the topology file: a short, readable pseudo-code of each kernel function the simulator
// steps through (written for this project from the function's behaviour as kernel-path.md
// describes it; not kernel code), served through DAP `source` with a sourceReference. Owns the
// texts and the choice of the line an event points at; not the stepping or the DAP mapping.

/** One pseudo-source: its lines (marks stripped) and the line of each mark. */
export interface KernelSource {
  fn: string;
  /** Stable DAP sourceReference (1-based index in KERNEL_FUNCTIONS). */
  ref: number;
  text: string;
  marks: Map<string, number>;
}

// A line may end with «mark» (or «a|b» for several): an event whose verdict, reason or errno is a
// mark points at that line; «entry» is where a function's own step points.
const RAW: Record<string, string[]> = {
  tcp_v4_connect: [
    'int tcp_v4_connect(struct sock *sk, struct sockaddr_in *daddr)   «entry»',
    '{',
    '    /* the process calls connect(): a SYN is built for daddr */',
    '    security_socket_connect(sk);          /* LSM: bsdjail may preset the source */',
    '    rt = ip_route_output(daddr, sk->saddr, sk->mark);   /* also picks the source address */',
    '    if (IS_ERR(rt)) return PTR_ERR(rt);   /* ENETUNREACH, EHOSTUNREACH, EACCES, EINVAL «error»',
    '    sk->saddr = rt->src; sk->sport = ephemeral_port();',
    '    skb = tcp_make_syn(sk);',
    '    return ip_local_out(skb);             /* EPERM if OUTPUT drops it «EPERM»',
    '}',
  ],
  udp_sendmsg: [
    'int udp_sendmsg(struct sock *sk, struct msghdr *msg)   «entry»',
    '{',
    '    /* the process sends one datagram */',
    '    rt = ip_route_output(daddr, sk->saddr, sk->mark);',
    '    if (IS_ERR(rt)) return PTR_ERR(rt);   «error»',
    '    skb = ip_make_skb(sk, msg, rt);',
    '    return ip_local_out(skb);             «EPERM»',
    '}',
  ],
  ping_v4_sendmsg: [
    'int ping_v4_sendmsg(struct sock *sk, struct msghdr *msg)   «entry»',
    '{',
    '    /* the process sends an ICMP echo request */',
    '    rt = ip_route_output(daddr, sk->saddr, sk->mark);',
    '    if (IS_ERR(rt)) return PTR_ERR(rt);   «error»',
    '    skb = icmp_echo_build(sk, msg);',
    '    return ip_local_out(skb);             «EPERM»',
    '}',
  ],
  security_socket_bind: [
    'int security_socket_bind(struct socket *sock, struct sockaddr_in *addr)   «entry»',
    '{',
    '    /* bsdjail: a jailed process may bind only its jail address (or 0.0.0.0 / 127.0.0.1) */',
    '    if (jail && addr != jail->ip && addr != INADDR_ANY && addr != INADDR_LOOPBACK)',
    '        return -EPERM;                    «EPERM»',
    '    return 0;',
    '}',
  ],
  security_socket_post_create: [
    'int security_socket_post_create(struct socket *sock)   «entry»',
    '{',
    '    /* bsdjail: the socket of a jailed process gets the jail address as its source */',
    '    if (jail) inet_sk(sock->sk)->saddr = jail->ip;',
    '    return 0;',
    '}',
  ],
  inet_bind: [
    'int inet_bind(struct socket *sock, struct sockaddr_in *addr)   «entry»',
    '{',
    '    if (!ip_nonlocal_bind && addr != INADDR_ANY && inet_addr_type(net, addr) != RTN_LOCAL)',
    '        return -EADDRNOTAVAIL;            «EADDRNOTAVAIL»',
    '    return 0;',
    '}',
  ],
  ip_route_output: [
    'struct rtable *ip_route_output(struct net *net, struct flowi4 *fl4)   «entry»',
    '{',
    '    fl4->flowi4_iif = LOOPBACK_IFINDEX;',
    '    if (fl4->saddr && !inet_addr_type_is_local(net, fl4->saddr)) return ERR_PTR(-EINVAL);',
    '    res = fib_lookup(net, fl4);           /* policy rules in pref order, then the table */',
    '    if (!res) return ERR_PTR(-ENETUNREACH);   «error»',
    '    if (res.type == RTN_LOCAL) dev = net->loopback_dev;   «local»',
    '    else dev = res.nh->dev;               «unicast»',
    '    if (!fl4->saddr) fl4->saddr = res.prefsrc ?: inet_select_addr(dev, res.gw, res.scope);',
    '    return rt_dst_alloc(dev, res);',
    '}',
  ],
  ip_local_out: [
    'int ip_local_out(struct net *net, struct sock *sk, struct sk_buff *skb)   «entry»',
    '{',
    '    /* __ip_local_out: fill tot_len and the header checksum */',
    '    ret = nf_hook(NFPROTO_IPV4, NF_INET_LOCAL_OUT, skb, NULL, skb_dst(skb)->dev);',
    '    if (ret != NF_ACCEPT) return ret;     /* dropped in OUTPUT: EPERM to the sender */',
    '    /* a changed mark or daddr re-routes (ip_route_me_harder) */',
    '    return dst_output(skb);               /* ip_output, or loopback for a local route */',
    '}',
  ],
  ip_output: [
    'int ip_output(struct net *net, struct sock *sk, struct sk_buff *skb)   «entry»',
    '{',
    '    skb->dev = skb_dst(skb)->dev;',
    '    return NF_HOOK_COND(NFPROTO_IPV4, NF_INET_POST_ROUTING, skb, NULL, skb->dev,',
    '                        ip_finish_output);',
    '}',
  ],
  ip_finish_output2: [
    'int ip_finish_output2(struct net *net, struct sock *sk, struct sk_buff *skb)   «entry»',
    '{',
    '    nexthop = rt_nexthop(skb_rtable(skb), ip_hdr(skb)->daddr);',
    '    neigh = ip_neigh_for_gw(rt, skb, nexthop);',
    '    return neigh_output(neigh, skb);      /* resolve the MAC, then dev_queue_xmit */',
    '}',
  ],
  neigh_resolve_output: [
    'int neigh_resolve_output(struct neighbour *neigh, struct sk_buff *skb)   «entry|reachable»',
    '{',
    '    if (neigh->nud_state & NUD_VALID)     /* a static entry, or ARP answered */',
    '        return dev_queue_xmit(skb);',
    '    arp_send(ARPOP_REQUEST, nexthop);     /* who-has nexthop? */',
    '    if (no_reply) { kfree_skb(skb); return -EHOSTUNREACH; }   «failed»',
    '}',
  ],
  dev_queue_xmit: [
    'int dev_queue_xmit(struct sk_buff *skb)   «entry»',
    '{',
    '    if (!(dev->flags & IFF_UP)) { kfree_skb(skb); return -ENETDOWN; }',
    '    return dev->netdev_ops->ndo_start_xmit(skb, dev);   /* veth_xmit, br_dev_xmit, loopback_xmit */',
    '}',
  ],
  veth_xmit: [
    'netdev_tx_t veth_xmit(struct sk_buff *skb, struct net_device *dev)   «entry»',
    '{',
    '    rcv = rcu_dereference(priv->peer);',
    '    if (!rcv || !(rcv->flags & IFF_UP)) { kfree_skb(skb); return NETDEV_TX_OK; }',
    '    /* dev_forward_skb: crossing namespaces scrubs the packet */',
    '    skb_scrub_packet(skb, !net_eq(dev_net(dev), dev_net(rcv)));  /* mark, conntrack, dst */',
    '    skb->dev = rcv; skb->pkt_type = eth_type_trans(skb, rcv);',
    '    return netif_rx(skb);                 /* netif_receive_skb in the peer namespace */',
    '}',
  ],
  loopback_xmit: [
    'netdev_tx_t loopback_xmit(struct sk_buff *skb, struct net_device *dev)   «entry»',
    '{',
    '    skb->protocol = eth_type_trans(skb, dev);   /* the dst stays attached: no second route lookup */',
    '    netif_rx(skb);',
    '}',
  ],
  dummy_xmit: [
    'netdev_tx_t dummy_xmit(struct sk_buff *skb, struct net_device *dev)   «entry»',
    '{',
    '    dev_kfree_skb(skb);                   /* a dummy device consumes every frame */',
    '}',
  ],
  netif_receive_skb: [
    'int netif_receive_skb(struct sk_buff *skb)   «entry»',
    '{',
    '    /* the packet is now in dev_net(skb->dev) */',
    '    if (rx_handler = skb->dev->rx_handler)   /* a bridge port */',
    '        if (rx_handler(&skb) == RX_HANDLER_CONSUMED) return;   /* br_handle_frame */',
    '    return deliver_ptype(skb);            /* ETH_P_IP: ip_rcv */',
    '}',
  ],
  ip_rcv: [
    'int ip_rcv(struct sk_buff *skb, struct net_device *dev)   «entry»',
    '{',
    '    if (skb->pkt_type == PACKET_OTHERHOST) { kfree_skb(skb); return; }   «OTHERHOST»',
    '    if (!ip_fast_csum(iph) || iph->ihl < 5) goto inhdr_error;',
    '    return NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, skb, dev, NULL, ip_rcv_finish);',
    '}',
  ],
  ip_rcv_finish: [
    'int ip_rcv_finish(struct net *net, struct sock *sk, struct sk_buff *skb)   «entry»',
    '{',
    '    if (!skb_valid_dst(skb))',
    '        ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, skb->dev);',
    '    return dst_input(skb);                /* ip_local_deliver, ip_forward or ip_error */',
    '}',
  ],
  ip_route_input: [
    'int ip_route_input_slow(struct sk_buff *skb, __be32 daddr, __be32 saddr, struct net_device *dev)   «entry»',
    '{',
    '    if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr)) goto martian_source;   «drop»',
    '    fl4.flowi4_iif = dev->ifindex; fl4.flowi4_mark = skb->mark;',
    '    err = fib_lookup(net, &fl4, &res);    /* policy rules, then the table */',
    '    if (err) goto no_route;               /* dst.input = ip_error */   «error»',
    '    if (res.type == RTN_LOCAL) { fib_validate_source(...); goto local_input; }   «local|broadcast»',
    '    if (!IN_DEV_FORWARD(in_dev)) goto no_route;   /* forwarding off on the ingress device */',
    '    fib_validate_source(...);             /* rp_filter */',
    '    return ip_mkroute_input(skb, &res);   /* dst.input = ip_forward */   «forward»',
    '}',
  ],
  ip_error: [
    'int ip_error(struct sk_buff *skb)   «entry»',
    '{',
    '    switch (rt->dst.error) {              /* EHOSTUNREACH, ENETUNREACH, EACCES */',
    '    case EHOSTUNREACH: code = ICMP_HOST_UNREACH; break;',
    '    case ENETUNREACH:  code = ICMP_NET_UNREACH; break;',
    '    case EACCES:       code = ICMP_PKT_FILTERED; break;',
    '    }',
    '    icmp_send(skb, ICMP_DEST_UNREACH, code, 0);',
    '    kfree_skb_reason(skb, SKB_DROP_REASON_IP_INNOROUTES);',
    '}',
  ],
  ip_local_deliver: [
    'int ip_local_deliver(struct sk_buff *skb)   «entry»',
    '{',
    '    /* reassembly would happen here */',
    '    return NF_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_IN, skb, skb->dev, NULL, ip_local_deliver_finish);',
    '}',
  ],
  ip_local_deliver_finish: [
    'int ip_local_deliver_finish(struct net *net, struct sock *sk, struct sk_buff *skb)   «entry»',
    '{',
    '    ipprot = inet_protos[ip_hdr(skb)->protocol];',
    '    return ipprot->handler(skb);          /* tcp_v4_rcv, udp_rcv, icmp_rcv */',
    '}',
  ],
  ip_forward: [
    'int ip_forward(struct sk_buff *skb)   «entry»',
    '{',
    '    if (skb->pkt_type != PACKET_HOST) goto drop;',
    '    if (ip_hdr(skb)->ttl <= 1) {          «ttl exceeded»',
    '        icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);',
    '        goto drop;',
    '    }',
    '    ip_decrease_ttl(ip_hdr(skb));',
    '    return NF_HOOK(NFPROTO_IPV4, NF_INET_FORWARD, skb, skb->dev, rt->dst.dev, ip_forward_finish);',
    '}',
  ],
  nf_hook: [
    'int nf_hook(u_int8_t pf, unsigned int hook, struct sk_buff *skb, in, out)   «entry»',
    '{',
    '    /* every hook function registered for this hook, by priority:',
    '     *   raw -300, conntrack -200, mangle -150, nat(DNAT) -100, filter 0,',
    '     *   security 50, nat(SNAT) 100, conntrack confirm INT_MAX */',
    '    for (entry in hook_entries[hook]) {',
    '        verdict = entry->hook(entry->priv, skb, state);   /* ipt_do_table, nf_conntrack_in ... */',
    '        if (verdict == NF_DROP) { kfree_skb(skb); return -EPERM; }   «drop»',
    '        if (verdict != NF_ACCEPT) return verdict;',
    '    }',
    '    return 1;                             /* okfn runs: the packet continues */',
    '}',
  ],
  ipt_do_table: [
    'unsigned int ipt_do_table(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)   «entry»',
    '{',
    '    e = get_entry(table_base, private->hook_entry[hook]);   /* the built-in chain */',
    '    do {',
    '        if (!ip_packet_match(ip, indev, outdev, &e->ip) || !match_all(e)) { e = next(e); continue; }',
    '        counters(e)->pcnt++;',
    '        verdict = target(e);              /* ACCEPT, DROP, jump, RETURN, REJECT, DNAT ... */',
    '    } while (verdict == XT_CONTINUE);',
    '    return verdict;                       /* falls to the chain policy at its end */',
    '}',
  ],
  chain: [
    '/* an iptables chain: its rules in order (iptables -L --line-numbers) */   «entry»',
    'for (rule = 1; rule <= nrules; rule++) {',
    '    if (!matches(rule, skb)) continue;    /* the first failing match is "why not" */',
    '    switch (target(rule)) {',
    '    case ACCEPT: case DROP: return verdict;',
    '    case JUMP: push(chain); chain = target; rule = 0; break;',
    '    case RETURN: chain = pop(); break;',
    '    }',
    '}',
    'return policy(chain);                     /* built-in: -P; user chain: back to the caller */',
  ],
  rule: [
    '/* one rule: match every clause, then apply the target */   «entry»',
    'if (ip_packet_match(skb, &rule->ip) && every(rule->matches, m => m->match(skb))) {',
    '    rule->counters.pcnt++;',
    '    return rule->target(skb);             «accept|drop|reject|jump|goto|return»',
    '}',
    'return XT_CONTINUE;                       /* no match: the next rule */',
  ],
  policy: [
    '/* end of a built-in chain: its policy decides (iptables -P CHAIN ACCEPT|DROP) */   «entry|accept|drop»',
    'chain->policy_counters.pcnt++;',
    'return chain->policy;',
  ],
  return: [
    '/* end of a user chain (or RETURN): back to the rule after the jump */   «entry»',
    'chain = pop();',
  ],
  nf_log_packet: [
    'void nf_log_packet(struct net *net, u_int8_t pf, unsigned int hooknum, struct sk_buff *skb, ...)   «entry»',
    '{',
    '    printk("%sIN=%s OUT=%s SRC=%pI4 DST=%pI4 ...", prefix, ...);   /* LOG: the rule continues */',
    '}',
  ],
  nf_conntrack_in: [
    'unsigned int nf_conntrack_in(struct sk_buff *skb, const struct nf_hook_state *state)   «entry»',
    '{',
    '    tuple = get_tuple(skb);',
    '    h = nf_conntrack_find_get(net, &tuple);',
    '    if (!h) h = init_conntrack(net, &tuple);   /* NEW, unconfirmed until POSTROUTING/INPUT */   «NEW»',
    '    ct = nf_ct_tuplehash_to_ctrack(h);',
    '    ctinfo = reply_dir ? IP_CT_ESTABLISHED_REPLY : ...;   «ESTABLISHED|RELATED»',
    '    nf_ct_set(skb, ct, ctinfo);',
    '    return NF_ACCEPT;                     «INVALID»',
    '}',
  ],
  nf_conntrack_confirm: [
    'int nf_conntrack_confirm(struct sk_buff *skb)   «entry»',
    '{',
    '    /* last hook (INT_MAX): insert both tuples into the table */',
    '    if (!nf_ct_is_confirmed(ct)) __nf_conntrack_confirm(skb);',
    '    return NF_ACCEPT;',
    '}',
  ],
  nf_nat_setup_info: [
    'unsigned int nf_nat_setup_info(struct nf_conn *ct, const struct nf_nat_range2 *range, enum nf_nat_manip_type maniptype)   «entry»',
    '{',
    '    /* the first packet of a connection decides the translation (or a null binding) */',
    '    get_unique_tuple(&new_tuple, &curr_tuple, range, ct, maniptype);',
    '    nf_conntrack_alter_reply(ct, &reply);   /* replies will be translated back */',
    '    ct->status |= (maniptype == NF_NAT_MANIP_SRC) ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE;',
    '}',
  ],
  nf_nat_packet: [
    'unsigned int nf_nat_packet(struct nf_conn *ct, enum ip_conntrack_info ctinfo, unsigned int hooknum, struct sk_buff *skb)   «entry»',
    '{',
    '    /* rewrite the header as the conntrack entry says (both directions) */',
    '    if (ct->status & statusbit) nf_nat_manip_pkt(skb, ct, mtype, dir);   /* saddr/daddr, ports */',
    '    return NF_ACCEPT;',
    '}',
  ],
  nf_nat_masquerade: [
    'unsigned int nf_nat_masquerade_ipv4(struct sk_buff *skb, unsigned int hooknum, ...)   «entry»',
    '{',
    '    newsrc = inet_select_addr(out, nh, RT_SCOPE_UNIVERSE);',
    '    if (!newsrc) return NF_DROP;          /* no address on the output device */',
    '    return nf_nat_setup_info(ct, &newrange, NF_NAT_MANIP_SRC);',
    '}',
  ],
  nf_nat_redirect: [
    'unsigned int nf_nat_redirect_ipv4(struct sk_buff *skb, ...)   «entry»',
    '{',
    '    newdst = hooknum == NF_INET_LOCAL_OUT ? htonl(0x7F000001) : first_address(skb->dev);',
    '    if (!newdst) return NF_DROP;',
    '    return nf_nat_setup_info(ct, &newrange, NF_NAT_MANIP_DST);',
    '}',
  ],
  nf_send_reset: [
    'void nf_send_reset(struct net *net, struct sock *sk, struct sk_buff *oldskb, int hook)   «entry»',
    '{',
    '    /* REJECT --reject-with tcp-reset: build a RST for the offending segment */',
    '    nskb = build_rst(oldskb);',
    '    ip_route_me_harder(net, sk, nskb, RTN_UNSPEC);',
    '    ip_local_out(net, nskb->sk, nskb);',
    '}',
  ],
  nf_send_unreach: [
    'void nf_send_unreach(struct sk_buff *skb_in, int code, int hook)   «entry»',
    '{',
    '    /* REJECT --reject-with icmp-*: an ICMP destination unreachable to the sender */',
    '    icmp_send(skb_in, ICMP_DEST_UNREACH, code, 0);',
    '}',
  ],
  tcp_v4_rcv: [
    'int tcp_v4_rcv(struct sk_buff *skb)   «entry»',
    '{',
    '    sk = __inet_lookup_skb(skb, th->source, th->dest);   /* established, then listeners */',
    '    if (!sk) goto no_tcp_socket;          /* tcp_v4_send_reset */',
    '    if (sk->sk_state == TCP_LISTEN) return tcp_v4_do_rcv(sk, skb);   /* SYN: tcp_v4_send_synack */',
    '    return tcp_rcv_state_process(sk, skb);',
    '}',
  ],
  inet_lookup_listener: [
    'struct sock *inet_lookup_listener(struct net *net, __be32 daddr, unsigned short hnum, int dif)   «entry|listener»',
    '{',
    '    /* the best listener on the port: a specific address beats 0.0.0.0 */',
    '    return best_scoring(lhash2[hnum], daddr, dif);',
    '}',
  ],
  inet_lookup: [
    'struct sock *__inet_lookup(struct net *net, ... __be32 daddr, __be16 dport)   «entry|no socket»',
    '{',
    '    sk = __inet_lookup_established(net, ...);',
    '    return sk ?: __inet_lookup_listener(net, ...);   /* NULL: no socket, a RST answers */',
    '}',
  ],
  tcp_v4_send_synack: [
    'int tcp_v4_send_synack(const struct sock *sk, struct request_sock *req, ...)   «entry»',
    '{',
    '    /* a listener answers a SYN: SYN-ACK to the sender, a new packet with its own route */',
    '    skb = tcp_make_synack(sk, dst, req, ...);',
    '    return ip_build_and_send_pkt(skb, sk, ireq->ir_loc_addr, ireq->ir_rmt_addr, ...);',
    '}',
  ],
  tcp_v4_send_reset: [
    'void tcp_v4_send_reset(const struct sock *sk, struct sk_buff *skb)   «entry»',
    '{',
    '    /* no socket for the segment: answer with RST (ACK of the SYN) */',
    '    ip_send_unicast_reply(ctl_sk, skb, &arg, ...);',
    '}',
  ],
  tcp_rcv_state_process: [
    'int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)   «entry|established»',
    '{',
    '    case TCP_SYN_SENT: /* SYN-ACK for our SYN: connect() returns 0 */',
    '        tcp_set_state(sk, TCP_ESTABLISHED);',
    '}',
  ],
  tcp_reset: [
    'void tcp_reset(struct sock *sk, struct sk_buff *skb)   «entry|refused»',
    '{',
    '    sk->sk_err = ECONNREFUSED;            /* connect() fails */',
    '    tcp_done(sk);',
    '}',
  ],
  tcp_v4_err: [
    'int tcp_v4_err(struct sk_buff *skb, u32 info)   «entry|error»',
    '{',
    '    /* an ICMP error about one of our segments: report it to the connecting socket */',
    '    sk->sk_err = icmp_err_convert[code].errno;',
    '}',
  ],
  udp_rcv: [
    'int udp_rcv(struct sk_buff *skb)   «entry»',
    '{',
    '    sk = __udp4_lib_lookup_skb(skb, uh->source, uh->dest);',
    '    if (sk) return udp_queue_rcv_skb(sk, skb);',
    '    icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);   /* no socket */',
    '    kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);',
    '}',
  ],
  __udp4_lib_lookup: [
    'struct sock *__udp4_lib_lookup(struct net *net, __be32 saddr, __be16 sport, __be32 daddr, __be16 dport, ...)   «entry|socket|no socket»',
    '{',
    '    return best_scoring(udptable[hnum], daddr, dport);',
    '}',
  ],
  __udp4_lib_err: [
    'int __udp4_lib_err(struct sk_buff *skb, u32 info, struct udp_table *udptable)   «entry|error»',
    '{',
    '    sk->sk_err = icmp_err_convert[code].errno;   /* reported to the sending socket */',
    '}',
  ],
  icmp_rcv: [
    'int icmp_rcv(struct sk_buff *skb)   «entry»',
    '{',
    '    switch (icmph->type) {',
    '    case ICMP_ECHO: return icmp_echo(skb);          /* unless icmp_echo_ignore_all */',
    '    case ICMP_ECHOREPLY: return ping_rcv(skb);',
    '    case ICMP_DEST_UNREACH: case ICMP_TIME_EXCEEDED: return icmp_unreach(skb);  /* to the socket */',
    '    }',
    '}',
  ],
  icmp_reply: [
    'void icmp_reply(struct icmp_bxm *icmp_param, struct sk_buff *skb)   «entry»',
    '{',
    '    /* echo reply: source = the address pinged, a new packet routed back */',
    '    rt = ip_route_output_key(net, &fl4);',
    '    icmp_push_reply(sk, icmp_param, &fl4, &ipc, &rt);',
    '}',
  ],
  icmp_send: [
    'void __icmp_send(struct sk_buff *skb_in, int type, int code, __be32 info, ...)   «entry»',
    '{',
    '    /* an ICMP error about skb_in, quoting its IP header and 8 bytes, to its source */',
    '    if (is_icmp_error(skb_in) || !is_first_fragment(skb_in)) return;',
    '    saddr = icmp_errors_use_inbound_ifaddr ? inbound_addr : route_source;',
    '    rt = icmp_route_lookup(net, &fl4, skb_in, iph, saddr, ...);',
    '    icmp_push_reply(sk, &icmp_param, &fl4, &ipc, &rt);',
    '}',
  ],
  ping_rcv: [
    'enum skb_drop_reason ping_rcv(struct sk_buff *skb)   «entry|echo reply»',
    '{',
    '    sk = ping_lookup(net, skb, ntohs(icmph->un.echo.id));',
    '    return sk ? ping_queue_rcv_skb(sk, skb) : SKB_DROP_REASON_NO_SOCKET;',
    '}',
  ],
  ping_err: [
    'void ping_err(struct sk_buff *skb, int offset, u32 info)   «entry|error»',
    '{',
    '    sk->sk_err = icmp_err_convert[code].errno;   /* reported to the pinging socket */',
    '}',
  ],
  br_handle_frame: [
    'rx_handler_result_t br_handle_frame(struct sk_buff **pskb)   «entry»',
    '{',
    '    br_fdb_update(br, p, eth_hdr(skb)->h_source);   /* learn the source MAC on this port */',
    '    if (dest is the bridge itself) return br_pass_frame_up(skb);   /* ip_rcv on the bridge device */',
    '    dst = br_fdb_find(br, eth_hdr(skb)->h_dest);',
    '    if (dst) br_forward(dst->dst, skb); else br_flood(br, skb);',
    '    return RX_HANDLER_CONSUMED;',
    '}',
  ],
  br_pass_frame_up: [
    'int br_pass_frame_up(struct sk_buff *skb)   «entry»',
    '{',
    '    skb->dev = br->dev;                   /* now received by the bridge device itself */',
    '    return netif_receive_skb(skb);',
    '}',
  ],
  br_forward: [
    'void br_forward(const struct net_bridge_port *to, struct sk_buff *skb, ...)   «entry»',
    '{',
    '    /* br_netfilter: bridged IPv4 passes iptables FORWARD when bridge-nf-call-iptables=1 */',
    '    NF_HOOK(NFPROTO_BRIDGE, NF_BR_FORWARD, skb, indev, to->dev, br_forward_finish);',
    '    dev_queue_xmit(skb);                  /* out of the port */',
    '}',
  ],
  br_flood: [
    'void br_flood(struct net_bridge *br, struct sk_buff *skb, ...)   «entry»',
    '{',
    '    /* unknown destination MAC: a copy out of every other port */',
    '    list_for_each_entry(p, &br->port_list, list) if (p != skb->dev) br_forward(p, skb_clone(skb));',
    '}',
  ],
  br_dev_xmit: [
    'netdev_tx_t br_dev_xmit(struct sk_buff *skb, struct net_device *dev)   «entry»',
    '{',
    '    /* sent by the host through the bridge device: FDB lookup, then out of a port or flooded */',
    '    dst = br_fdb_find_rcu(br, dest, vid);',
    '    if (dst) br_forward(dst->dst, skb); else br_flood(br, skb);',
    '}',
  ],
  netns_switch: [
    '/* simulator short-cut mode: the packet changes namespace here instead of crossing a veth */   «entry»',
    'skb->dev = peer; dev_net_set(skb, dev_net(peer));',
  ],
  outside_rcv: [
    '/* the simulated host outside the topology receives the frame */   «entry»',
    'consume_skb(skb);',
  ],
  kfree_skb: [
    'void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason)   «entry»',
    '{',
    '    /* the packet is dropped here; the reason is what pwru and dropwatch show */',
    '    trace_kfree_skb(skb, __builtin_return_address(0), reason);',
    '    __kfree_skb(skb);',
    '}',
  ],
};

/** Every function with a pseudo-source, in a stable order (sourceReference = index + 1). */
export const KERNEL_FUNCTIONS: readonly string[] = Object.keys(RAW);

const BY_NAME = new Map<string, KernelSource>();
KERNEL_FUNCTIONS.forEach((fn, i) => {
  const marks = new Map<string, number>();
  const lines = RAW[fn].map((l, k) => {
    const m = /\s*«([^»]*)»\s*$/.exec(l);
    if (!m) return l;
    for (const tag of m[1].split('|')) if (!marks.has(tag)) marks.set(tag, k + 1);
    return l.slice(0, m.index);
  });
  BY_NAME.set(fn, { fn, ref: i + 1, text: lines.join('\n') + '\n', marks });
});

/** The pseudo-source of a kernel function, or undefined for a name without one. */
export function kernelSource(fn: string): KernelSource | undefined {
  return BY_NAME.get(fn);
}

export function kernelSourceByRef(ref: number): KernelSource | undefined {
  const fn = KERNEL_FUNCTIONS[ref - 1];
  return fn === undefined ? undefined : BY_NAME.get(fn);
}

/** The line an event of `fn` points at: its verdict's, errno's or reason's mark, else the entry line. */
export function kernelLine(src: KernelSource, attrs: { verdict?: string; errno?: string; reason?: string }): number {
  for (const k of [attrs.verdict, attrs.errno, attrs.reason]) {
    if (k !== undefined) {
      const l = src.marks.get(k);
      if (l !== undefined) return l;
    }
  }
  return src.marks.get('entry') ?? 1;
}
